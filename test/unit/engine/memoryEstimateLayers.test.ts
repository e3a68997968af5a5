/** The peak-memory estimate counts stacked layers (`model.layers`). */
import assert from 'node:assert/strict';
import { estimateTrainingMemory, type MemoryEstimate } from '../../../src/engine/train/memoryEstimate';
import { loadExperimentText } from '../../../src/experiment';
import type { ResolvedExperiment } from '../../../src/experiment/schema';

function experiment(model: string): ResolvedExperiment {
  const loaded = loadExperimentText(
    `task: { kind: adding, length: 200, testSize: 100 }\nmodel: { ${model} }\ntraining: { batchSize: 32, steps: 10 }\n`,
    'm.hrnn.yaml',
  );
  assert.ok(loaded.ok && loaded.resolved);
  return loaded.resolved;
}

function termBytes(e: MemoryEstimate, name: string): number {
  return e.terms.find((t) => t.name === name)?.bytes ?? 0;
}

describe('training memory estimate: stacked layers', () => {
  for (const [model, implementation] of [
    ['kind: lstm, hidden: 64', 'composite'],
    ['kind: hamiltonian, hidden: 64, implementation: tfjs', 'composite'],
    ['kind: hamiltonian, hidden: 64, backprop: reversible', 'fused'],
  ] as const) {
    it(`${model}: every layer adds parameters and per-step memory`, () => {
      const [one, two, three] = [1, 2, 3].map((L) => estimateTrainingMemory(experiment(`${model}, layers: ${L}`), implementation));
      assert.ok(two.bytes > one.bytes && three.bytes > two.bytes, 'grows with the layers');
      assert.ok(termBytes(two, 'parameters') > 1.5 * termBytes(one, 'parameters'), 'layers >= 2 have their own parameters');
      const phase = implementation === 'fused' ? 'kernel' : 'training';
      assert.ok(termBytes(two, phase) > 1.5 * termBytes(one, phase), `${phase} counts each layer`);
      // layers: 1 is the estimate of a file without `layers`
      assert.equal(one.bytes, estimateTrainingMemory(experiment(model), implementation).bytes);
    });
  }
});
