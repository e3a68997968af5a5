import assert from 'node:assert/strict';
import { formatDuration, formatMetric, formatNumber, formatPercent, formatProgress, formatSpeed, formatTau } from '../../../src/protocol/format';
import type { RunSummary } from '../../../src/protocol/records';

const summary = (over: Partial<RunSummary>): RunSummary => ({
  formatVersion: 1,
  runId: 'r',
  name: 'r',
  status: 'completed',
  stepsDone: 1,
  totalSteps: 1,
  best: null,
  final: {},
  backend: 'cpu',
  implementation: 'tfjs',
  durationMs: 1,
  packageVersion: '0',
  startedAt: '',
  endedAt: null,
  experimentFile: '/r.hrnn.yaml',
  tags: { model: 'hamiltonian', task: 'adding', hidden: 4, length: 10 },
  ...over,
});

describe('protocol: one number format for the CLI, the extension and the webview', () => {
  it('keeps 4 significant digits in plain form and 3 in exponent form, without "+" or trailing zeros', () => {
    assert.equal(formatNumber(0.01234), '0.01234');
    assert.equal(formatNumber(0.12345678), '0.1235');
    assert.equal(formatNumber(-2.5), '-2.5');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(99990.4), '99990');
    assert.equal(formatNumber(99999.4), '1e5');
    assert.equal(formatNumber(123456), '1.23e5');
    assert.equal(formatNumber(-0.0002), '-2e-4');
    assert.equal(formatNumber(NaN), 'NaN');
    assert.equal(formatNumber(-Infinity), '-Infinity');
  });

  it('writes percentages with a chosen number of decimals', () => {
    assert.equal(formatPercent(0.9712), '97.1%');
    assert.equal(formatPercent(0.9712, 2), '97.12%');
    assert.equal(formatPercent(0.05123), '5.1%');
    assert.equal(formatPercent(0.05123, 2), '5.12%');
    assert.equal(formatPercent(0), '0%');
  });

  it('writes durations and speeds', () => {
    assert.equal(formatDuration(1), '1 s');
    assert.equal(formatDuration(12.34), '12.3 s');
    assert.equal(formatDuration(Infinity), '');
    assert.equal(formatSpeed(45.6), '46 steps/s');
    assert.equal(formatSpeed(2.25), '2.3 steps/s');
  });

  it('writes a progress line, the headline metric and tau', () => {
    assert.equal(formatProgress({ step: 3, totalSteps: 10, loss: 0.5, stepsPerSecond: null }), 'step 3/10 · loss 0.5');
    assert.equal(formatMetric(summary({ best: { step: 1, split: 'validation', loss: 0.3 } })), 'loss 0.3');
    assert.equal(formatMetric(summary({ best: { step: 1, split: 'test', loss: 0.3, mse: 2e-5 } })), 'mse 2e-5');
    assert.equal(formatMetric(summary({})), undefined);
    assert.equal(formatTau(summary({ tags: { model: 'hamiltonian', task: 'adding', hidden: 4, length: 10, tau: 0.025 } })), 'τ 0.025');
    assert.equal(formatTau(summary({})), undefined);
  });
});
