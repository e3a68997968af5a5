import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { readSummary } from '../../src/runs/runFolder';
import { STOP_LABEL, experimentUri, getApi, openExperiment, readMetrics, runFromPalette, sleep, trainFromPalette, waitFor, withTimeout } from './helpers';
import { seriesOf } from './charts';
import { driver } from './uiDriver';

const step = (what: string) => void driver?.log(`stop test: ${what}`);

describe('Stop Training', () => {
  it('sends live updates at the configured rate, none while hidden, a snapshot when shown again; Stop ends the run stopped with a checkpoint', async () => {
    const api = await getApi();
    const session = await trainFromPalette(api, 'long-adding.hrnn.yaml');
    const run = await waitFor(() => (session.currentRun && session.currentRun.step >= 10 ? session.currentRun : undefined), 'the long run to reach step 10', 60000);
    const runId = run.runId;
    step(`run ${runId} at step ${run.step}`);

    // The panel opened for the new run (setting plots.openOnTrain); watch the updates it gets.
    const panel = await waitFor(() => (api.plots.current?.runs.has(run.runDir) ? api.plots.current : undefined), 'the live run in the plots panel');
    await waitFor(() => panel.isReady && panel.visible, 'the panel visible and ready');
    const a0 = panel.stats.appends;
    const stepsBefore = run.step;
    await sleep(2000);
    const appends = panel.stats.appends - a0;
    const steps = run.step - stepsBefore;
    console.log(`live: ${steps} steps in 2 s reached the panel in ${appends} append messages`);
    assert.ok(appends >= 2, `live updates arrive while training (${appends})`);
    assert.ok(appends <= 2 * 10 + 2, `batched at <= 10 Hz: ${appends} appends in 2 s`);
    assert.ok(steps > appends, 'several steps per message');

    step('live updates checked');

    // The status bar shows step, loss and speed of the live run (read from the API and on screen).
    assert.match(api.statusBarText(), /HRNN step \d+\/100000 · loss [\d.e-]+ · [\d.]+ steps\/s/);
    if (driver) {
      const items = await waitFor(async () => {
        const found = await driver!.query('.statusbar-item');
        return found.some((i) => /HRNN step \d+\/100000/.test(i.text)) ? found : undefined;
      }, 'the training status bar item on screen');
      console.log(`status bar: ${items.find((i) => /HRNN step/.test(i.text))?.text}`);
    }

    // hamiltonianRnn.maxConcurrentRuns is 1: a second training is refused while this one runs.
    const second = await vscode.commands.executeCommand('hamiltonianRnn.train', experimentUri('tiny-adding.hrnn.yaml'));
    assert.equal(second, undefined, 'no second session');
    assert.equal(api.supervisor.activeSessions.length, 1);
    await waitFor(() => api.notifier.notices.find((n) => n.severity === 'warning' && /not training tiny-adding\.hrnn\.yaml: 1 training run is already running/.test(n.message)), 'the concurrency warning');
    // Hide the panel (another editor on top of it in its group): nothing is sent while hidden.
    const doc = await vscode.workspace.openTextDocument({ content: 'covering the panel', language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { viewColumn: panel.webviewPanel.viewColumn, preview: false });
    await waitFor(() => !panel.visible, 'the panel hidden');
    const hidden = { appends: panel.stats.appends, snapshots: panel.stats.snapshots };
    await sleep(1500);
    assert.equal(panel.stats.appends, hidden.appends, 'no appends while hidden');
    step('hidden: no appends');
    // Shown again: a full snapshot brings it up to date.
    panel.reveal(true);
    await waitFor(() => panel.visible && panel.stats.snapshots > hidden.snapshots, 'a snapshot after showing the panel again');
    step('visible again, snapshot sent');
    await waitFor(() => panel.isReady, 'ready again');
    const report = await panel.requestChartData();
    const trainOnDisk = readMetrics(run.runDir).filter((r) => r.type === 'train').length;
    const drawn = seriesOf(report, 'loss', runId, 'train')?.points ?? 0;
    assert.ok(drawn > stepsBefore && drawn <= trainOnDisk, `after the snapshot the panel holds ${drawn} train points (${trainOnDisk} on disk)`);

    step('snapshot after showing again');
    // Stop from the command palette, with the experiment in front.
    await openExperiment('long-adding.hrnn.yaml');
    await runFromPalette('Stop Training', STOP_LABEL, 'hamiltonianRnn.stopTraining');
    await withTimeout(session.ended, 60000, 'the run to stop');
    assert.equal(session.outcome?.kind, 'finished', JSON.stringify(session.outcome));
    assert.equal(session.exit?.forced, false, 'stopped gracefully, not killed');
    const summary = readSummary(run.runDir);
    assert.equal(summary?.status, 'stopped');
    assert.ok(summary && summary.stepsDone > 0 && summary.stepsDone < 100000, `stopped early at ${summary?.stepsDone}`);
    assert.ok(fs.existsSync(path.join(run.runDir, 'checkpoint', 'model.json')), 'checkpoint written on stop');
    await waitFor(() => api.notifier.notices.find((n) => /long-adding\.hrnn\.yaml stopped at step \d+/.test(n.message)), 'the stopped message');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
