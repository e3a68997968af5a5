/** Train records as columns, reduced for the plots panel (src/runs/trainSeries.ts), and the async tail of metrics.jsonl. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricRecord, TrainRecord } from '../../../src/protocol/records';
import { debiasedEma } from '../../../src/protocol/smoothing';
import { AsyncMetricsTail } from '../../../src/runs/metricsStream';
import { TrainSeries } from '../../../src/runs/trainSeries';

const train = (step: number): TrainRecord => ({
  type: 'train',
  step,
  epoch: Math.floor(step / 100),
  loss: 1 / Math.sqrt(step) + (step === 12_345 ? 10 : 0),
  gradNorm: 1 + Math.sin(step / 50),
  lr: 0.001,
  wallMs: step * 3,
});

describe('runs: train series for the plots panel', () => {
  it('sends a short run whole, a long one as a min-max reduction with its total', () => {
    const s = new TrainSeries(16);
    for (let i = 1; i <= 100; i++) s.push(train(i));
    assert.deepEqual(s.reduce(100).records, Array.from({ length: 100 }, (_, i) => train(i + 1)));
    assert.equal(s.reduce(100).reduction, undefined);
    for (let i = 101; i <= 50_000; i++) s.push(train(i));
    const { records, reduction } = s.reduce(500);
    assert.equal(reduction?.total, 50_000);
    assert.ok(records.length <= 2 + 4 * 500, `${records.length} records`);
    assert.deepEqual(records[0], train(1));
    assert.deepEqual(records[records.length - 1], train(50_000));
    assert.ok(
      records.some((r) => r.step === 12_345),
      'the loss spike is kept',
    );
  });

  it('smooths on the full series before reducing, and continues the average for appends', () => {
    const s = new TrainSeries();
    const all = Array.from({ length: 20_000 }, (_, i) => train(i + 1));
    for (const r of all.slice(0, 19_990)) s.push(r);
    s.setSmoothing(0.95);
    const full = debiasedEma(
      all.map((r) => r.loss),
      0.95,
    );
    const { records, reduction } = s.reduce(200);
    assert.equal(reduction?.smoothing?.weight, 0.95);
    records.forEach((r, k) => assert.ok(Math.abs(reduction!.smoothing!.loss[k] - full[r.step - 1]) < 1e-9, `smoothed at step ${r.step}`));
    const appended = s.pushAll(all.slice(19_990));
    assert.equal(appended?.loss.length, 10);
    appended!.loss.forEach((v, k) => assert.ok(Math.abs(v - full[19_990 + k]) < 1e-9));
  });

  it('reduces a window of steps (zoom) to the same number of buckets', () => {
    const s = new TrainSeries();
    for (let i = 1; i <= 100_000; i++) s.push(train(i));
    const { records } = s.reduce(100, { minStep: 12_000, maxStep: 13_000 });
    assert.ok(records[0].step <= 12_000 && records[records.length - 1].step >= 13_000);
    assert.ok(records.length <= 2 + 4 * 100);
    assert.ok(records.some((r) => r.step === 12_345));
  });
});

describe('runs: asynchronous tail of metrics.jsonl', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-tail-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads in chunks without splitting lines, then only what was appended, and starts over on a rewrite', async () => {
    const file = path.join(dir, 'metrics.jsonl');
    const lines = (rs: MetricRecord[]) => rs.map((r) => JSON.stringify(r) + '\n').join('');
    fs.writeFileSync(file, lines(Array.from({ length: 1000 }, (_, i) => train(i + 1))) + '{"type":"train","st');
    const tail = new AsyncMetricsTail(file);
    const got: MetricRecord[] = [];
    let restarts = 0;
    const sink = (rs: MetricRecord[]) => got.push(...rs);
    const first = await tail.readNew(sink, () => restarts++, { chunkBytes: 1000, sliceMs: 0 });
    assert.equal(first.records, 1000);
    assert.deepEqual(
      got.map((r) => r.step),
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    fs.appendFileSync(file, 'ep":1001,"epoch":0,"loss":1,"gradNorm":1,"lr":0.1,"wallMs":1}\n');
    assert.equal((await tail.readNew(sink, () => restarts++)).records, 1);
    assert.equal(got[got.length - 1].step, 1001);
    fs.writeFileSync(`${file}.tmp`, lines([train(1), train(2)]));
    fs.renameSync(`${file}.tmp`, file);
    const again = await tail.readNew(sink, () => restarts++);
    assert.equal(again.restarted, true);
    assert.equal(restarts, 1);
    assert.equal(again.records, 2);
  });
});
