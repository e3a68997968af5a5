/** The plots panel's runs on long runs: started from overview.json, or from the worker's read of an older run; detail of a step window. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unpackRun } from '../../../src/protocol/packedTrain';
import type { TrainRecord } from '../../../src/protocol/records';
import { debiasedEma } from '../../../src/protocol/smoothing';
import { PanelRuns } from '../../../src/extension/plots/panelRuns';
import { OVERVIEW_FROM_BYTES } from '../../../src/extension/plots/runSource';
import { RunFolderWriter } from '../../../src/runs/runWriter';
import { OVERVIEW_FILE } from '../../../src/runs/seriesOverview';
import { fixtureSummary } from '../../fixtures/runs/summary';

const STEPS = 45_000;
const train = (step: number): TrainRecord => ({
  type: 'train',
  step,
  epoch: Math.floor(step / 100),
  loss: 1 / Math.sqrt(step) + 0.01 * Math.sin(step),
  gradNorm: 1 + Math.sin(step / 50),
  lr: 0.001,
  wallMs: step * 3,
});

describe('extension: plots panel runs on long runs (overview.json, worker, detail)', function () {
  this.timeout(60_000);
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-panelruns-long-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function writeRun(runId: string): { dir: string; writer: RunFolderWriter } {
    const writer = RunFolderWriter.create(root, runId, 'name: t\n');
    for (let s = 1; s <= STEPS; s++) {
      writer.append(train(s));
      if (s % 1000 === 0) writer.append({ type: 'eval', step: s, split: 'test', loss: 1, wallMs: s });
    }
    writer.writeSummary(fixtureSummary(runId));
    return { dir: writer.runDir, writer };
  }

  const fullSmoothed = (n: number) =>
    debiasedEma(
      Array.from({ length: n }, (_, i) => train(i + 1).loss),
      0.6,
    );

  it('starts a long run from its overview, then appends what is written after it, smoothed on the full series', async () => {
    const { dir, writer } = writeRun('long');
    assert.ok(fs.statSync(path.join(dir, 'metrics.jsonl')).size >= OVERVIEW_FROM_BYTES, 'long enough for the overview path');
    // What the writer wrote last is not in overview.json yet: the panel reads those bytes itself.
    for (let s = STEPS + 1; s <= STEPS + 10; s++) writer.append(train(s));
    const runs = new PanelRuns();
    runs.setSmoothing(0.6);
    runs.add(dir);
    const snap = await runs.snapshot();
    const run = snap.runs[0];
    assert.equal(run.trainReduction?.total, STEPS + 10);
    assert.equal(run.eval.length, STEPS / 1000);
    assert.ok(run.train.length <= 2 + 4 * runs.buckets + 8, `${run.train.length} records`);
    assert.equal(run.train[run.train.length - 1].step, STEPS + 10);
    const full = fullSmoothed(STEPS + 20);
    run.train.forEach((r, k) => assert.ok(Math.abs(run.trainReduction!.smoothing!.loss[k] - full[r.step - 1]) < 1e-9, `step ${r.step}`));

    for (let s = STEPS + 11; s <= STEPS + 20; s++) writer.append(train(s));
    const { updates, snapshotNeeded } = await runs.collectUpdates();
    assert.equal(snapshotNeeded, false);
    const append = updates.find((u) => u.type === 'append');
    assert.ok(append && append.type === 'append');
    assert.deepEqual(
      append.records.map((r) => r.step),
      Array.from({ length: 10 }, (_, i) => STEPS + 11 + i),
    );
    append.records.forEach((r, k) => assert.ok(Math.abs(append.trainSmoothing!.loss[k] - full[r.step - 1]) < 1e-9));
    writer.close();

    const window = await runs.trainWindow(run.runId, 20_000, 20_500, 1000);
    assert.ok(window);
    assert.equal(window.records[0].step, 19_999);
    assert.equal(window.records[window.records.length - 1].step, 20_501);
    assert.equal(window.reduction?.total, STEPS + 20);
    window.records.forEach((r, k) => assert.ok(Math.abs(window.reduction!.smoothing!.loss[k] - full[r.step - 1]) < 1e-9));
  });

  it('smooths with a weight the overview lacks once the worker has read the full series, then asks for a snapshot', async () => {
    const { dir, writer } = writeRun('weight');
    writer.close();
    const runs = new PanelRuns();
    runs.setSmoothing(0.5);
    runs.add(dir);
    const refined = new Promise<void>((resolve) => (runs.onRefined = resolve));
    const first = (await runs.snapshot()).runs[0];
    assert.equal(first.trainReduction?.smoothing, undefined, 'not made up from the reduced points');
    await refined;
    const run = (await runs.snapshot()).runs[0];
    assert.equal(run.trainReduction?.smoothing?.weight, 0.5);
    const full = debiasedEma(
      Array.from({ length: STEPS }, (_, i) => train(i + 1).loss),
      0.5,
    );
    run.train.forEach((r, k) => assert.ok(Math.abs(run.trainReduction!.smoothing!.loss[k] - full[r.step - 1]) < 1e-9, `step ${r.step}`));
    assert.equal(run.eval.length, STEPS / 1000);
  });

  it('opens a finished long run from its overview reduced off the thread: the same records as columns, the overview read only when needed', async () => {
    const { dir, writer } = writeRun('finished');
    writer.writeSummary(fixtureSummary('finished', { status: 'completed', endedAt: '2026-12-03T08:00:00.000Z' }), { final: true });
    writer.close();
    // What the host reduced from the overview it holds (a run followed while it trained) ...
    const held = new PanelRuns();
    held.setSmoothing(0.6);
    held.add(dir);
    const running = fixtureSummary('finished');
    const heldSource = (held as unknown as { sources: Map<string, { summary: unknown }> }).sources.get(dir)!;
    heldSource.summary = running; // as if still running when it was read: the overview path
    const expected = (await held.snapshot()).runs[0];
    assert.equal(expected.packedTrain, undefined);

    // ... and what a panel opening the finished run gets: columns, the same records once unpacked.
    const runs = new PanelRuns();
    runs.setSmoothing(0.6);
    runs.add(dir);
    const source = (runs as unknown as { sources: Map<string, { overview: unknown; isOpened: boolean }> }).sources.get(dir)!;
    const opened = (await runs.snapshot()).runs[0];
    assert.equal(opened.train.length, 0);
    assert.ok(opened.packedTrain && opened.packedTrain.step.length > 100);
    assert.ok(source.isOpened && source.overview === null, 'no overview held for drawing a finished run');
    assert.deepEqual(unpackRun(opened), { ...expected, summary: opened.summary });
    assert.equal(opened.eval.length, STEPS / 1000);

    // A zoom needs the overview's byte ranges: read then, and the window is the run's.
    const window = await runs.trainWindow(opened.runId, 20_000, 20_500, 1000);
    assert.ok(window && source.overview !== null && !source.isOpened);
    assert.equal(window.records[0].step, 19_999);
    assert.equal(window.reduction?.total, STEPS);

    // Another smoothing weight the overview has: reduced from the overview now held.
    runs.setSmoothing(0.9);
    const resmoothed = (await runs.snapshot()).runs[0];
    assert.equal(resmoothed.trainReduction?.smoothing?.weight, 0.9);
    assert.equal(resmoothed.packedTrain, undefined);
  });

  it('an opened run that gets records after its overview reads the overview first, then appends them', async () => {
    const { dir, writer } = writeRun('extended');
    writer.writeSummary(fixtureSummary('extended', { status: 'completed', endedAt: '2026-12-03T08:00:00.000Z' }), { final: true });
    writer.close();
    const runs = new PanelRuns();
    runs.setSmoothing(0.6);
    runs.add(dir);
    const first = (await runs.snapshot()).runs[0];
    assert.ok(first.packedTrain);
    // Records appended to the same file (not a rewrite) after the overview was written.
    for (let s = STEPS + 1; s <= STEPS + 5; s++) fs.appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify(train(s)) + '\n');
    const { updates } = await runs.collectUpdates();
    const append = updates.find((u) => u.type === 'append');
    assert.ok(append && append.type === 'append');
    assert.deepEqual(
      append.records.map((r) => r.step),
      [1, 2, 3, 4, 5].map((k) => STEPS + k),
    );
    const full = fullSmoothed(STEPS + 5);
    append.records.forEach((r, k) => assert.ok(Math.abs(append.trainSmoothing!.loss[k] - full[r.step - 1]) < 1e-9));
    const after = (await runs.snapshot()).runs[0];
    assert.equal(after.trainReduction?.total, STEPS + 5);
  });

  it('reads a long run without an overview (written before overviews) off the thread, to the same snapshot', async () => {
    const { dir, writer } = writeRun('older');
    writer.close();
    const withOverview = new PanelRuns();
    withOverview.setSmoothing(0.6);
    withOverview.add(dir);
    const expected = (await withOverview.snapshot()).runs[0];
    fs.rmSync(path.join(dir, OVERVIEW_FILE));
    const runs = new PanelRuns();
    runs.setSmoothing(0.6);
    runs.add(dir);
    const got = (await runs.snapshot()).runs[0];
    assert.deepEqual(got.train, expected.train);
    assert.deepEqual(got.trainReduction, expected.trainReduction);
    assert.deepEqual(got.eval, expected.eval);
  });
});
