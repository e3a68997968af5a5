import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingSession } from '../../src/extension/training/supervisor';
import { readSummary } from '../../src/runs/runFolder';
import {
  EXTENSION_ID,
  SLOW_MS,
  completedTinyRun,
  endTraining,
  experimentUri,
  getApi,
  readMetrics,
  runsDir,
  trainTinyRun,
  until,
  waitFor,
  withTimeout,
  workspaceDir,
} from './helpers';
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

  it('Resume continues a stopped run in its own folder from its checkpoint, without duplicate steps', async () => {
    const api = await getApi();
    const nextSession = () =>
      new Promise<TrainingSession>((resolve) => {
        const sub = api.supervisor.onDidStartSession((s) => (sub.dispose(), resolve(s)));
      });
    const sessions: TrainingSession[] = [];
    try {
      // A run of our own, stopped after some steps (the stop writes the checkpoint Resume starts from).
      const first = nextSession();
      await vscode.commands.executeCommand('hamiltonianRnn.train', experimentUri('long-adding.hrnn.yaml'));
      const session = await withTimeout(first, SLOW_MS, 'the long run to start');
      sessions.push(session);
      const run = await until(
        [api.supervisor.onDidReceiveEvent],
        () => (session.currentRun && session.currentRun.step >= 30 ? session.currentRun : undefined),
        'the long run to reach step 30',
      );
      await api.supervisor.stop(session);
      await withTimeout(session.ended, SLOW_MS, 'the long run to stop');
      const stopped = readSummary(run.runDir)!;
      assert.equal(stopped.status, 'stopped');

      const node = await waitFor(() => api.runsView.getChildren().find((n) => n.kind === 'run' && n.runDir === run.runDir), 'the stopped run in the view');
      assert.equal(api.runsView.getTreeItem(node).contextValue, 'hamiltonianRnn.run.resumable', 'the view offers Resume for a stopped run');
      const second = nextSession();
      await vscode.commands.executeCommand('hamiltonianRnn.runs.resume', node);
      const resumed = await withTimeout(second, SLOW_MS, 'the resumed run to start');
      sessions.push(resumed);
      await until(
        [api.supervisor.onDidReceiveEvent],
        () => resumed.currentRun && resumed.currentRun.step >= stopped.stepsDone + 20,
        'the resumed run to train past where it stopped',
      );
      assert.equal(resumed.currentRun?.runDir, run.runDir, 'the same run folder');
      await api.supervisor.stop(resumed);
      await withTimeout(resumed.ended, SLOW_MS, 'the resumed run to stop');
      const summary = readSummary(run.runDir)!;
      assert.equal(summary.status, 'stopped');
      assert.equal(summary.resumes, 1);
      assert.ok(summary.stepsDone > stopped.stepsDone + 19, `${summary.stepsDone} steps after resuming at ${stopped.stepsDone}`);
      const steps = readMetrics(run.runDir)
        .filter((r) => r.type === 'train')
        .map((r) => r.step);
      assert.deepEqual(
        steps,
        Array.from({ length: steps.length }, (_, i) => i + 1),
        'train steps 1..N once each',
      );
    } finally {
      await endTraining(api, sessions);
    }
  });

  it('shows runs trained from a terminal anywhere in the workspace (a nested examples/runs/) beside runs/', async () => {
    const api = await getApi();
    await completedTinyRun(api);
    // What a user does in VS Code's terminal: `hrnn train examples/x.hrnn.yaml` writes examples/runs/<run>.
    const examples = path.join(workspaceDir(), 'examples');
    fs.mkdirSync(examples, { recursive: true });
    const file = path.join(examples, 'from-terminal.hrnn.yaml');
    fs.writeFileSync(file, fs.readFileSync(experimentUri('tiny-adding.hrnn.yaml').fsPath, 'utf8').replace('name: tiny-adding', 'name: from-terminal'));
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'train', file], {
      cwd: workspaceDir(),
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      timeout: SLOW_MS,
    });
    assert.equal(r.status, 0, r.stderr);
    const terminalRun = r.stdout.trim();
    assert.equal(path.dirname(terminalRun), path.join(examples, 'runs'));
    const listed = await waitFor(() => {
      const dirs = api.runsView.listRuns().map((f) => f.runDir);
      return dirs.includes(terminalRun) ? dirs : undefined;
    }, 'the terminal run in the runs view');
    assert.ok(
      listed.some((d) => path.dirname(d) === runsDir()),
      'runs of the configured runs folder are still listed',
    );
    assert.ok(api.runsView.getChildren().some((n) => n.kind === 'run' && n.runDir === terminalRun));
  });
});
