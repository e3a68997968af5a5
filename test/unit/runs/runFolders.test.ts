/**
 * The run-folder owner (src/runs/): durable atomic writes, stale temporaries, exclusive creation,
 * sweep member ids that cannot leave the sweep, and `crashed` for runs whose trainer is gone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUN_FILES, type RunSummary } from '../../../src/protocol/records';
import { removeStaleTemps, tempNameFor, writeFileAtomic } from '../../../src/runs/atomicFile';
import { discoverRuns, discoverRunsUnder, runsRootOf } from '../../../src/runs/discovery';
import { SWEEP_FILE, sweepMemberDir } from '../../../src/runs/layout';
import { crashedReason, currentOwner, processStartTicks } from '../../../src/runs/liveness';
import { readSummary } from '../../../src/runs/runFolder';
import { RunFolderWriter, markRunInterrupted } from '../../../src/runs/runWriter';
import { SweepFolderWriter, readSweepSummary } from '../../../src/runs/sweepFolder';
import { fixtureSummary } from '../../fixtures/runs/summary';
import { useSmallDisk } from '../helpers/smallDisk';

const summaryOf = (runId: string, over: Partial<RunSummary> = {}): RunSummary => fixtureSummary(runId, { stepsDone: 3, startedAt: new Date().toISOString(), ...over });

/** A pid that exited: a child that ran `true` and was reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('run folders (src/runs)', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-runs-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('replaces a file atomically and leaves no temporary behind, also when the write fails', () => {
    const file = path.join(tmp, 'a.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    assert.equal(fs.readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(fs.readdirSync(tmp), ['a.json']);
    // The target is a folder: rename fails after the temporary was written; it must be gone.
    const dirTarget = path.join(tmp, 'folder');
    fs.mkdirSync(path.join(dirTarget, 'x'), { recursive: true });
    assert.throws(() => writeFileAtomic(dirTarget, 'data'));
    assert.ok(!fs.existsSync(tempNameFor(dirTarget)), 'temporary removed after the failure');
  });

  it('removes temporaries of dead writers, keeps those of live ones', () => {
    const dead = path.join(tmp, `model.json.${deadPid()}.tmp`);
    const live = path.join(tmp, `model.json.${process.ppid}.tmp`);
    fs.writeFileSync(dead, 'x');
    fs.writeFileSync(live, 'x');
    fs.writeFileSync(path.join(tmp, 'keep.json'), 'x');
    assert.equal(removeStaleTemps(tmp), 1);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['keep.json', path.basename(live)].sort());
  });

  it('creates run and sweep folders exclusively', () => {
    const w = RunFolderWriter.create(tmp, 'r1', 'name: r1\n');
    w.close();
    assert.throws(() => RunFolderWriter.create(tmp, 'r1', 'name: r1\n'), /already exists/);
    const init = { sweepId: 's1', name: 's', experimentFile: '/x', grid: {}, members: [{ index: 0, runId: '0-a', parameters: {} }] };
    SweepFolderWriter.create(tmp, init);
    assert.throws(() => SweepFolderWriter.create(tmp, init), /already exists/);
  });

  it('refuses sweep member ids that are not plain folder names (crafted sweep.json)', () => {
    assert.throws(() => sweepMemberDir(tmp, '../../etc'), /not a plain folder name/);
    assert.throws(() => sweepMemberDir(tmp, '..'), /not a plain folder name/);
    assert.throws(() => sweepMemberDir(tmp, '/abs'), /not a plain folder name/);
    assert.equal(sweepMemberDir(tmp, '03-tau-0.001'), path.join(tmp, '03-tau-0.001'));
    const sweepDir = path.join(tmp, 'crafted');
    fs.mkdirSync(sweepDir);
    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, RUN_FILES.summary), JSON.stringify(summaryOf('outside', { status: 'completed' })));
    fs.writeFileSync(
      path.join(sweepDir, SWEEP_FILE),
      JSON.stringify({ formatVersion: 1, sweepId: 'crafted', name: 'c', experimentFile: '', grid: {}, startedAt: '', endedAt: null, runs: [{ index: 0, runId: '../outside', parameters: {}, status: 'completed', best: null }] }),
    );
    assert.deepEqual(readSweepSummary(sweepDir)?.runs, []);
    const found = discoverRuns(tmp).sweeps.find((s) => s.sweepDir === sweepDir);
    assert.deepEqual(found?.runs, []);
  });

  it('shows a running run whose process is gone as crashed, everywhere summaries are read', () => {
    const dir = path.join(tmp, 'dead');
    fs.mkdirSync(dir);
    const pid = deadPid();
    fs.writeFileSync(path.join(dir, RUN_FILES.summary), JSON.stringify(summaryOf('dead', { pid, owner: { host: os.hostname(), pid } })));
    const s = readSummary(dir)!;
    assert.equal(s.status, 'crashed');
    assert.match(s.message ?? '', new RegExp(`pid ${pid}`));
    assert.equal(readSummary(dir, { raw: true })!.status, 'running', 'the file itself is not rewritten by readers');
    assert.equal(discoverRuns(tmp).runs[0].summary.status, 'crashed');
    // The legacy form (pid only) is judged too.
    fs.writeFileSync(path.join(dir, RUN_FILES.summary), JSON.stringify(summaryOf('dead', { pid })));
    assert.equal(readSummary(dir)!.status, 'crashed');
  });

  it('keeps a run running while its process lives, and tells a reused pid by its start time', () => {
    const me = currentOwner();
    assert.equal(crashedReason(summaryOf('alive', { owner: me, pid: me.pid })), null);
    if (processStartTicks(process.pid) !== undefined) {
      const reused = { ...me, startTicks: (me.startTicks ?? 0) + 12345 };
      assert.match(crashedReason(summaryOf('reused', { owner: reused })) ?? '', /is gone/);
    }
  });

  it('judges runs of other hosts by the age of their heartbeat', () => {
    const owner = { host: 'some-other-node', pid: 1 };
    const now = Date.parse('2026-01-01T12:00:00Z');
    const fresh = summaryOf('remote', { owner, heartbeatAt: '2026-01-01T11:59:00Z', heartbeatTimeoutMs: 60_000 });
    assert.equal(crashedReason(fresh, now), null);
    const stale = summaryOf('remote', { owner, heartbeatAt: '2026-01-01T10:00:00Z', heartbeatTimeoutMs: 60_000 });
    assert.match(crashedReason(stale, now) ?? '', /no heartbeat .* since 2026-01-01T10:00:00Z/);
    // A slow trainer promises a longer gap: two hours of silence within 3 x its promise is fine.
    const slow = summaryOf('remote', { owner, heartbeatAt: '2026-01-01T10:00:00Z', heartbeatTimeoutMs: 3_600_000 });
    assert.equal(crashedReason(slow, now), null);
  });

  it('records how an interrupted run ended, once, and never over an ended run', () => {
    const dir = path.join(tmp, 'int');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, RUN_FILES.summary), JSON.stringify(summaryOf('int', { pid: process.pid })));
    assert.equal(markRunInterrupted(dir, 'failed', 'killed'), true);
    const s = readSummary(dir)!;
    assert.equal(s.status, 'failed');
    assert.equal(s.pid, undefined);
    assert.ok(s.endedAt);
    assert.equal(markRunInterrupted(dir, 'stopped', 'again'), false);
    assert.deepEqual(fs.readdirSync(dir), [RUN_FILES.summary]);
  });

  it('finds runs anywhere below a folder, and the runs folder of any summary file', () => {
    for (const [dir, id] of [
      ['runs', 'a'],
      [path.join('examples', 'runs'), 'b'],
    ]) {
      const w = RunFolderWriter.create(path.join(tmp, dir), id, 'x\n');
      w.writeSummary(summaryOf(id, { status: 'completed' }), { final: true });
      w.close();
    }
    fs.mkdirSync(path.join(tmp, 'node_modules', 'pkg', 'runs', 'c'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'node_modules', 'pkg', 'runs', 'c', RUN_FILES.summary), JSON.stringify(summaryOf('c', { status: 'completed' })));
    const sweep = SweepFolderWriter.create(path.join(tmp, 'runs'), { sweepId: 's', name: 's', experimentFile: '/x', grid: {}, members: [{ index: 0, runId: '0-m', parameters: {} }] });
    const member = RunFolderWriter.create(sweep.sweepDir, '0-m', 'x\n');
    member.writeSummary(summaryOf('0-m', { status: 'completed' }), { final: true });
    member.close();

    const found = discoverRunsUnder(tmp);
    assert.deepEqual(found.runs.map((r) => r.summary.runId).sort(), ['a', 'b'], 'node_modules is not searched');
    assert.deepEqual(found.sweeps.map((s) => s.sweepDir), [sweep.sweepDir]);
    assert.equal(runsRootOf(path.join(tmp, 'examples', 'runs', 'b', RUN_FILES.summary)), path.join(tmp, 'examples', 'runs'));
    assert.equal(runsRootOf(path.join(sweep.sweepDir, SWEEP_FILE)), path.join(tmp, 'runs'));
    assert.equal(runsRootOf(path.join(sweep.sweepDir, '0-m', RUN_FILES.summary)), path.join(tmp, 'runs'), 'a sweep member belongs to the folder above its sweep');
  });

  it('settles sweep members from their run folders (a member that never started failed)', () => {
    const sweep = SweepFolderWriter.create(tmp, { sweepId: 's', name: 's', experimentFile: '/x', grid: { seed: [1, 2] }, members: [0, 1].map((i) => ({ index: i, runId: `${i}-seed-${i + 1}`, parameters: { seed: i + 1 } })) });
    const w = RunFolderWriter.create(sweep.sweepDir, '0-seed-1', 'x\n');
    w.writeSummary(summaryOf('0-seed-1', { status: 'completed', stepsDone: 10 }), { final: true });
    w.close();
    sweep.settle(0);
    sweep.settle(1);
    sweep.end();
    const read = readSweepSummary(sweep.sweepDir)!;
    assert.deepEqual(read.runs.map((r) => r.status), ['completed', 'failed']);
    assert.equal(read.runs[0].stepsDone, 10);
    assert.ok(read.endedAt);
  });

  describe('on a full disk (a 256 KB tmpfs)', function () {
    const disk = useSmallDisk(256);

    it('still lands the final summary, leaves no temporary, and the summary stays readable', () => {
      const mnt = disk.dir();
      const w = RunFolderWriter.create(mnt, 'full', 'name: full\n');
      w.writeSummary(summaryOf('full', { pid: process.pid }));
      // Fill the disk to the last byte.
      const fill = fs.openSync(path.join(mnt, 'filler'), 'w');
      const chunk = Buffer.alloc(4096, 1);
      try {
        for (;;) fs.writeSync(fill, chunk);
      } catch (e) {
        assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
      }
      try {
        for (;;) fs.writeSync(fill, Buffer.alloc(1));
      } catch {
        // full to the byte
      } finally {
        fs.closeSync(fill);
      }
      assert.throws(() => w.append({ type: 'train', step: 1, epoch: 0, loss: 1, gradNorm: 1, lr: 1, wallMs: 1 }), /ENOSPC/);
      w.writeSummary(summaryOf('full', { status: 'failed', message: 'disk full', endedAt: new Date().toISOString() }), { final: true });
      w.close();
      const s = readSummary(path.join(mnt, 'full'))!;
      assert.equal(s.status, 'failed');
      assert.equal(s.message, 'disk full');
      assert.deepEqual(fs.readdirSync(path.join(mnt, 'full')).filter((n) => n.endsWith('.tmp')), []);
    });
  });
});
