import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { getApi, reloadRequest, runsDir, SLOW_MS, trainTinyRun, until } from './helpers';
import { driver } from './uiDriver';

describe('Before "Developer: Reload Window"', () => {
  it('leaves the plots panel comparing the finished runs', async function () {
    if (!driver) this.skip(); // reloading the window needs the UI driver of scripts/run-vscode-tests.mjs
    const api = await getApi();
    const finishedRuns = () => api.runsView.listRuns().filter((r) => r.summary.status !== 'running');
    // The earlier tests leave several finished runs; when some of them failed, make the two needed here.
    for (let i = finishedRuns().length; i < 2; i++) {
      void driver!.log('reload test: fewer than two finished runs, training one');
      await trainTinyRun(api);
    }
    const runs = finishedRuns();
    assert.ok(runs.length >= 2, `at least two finished runs in ${runsDir()}`);
    const runDirs = runs.slice(0, 2).map((r) => r.runDir);
    await vscode.commands.executeCommand('hamiltonianRnn.compareRuns', ...runDirs.map((d) => vscode.Uri.file(d)));
    const panel = await until([api.plots.onDidOpenPanel], () => api.plots.current, 'the plots panel');
    assert.deepEqual([...panel.runs.runDirs].sort(), [...runDirs].sort());
    await until(
      [panel.onDidBecomeReady, panel.webviewPanel.onDidChangeViewState],
      () => panel.isReady && panel.visible,
      'the panel ready and visible',
      SLOW_MS,
    );
    await driver!.screenshot('plots-before-reload', 'webview');
    reloadRequest.data = { runDirs: panel.runs.runDirs, phase1: { passes: 0, failures: 0 } };
  });
});
