import assert from 'node:assert/strict';
import { formatDuration, formatNumber, formatPercent } from '../../../src/protocol/format';
import { logTicks } from '../../../webview/src/core/logTicks';
import { headlineMetric } from '../../../src/protocol/records';
import { runColor, RUN_PALETTE } from '../../../webview/src/core/palette';
import { summary } from './helpers';

describe('webview formats, log ticks, palette, headline metric', () => {
  it('formats numbers, durations and percentages compactly', () => {
    assert.equal(formatNumber(0.000012345), '1.23e-5');
    assert.equal(formatNumber(0.125), '0.125');
    assert.equal(formatNumber(1500), '1500');
    assert.equal(formatNumber(2.5e6), '2.5e6');
    assert.equal(formatDuration(42), '42 s');
    assert.equal(formatDuration(125), '2:05');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatPercent(0.973), '97.3%');
    assert.equal(formatPercent(1), '100%');
  });

  it('puts log ticks on powers of ten over many decades, 1-2-5 steps over few', () => {
    const wide = logTicks(2e-30, 1.5e-3);
    assert.ok(wide.length >= 2 && wide.length <= 7);
    assert.ok(
      wide.every((v) => Number.isInteger(Math.log10(v))),
      `powers of ten: ${wide}`,
    );
    assert.ok(wide.every((v) => v >= 2e-30 && v <= 1.5e-3));
    assert.deepEqual(logTicks(0.012, 2.5), [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
    const narrow = logTicks(6e-4, 1.1e-3);
    assert.ok(narrow.length >= 2 && narrow.every((v) => v >= 6e-4 && v <= 1.1e-3), `inside the range: ${narrow}`);
    assert.deepEqual(logTicks(0, 1), []);
  });

  it('gives stable colours that wrap around the palette', () => {
    assert.equal(runColor(0), RUN_PALETTE[0]);
    assert.equal(runColor(RUN_PALETTE.length + 2), RUN_PALETTE[2]);
    assert.equal(runColor(-1), RUN_PALETTE[RUN_PALETTE.length - 1]);
  });

  it('judges a run by its test metric at the best step, else its best evaluation', () => {
    const cases = [
      summary('a'),
      summary('b', { best: { step: 1, split: 'test', loss: 0.3, mse: 0.03 } }),
      summary('c', { best: { step: 1, split: 'validation', loss: 0.3, accuracy: 0.8, test: { loss: 0.4, accuracy: 0.78 } } }),
      summary('d', { best: { step: 1, split: 'validation', loss: 0.3 } }),
    ];
    assert.deepEqual(
      cases.map((c) => headlineMetric(c)),
      [null, { name: 'mse', value: 0.03 }, { name: 'accuracy', value: 0.78 }, { name: 'loss', value: 0.3 }],
    );
  });
});
