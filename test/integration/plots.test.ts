import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { assertChartsMatch, panelReady, seriesOf } from './charts';
import { completedTinyRun, getApi, readMetrics, waitFor } from './helpers';
import { driver } from './uiDriver';

describe('Plots panel', () => {
  it('receives the run points and draws them: chart data equals metrics.jsonl, canvas not blank', async () => {
    const api = await getApi();
    const { runDir } = await completedTinyRun(api);
    const runId = path.basename(runDir);
    // Training opened the panel beside the experiment; Open Plots on the run shows just this run.
    await vscode.commands.executeCommand('hamiltonianRnn.openPlots', vscode.Uri.file(runDir));
    const panel = await panelReady();
    assert.deepEqual(panel.runs.runDirs, [runDir]);

    const records = readMetrics(runDir);
    const report = await waitFor(async () => {
      const r = await panel.requestChartData();
      return seriesOf(r, 'loss', runId, 'train')?.points === records.filter((x) => x.type === 'train').length ? r : undefined;
    }, 'the loss chart to hold every train record', 20000, 250);
    assertChartsMatch(report, runId, records);
    const probes = records.filter((r) => r.type === 'probe');
    assert.equal(seriesOf(report, 'gradientOverTime', runId, 'gradient')?.probeStep, probes[probes.length - 1].step, 'the latest probe is shown');

    if (!driver) return;
    // Read the canvases back from the webview frame: drawn, with more than one colour.
    const info = await waitFor(async () => {
      const w = await driver!.webview();
      return w.found && w.canvases.filter((c) => c.visible && c.painted > 500 && c.colors >= 3).length >= 3 ? w : undefined;
    }, 'painted canvases in the plots webview', 20000, 250);
    console.log(`webview canvases: ${info.canvases.map((c) => `${c.chart}:${c.width}x${c.height}:${c.painted}px/${c.colors}c`).join(' ')}`);
    const shot = await driver.screenshot('plots-panel', 'webview');
    assert.ok(fs.existsSync(shot.file), shot.file);
    assert.ok(shot.width > 200 && shot.height > 200, `screenshot size ${shot.width}x${shot.height}`);
    assert.ok(shot.distinctColors >= 8 && shot.nonBackgroundFraction > 0.01, `screenshot is not blank: ${JSON.stringify(shot)}`);
  });
});
