/** The run overview (src/runs/seriesOverview.ts), its file from the run writer, and bulk reads of metrics.jsonl (src/runs/overviewReader.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricRecord, TrainRecord } from '../../../src/protocol/records';
import { debiasedEma } from '../../../src/protocol/smoothing';
import { buildOverview, reduceRange } from '../../../src/runs/overviewReader';
import { RunFolderWriter } from '../../../src/runs/runWriter';
import { OVERVIEW_FILE, SeriesOverview } from '../../../src/runs/seriesOverview';

const train = (step: number): TrainRecord => ({
  type: 'train',
  step,
  epoch: Math.floor(step / 100),
  loss: 1 / Math.sqrt(step) + (step === 12_345 ? 10 : 0) + 0.01 * Math.sin(step),
  gradNorm: step === 30_000 ? NaN : 1 + Math.sin(step / 50),
  lr: 0.001,
  wallMs: step * 3,
});

describe('runs: run overview (overview.json)', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-overview-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps a fixed number of buckets whose width doubles, with every extreme, the gap, the first and the last record', () => {
    const o = new SeriesOverview({ capacity: 64, weights: [0.9] });
    for (let s = 1; s <= 50_000; s++) o.push(train(s));
    assert.equal(o.count, 50_000);
    assert.ok(o.bucketsInUse <= 64 && o.bucketsInUse > 32, `${o.bucketsInUse} buckets`);
    assert.equal(o.bucketWidth, 1024);
    const { records, reduction } = o.reduce(1000, 0.9);
    assert.equal(reduction.total, 50_000);
    assert.ok(records.length <= 2 + 5 * 64, `${records.length} records`);
    const steps = records.map((r) => r.step);
    assert.deepEqual(
      steps,
      [...steps].sort((a, b) => a - b),
    );
    assert.equal(steps[0], 1);
    assert.equal(steps[steps.length - 1], 50_000);
    assert.ok(steps.includes(12_345), 'the loss spike survives');
    assert.ok(steps.includes(30_000), 'the non-finite gradNorm survives (a gap)');
    // Smoothing was computed on the full series: the values at the kept records are those of the whole EMA.
    const all = Array.from({ length: 50_000 }, (_, i) => train(i + 1));
    const full = debiasedEma(
      all.map((r) => r.loss),
      0.9,
    );
    records.forEach((r, k) => assert.ok(Math.abs(reduction.smoothing!.loss[k] - full[r.step - 1]) < 1e-9, `step ${r.step}`));
    assert.equal(o.reduce(1000, 0.5).reduction.smoothing, undefined, 'a weight it does not have is not made up');
    assert.equal(o.hasWeight(0.5), false);
    assert.equal(o.hasWeight(0), true);
  });

  it('reduces further to what the panel asks for, and round-trips through JSON with NaN kept', () => {
    const o = new SeriesOverview({ capacity: 256 });
    for (let s = 1; s <= 20_000; s++) o.push(train(s));
    assert.ok(o.reduce(50).records.length <= 2 + 4 * 50 + 50);
    const back = SeriesOverview.fromJSON(JSON.parse(JSON.stringify(o)));
    assert.ok(back);
    assert.deepEqual(back.reduce(100, 0.6), o.reduce(100, 0.6));
    // It goes on where it stopped: the same as one that saw everything.
    for (let s = 20_001; s <= 21_000; s++) {
      o.push(train(s));
      back.push(train(s));
    }
    assert.deepEqual(back.reduce(100, 0.99), o.reduce(100, 0.99));
    assert.equal(SeriesOverview.fromJSON({ format: 99 }), null);
  });

  it('is written by the run writer with the bytes it covers; a resume rebuilds it', () => {
    const w = RunFolderWriter.create(root, 'r1', 'name: t\n');
    const records: MetricRecord[] = [];
    for (let s = 1; s <= 3000; s++) {
      records.push(train(s));
      if (s % 500 === 0) records.push({ type: 'eval', step: s, split: 'test', loss: 1, wallMs: s });
    }
    for (const r of records) w.append(r);
    w.close();
    const file = path.join(w.runDir, 'metrics.jsonl');
    const o = SeriesOverview.fromJSON(JSON.parse(fs.readFileSync(path.join(w.runDir, OVERVIEW_FILE), 'utf8')));
    assert.ok(o);
    assert.equal(o.bytes, fs.statSync(file).size);
    assert.equal(o.inode, fs.statSync(file).ino);
    assert.equal(o.count, 3000);
    assert.equal(o.eval.length, 6);

    const again = RunFolderWriter.reopen(w.runDir, 1000);
    again.close();
    const cut = SeriesOverview.fromJSON(JSON.parse(fs.readFileSync(path.join(w.runDir, OVERVIEW_FILE), 'utf8')));
    assert.equal(cut?.count, 1000);
    assert.equal(cut?.bytes, fs.statSync(file).size);
    assert.equal(cut?.inode, fs.statSync(file).ino);
  });

  it('the worker reads give what the writer keeps, and a step window from its byte range', async () => {
    const w = RunFolderWriter.create(root, 'r2', 'name: t\n');
    for (let s = 1; s <= 40_000; s++) w.append(train(s));
    w.close();
    const file = path.join(w.runDir, 'metrics.jsonl');
    const written = JSON.parse(fs.readFileSync(path.join(w.runDir, OVERVIEW_FILE), 'utf8')) as unknown;
    assert.deepEqual(await buildOverview(file), written);

    const o = SeriesOverview.fromJSON(written);
    assert.ok(o);
    const range = o.byteRange(20_000, 21_000, 3000);
    assert.ok(range.start > 0 && range.end !== undefined && range.end < fs.statSync(file).size, JSON.stringify(range));
    const win = await reduceRange({ file, ...range, minStep: 20_000, maxStep: 21_000, buckets: 2000, weight: 0.6 });
    const steps = win.records.map((r) => r.step);
    assert.equal(steps[0], 19_999);
    assert.equal(steps[steps.length - 1], 21_001);
    assert.equal(steps.length, 21_001 - 19_999 + 1, 'every record of a window narrower than the buckets');
    const full = debiasedEma(
      Array.from({ length: 21_001 }, (_, i) => train(i + 1).loss),
      0.6,
    );
    win.records.forEach((r, k) => assert.ok(Math.abs(win.reduction!.smoothing!.loss[k] - full[r.step - 1]) < 1e-9, `step ${r.step}`));
  });
});
