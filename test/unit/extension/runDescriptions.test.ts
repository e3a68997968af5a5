import assert from 'node:assert/strict';
import type { RunSummary, SweepSummary } from '../../../src/protocol/records';
import { describeRun, describeSweep } from '../../../src/extension/runsView/runDescriptions';
import { SpeedMeter, type RunProgress } from '../../../src/extension/training/runProgress';
import { formatMetric, formatNumber, formatProgress } from '../../../src/protocol/format';

const base: RunSummary = {
  formatVersion: 1,
  runId: 'adding-1',
  name: 'adding',
  status: 'completed',
  stepsDone: 30,
  totalSteps: 30,
  best: { step: 30, split: 'test', loss: 0.01234, mse: 0.01234 },
  final: {},
  backend: 'cpu',
  implementation: 'tfjs',
  durationMs: 1000,
  packageVersion: '0.1.0',
  startedAt: '2026-01-01T00:00:00Z',
  endedAt: '2026-01-01T00:00:01Z',
  experimentFile: '/w/adding.hrnn.yaml',
  tags: { model: 'hamiltonian', task: 'adding', tau: 0.1, hidden: 8, length: 10 },
};

describe('extension: run descriptions and progress text', () => {
  it('shows status icon, final metric and tau for a finished run', () => {
    const view = describeRun(base);
    assert.equal(view.icon, 'pass');
    assert.equal(view.label, 'adding-1');
    assert.equal(view.description, 'mse 0.01234 · τ 0.1');
    assert.match(view.tooltip, /backend: cpu/);
    assert.equal(describeRun({ ...base, status: 'failed', best: null }).description, 'failed · τ 0.1');
    assert.equal(describeRun({ ...base, status: 'stopped' }).icon, 'debug-stop');
  });

  it('shows live progress for a running run and accuracy in percent', () => {
    const view = describeRun(
      { ...base, status: 'running' },
      {
        runId: 'adding-1',
        runDir: '/r',
        totalSteps: 30,
        step: 12,
        loss: 0.5,
        stepsPerSecond: 40,
        status: 'running',
      },
    );
    assert.equal(view.icon, 'sync~spin');
    assert.equal(view.description, 'step 12/30 · loss 0.5 · 40 steps/s · τ 0.1');
    assert.equal(formatMetric({ ...base, best: { step: 1, split: 'test', loss: 0.3, accuracy: 0.9712 } }), 'acc 97.1%');
  });

  it('measures speed over recent steps and formats numbers compactly', () => {
    const meter = new SpeedMeter(5000);
    assert.equal(meter.stepsPerSecond(), null);
    for (let s = 0; s <= 100; s++) meter.add(s, s * 20); // 50 steps/s
    assert.equal(meter.stepsPerSecond(), 50);
    assert.equal(formatNumber(0.000012345), '1.23e-5');
    assert.equal(formatNumber(1234.567), '1235');
    // A RunProgress is what the status bar and the runs view pass to formatProgress.
    const live: RunProgress = { runId: 'r', runDir: '/r', totalSteps: 10, step: 1, loss: null, stepsPerSecond: 2.25, status: 'running' };
    assert.equal(formatProgress(live), 'step 1/10 · 2.3 steps/s');
  });

  it('summarises a sweep: progress, grid keys and a status icon', () => {
    const sweep: SweepSummary = {
      formatVersion: 1,
      sweepId: 'sw-1',
      name: 'tau-sweep',
      experimentFile: '/w/s.hrnn.yaml',
      grid: { 'model.tau': [0.01, 0.1] },
      runs: [
        { index: 0, runId: '0-tau-0.01', parameters: { 'model.tau': 0.01 }, status: 'completed', best: null },
        { index: 1, runId: '1-tau-0.1', parameters: { 'model.tau': 0.1 }, status: 'pending', best: null },
      ],
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: null,
    };
    const partial = describeSweep(sweep, ['completed']);
    assert.equal(partial.description, 'sweep · 1/2 runs · model.tau');
    assert.equal(partial.icon, 'circle-outline');
    assert.equal(describeSweep(sweep, ['completed', 'running']).icon, 'sync~spin');
    const done = { ...sweep, runs: sweep.runs.map((r) => ({ ...r, status: 'completed' as const })) };
    assert.equal(describeSweep(done, ['completed', 'completed']).icon, 'pass');
    assert.equal(describeSweep(done, ['completed', 'diverged']).icon, 'warning');
    const member = describeRun({ ...base, sweep: { id: 'sw-1', index: 1, parameters: { 'model.tau': 0.1 } } });
    assert.equal(member.label, 'tau=0.1');
    // A random, seeded sweep names what it draws and the seed (issue 12).
    const drawn = describeSweep(
      { ...sweep, random: { count: 1, seed: 1, parameters: { 'training.learningRate': { logUniform: [0.001, 0.1] } } }, seeds: [1, 2] },
      [],
    );
    assert.equal(drawn.description, 'sweep · 1/2 runs · model.tau, training.learningRate, seed');
    assert.match(drawn.tooltip, /random: 1 draws of training\.learningRate\nseeds: 1, 2\n/u);
  });
});
