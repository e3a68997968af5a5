import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricRecord, RunSummary } from '../../../src/protocol/records';
import { PanelRuns, isPanelRunsState } from '../../../src/extension/plots/panelRuns';
import { runLabel } from '../../../src/runs/snapshot';
import { fixtureSummary } from '../../fixtures/runs/summary';

function summary(runId: string, over: Partial<RunSummary> = {}): RunSummary {
  return fixtureSummary(runId, {
    name: 'adding',
    packageVersion: '0.1.0',
    experimentFile: '/x/adding.hrnn.yaml',
    tags: { model: 'hamiltonian', task: 'adding', tau: 0.1, hidden: 8, length: 10 },
    ...over,
  });
}

const train = (step: number): MetricRecord => ({ type: 'train', step, epoch: 0, loss: 1 / step, gradNorm: 1, lr: 0.01, wallMs: step * 10 });

describe('extension: plots panel runs (snapshot and increments from run folders)', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-panelruns-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function makeRun(runId: string, records: MetricRecord[], over: Partial<RunSummary> = {}): string {
    const dir = path.join(root, runId);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary(runId, over)));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), records.map((r) => JSON.stringify(r) + '\n').join(''));
    return dir;
  }
  const append = (dir: string, records: MetricRecord[]) =>
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), records.map((r) => JSON.stringify(r) + '\n').join(''));

  it('builds a snapshot with every record on disk, then only what was appended', async () => {
    const dir = makeRun('r1', [train(1), train(2), train(3)]);
    const runs = new PanelRuns();
    runs.add(dir);
    const snap = await runs.snapshot();
    assert.equal(snap.runs.length, 1);
    assert.equal(snap.runs[0].train.length, 3);
    assert.equal(snap.runs[0].runDir, dir);
    assert.equal(snap.title, 'Plots: adding');
    assert.deepEqual((await runs.collectUpdates()).updates, []);

    append(dir, [train(4), train(5)]);
    const { updates, snapshotNeeded } = await runs.collectUpdates();
    assert.equal(snapshotNeeded, false);
    assert.equal(updates.length, 1);
    assert.equal(updates[0].type, 'append');
    assert.deepEqual(updates[0].type === 'append' && updates[0].records.map((r) => r.step), [4, 5]);
    // The host keeps what it read, so a later snapshot (panel shown again) is complete.
    assert.equal((await runs.snapshot()).runs[0].train.length, 5);
  });

  it('starts over when metrics.jsonl is rewritten (a resumed run drops the records past its checkpoint)', async () => {
    const dir = makeRun('r1', [train(1), train(2), train(3), train(4), train(5)]);
    const runs = new PanelRuns();
    runs.add(dir);
    assert.equal((await runs.snapshot()).runs[0].train.length, 5);
    // What RunFolderWriter.reopen does: a new file (new inode) with the records up to the checkpoint, then training goes on.
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(`${file}.tmp`, [train(1), train(2), train(3)].map((r) => JSON.stringify(r) + '\n').join(''));
    fs.renameSync(`${file}.tmp`, file);
    append(dir, [train(4), train(5), train(6)]);
    const { updates, snapshotNeeded } = await runs.collectUpdates();
    assert.equal(snapshotNeeded, true, 'a rewrite cannot be told as an append');
    assert.deepEqual(
      updates.filter((u) => u.type === 'append'),
      [],
    );
    assert.deepEqual(
      (await runs.snapshot()).runs[0].train.map((r) => r.step),
      [1, 2, 3, 4, 5, 6],
      'no duplicate steps',
    );
  });

  it('sends a status update when the summary changes on disk', async () => {
    const dir = makeRun('r1', [train(1)]);
    const runs = new PanelRuns();
    runs.add(dir);
    assert.equal(runs.anyRunning, true);
    await new Promise((r) => setTimeout(r, 20)); // a distinct mtime
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary('r1', { status: 'completed', stepsDone: 10 })));
    const { updates } = await runs.collectUpdates();
    const status = updates.find((u) => u.type === 'runStatus');
    assert.ok(status && status.type === 'runStatus' && status.summary.status === 'completed');
    assert.equal(runs.anyRunning, false);
  });

  it('asks for a snapshot when a folder gets its summary after it was added', async () => {
    const dir = path.join(root, 'late');
    fs.mkdirSync(dir);
    const runs = new PanelRuns();
    runs.add(dir);
    assert.equal((await runs.snapshot()).runs.length, 0);
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary('late')));
    assert.equal((await runs.collectUpdates()).snapshotNeeded, true);
    assert.equal((await runs.snapshot()).runs.length, 1);
  });

  it('keeps colours stable per run, reuses freed ones, and round-trips its state', async () => {
    const a = makeRun('a', []);
    const b = makeRun('b', []);
    const c = makeRun('c', []);
    const runs = new PanelRuns();
    runs.add(a);
    runs.add(b);
    const colorOf = async (r: PanelRuns, dir: string) => (await r.snapshot()).runs.find((x) => x.runDir === dir)?.colorIndex;
    assert.equal(await colorOf(runs, a), 0);
    assert.equal(await colorOf(runs, b), 1);
    runs.remove(a);
    runs.add(c);
    assert.equal(await colorOf(runs, c), 0, 'the freed colour is reused');
    assert.equal(await colorOf(runs, b), 1, 'b keeps its colour');

    const state = JSON.parse(JSON.stringify(runs.state()));
    assert.ok(isPanelRunsState(state));
    const restored = new PanelRuns(state);
    assert.deepEqual(restored.runDirs, [b, c]);
    assert.equal(await colorOf(restored, b), 1);
    assert.equal(await colorOf(restored, c), 0);
  });

  it('drops folders deleted since the state was saved, and trims oldest finished runs', () => {
    const a = makeRun('a', [], { status: 'completed' });
    const b = makeRun('b', [], { status: 'completed' });
    const c = makeRun('c', []);
    const restored = new PanelRuns({ runDirs: [a, path.join(root, 'gone'), b, c], colors: {} });
    assert.deepEqual(restored.runDirs, [a, b, c]);
    restored.trim(2);
    assert.deepEqual(restored.runDirs, [b, c]);
  });

  it('labels sweep members by their parameters and lists them as tau points', async () => {
    const dir = makeRun('s0', [], {
      status: 'completed',
      sweep: { id: 'sw', index: 0, parameters: { 'model.tau': 0.01 } },
      tags: { model: 'hamiltonian', task: 'adding', tau: 0.01, hidden: 8, length: 10 },
      best: { step: 10, split: 'test', loss: 0.2, mse: 0.2 },
    });
    const runs = new PanelRuns();
    runs.add(dir);
    const snap = await runs.snapshot();
    assert.equal(snap.runs[0].label, 'adding [model.tau=0.01]');
    assert.equal(snap.runs[0].runId, 'sw/s0', 'sweep members are keyed by sweep and run');
    assert.deepEqual(
      snap.sweep.map((p) => [p.runId, p.tau, p.metric, p.metricName, p.sweepId]),
      [['sw/s0', 0.01, 0.2, 'mse', 'sw']],
    );
    assert.equal(runLabel(summary('plain')), 'plain');
  });
});
