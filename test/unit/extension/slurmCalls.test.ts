/**
 * The extension's Slurm calls without VS Code: sbatch found on a fake PATH, the CLI invocations of
 * Train on Slurm, Cancel Sweep and the queue refresh (run against a fake CLI script that records its
 * arguments), what their answers mean, and which new members of a cluster sweep the plots panel adds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SweepSummary } from '../../../src/protocol/records';
import { findOnPathAsync } from '../../../src/process/commandRunner';
import { slurmSubmitArguments } from '../../../src/process/trainerArguments';
import type { FoundSweep } from '../../../src/runs/discovery';
import {
  cancelSlurmSweep,
  cliRunner,
  findSbatch,
  membersToShow,
  readCancellation,
  readSubmission,
  refreshArguments,
  refreshSlurmSweeps,
  submitToSlurm,
} from '../../../src/extension/slurm/slurmCalls';
import { fixtureSummary } from '../../fixtures/runs/summary';

function executable(file: string, text = '#!/bin/sh\nexit 0\n'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
  return file;
}

/** A stand-in for dist/cli.js: records its arguments and environment, answers as `hrnn` would. */
function fakeCli(dir: string, answer: { stdout: string; stderr: string; code: number }): { script: string; calls: string } {
  const calls = path.join(dir, 'calls.jsonl');
  const script = path.join(dir, 'cli.js');
  fs.writeFileSync(
    script,
    `const fs = require('fs');
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ argv: process.argv.slice(2), electron: process.env.ELECTRON_RUN_AS_NODE ?? null, cwd: process.cwd() }) + '\\n');
process.stdout.write(${JSON.stringify(answer.stdout)});
process.stderr.write(${JSON.stringify(answer.stderr)});
process.exitCode = ${answer.code};
`,
  );
  return { script, calls };
}

function readCalls(file: string): { argv: string[]; electron: string | null; cwd: string }[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; electron: string | null; cwd: string });
}

function sweep(sweepDir: string, over: Partial<SweepSummary>, started: string[]): FoundSweep {
  const summary: SweepSummary = {
    formatVersion: 1,
    sweepId: path.basename(sweepDir),
    name: 'grid',
    experimentFile: '/w/grid.hrnn.yaml',
    grid: { seed: [1, 2, 3] },
    runs: ['r0', 'r1', 'r2'].map((runId, index) => ({
      index,
      runId,
      parameters: { seed: index + 1 },
      status: started.includes(runId) ? 'running' : 'pending',
      best: null,
    })),
    startedAt: '2026-12-02T10:00:00Z',
    endedAt: null,
    executor: { kind: 'slurm', jobIds: ['42'] },
    ...over,
  };
  return {
    sweepDir,
    sweep: summary,
    runs: started.map((runId) => ({ runDir: path.join(sweepDir, runId), summary: fixtureSummary(runId), sweepDir })),
    unstarted: summary.runs.filter((r) => !started.includes(r.runId)),
  };
}

describe('extension: Slurm calls', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-slurm-calls-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds sbatch on PATH only as an executable file, without blocking', async () => {
    const notExecutable = path.join(tmp, 'a');
    fs.mkdirSync(notExecutable);
    fs.writeFileSync(path.join(notExecutable, 'sbatch'), 'not a program', { mode: 0o644 });
    const aFolder = path.join(tmp, 'b');
    fs.mkdirSync(path.join(aFolder, 'sbatch'), { recursive: true });
    const real = executable(path.join(tmp, 'slurm', 'bin', 'sbatch'));
    const found = findSbatch([notExecutable, '', aFolder, path.join(tmp, 'missing'), path.dirname(real)].join(path.delimiter));
    assert.ok(found instanceof Promise);
    assert.equal(await found, real);
    assert.equal(await findSbatch([notExecutable, aFolder].join(path.delimiter)), null);
    assert.equal(await findSbatch(''), null);
    assert.equal(await findOnPathAsync('squeue', path.dirname(real)), null);
  });

  it('Train on Slurm runs the bundled CLI as hrnn train --executor slurm --detach and reads the job id and sweep folder', async () => {
    const cli = fakeCli(tmp, {
      stdout: '4242\n/shared/runs/grid-sweep-1\n',
      stderr: 'hrnn: 3 runs of /shared/runs/grid-sweep-1 submitted to Slurm as job array 4242\n',
      code: 0,
    });
    const runner = cliRunner(cli.script, { nodePath: process.execPath, cwd: tmp, env: { PATH: process.env.PATH } });
    const submitted = await submitToSlurm(runner, { experimentFile: '/w/grid.hrnn.yaml', runsDir: '/shared/runs', backend: 'cpu' });
    assert.deepEqual(submitted, {
      ok: true,
      jobId: '4242',
      sweepDir: '/shared/runs/grid-sweep-1',
      messages: ['hrnn: 3 runs of /shared/runs/grid-sweep-1 submitted to Slurm as job array 4242'],
    });
    const [call] = readCalls(cli.calls);
    assert.deepEqual(call.argv, ['train', '/w/grid.hrnn.yaml', '--executor', 'slurm', '--detach', '--runs-dir', '/shared/runs', '--backend', 'cpu']);
    assert.equal(call.electron, '1', 'an Electron host binary runs the CLI as Node');
    assert.equal(fs.realpathSync(call.cwd), fs.realpathSync(tmp));
    assert.deepEqual(slurmSubmitArguments({ experimentFile: '/w/a.hrnn.yaml', runsDir: '/r' }), [
      'train',
      '/w/a.hrnn.yaml',
      '--executor',
      'slurm',
      '--detach',
      '--runs-dir',
      '/r',
    ]);
  });

  it('a refused submission hands back the CLI lines as problems', async () => {
    const refused = readSubmission({ code: 1, stdout: '', stderr: '/w/a.hrnn.yaml:3:5: error: unknown key\n/w/a.hrnn.yaml:9:1: error: bad\n' });
    assert.deepEqual(refused, {
      ok: false,
      problems: ['/w/a.hrnn.yaml:3:5: error: unknown key', '/w/a.hrnn.yaml:9:1: error: bad'],
      messages: ['/w/a.hrnn.yaml:3:5: error: unknown key', '/w/a.hrnn.yaml:9:1: error: bad'],
    });
    const usage = readSubmission({
      code: 2,
      stdout: '',
      stderr: 'hrnn train: --executor slurm trains a sweep (an experiment with sweep.grid); train a single run here\n',
    });
    assert.equal(usage.ok, false);
    assert.match(!usage.ok ? usage.problems[0] : '', /trains a sweep/);
    const noStart = readSubmission({ code: null, stdout: '', stderr: '', error: 'spawn ENOENT' });
    assert.deepEqual(!noStart.ok && noStart.problems, ['spawn ENOENT']);
    // Exit 0 without a job id (never expected) is no success either.
    assert.equal(readSubmission({ code: 0, stdout: '/runs/x\n', stderr: '' }).ok, false);
  });

  it('Cancel Sweep runs hrnn cancel <sweep> and reports scancel and each member', async () => {
    const cli = fakeCli(tmp, {
      stdout: 'stopped (Slurm: CANCELLED)  r0\nstopped (Slurm: CANCELLED, left the queue before it started)  r1\n',
      stderr: 'hrnn cancel: scancel 42: cancelled job array 42\n',
      code: 0,
    });
    const cancelled = await cancelSlurmSweep(cliRunner(cli.script, { nodePath: process.execPath }), '/shared/runs/grid-sweep-1');
    assert.deepEqual(readCalls(cli.calls)[0].argv, ['cancel', '/shared/runs/grid-sweep-1']);
    assert.deepEqual(cancelled, {
      ok: true,
      lines: ['scancel 42: cancelled job array 42'],
      members: ['stopped (Slurm: CANCELLED)  r0', 'stopped (Slurm: CANCELLED, left the queue before it started)  r1'],
    });
    const failed = readCancellation({ code: 0, stdout: '', stderr: 'hrnn cancel: scancel 42: Invalid job id specified\n' });
    assert.equal(failed.ok, false);
    assert.deepEqual(failed.lines, ['scancel 42: Invalid job id specified']);
    assert.equal(readCancellation({ code: 1, stdout: '', stderr: 'hrnn cancel: /x: not a sweep folder (no readable sweep.json)\n' }).ok, false);
  });

  it('the queue refresh is hrnn runs over the unfinished sweeps, and nothing at all without one', async () => {
    const cli = fakeCli(tmp, { stdout: '{}\n', stderr: '', code: 0 });
    const runner = cliRunner(cli.script, { nodePath: process.execPath });
    assert.equal(await refreshSlurmSweeps(runner, []), true);
    assert.ok(!fs.existsSync(cli.calls), 'no process for no sweep');
    assert.equal(await refreshSlurmSweeps(runner, ['/s/a', '/s/b']), true);
    assert.deepEqual(readCalls(cli.calls)[0].argv, refreshArguments(['/s/a', '/s/b']));
    assert.deepEqual(refreshArguments(['/s/a']), ['runs', '/s/a', '--json']);
  });

  it('the panel adds members of a cluster sweep as they start, when it shows the sweep or the sweep was submitted here', () => {
    const known = new Set<string>();
    const shown = new Set(['/s/a/r0']);
    // First look: r0 is shown, r1 started (new): added; r2 queued.
    assert.deepEqual(membersToShow([sweep('/s/a', {}, ['r0', 'r1'])], shown, new Set(), known), ['/s/a/r1']);
    // The user removed r1 from the panel: it is not added again; r2 starting is.
    assert.deepEqual(membersToShow([sweep('/s/a', {}, ['r0', 'r1', 'r2'])], shown, new Set(), known), ['/s/a/r2']);
    // A sweep the panel does not show and that was not submitted here: left alone.
    assert.deepEqual(membersToShow([sweep('/s/b', {}, ['r0'])], shown, new Set(), known), []);
    // Submitted from this window: its members join the panel as they start.
    assert.deepEqual(membersToShow([sweep('/s/c', {}, ['r0'])], new Set(), new Set(['/s/c']), known), ['/s/c/r0']);
    // An ended sweep or a local one: never.
    assert.deepEqual(membersToShow([sweep('/s/d', { endedAt: '2026-12-02T11:00:00Z' }, ['r0', 'r1'])], new Set(['/s/d/r0']), new Set(), known), []);
    assert.deepEqual(membersToShow([sweep('/s/e', { executor: undefined }, ['r0', 'r1'])], new Set(['/s/e/r0']), new Set(), known), []);
  });
});
