/**
 * The extension's side of Slurm on a real one-node cluster (test/slurm/testCluster.ts), without VS
 * Code: sbatch is found on the cluster's PATH; Train on Slurm's call of the bundled CLI submits a sweep
 * and returns at once; the runs view's nodes show the member not started yet as queued; the queue
 * refresh (hrnn runs) and the folders bring every member to completed, and the plots panel's rule adds
 * the second member when it starts; Cancel Sweep's call ends a running sweep.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { SweepSummary } from '../../src/protocol/records';
import { discoverRuns } from '../../src/runs/discovery';
import { describeUnstartedMember } from '../../src/extension/runsView/runDescriptions';
import { sweepChildren } from '../../src/extension/runsView/runNodes';
import {
  cancelSlurmSweep,
  cliRunner,
  findSbatch,
  membersToShow,
  refreshSlurmSweeps,
  submitToSlurm,
  type CliRunner,
} from '../../src/extension/slurm/slurmCalls';
import { skipReason, startTestCluster, type TestCluster } from './testCluster';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

function experiment(name: string, steps: number): string {
  return `name: ${name}
task: { kind: adding, length: 10, testSize: 20, validationSize: 20 }
model: { kind: hamiltonian, hidden: 8 }
training: { batchSize: 4, steps: ${steps}, evalEvery: ${Math.max(20, steps / 5)}, checkpointEvery: ${Math.max(20, steps / 5)} }
probes: { every: null }
backend: cpu
sweep:
  grid:
    seed: [1, 2]
executor: { kind: slurm, maxConcurrent: 1 }
`;
}

const readSweep = (sweepDir: string) => JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as SweepSummary;

describe('VS Code side of Slurm on a real one-node cluster', function () {
  this.timeout(300_000);
  let cluster: TestCluster | undefined;
  let work: string;
  let runner: CliRunner;

  before(async function () {
    const reason = skipReason();
    if (reason) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    assert.ok(fs.existsSync(cli), `${cli} is built`);
    cluster = await startTestCluster();
    work = fs.mkdtempSync(path.join(cluster.dir, 'ext-'));
    runner = cliRunner(cli, { env: cluster.env, nodePath: process.execPath, cwd: work });
  });

  after(async () => {
    await cluster?.stop();
  });

  it('finds sbatch, submits through the bundled CLI, shows the queued member, follows the sweep to completion', async () => {
    assert.ok(await findSbatch(cluster!.env.PATH), 'sbatch on the PATH');
    const file = path.join(work, 'ext.hrnn.yaml');
    // Long enough (seconds a member) that the second member cannot start and end between two looks of
    // the loop below, even on an idle fast machine: at 1500 steps a member took under a second on an
    // Intel core with two FMA pipes, and the test failed now and then.
    fs.writeFileSync(file, experiment('ext', 6000));
    const runsDir = path.join(work, 'runs');
    const t0 = Date.now();
    const submitted = await submitToSlurm(runner, { experimentFile: file, runsDir });
    assert.ok(submitted.ok, JSON.stringify(submitted));
    assert.ok(Date.now() - t0 < 60_000, 'the submission returns without waiting for the runs');
    assert.equal(path.dirname(submitted.sweepDir), runsDir);
    assert.deepEqual(readSweep(submitted.sweepDir).executor, { kind: 'slurm', jobIds: [submitted.jobId] });

    // One task at a time: the second member waits in the queue, and the runs view says so.
    await refreshSlurmSweeps(runner, [submitted.sweepDir]);
    const [found] = discoverRuns(runsDir).sweeps;
    const second = sweepChildren(submitted.sweepDir, found)[1];
    assert.equal(second.kind, 'unstarted', `the second member has not started: ${JSON.stringify(second)}`);
    if (second.kind === 'unstarted') assert.match(describeUnstartedMember(second.member).description, /^queued/);

    // Follow as the extension does: a queue refresh, then the folders; the panel shows the first member.
    const known = new Set<string>();
    const shown = new Set<string>();
    const added: string[] = [];
    const t1 = Date.now();
    for (;;) {
      await refreshSlurmSweeps(runner, [submitted.sweepDir]);
      const [now] = discoverRuns(runsDir).sweeps;
      if (shown.size === 0 && now.runs.length) shown.add(now.runs[0].runDir);
      for (const dir of membersToShow([now], shown, new Set(), known)) {
        shown.add(dir);
        added.push(path.basename(dir));
      }
      if (now.sweep.endedAt !== null) break;
      if (Date.now() - t1 > 180_000) throw new Error(`the sweep did not end: ${JSON.stringify(now.sweep.runs)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const sweep = readSweep(submitted.sweepDir);
    assert.deepEqual(
      sweep.runs.map((r) => r.status),
      ['completed', 'completed'],
    );
    assert.deepEqual(added, [sweep.runs[1].runId], 'the member that started later joined the panel');
  });

  it('Cancel Sweep cancels the job array through hrnn cancel', async () => {
    const file = path.join(work, 'long.hrnn.yaml');
    fs.writeFileSync(file, experiment('long', 10_000_000));
    const submitted = await submitToSlurm(runner, { experimentFile: file, runsDir: path.join(work, 'runs-long') });
    assert.ok(submitted.ok, JSON.stringify(submitted));
    const first = path.join(submitted.sweepDir, readSweep(submitted.sweepDir).runs[0].runId, 'summary.json');
    const t0 = Date.now();
    while (!fs.existsSync(first)) {
      if (Date.now() - t0 > 90_000) throw new Error('the first member did not start');
      await new Promise((r) => setTimeout(r, 500));
    }
    const cancelled = await cancelSlurmSweep(runner, submitted.sweepDir);
    assert.ok(cancelled.ok, JSON.stringify(cancelled));
    assert.match(cancelled.lines.join('\n'), new RegExp(`scancel ${submitted.jobId}: cancelled`));
    assert.equal(cancelled.members.length, 2);
    for (const m of readSweep(submitted.sweepDir).runs) assert.equal(m.scheduler?.ended?.state, 'CANCELLED', m.runId);
  });
});
