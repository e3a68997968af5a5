import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { readSummary } from '../../src/runs/runFolder';
import type { TrainingSession } from '../../src/extension/training/supervisor';
import {
  SLOW_MS,
  STOP_LABEL,
  UI_MS,
  endTraining,
  experimentUri,
  getApi,
  openExperiment,
  readMetrics,
  runFromPalette,
  sleep,
  trainFromPalette,
  until,
  waitFor,
  withTimeout,
} from './helpers';
import { seriesOf } from './charts';
import { screenshotIfFailed } from './rootHooks';
import { driver } from './uiDriver';

const step = (what: string) => void driver?.log(`stop test: ${what}`);

describe('Stop Training', () => {
  /** The long run's session, for the cleanup after a failure. */
  let longSession: TrainingSession | undefined;

  afterEach(async function () {
    // The screenshot first, while the failed step is still on screen; then a failure half-way must
    // not leave a 100000-step run behind for the tests after this one.
    await screenshotIfFailed(this.currentTest);
    const ended = longSession ? await endTraining(await getApi(), [longSession]) : [];
    if (ended.length) console.log(`stop test: ended its run after a failure (${ended.join(', ')})`);
  });

  it('sends live updates at the configured rate, none while hidden, a snapshot when shown again; Stop ends the run stopped with a checkpoint', async function () {
    // Several machine-speed waits in a row (trainer start, two webview page loads, a graceful stop).
    this.timeout(4 * SLOW_MS);
    const api = await getApi();
    const session = await trainFromPalette(api, 'long-adding.hrnn.yaml');
    longSession = session;
    const run = await until(
      [api.supervisor.onDidReceiveEvent],
      () => (session.currentRun && session.currentRun.step >= 10 ? session.currentRun : undefined),
      'the long run to reach step 10',
      SLOW_MS,
    );
    const runId = run.runId;
    step(`run ${runId} at step ${run.step}`);

    // The panel opened for the new run (setting plots.openOnTrain); watch the updates it gets.
    const panel = await until(
      [api.plots.onDidOpenPanel, api.supervisor.onDidReceiveEvent],
      () => (api.plots.current?.runs.has(run.runDir) ? api.plots.current : undefined),
      'the live run in the plots panel',
      UI_MS,
    );
    const viewChanged = panel.webviewPanel.onDidChangeViewState;
    await until([panel.onDidBecomeReady, viewChanged], () => panel.isReady && panel.visible, 'the panel visible and ready', SLOW_MS);
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
      const items = await waitFor(
        async () => {
          const found = await driver!.query('.statusbar-item');
          return found.some((i) => /HRNN step \d+\/100000/.test(i.text)) ? found : undefined;
        },
        'the training status bar item on screen',
        UI_MS,
        250,
      );
      console.log(`status bar: ${items.find((i) => /HRNN step/.test(i.text))?.text}`);
    }

    // hamiltonianRnn.maxConcurrentRuns is 1: a second training is refused while this one runs.
    const second = await vscode.commands.executeCommand('hamiltonianRnn.train', experimentUri('tiny-adding.hrnn.yaml'));
    assert.equal(second, undefined, 'no second session');
    assert.equal(api.supervisor.activeSessions.length, 1);
    await waitFor(
      () =>
        api.notifier.notices.find((n) => n.severity === 'warning' && /not training tiny-adding\.hrnn\.yaml: 1 training run is already running/.test(n.message)),
      'the concurrency warning',
    );
    // Hide the panel (another editor on top of it in its group): nothing is sent while hidden.
    const doc = await vscode.workspace.openTextDocument({ content: 'covering the panel', language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { viewColumn: panel.webviewPanel.viewColumn, preview: false });
    await until([viewChanged], () => !panel.visible, 'the panel hidden', UI_MS);
    const hidden = { appends: panel.stats.appends, snapshots: panel.stats.snapshots };
    await sleep(1500);
    assert.equal(panel.stats.appends, hidden.appends, 'no appends while hidden');
    step('hidden: no appends');
    // Shown again: its webview page is made anew (no retainContextWhenHidden) and, once it says
    // `ready`, gets a full snapshot that brings it up to date.
    panel.reveal(true);
    await until(
      [panel.onDidBecomeReady, viewChanged],
      () => panel.visible && panel.stats.snapshots > hidden.snapshots,
      'a snapshot after showing the panel again',
      SLOW_MS,
    );
    step('visible again, snapshot sent');
    await until([panel.onDidBecomeReady], () => panel.isReady, 'ready again', SLOW_MS);
    const report = await panel.requestChartData(SLOW_MS);
    const trainOnDisk = readMetrics(run.runDir).filter((r) => r.type === 'train').length;
    const drawn = seriesOf(report, 'loss', runId, 'train')?.points ?? 0;
    assert.ok(drawn > stepsBefore && drawn <= trainOnDisk, `after the snapshot the panel holds ${drawn} train points (${trainOnDisk} on disk)`);

    step('snapshot after showing again');
    // Stop from the command palette, with the experiment in front.
    await openExperiment('long-adding.hrnn.yaml');
    // Where a slow stop spends its time: the palette and the workbench until the command reaches
    // the extension host (the session leaves `running`), then the trainer until the process ends.
    const stopAsked = Date.now();
    const stopReached = until(
      [api.supervisor.onDidReceiveEvent, api.supervisor.onDidEndSession],
      () => (session.state !== 'running' ? Date.now() : undefined),
      'the Stop command to reach the extension host',
      SLOW_MS,
    );
    stopReached.catch(() => undefined); // awaited below; not an unhandled rejection if the palette fails first
    await runFromPalette('Stop Training', STOP_LABEL, 'hamiltonianRnn.stopTraining');
    const reachedAt = await stopReached;
    await withTimeout(session.ended, SLOW_MS, 'the run to stop');
    step(`Stop reached the extension host ${reachedAt - stopAsked} ms after the palette was asked for it; the run ended ${Date.now() - reachedAt} ms later`);
    const summary = readSummary(run.runDir);
    assert.equal(session.outcome?.kind, 'finished', JSON.stringify(session.outcome));
    assert.equal(session.exit?.forced, false, 'stopped gracefully, not killed');
    assert.equal(summary?.status, 'stopped');
    assert.ok(summary && summary.stepsDone > 0 && summary.stepsDone < 100000, `stopped early at ${summary?.stepsDone}`);
    assert.ok(fs.existsSync(path.join(run.runDir, 'checkpoint', 'model.json')), 'checkpoint written on stop');
    await waitFor(() => api.notifier.notices.find((n) => /long-adding\.hrnn\.yaml stopped at step \d+/.test(n.message)), 'the stopped message');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
