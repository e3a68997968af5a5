import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingSession } from '../../src/extension/training/supervisor';
import { readSummary } from '../../src/runs/runFolder';
import { SLOW_MS, completedTinyRun, getApi, trainTinyRun, waitFor, withTimeout } from './helpers';
import { driver } from './uiDriver';

describe('Runs view commands', () => {
  let rerunDir: string | undefined;

  it('Rerun trains the run experiment again into a new run folder', async () => {
    const api = await getApi();
    const { runDir } = await completedTinyRun(api);
    const node = api.runsView.getChildren().find((n) => n.kind === 'run' && n.runDir === runDir);
    assert.ok(node);
    const started = new Promise<TrainingSession>((resolve) => {
      const sub = api.supervisor.onDidStartSession((s) => (sub.dispose(), resolve(s)));
    });
    await vscode.commands.executeCommand('hamiltonianRnn.runs.rerun', node);
    const session = await withTimeout(started, SLOW_MS, 'the rerun to start');
    await withTimeout(session.ended, SLOW_MS, 'the rerun to finish');
    const run = session.runList[0];
    assert.ok(run && run.runDir !== runDir, 'a new run folder');
    assert.equal(run.status, 'completed');
    assert.equal(readSummary(run.runDir)?.experimentFile, readSummary(runDir)?.experimentFile);
    rerunDir = run.runDir;
  });

  it('Delete deletes nothing unless the user confirms', async function () {
    const api = await getApi();
    if (!rerunDir) {
      // The Rerun test failed (and says why): train a run of our own to delete rather than fail here too.
      void driver?.log('delete test: no rerun to delete, training one');
      rerunDir = (await trainTinyRun(api)).runDir;
    }
    assert.ok(rerunDir, 'a finished run to delete');
    const dir = rerunDir;
    const node = await waitFor(() => api.runsView.getChildren().find((n) => n.kind === 'run' && n.runDir === dir), 'the rerun in the view');
    // The confirmation is a modal dialog; VS Code answers every modal dialog of an extension test
    // run with "cancel" (DialogService: refused to show dialog in tests), so this is the unconfirmed path.
    const deleted = await vscode.commands.executeCommand<boolean>('hamiltonianRnn.runs.delete', node);
    assert.equal(deleted, false);
    assert.ok(fs.existsSync(path.join(dir, 'summary.json')), 'the run folder is still there');
    assert.ok(api.runsView.getChildren().some((n) => n.kind === 'run' && n.runDir === dir));
  });
});
