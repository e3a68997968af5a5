import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { readSummary } from '../../src/runs/runFolder';
import { completedTinyRun, getApi, readMetrics, runsDir, waitFor } from './helpers';
import { driver } from './uiDriver';

describe('Train from the command palette', () => {
  it('trains tiny-adding to completed', async () => {
    const api = await getApi();
    const { session, runDir } = await completedTinyRun(api);

    assert.equal(session.outcome?.kind, 'finished', `outcome ${JSON.stringify(session.outcome)}; stderr: ${session.stderrTail.join('\n')}`);
    assert.equal(session.runList[0].status, 'completed');
    assert.equal(path.dirname(runDir), runsDir(), 'the run folder is in the workspace runs folder (setting hamiltonianRnn.runsFolder)');
    const summary = readSummary(runDir);
    assert.equal(summary?.status, 'completed');
    assert.equal(summary?.stepsDone, 30);
    const train = readMetrics(runDir).filter((r) => r.type === 'train');
    assert.equal(train.length, 30, 'one train record per step in metrics.jsonl');
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoint', 'model.json')), 'final checkpoint');
    await waitFor(() => api.notifier.notices.find((n) => /tiny-adding\.hrnn\.yaml completed/.test(n.message)), 'the completion message');
  });

  it('lists the run in the runs view with status, final metric and tau', async () => {
    const api = await getApi();
    const { runDir } = await completedTinyRun(api);
    const runId = path.basename(runDir);
    const node = await waitFor(() => api.runsView.getChildren().find((n) => n.kind === 'run' && n.runDir === runDir), 'the run in the runs view');
    const item = api.runsView.getTreeItem(node);
    assert.equal(item.label, runId);
    assert.match(String(item.description), /^mse [\d.e-]+ · τ 0\.1$/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    if (driver) {
      // And on screen: open the view container and find the row.
      await vscode.commands.executeCommand('workbench.view.extension.hamiltonianRnn');
      const rows = await waitFor(async () => {
        const found = await driver!.query('.pane-body .monaco-list-row');
        return found.some((r) => r.text.includes(runId)) ? found : undefined;
      }, `a row "${runId}" in the runs view on screen`);
      assert.ok(rows.some((r) => r.text.includes(runId) && /mse/.test(r.text)));
      await driver.screenshot('runs-view', 'page');
    }
  });
});
