import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { assertChartsMatch, panelReady, seriesOf } from './charts';
import { SLOW_MS, UI_MS, completedTinyRun, getApi, readMetrics, waitFor, workspaceDir } from './helpers';
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
    const report = await waitFor(
      async () => {
        const r = await panel.requestChartData(30000);
        return seriesOf(r, 'loss', runId, 'train')?.points === records.filter((x) => x.type === 'train').length ? r : undefined;
      },
      'the loss chart to hold every train record',
      SLOW_MS,
      250,
    );
    assertChartsMatch(report, runId, records);
    const probes = records.filter((r) => r.type === 'probe');
    assert.equal(seriesOf(report, 'gradientOverTime', runId, 'gradient')?.probeStep, probes[probes.length - 1].step, 'the latest probe is shown');

    if (!driver) return;
    // Read the canvases back from the webview frame: drawn, with more than one colour.
    const info = await waitFor(
      async () => {
        const w = await driver!.webview();
        return w.found && w.canvases.filter((c) => c.visible && c.painted > 500 && c.colors >= 3).length >= 3 ? w : undefined;
      },
      'painted canvases in the plots webview',
      UI_MS,
      250,
    );
    console.log(`webview canvases: ${info.canvases.map((c) => `${c.chart}:${c.width}x${c.height}:${c.painted}px/${c.colors}c`).join(' ')}`);
    const shot = await driver.screenshot('plots-panel', 'webview');
    assert.ok(fs.existsSync(shot.file), shot.file);
    assert.ok(shot.width > 200 && shot.height > 200, `screenshot size ${shot.width}x${shot.height}`);
    assert.ok(shot.distinctColors >= 8 && shot.nonBackgroundFraction > 0.01, `screenshot is not blank: ${JSON.stringify(shot)}`);
  });

  it('exports CSV and PNG from the panel buttons into the export folder', async function () {
    if (!driver) this.skip(); // clicking in the webview needs the UI driver
    const api = await getApi();
    const { runDir } = await completedTinyRun(api);
    const runId = path.basename(runDir);
    await vscode.workspace.getConfiguration('hamiltonianRnn').update('plots.exportFolder', 'exports', vscode.ConfigurationTarget.Workspace);
    const exportDir = path.join(workspaceDir(), 'exports');
    try {
      await panelReady();
      await driver.webviewClick('Export CSV');
      const csvFile = await waitFor(() => fs.readdirSync(exportDir).find((f) => f.endsWith('.csv')), 'the exported CSV', UI_MS).catch((e) => {
        throw new Error(`${e}; files: ${fs.existsSync(exportDir) ? fs.readdirSync(exportDir) : 'no folder'}`);
      });
      const rows = fs
        .readFileSync(path.join(exportDir, csvFile), 'utf8')
        .trim()
        .split(/\r?\n/)
        .map((l) => l.split(','));
      const trainLoss = rows.filter((r) => r[0] === 'loss' && r[1] === runId && r[2] === 'train');
      assert.equal(trainLoss.length, readMetrics(runDir).filter((r) => r.type === 'train').length, 'one CSV row per train step of the loss chart');
      await driver.webviewClick('Export PNG');
      const pngFile = await waitFor(() => fs.readdirSync(exportDir).find((f) => f.endsWith('.png')), 'the exported PNG', UI_MS);
      const png = fs.readFileSync(path.join(exportDir, pngFile));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
      assert.ok(png.length > 5000, `PNG of the charts (${png.length} bytes)`);
    } finally {
      await vscode.workspace.getConfiguration('hamiltonianRnn').update('plots.exportFolder', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
