/**
 * The free-run energy probe: from a trained cell's state with the input held constant, symplectic
 * Euler keeps the modified energy to O(tau^2) while forward Euler on the same vector field drifts;
 * the probe record carries it when `probes.freeRunSteps` is set; no tensor leaks.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { Rng } from '../../../src/engine/rng';
import { createTask } from '../../../src/engine/tasks';
import { measureFreeRun } from '../../../src/engine/train/freeRunEnergy';
import { measureProbes } from '../../../src/engine/train/probes';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput } from '../../../src/experiment/schema';

function setup(variant: 'full' | 'diagonal', tau: number) {
  const exp = resolveExperiment(
    {
      task: { kind: 'adding', length: 20 },
      model: { kind: 'hamiltonian', hidden: 8, tau, variant, alpha: 0.5 },
      probes: { freeRunSteps: 200 },
    } as ExperimentInput,
    'free-run',
  );
  const task = createTask(exp);
  const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(11));
  return { exp, task, model };
}

describe('free-run energy probe', function () {
  this.timeout(60000);
  before(async () => {
    await selectBackend('wasm');
  });

  for (const variant of ['full', 'diagonal'] as const) {
    it(`${variant}: symplectic Euler bounds the modified-energy error at O(tau^2); forward Euler drifts far beyond`, () => {
      const results = [0.2, 0.1].map((tau) => {
        const { model } = setup(variant, tau);
        const B = 4;
        const m = 8;
        const rng = new Rng(3);
        const before = tf.memory().numTensors;
        const y0 = tf.tensor2d(rng.normalArray(B * m, 1), [B, m]);
        const z0 = tf.tensor2d(rng.normalArray(B * m, 1), [B, m]);
        const u = tf.zeros([B, 2]) as tf.Tensor2D;
        const r = measureFreeRun({ params: model.cell.variables, variant, tau, alpha: 0.5, y0, z0, u, input: 'zero', steps: 200 });
        tf.dispose([y0, z0, u]);
        assert.equal(tf.memory().numTensors, before, 'no tensor outlives the free run');
        model.dispose();
        assert.equal(r.symplecticEnergyError.length, 200);
        return r;
      });
      const [coarse, fine] = results;
      const maxOf = (xs: number[]) => Math.max(...xs);
      assert.ok(maxOf(coarse.symplecticModifiedEnergyError) < maxOf(coarse.symplecticEnergyError), 'H~ is kept better than H');
      // Halving tau: the modified-energy error drops by about 4 (O(tau^2)), at least by 2.5.
      const ratio = maxOf(coarse.symplecticModifiedEnergyError) / maxOf(fine.symplecticModifiedEnergyError);
      assert.ok(ratio > 2.5, `H~ error ratio for tau 0.2 / 0.1: ${ratio}`);
      // Forward Euler gains energy every step: its error at the end dwarfs the symplectic one.
      const euler = coarse.eulerEnergyError;
      assert.ok(
        euler[euler.length - 1] > 10 * maxOf(coarse.symplecticEnergyError),
        `euler ${euler[euler.length - 1]} vs symplectic ${maxOf(coarse.symplecticEnergyError)}`,
      );
      assert.ok(euler[euler.length - 1] > euler[9], 'forward Euler drifts on');
    });
  }

  it('the probe record carries the free run when asked for, from the probe batch, with the last input held', () => {
    const { exp, task, model } = setup('full', 0.1);
    const batch = task.probeBatch(3);
    const before = tf.memory().numTensors;
    const plain = measureProbes(model, batch, 0, 0);
    assert.equal(plain.freeRun, undefined);
    const probe = measureProbes(model, batch, 0, 0, { steps: exp.probes.freeRunSteps, input: 'last' });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(probe.freeRun!.input, 'last');
    assert.equal(probe.freeRun!.tau, 0.1);
    assert.equal(probe.freeRun!.eulerEnergyError.length, 200);
    assert.ok(probe.freeRun!.symplecticModifiedEnergyError.every((e) => Number.isFinite(e) && e >= 0));
    model.dispose();
  });
});
