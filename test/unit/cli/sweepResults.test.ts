/** The table a finished sweep prints: ranked by the headline metric, members without one last. */
import assert from 'node:assert/strict';
import { describeBest, rankMembers, sweepResultsTable, type SweepMemberResult } from '../../../src/cli/sweepResults';
import type { BestEval } from '../../../src/protocol/records';
import { fixtureSummary } from '../../fixtures/runs/summary';

function member(runId: string, best: BestEval | null, parameters: Record<string, unknown> = {}): SweepMemberResult {
  const summary = fixtureSummary(runId, { status: best ? 'completed' : 'failed', best });
  return { runId, parameters, status: summary.status, summary };
}

describe('cli: sweep results table', () => {
  it('ranks MSE low to high and accuracy high to low; members without a metric last, in sweep order', () => {
    const mse = [
      member('0', { step: 1, split: 'test', loss: 0.5, mse: 0.5 }),
      member('1', null),
      member('2', { step: 1, split: 'test', loss: 4.6e-4, mse: 4.6e-4 }),
      member('3', { step: 1, split: 'test', loss: 0.01, mse: 0.01 }),
      { runId: '4', parameters: {}, status: 'pending' as const, summary: null },
    ];
    assert.deepEqual(
      rankMembers(mse).map((m) => m.runId),
      ['2', '3', '0', '1', '4'],
    );
    const acc = [member('a', { step: 1, split: 'validation', loss: 1, accuracy: 0.6 }), member('b', { step: 1, split: 'validation', loss: 1, accuracy: 0.9 })];
    assert.deepEqual(
      rankMembers(acc).map((m) => m.runId),
      ['b', 'a'],
    );
  });

  it('prints one aligned line per member with status, metric and parameters', () => {
    const table = sweepResultsTable([
      member('0-tau-0.1', { step: 1, split: 'test', loss: 0.2, mse: 0.2 }, { 'model.tau': 0.1 }),
      member('1-tau-0.01', { step: 1, split: 'test', loss: 0.02, mse: 0.02 }, { 'model.tau': 0.01 }),
    ]);
    const lines = table.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^#\s+status\s+metric\s+parameters\s+run$/);
    assert.match(lines[1], /^1\s+completed\s+mse 0\.02\s+model\.tau=0\.01\s+1-tau-0\.01$/);
    assert.match(lines[2], /^2\s+completed\s+mse 0\.2\s+model\.tau=0\.1\s+0-tau-0\.1$/);
  });

  it('ranks on the validation metric, not on the test metric at the best step, and shows both (issue 12)', () => {
    const members = [
      member('lucky-on-test', { step: 5, split: 'validation', loss: 0.5, accuracy: 0.8, test: { loss: 0.1, accuracy: 0.95 } }, { seed: 1 }),
      member('best-on-validation', { step: 9, split: 'validation', loss: 0.3, accuracy: 0.9, test: { loss: 0.4, accuracy: 0.5 } }, { seed: 2 }),
    ];
    assert.deepEqual(
      rankMembers(members).map((m) => m.runId),
      ['best-on-validation', 'lucky-on-test'],
    );
    const lines = sweepResultsTable(members).trimEnd().split('\n');
    assert.match(lines[1], /^1\s+completed\s+val acc 90%, test acc 50%\s+seed=2\s+best-on-validation$/);
    assert.match(lines[2], /^2\s+completed\s+val acc 80%, test acc 95%\s+seed=1\s+lucky-on-test$/);
    // Validation MSE ranks low to high the same way; without a test at the best step only the validation shows.
    assert.equal(describeBest({ step: 1, split: 'validation', loss: 0.02, mse: 0.02 }), 'val mse 0.02');
    assert.equal(describeBest(null), undefined);
  });
});
