import assert from 'node:assert/strict';
import { decimateIndices, minMaxIndices } from '../../../webview/src/core/decimation';

function noisy(n: number, seed = 1): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    out.push(Math.sin(i / 50) + (s / 2147483647 - 0.5) * 0.2);
  }
  return out;
}

describe('webview decimation: min-max', () => {
  it('returns everything when the line is within budget', () => {
    assert.deepEqual(minMaxIndices([3, 1, 2], 100), [0, 1, 2]);
  });

  it('keeps the size within the budget and the indices ascending and unique', () => {
    const ys = noisy(100_000);
    for (const budget of [4, 10, 500, 2000]) {
      const keep = minMaxIndices(ys, budget);
      assert.ok(keep.length <= budget, `${keep.length} <= ${budget}`);
      assert.ok(keep.length >= Math.min(budget, 4) - 1);
      for (let i = 1; i < keep.length; i++) assert.ok(keep[i] > keep[i - 1]);
    }
  });

  it('keeps the global extrema, isolated spikes, and both ends', () => {
    const ys = noisy(50_000);
    ys[12_345] = 40; // a loss spike
    ys[33_333] = -40;
    const keep = minMaxIndices(ys, 300);
    assert.ok(keep.includes(12_345));
    assert.ok(keep.includes(33_333));
    assert.equal(keep[0], 0);
    assert.equal(keep[keep.length - 1], ys.length - 1);
    // Each bucket's max survives: the decimated maximum equals the true one over any bucket.
    const kept = keep.map((i) => ys[i]);
    assert.equal(Math.max(...kept), 40);
    assert.equal(Math.min(...kept), -40);
  });

  it('keeps a gap marker where the line has non-finite values', () => {
    const ys = noisy(10_000);
    ys[5_000] = NaN;
    const keep = minMaxIndices(ys, 200);
    assert.ok(keep.some((i) => Number.isNaN(ys[i])));
    assert.ok(keep.length <= 200);
  });

  it('gives the zoom window the full budget and the rest the unzoomed density', () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = noisy(n);
    const budget = 1000;
    const keep = decimateIndices(xs, ys, budget, { min: 40_000, max: 41_000 });
    const inside = keep.filter((i) => xs[i] >= 40_000 && xs[i] <= 41_000);
    assert.ok(inside.length >= 900, `window gets ~the budget, got ${inside.length}`);
    assert.ok(keep.length <= 2 * budget + 8, `bounded, got ${keep.length}`);
    assert.ok(keep.some((i) => i < 40_000) && keep.some((i) => i > 41_000), 'coarse line outside the window');
    for (let i = 1; i < keep.length; i++) assert.ok(keep[i] > keep[i - 1]);
  });

  it('decimates the whole line when x is not ascending', () => {
    const xs = [...Array.from({ length: 5000 }, (_, i) => i), ...Array.from({ length: 5000 }, (_, i) => i)];
    const keep = decimateIndices(xs, noisy(10_000), 400, { min: 10, max: 20 });
    assert.ok(keep.length <= 400);
  });
});
