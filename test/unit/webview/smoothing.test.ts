import assert from 'node:assert/strict';
import { debiasedEma } from '../../../webview/src/core/smoothing';

describe('webview smoothing: debiased EMA', () => {
  it('matches a hand computation (w = 0.5 on 1, 3, 2)', () => {
    // last_k = w last_{k-1} + (1 - w) v_k, smoothed = last_k / (1 - w^k)
    // k=1: 0.5 / 0.5 = 1; k=2: 1.75 / 0.75 = 7/3; k=3: 1.875 / 0.875 = 15/7
    const out = debiasedEma([1, 3, 2], 0.5);
    assert.equal(out.length, 3);
    assert.ok(Math.abs(out[0] - 1) < 1e-12);
    assert.ok(Math.abs(out[1] - 7 / 3) < 1e-12);
    assert.ok(Math.abs(out[2] - 15 / 7) < 1e-12);
  });

  it('leaves the first point unbiased for any weight', () => {
    for (const w of [0.1, 0.6, 0.9, 0.99]) assert.equal(debiasedEma([4.25, 1, 1], w)[0], 4.25);
  });

  it('keeps a constant series exactly constant', () => {
    const out = debiasedEma(new Array(500).fill(0.1), 0.95);
    assert.ok(out.every((v) => v === 0.1));
  });

  it('is the identity at weight 0 and lags a step at high weight', () => {
    assert.deepEqual(debiasedEma([1, 5, 2], 0), [1, 5, 2]);
    const step = [0, 0, 0, 0, 10, 10, 10, 10];
    const out = debiasedEma(step, 0.8);
    assert.ok(out[4] > 0 && out[4] < 10, 'smoothed value after the step lies between the levels');
    assert.ok(out[7] > out[4], 'and keeps rising towards the new level');
  });

  it('passes gaps through without letting them into the average', () => {
    const out = debiasedEma([2, NaN, 2, Infinity, 2], 0.7);
    assert.equal(out[0], 2);
    assert.ok(Number.isNaN(out[1]));
    assert.equal(out[3], Infinity);
    assert.equal(out[4], 2);
    const mixed = debiasedEma([1, NaN, 3], 0.5);
    // Same as smoothing [1, 3]: the gap is skipped.
    assert.ok(Math.abs(mixed[2] - 7 / 3) < 1e-12);
  });
});
