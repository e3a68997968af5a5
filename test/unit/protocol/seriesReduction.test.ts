/** The min-max reduction and the smoothing shared by the plots host and webview (src/protocol). */
import assert from 'node:assert/strict';
import { bucketsFor, minMaxIndices, pick, shouldReduce } from '../../../src/protocol/seriesReduction';
import { StreamingEma, debiasedEma } from '../../../src/protocol/smoothing';

const max = (v: number[]) => v.reduce((m, x) => Math.max(m, x), -Infinity);
const min = (v: number[]) => v.reduce((m, x) => Math.min(m, x), Infinity);
const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('protocol: min-max series reduction', () => {
  it('keeps every point of a short series', () => {
    const xs = steps(10);
    assert.deepEqual(
      minMaxIndices(xs, [xs], 100),
      steps(10).map((i) => i - 1),
    );
  });

  it('keeps first, last and the extremes of every column, at most 2 per column per bucket', () => {
    const n = 100_000;
    const xs = steps(n);
    const a = xs.map((x) => Math.sin(x / 1000));
    const b = xs.map(() => 1);
    a[31_337] = 50; // a spike
    b[77_777] = -9; // a dip in the other column
    const keep = minMaxIndices(xs, [a, b], 500);
    assert.equal(keep[0], 0);
    assert.equal(keep[keep.length - 1], n - 1);
    assert.ok(keep.includes(31_337), 'the spike survives');
    assert.ok(keep.includes(77_777), 'the dip of the second column survives');
    assert.ok(keep.length <= 2 + 500 * 4, `${keep.length} indices`);
    for (let i = 1; i < keep.length; i++) assert.ok(keep[i] > keep[i - 1], 'ascending, no duplicates');
    // Min and max of the reduction are those of the series.
    const picked = pick(a, keep);
    assert.equal(max(picked), max(a));
    assert.equal(min(picked), min(a));
  });

  it('keeps a gap marker where a bucket holds a non-finite value', () => {
    const xs = steps(10_000);
    const a = xs.map((x) => x);
    a[5000] = NaN;
    const keep = minMaxIndices(xs, [a], 100);
    assert.ok(keep.some((i) => Number.isNaN(a[i])));
  });

  it('buckets by x: reducing a reduction keeps the extremes of the whole series', () => {
    const xs = steps(200_000);
    const a = xs.map((x) => Math.cos(x / 777) + (x % 9973 === 0 ? 5 : 0));
    const once = minMaxIndices(xs, [a], 2000);
    const twice = pick(once, minMaxIndices(pick(xs, once), [pick(a, once)], 200));
    assert.equal(max(pick(a, twice)), max(a));
    assert.equal(min(pick(a, twice)), min(a));
    assert.ok(twice.length <= 2 + 400);
  });

  it('sizes buckets from the points-per-line setting and reduces only long series', () => {
    assert.equal(bucketsFor(2000), 500);
    assert.equal(bucketsFor(10), 50);
    assert.equal(shouldReduce(4000, 500), false);
    assert.equal(shouldReduce(4001, 500), true);
  });
});

describe('protocol: streaming EMA', () => {
  it('gives the batch EMA one value at a time', () => {
    const values = steps(5000).map((x) => Math.sin(x) + (x === 40 ? NaN : 0));
    const batch = debiasedEma(values, 0.9);
    const ema = new StreamingEma(0.9);
    values.forEach((v, i) => {
      const s = ema.push(v);
      if (Number.isNaN(batch[i])) assert.ok(Number.isNaN(s));
      else assert.ok(Math.abs(s - batch[i]) < 1e-9, `at ${i}: ${s} vs ${batch[i]}`);
    });
  });

  it('passes values through at weight 0 and keeps a constant series exact', () => {
    const ema = new StreamingEma(0);
    assert.equal(ema.push(3.5), 3.5);
    const c = new StreamingEma(0.9);
    for (let i = 0; i < 100; i++) assert.equal(c.push(0.1), 0.1);
  });
});
