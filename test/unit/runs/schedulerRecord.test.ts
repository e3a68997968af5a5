/**
 * scheduler.json and what discovery makes of a Slurm sweep: how Slurm ended a run lands in its
 * folder (a stopped run stays stopped and resumable, a completed one is untouched), and members
 * without a run folder are listed as not started.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../../../src/protocol/records';
import { discoverRuns } from '../../../src/runs/discovery';
import { readSummary } from '../../../src/runs/runFolder';
import { readSchedulerRecord, recordSchedulerEnd, writeSchedulerRecord } from '../../../src/runs/schedulerRecord';
import { SweepFolderWriter } from '../../../src/runs/sweepFolder';

function writeSummary(runDir: string, patch: Partial<RunSummary>): void {
  fs.mkdirSync(runDir, { recursive: true });
  const summary = {
    formatVersion: 1,
    runId: path.basename(runDir),
    name: 'x',
    status: 'stopped',
    stepsDone: 40,
    totalSteps: 100,
    best: null,
    final: {},
    backend: 'cpu',
    implementation: 'tfjs',
    durationMs: 1,
    packageVersion: '0',
    startedAt: '2026-12-02T10:00:00.000Z',
    endedAt: '2026-12-02T10:01:00.000Z',
    experimentFile: '/x.yaml',
    message: 'stopped by SIGTERM',
    tags: { model: 'hamiltonian', task: 'adding', hidden: 8, length: 10 },
    ...patch,
  };
  fs.writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(summary));
}

describe('scheduler.json: Slurm ids and endings in run folders', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-sched-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records how Slurm ended a stopped run: still stopped, with the reason in its message', () => {
    const runDir = path.join(dir, 'run');
    writeSummary(runDir, {});
    writeSchedulerRecord(runDir, { scheduler: 'slurm', jobId: '5', taskId: 0, taskJobId: '6' });
    assert.equal(recordSchedulerEnd(runDir, { state: 'TIMEOUT', reason: 'TimeLimit', message: 'Slurm stopped it at its time limit' }), true);
    const summary = readSummary(runDir)!;
    assert.equal(summary.status, 'stopped');
    assert.equal(summary.message, 'Slurm stopped it at its time limit');
    const record = readSchedulerRecord(runDir)!;
    assert.equal(record.ended?.state, 'TIMEOUT');
    assert.equal(record.taskJobId, '6');
  });

  it('a run killed while running reads failed; a completed run keeps its status and message', () => {
    const killed = path.join(dir, 'killed');
    writeSummary(killed, { status: 'running', endedAt: null, pid: 999999, message: undefined });
    writeSchedulerRecord(killed, { scheduler: 'slurm', jobId: '5', taskId: 1 });
    recordSchedulerEnd(killed, { state: 'OUT_OF_MEMORY', reason: 'None', message: 'out of memory' });
    const k = readSummary(killed, { raw: true })!;
    assert.equal(k.status, 'failed');
    assert.equal(k.pid, undefined);
    assert.ok(k.endedAt);
    const done = path.join(dir, 'done');
    writeSummary(done, { status: 'completed', message: undefined });
    writeSchedulerRecord(done, { scheduler: 'slurm', jobId: '5', taskId: 2 });
    recordSchedulerEnd(done, { state: 'CANCELLED', reason: 'None', message: 'cancelled' });
    assert.equal(readSummary(done)!.status, 'completed');
    assert.equal(readSummary(done)!.message, undefined);
    assert.equal(recordSchedulerEnd(path.join(dir, 'missing'), { state: 'CANCELLED', reason: 'None', message: 'x' }), false);
  });

  it('discovery lists sweep members without a run folder as not started, and members with their Slurm task', () => {
    const sweep = SweepFolderWriter.create(dir, {
      sweepId: 's-sweep-1',
      name: 's',
      experimentFile: '/s.yaml',
      grid: { seed: [1, 2] },
      members: [
        { index: 0, runId: '0-seed-1', parameters: { seed: 1 } },
        { index: 1, runId: '1-seed-2', parameters: { seed: 2 } },
      ],
    });
    sweep.setExecutor({ kind: 'slurm', jobIds: ['5'] });
    sweep.setScheduler(0, { scheduler: 'slurm', jobId: '5', taskId: 0, state: 'RUNNING' }, 'running');
    sweep.setScheduler(1, { scheduler: 'slurm', jobId: '5', taskId: 1, state: 'PENDING', reason: 'Resources' }, 'pending');
    writeSummary(sweep.memberDir(0), { status: 'running', owner: { host: os.hostname(), pid: process.pid }, endedAt: null });
    const [found] = discoverRuns(dir).sweeps;
    assert.equal(found.sweep.executor?.kind, 'slurm');
    assert.deepEqual(
      found.runs.map((r) => [r.summary.runId, r.scheduler?.state]),
      [['0-seed-1', 'RUNNING']],
    );
    assert.deepEqual(
      found.unstarted.map((m) => [m.runId, m.status, m.scheduler?.reason]),
      [['1-seed-2', 'pending', 'Resources']],
    );
    assert.throws(() => sweep.writeExecutorFile('../escape.sh', ''), /not a file name/);
    assert.ok(fs.existsSync(sweep.writeExecutorFile('job.sh', '#!/bin/sh\n', 0o755)));
  });
});
