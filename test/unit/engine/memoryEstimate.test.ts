/** The peak-memory estimate of a training run: how it grows with the sizes, per implementation. */
import assert from 'node:assert/strict';
import { estimateTrainingMemory, formatBytes, type MemoryEstimate } from '../../../src/engine/train/memoryEstimate';
import { loadExperimentText } from '../../../src/experiment';
import type { ResolvedExperiment } from '../../../src/experiment/schema';

function experiment(yaml: string): ResolvedExperiment {
  const loaded = loadExperimentText(yaml, 'm.hrnn.yaml');
  assert.ok(loaded.ok && loaded.resolved, loaded.ok ? 'a sweep' : loaded.problems.map((p) => p.message).join('\n'));
  return loaded.resolved;
}

const withSizes = (model: string, batch: number, length: number, probes = 'probes: { every: null }') =>
  experiment(`task: { kind: adding, length: ${length}, testSize: 100 }
model: { ${model} }
training: { batchSize: ${batch}, steps: 10 }
${probes}
`);

function termBytes(e: MemoryEstimate, name: string): number {
  return e.terms.find((t) => t.name === name)?.bytes ?? 0;
}

/** Equal steps in x give equal steps in the estimate (affine), and it grows. */
function assertLinear(values: number[], what: string): void {
  const [a, b, c] = values;
  assert.ok(b > a, `${what} grows`);
  assert.ok(Math.abs(c - b - (b - a)) <= 1e-9 * c, `${what} grows linearly: ${values.map(formatBytes).join(', ')}`);
}

describe('training memory estimate', () => {
  const COMPOSITE = 'kind: hamiltonian, hidden: 64, implementation: tfjs';
  const REVERSIBLE = 'kind: hamiltonian, hidden: 64, backprop: reversible';

  it('composite tfjs ops: linear in the batch and in the length (every state is kept for the gradient)', () => {
    const byBatch = [100, 200, 300].map((B) => estimateTrainingMemory(withSizes(COMPOSITE, B, 1000), 'composite'));
    assertLinear(
      byBatch.map((e) => e.bytes),
      'the estimate, in the batch',
    );
    const byLength = [1000, 2000, 3000].map((T) => estimateTrainingMemory(withSizes(COMPOSITE, 100, T), 'composite'));
    assertLinear(
      byLength.map((e) => e.bytes),
      'the estimate, in the length',
    );
    // The training step is what grows: at least 39 floats per sequence, hidden unit and step.
    assert.ok(termBytes(byLength[1], 'training') - termBytes(byLength[0], 'training') >= 39 * 100 * 64 * 1000 * 4);
    // A composite LSTM grows linearly too.
    const lstm = [1000, 2000, 3000].map((T) => estimateTrainingMemory(withSizes('kind: lstm, hidden: 64', 100, T), 'composite'));
    assertLinear(
      lstm.map((e) => e.bytes),
      'an LSTM, in the length',
    );
    assert.equal(lstm[0].implementation, 'composite');
  });

  it('fused peer kernels (issue 10): T = 10000 at batch 128, hidden 128 fits in a fraction of the composite estimate, checkpointed every ~sqrt(T) steps', () => {
    for (const kind of ['tanh-rnn', 'lstm', 'gru', 'cornn']) {
      const fused = estimateTrainingMemory(withSizes(`kind: ${kind}, hidden: 128`, 128, 10000), 'fused');
      const composite = estimateTrainingMemory(withSizes(`kind: ${kind}, hidden: 128`, 128, 10000), 'composite');
      assert.equal(fused.implementation, 'fused');
      assert.ok(fused.bytes < composite.bytes / 10, `${kind}: fused ${fused.bytes} vs composite ${composite.bytes}`);
      assert.match(fused.terms.find((t) => t.name === 'kernel')!.detail, /keeps a state every 100 steps/);
      // Short sequences store every step (no recomputation).
      const short = estimateTrainingMemory(withSizes(`kind: ${kind}, hidden: 128`, 128, 50), 'fused');
      assert.match(short.terms.find((t) => t.name === 'kernel')!.detail, /stores every step/);
    }
  });

  it('fused kernel, reversible backprop: the stored states do not grow with the length', () => {
    const [short, long] = [1000, 100000].map((T) => estimateTrainingMemory(withSizes(REVERSIBLE, 100, T), 'fused'));
    assert.equal(short.implementation, 'fused');
    // The kernel keeps O(1) states: only its copy of the inputs (d = 2 floats a step) grows.
    const inputsGrowth = (100000 - 1000) * 100 * 2 * 4;
    assert.equal(termBytes(long, 'kernel') - termBytes(short, 'kernel'), inputsGrowth);
    // Against the composite path, growth with the length is negligible.
    const [cShort, cLong] = [1000, 100000].map((T) => estimateTrainingMemory(withSizes(REVERSIBLE, 100, T), 'composite'));
    assert.ok(
      (long.bytes - short.bytes) * 50 < cLong.bytes - cShort.bytes,
      `${formatBytes(long.bytes - short.bytes)} vs ${formatBytes(cLong.bytes - cShort.bytes)}`,
    );
    // Anchors bring states back: y and z (rows of 64 + 16 padding floats) every anchorEvery steps.
    const anchored = estimateTrainingMemory(withSizes(`${REVERSIBLE}, anchorEvery: 10`, 100, 100000), 'fused');
    assert.equal(termBytes(anchored, 'kernel') - termBytes(long, 'kernel'), 9999 * 100 * 2 * 80 * 4);
  });

  it('fused kernel, stored backprop: linear in batch x length (5.8 GB at batch 100000, T = 50, hidden 128, as measured)', () => {
    const stored = 'kind: hamiltonian, hidden: 128';
    const byLength = [100, 200, 300].map((T) => estimateTrainingMemory(withSizes(stored, 1000, T), 'fused'));
    assertLinear(
      byLength.map((e) => termBytes(e, 'kernel')),
      'the kernel workspace, in the length',
    );
    const big = estimateTrainingMemory(withSizes(stored, 100000, 50), 'fused');
    assert.ok(big.bytes > 5.5e9 && big.bytes < 9e9, formatBytes(big.bytes));
    assert.equal(big.terms[0].name, 'kernel');
    assert.match(big.terms[0].lower, /backprop: reversible/u);
  });

  it('counts probes (always composite), parameters with Adam moments, and the evaluation chunks', () => {
    const noProbes = estimateTrainingMemory(withSizes(REVERSIBLE, 10, 30000), 'fused');
    const probes = estimateTrainingMemory(withSizes(REVERSIBLE, 10, 30000, 'probes: { every: 1, batchSize: 16 }'), 'fused');
    assert.equal(probes.terms[0].name, 'probes');
    assert.ok(probes.bytes - noProbes.bytes > 40 * 16 * 64 * 30000 * 4, formatBytes(probes.bytes));
    // hidden 8192: W alone is 268 MB; with its gradient, Adam's two moments and copies, over 1 GB.
    const wide = estimateTrainingMemory(withSizes('kind: hamiltonian, hidden: 8192', 10, 50), 'fused');
    assert.ok(termBytes(wide, 'parameters') > 1e9, formatBytes(termBytes(wide, 'parameters')));
    const sgd = experiment('task: {kind: adding}\nmodel: {kind: hamiltonian, hidden: 8192}\ntraining: {optimizer: sgd}\n');
    assert.ok(termBytes(estimateTrainingMemory(sgd, 'fused'), 'parameters') < termBytes(wide, 'parameters'));
    // Evaluation runs in chunks of at most 250 sequences: a larger test set only adds its data.
    const e = (testSize: number) =>
      experiment(`task: {kind: adding, length: 100, testSize: ${testSize}}\nmodel: {kind: gru, hidden: 32}\ntraining: {batchSize: 1}\nprobes: {every: null}\n`);
    const [small, large] = [1000, 2000].map((n) => estimateTrainingMemory(e(n), 'composite'));
    assert.equal(large.bytes - small.bytes, 1000 * 100 * 2 * 4);
  });

  it('formats sizes for messages', () => {
    assert.equal(formatBytes(98.23e9), '98.2 GB');
    assert.equal(formatBytes(310.4e6), '310 MB');
    assert.equal(formatBytes(1000), '1 MB');
  });
});
