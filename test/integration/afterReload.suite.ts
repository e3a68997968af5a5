// Phase 2 (after "Developer: Reload Window"): loaded by index.ts only when the UI driver says so.
// Not named *.test.ts so that @vscode/test-cli (which loads every *.test.js) never runs it alone.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ReloadData } from './helpers';
import { SLOW_MS, UI_MS, getApi, readMetrics, until, waitFor } from './helpers';
import { assertChartsMatch } from './charts';
import { driver } from './uiDriver';

describe('After "Developer: Reload Window"', () => {
  it('the plots panel comes back with the same runs, read again from their folders', async () => {
    assert.ok(driver, 'phase 2 runs only under the UI driver');
    const state = await driver.state<ReloadData>();
    const expected = state.data?.runDirs ?? [];
    assert.ok(expected.length >= 2, `the runs shown before the reload: ${JSON.stringify(state.data)}`);
    const api = await getApi();
    const panel = await until([api.plots.onDidOpenPanel], () => api.plots.current, 'the restored plots panel (WebviewPanelSerializer)', SLOW_MS);
    assert.deepEqual(panel.runs.runDirs, expected);
    await until([panel.onDidBecomeReady], () => panel.isReady, 'the restored webview ready handshake', SLOW_MS);
    const report = await panel.requestChartData(SLOW_MS);
    for (const runDir of expected) assertChartsMatch(report, path.basename(runDir), readMetrics(runDir));
    const info = await waitFor(
      async () => {
        const w = await driver!.webview();
        return w.found && w.canvases.filter((c) => c.visible && c.painted > 500).length >= 3 ? w : undefined;
      },
      'painted canvases after the reload',
      UI_MS,
      250,
    );
    assert.ok(info.canvases.length >= 3);
    const shot = await driver.screenshot('plots-after-reload', 'webview');
    assert.ok(shot.distinctColors >= 8 && shot.nonBackgroundFraction > 0.01, JSON.stringify(shot));
  });
});
