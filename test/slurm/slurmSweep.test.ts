/**
 * Sweeps on a real one-node Slurm cluster (test/slurm/testCluster.ts starts it in a temporary folder):
 * a 2x2 sweep completes as array tasks with every run recording its Slurm ids; a member cancelled
 * with scancel reads cancelled; one that runs past its time limit is reported with that reason and
 * continues from its checkpoint on resubmission. Real `hrnn` processes, tiny experiments.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary, SchedulerTask, SweepSummary } from '../../src/protocol/records';
import { skipReason, startTestCluster, type TestCluster } from './testCluster';

const root = path.resolve(__dirname, '../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function experiment(name: string, steps: number, grid: string, extra = ''): string {
  return `name: ${name}
task: { kind: adding, length: 10, testSize: 20 }
model: { kind: hamiltonian, hidden: 8 }
training: { batchSize: 4, steps: ${steps}, evalEvery: 20, checkpointEvery: 20 }
probes: { every: null }
backend: cpu
sweep:
  grid:
${grid}
${extra}`;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hrnnRun(args: string[], cluster: TestCluster, cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [hrnn, ...args], { cwd, env: { ...cluster.env, HRNN_SLURM_POLL_MS: '1000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('Slurm executor on a real one-node cluster', function () {
  this.timeout(300_000);
  let cluster: TestCluster | undefined;
  let work: string;
  /** The time-limit sweep, submitted first (it needs a minute of Slurm's clock) and checked last. */
  let timeLimited: { sweepDir: string; jobId: string } | undefined;

  before(async function () {
    const reason = skipReason();
    if (reason) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    cluster = await startTestCluster();
    work = fs.mkdtempSync(path.join(cluster.dir, 'work-'));
    // A member that trains far longer than its one-minute limit, checkpointing as it goes.
    const file = path.join(work, 'slow.hrnn.yaml');
    fs.writeFileSync(file, experiment('slow', 10_000_000, '    seed: [1]', 'executor: { kind: slurm, time: "1" }\n'));
    const submitted = await hrnnRun(['train', file, '--detach'], cluster, work);
    assert.equal(submitted.code, 0, submitted.stderr);
    const [jobId, sweepDir] = submitted.stdout.trim().split('\n');
    assert.match(jobId, /^\d+$/);
    timeLimited = { sweepDir, jobId };
  });

  after(async () => {
    await cluster?.stop();
  });

  it('a 2x2 sweep completes as array tasks; every run records its Slurm ids; hrnn runs lists them completed', async () => {
    const file = path.join(work, 'grid.hrnn.yaml');
    fs.writeFileSync(file, experiment('grid', 30, '    model.tau: [0.01, 0.05]\n    seed: [1, 2]'));
    const r = await hrnnRun(['train', file, '--executor', 'slurm'], cluster!, work);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /submitted to Slurm as job array \d+/);
    const sweepDir = r.stdout.trim().split('\n').pop()!;
    const sweep = readJson<SweepSummary>(path.join(sweepDir, 'sweep.json'));
    assert.equal(sweep.executor?.kind, 'slurm');
    assert.equal(sweep.runs.length, 4);
    const jobId = sweep.executor!.jobIds[0];
    for (const m of sweep.runs) {
      assert.equal(m.status, 'completed', m.runId);
      const record = readJson<SchedulerTask>(path.join(sweepDir, m.runId, 'scheduler.json'));
      assert.equal(record.jobId, jobId);
      assert.equal(record.taskId, m.index);
      assert.match(record.taskJobId ?? '', /^\d+$/);
      assert.equal(readJson<RunSummary>(path.join(sweepDir, m.runId, 'summary.json')).stepsDone, 30);
    }
    const runs = await hrnnRun(['runs', sweepDir, '--json'], cluster!, work);
    const listed = runs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; scheduler?: SchedulerTask });
    assert.equal(listed.length, 4);
    for (const l of listed) {
      assert.equal(l.status, 'completed');
      assert.equal(l.scheduler?.jobId, jobId);
    }
  });

  it('hrnn cancel: a running member and a queued one are reported cancelled', async () => {
    const file = path.join(work, 'cancel.hrnn.yaml');
    // Two members, one at a time: the first runs (long), the second waits in the queue.
    fs.writeFileSync(file, experiment('cancel', 10_000_000, '    seed: [1, 2]', 'executor: { kind: slurm, maxConcurrent: 1 }\n'));
    const submitted = await hrnnRun(['train', file, '--detach'], cluster!, work);
    assert.equal(submitted.code, 0, submitted.stderr);
    const sweepDir = submitted.stdout.trim().split('\n')[1];
    const listedPending = await hrnnRun(['runs', sweepDir, '--json'], cluster!, work);
    assert.ok(
      listedPending.stdout.split('\n').some((l) => l && (JSON.parse(l) as { status: string }).status === 'pending'),
      `a queued member is listed pending:\n${listedPending.stdout}`,
    );
    // Wait until the first member trains (its run folder has steps), then cancel the whole array.
    await until(
      'the first member to train',
      () => (readJsonSafe<RunSummary>(path.join(sweepDir, firstMember(sweepDir), 'summary.json'))?.stepsDone ?? 0) > 0,
      90_000,
    );
    const cancelled = await hrnnRun(['cancel', sweepDir], cluster!, work);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const sweep = readJson<SweepSummary>(path.join(sweepDir, 'sweep.json'));
    for (const m of sweep.runs) {
      assert.equal(m.scheduler?.ended?.state, 'CANCELLED', `${m.runId}: ${JSON.stringify(m.scheduler)}`);
      assert.notEqual(m.status, 'completed');
    }
    const first = readJson<RunSummary>(path.join(sweepDir, sweep.runs[0].runId, 'summary.json'));
    assert.equal(first.status, 'stopped');
    assert.match(first.message ?? '', /cancelled in Slurm/);
    const table = await hrnnRun(['runs', sweepDir], cluster!, work);
    assert.equal(
      table.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('cancelled')).length,
      2,
      table.stdout,
    );
  });

  it('a member past its time limit is reported with that reason and resumes from its checkpoint', async () => {
    const { sweepDir } = timeLimited!;
    const sweepFile = path.join(sweepDir, 'sweep.json');
    // Slurm checks limits every half minute or so: the member ends within about two minutes of its start.
    const ended = await untilAsync(async () => {
      await hrnnRun(['runs', sweepDir, '--json'], cluster!, work); // brings sweep.json up to date from Slurm
      const m = readJson<SweepSummary>(sweepFile).runs[0];
      return m.scheduler?.ended ? m : null;
    }, 180_000);
    assert.equal(ended.scheduler!.ended!.state, 'TIMEOUT');
    const runDir = path.join(sweepDir, ended.runId);
    const stopped = readJson<RunSummary>(path.join(runDir, 'summary.json'));
    assert.equal(stopped.status, 'stopped');
    assert.match(stopped.message ?? '', /time limit/);
    assert.ok(stopped.stepsDone > 0);
    const table = await hrnnRun(['runs', sweepDir], cluster!, work);
    assert.match(table.stdout, /^time limit/m);
    // Resubmitted with a few more steps than it had done: it continues from its checkpoint and completes.
    const target = stopped.stepsDone + 20;
    const resumed = await hrnnRun(['train', '--resume', sweepDir, '--set', `training.steps=${target}`, '--set', 'executor.time=10'], cluster!, work);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = readJson<RunSummary>(path.join(runDir, 'summary.json'));
    assert.equal(done.status, 'completed');
    assert.equal(done.stepsDone, target);
    assert.equal(done.resumes, 1);
    assert.ok((done.resumedFromStep ?? 0) > 0, 'resumed from a checkpoint, not from step 0');
    const sweep = readJson<SweepSummary>(sweepFile);
    assert.equal(sweep.executor!.jobIds.length, 2);
    assert.equal(readJson<SchedulerTask>(path.join(runDir, 'scheduler.json')).jobId, sweep.executor!.jobIds[1]);
  });
});

function readJsonSafe<T>(file: string): T | null {
  try {
    return readJson<T>(file);
  } catch {
    return null;
  }
}

function firstMember(sweepDir: string): string {
  return readJson<SweepSummary>(path.join(sweepDir, 'sweep.json')).runs[0].runId;
}

async function untilAsync<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2000));
  }
}
