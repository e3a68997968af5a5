/**
 * The runs view for sweeps on Slurm, without VS Code: members not started yet are children of their
 * sweep in member order and read as queued with Slurm's reason; members Slurm ended (time limit,
 * cancelled) say so; an unfinished Slurm sweep counts its queued members and offers Cancel, not Delete.
 * The sweep is a real folder read through discovery, as the view reads it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SchedulerTask, SweepSummary } from '../../../src/protocol/records';
import { discoverRuns } from '../../../src/runs/discovery';
import { writeSchedulerRecord } from '../../../src/runs/schedulerRecord';
import { describeRun, describeSweep, describeUnstartedMember } from '../../../src/extension/runsView/runDescriptions';
import { sweepChildren, sweepContextValueOf } from '../../../src/extension/runsView/runNodes';
import { fixtureSummary } from '../../fixtures/runs/summary';

const task = (taskId: number, over: Partial<SchedulerTask> = {}): SchedulerTask => ({ scheduler: 'slurm', jobId: '42', taskId, ...over });

function writeSweep(root: string): { sweepDir: string; sweep: SweepSummary } {
  const sweepDir = path.join(root, 'grid-sweep-1');
  const sweep: SweepSummary = {
    formatVersion: 1,
    sweepId: 'grid-sweep-1',
    name: 'grid',
    experimentFile: '/w/grid.hrnn.yaml',
    grid: { seed: [1, 2, 3, 4] },
    runs: [
      { index: 0, runId: '0-seed-1', parameters: { seed: 1 }, status: 'stopped', best: null, scheduler: task(0, { state: 'TIMEOUT', reason: 'TimeLimit' }) },
      { index: 1, runId: '1-seed-2', parameters: { seed: 2 }, status: 'pending', best: null, scheduler: task(1, { state: 'PENDING', reason: 'Priority' }) },
      {
        index: 2,
        runId: '2-seed-3',
        parameters: { seed: 3 },
        status: 'running',
        best: null,
        scheduler: task(2, { state: 'RUNNING', reason: 'None', node: 'n1' }),
      },
      {
        index: 3,
        runId: '3-seed-4',
        parameters: { seed: 4 },
        status: 'stopped',
        best: null,
        scheduler: task(3, { state: 'CANCELLED', reason: 'None', ended: { state: 'CANCELLED', reason: 'None', at: '2026-12-02T10:05:00Z' } }),
      },
    ],
    startedAt: '2026-12-02T10:00:00Z',
    endedAt: null,
    executor: { kind: 'slurm', jobIds: ['42'] },
  };
  fs.mkdirSync(sweepDir, { recursive: true });
  fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify(sweep));
  const member = (i: number, over: Parameters<typeof fixtureSummary>[1], record: SchedulerTask) => {
    const dir = path.join(sweepDir, sweep.runs[i].runId);
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'summary.json'),
      JSON.stringify(fixtureSummary(sweep.runs[i].runId, { sweep: { id: sweep.sweepId, index: i, parameters: sweep.runs[i].parameters }, ...over })),
    );
    writeSchedulerRecord(dir, record);
  };
  member(
    0,
    { status: 'stopped', stepsDone: 40, message: 'Slurm stopped it at its time limit (TIMEOUT, TimeLimit)' },
    task(0, { node: 'n1', ended: { state: 'TIMEOUT', reason: 'TimeLimit', at: '2026-12-02T10:01:00Z' } }),
  );
  // Running: a live pid so that discovery does not read it as crashed.
  member(2, { status: 'running', stepsDone: 3, pid: process.pid }, task(2, { node: 'n1', state: 'RUNNING' }));
  return { sweepDir, sweep };
}

describe('extension: the runs view of a sweep on Slurm', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-slurm-view-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lists started and unstarted members in member order', () => {
    const { sweepDir } = writeSweep(tmp);
    const [found] = discoverRuns(tmp).sweeps;
    const children = sweepChildren(sweepDir, found);
    assert.deepEqual(
      children.map((c) => (c.kind === 'run' ? `run ${path.basename(c.runDir)}` : c.kind === 'unstarted' ? `unstarted ${c.member.runId}` : c.kind)),
      ['run 0-seed-1', 'unstarted 1-seed-2', 'run 2-seed-3', 'unstarted 3-seed-4'],
    );
  });

  it('a queued member reads queued with Slurm reason; one cancelled before it started says so', () => {
    const { sweep } = writeSweep(tmp);
    const queued = describeUnstartedMember(sweep.runs[1]);
    assert.equal(queued.label, 'seed=2');
    assert.equal(queued.description, 'queued (Priority)');
    assert.equal(queued.icon, 'clock');
    assert.match(queued.tooltip, /Slurm: job 42_1 · PENDING \(Priority: waiting for jobs of higher priority\)/);
    const cancelled = describeUnstartedMember(sweep.runs[3]);
    assert.equal(cancelled.description, 'cancelled before it started');
    assert.equal(cancelled.icon, 'debug-stop');
    assert.match(cancelled.tooltip, /CANCELLED/);
    // A member of a local sweep waiting for its turn, and one whose submission failed.
    const local = describeUnstartedMember({ index: 0, runId: 'r0', parameters: {}, status: 'pending', best: null });
    assert.deepEqual([local.label, local.description, local.icon], ['r0', 'pending', 'clock']);
    assert.equal(describeUnstartedMember({ index: 0, runId: 'r0', parameters: {}, status: 'failed', best: null }).description, 'failed, never started');
    // A local sweep stopped before this member's turn: it will not start.
    assert.equal(describeUnstartedMember({ index: 0, runId: 'r0', parameters: {}, status: 'pending', best: null }, true).description, 'not started');
  });

  it('a member Slurm stopped at its time limit says so before its status; a running one names its Slurm task', () => {
    writeSweep(tmp);
    const [found] = discoverRuns(tmp).sweeps;
    const [timedOut, running] = found.runs;
    const view = describeRun(timedOut.summary, undefined, timedOut.scheduler);
    assert.equal(view.description, 'time limit · stopped');
    assert.match(view.tooltip, /status: stopped \(Slurm stopped it at its time limit/);
    assert.match(view.tooltip, /Slurm: job 42_0 on n1 · TIMEOUT \(TimeLimit\)/);
    const live = describeRun(running.summary, undefined, running.scheduler);
    assert.equal(live.description, 'step 3/10');
    assert.match(live.tooltip, /Slurm: job 42_2 on n1 · RUNNING/);
  });

  it('an unfinished Slurm sweep counts its queued members and offers Cancel instead of Delete', () => {
    const { sweep } = writeSweep(tmp);
    const view = describeSweep(sweep, ['stopped', 'running']);
    assert.equal(view.description, 'sweep · 2/4 runs · 1 queued · seed');
    assert.equal(view.icon, 'sync~spin');
    assert.match(view.tooltip, /Slurm job array 42/);
    const waiting = { ...sweep, runs: sweep.runs.map((r) => ({ ...r, status: 'pending' as const })) };
    assert.equal(describeSweep(waiting, []).icon, 'clock');
    assert.equal(sweepContextValueOf(sweep), 'hamiltonianRnn.sweep.slurm');
    assert.equal(sweepContextValueOf({ ...sweep, endedAt: '2026-12-02T11:00:00Z' }), 'hamiltonianRnn.sweep');
    assert.equal(sweepContextValueOf({ ...sweep, executor: undefined }), 'hamiltonianRnn.sweep');
    // package.json: Delete's `when` must not match an unfinished Slurm sweep; Cancel Sweep's must.
    const menus = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as PackageJson).contributes.menus[
      'view/item/context'
    ];
    const when = (command: string) => menus.filter((m) => m.command === command).map((m) => m.when);
    const matches = (expr: string, value: string) =>
      new RegExp(/viewItem =~ \/(.*)\/(?: |$)/.exec(expr)?.[1] ?? '^$').test(value) || expr.includes(`viewItem == ${value}`);
    assert.ok(when('hamiltonianRnn.runs.delete').every((w) => !matches(w, 'hamiltonianRnn.sweep.slurm')));
    assert.ok(when('hamiltonianRnn.runs.delete').some((w) => matches(w, 'hamiltonianRnn.sweep')));
    assert.ok(when('hamiltonianRnn.runs.cancelSweep').some((w) => matches(w, 'hamiltonianRnn.sweep.slurm')));
    assert.ok(when('hamiltonianRnn.openPlots').some((w) => matches(w, 'hamiltonianRnn.sweep.slurm')));
  });
});

interface PackageJson {
  contributes: { menus: Record<string, { command: string; when: string }[]> };
}
