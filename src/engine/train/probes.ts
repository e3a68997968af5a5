/**
 * The probes: what the paper's claims are about, measured on a fixed batch.
 *   - the hidden-state gradient ||dL/dy_k|| for every step k (Frobenius norm over the probe batch),
 *     obtained as the gradient with respect to a zero perturbation added to y_k;
 *   - the energy H_n and modified energy (Hamiltonian cells);
 *   - the state norms ||y_n||, ||z_n|| (||h_n|| for peers), means over the batch;
 *   - optionally the free-run energy drift (freeRunEnergy.ts) from the batch's last state.
 * Always computed with the composite tfjs implementation (it exposes every state).
 * Stacked models (model.layers > 1) report layer 1 (the gradient reaching the input end, through
 * every layer above; see stackedCell.ts), so the shapes are those of one layer.
 */
import * as tf from '@tensorflow/tfjs';
import type { FreeRunEnergy, ProbeRecord } from '../../protocol/records';
import type { SequenceModel } from '../model/sequenceModel';
import { frobeniusNorms, meanRowNorms } from '../model/ops';
import type { Batch } from '../tasks/task';
import { measureFreeRun } from './freeRunEnergy';

/** Float32 values carry ~7 significant digits; printing more only bloats metrics.jsonl. */
function compact(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : v));
}

/** The free run of the energy probe: how many steps, with which input held (Hamiltonian models). */
export interface FreeRunChoice {
  steps: number | null;
  input: FreeRunEnergy['input'];
}

export function measureProbes(model: SequenceModel, batch: Batch, step: number, wallMs: number, freeRun?: FreeRunChoice): ProbeRecord {
  const { T, B } = batch.inputs;
  const m = model.cell.hidden;
  const gradientOverTime = tf.tidy(() => {
    const zeros = Array.from({ length: T }, () => tf.zeros([B, m]) as tf.Tensor2D);
    const lossOf = (...perturb: tf.Tensor[]) =>
      model.loss(model.forward(batch.inputs, { perturb: perturb as tf.Tensor2D[], composite: true }).output, batch.targets);
    return frobeniusNorms(tf.grads(lossOf)(zeros));
  });
  const record: ProbeRecord = {
    type: 'probe',
    step,
    gradientOverTime: compact(gradientOverTime.dataSync()),
    stateNorm: [],
    wallMs,
  };
  gradientOverTime.dispose();
  tf.tidy(() => {
    const { run } = model.forward(batch.inputs, { collect: true, composite: true });
    const states = run.states!;
    record.stateNorm = compact(meanRowNorms(states.primary).dataSync());
    if (states.momentum) record.momentumNorm = compact(meanRowNorms(states.momentum).dataSync());
    if (model.cell.energy) {
      const e = model.cell.energy(batch.inputs, states);
      record.energy = compact(e.energy);
      record.modifiedEnergy = compact(e.modifiedEnergy);
      if (freeRun?.steps && model.config.kind === 'hamiltonian') {
        const { T, B, d } = batch.inputs;
        const u = freeRun.input === 'last' ? tf.tensor2d(batch.inputs.data.subarray((T - 1) * B * d, T * B * d), [B, d]) : tf.zeros([B, d]);
        record.freeRun = measureFreeRun({
          params: model.cell.variables,
          variant: model.config.variant,
          tau: model.config.tau,
          alpha: model.config.alpha,
          y0: states.primary[T - 1],
          z0: states.momentum![T - 1],
          u: u as tf.Tensor2D,
          input: freeRun.input,
          steps: freeRun.steps,
        });
      }
    }
  });
  const drift = model.cell.reconstructionDrift?.();
  if (drift !== null && drift !== undefined) record.reconstructionDrift = drift;
  return record;
}
