/**
 * The free-run energy probe: what the claim "symplectic Euler conserves the (modified) energy" looks
 * like on the trained cell. From the state the probe batch ends in, the cell runs on with its input
 * held constant (zero, or the batch's last input), so that H is a conserved quantity of the exact
 * flow; symplectic Euler (the cell's own scheme) and forward Euler on the same vector field
 * (dz/dt = -s grad_y V, dy/dt = s z) each take `steps` steps of size tau. Recorded: the relative error
 * of H and of the modified energy against step n, e_n = mean_i |E_n,i - E_0,i| / mean_i |E_0,i| over
 * the batch. During training the input changes every step and H is not conserved; this run is where
 * the energy plot says something. Pure tfjs; Hamiltonian cells only.
 */
import * as tf from '@tensorflow/tfjs';
import type { FreeRunEnergy } from '../../protocol/records';
import type { HamiltonianVariant } from '../kernels/types';
import { energyRows, potentialAndForce } from '../model/hamiltonianEnergy';

export interface FreeRunSetup {
  params: readonly tf.Tensor[];
  variant: HamiltonianVariant;
  tau: number;
  alpha: number;
  /** Starting state [B, m] each. */
  y0: tf.Tensor2D;
  z0: tf.Tensor2D;
  /** The input held constant [B, d]. */
  u: tf.Tensor2D;
  input: FreeRunEnergy['input'];
  steps: number;
}

/** Float32 values carry ~7 significant digits. */
function compact(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : v));
}

/** Runs both integrators `steps` steps and measures the relative energy errors; no tensor outlives the call. */
export function measureFreeRun(setup: FreeRunSetup): FreeRunEnergy {
  const { params, variant, tau, alpha, u, steps } = setup;
  const opts = { variant, alpha, tau };
  const errors = tf.tidy(() => {
    const start = energyRows(params, opts, setup.y0, setup.z0, u);
    const relative = (E: tf.Tensor1D, E0: tf.Tensor1D) => tf.div(tf.mean(tf.abs(tf.sub(E, E0))), tf.maximum(tf.mean(tf.abs(E0)), 1e-30));
    let ys = setup.y0;
    let zs = setup.z0;
    let ye = setup.y0;
    let ze = setup.z0;
    const perStep: tf.Tensor[] = [];
    for (let n = 0; n < steps; n++) {
      const next = tf.tidy(() => {
        // Symplectic Euler, momentum first: the cell's own step.
        const fs = potentialAndForce(params, opts, ys, u);
        const hs = fs.scale === 1 ? tau : tf.mul(fs.scale, tau);
        const zs1 = tf.sub(zs, tf.mul(fs.force, hs)) as tf.Tensor2D;
        const ys1 = tf.add(ys, tf.mul(zs1, hs)) as tf.Tensor2D;
        // Forward Euler: both halves from the old state.
        const fe = potentialAndForce(params, opts, ye, u);
        const he = fe.scale === 1 ? tau : tf.mul(fe.scale, tau);
        const ze1 = tf.sub(ze, tf.mul(fe.force, he)) as tf.Tensor2D;
        const ye1 = tf.add(ye, tf.mul(ze, he)) as tf.Tensor2D;
        const s = energyRows(params, opts, ys1, zs1, u);
        const e = energyRows(params, opts, ye1, ze1, u);
        const err = tf.stack([relative(s.energy, start.energy), relative(s.modifiedEnergy, start.modifiedEnergy), relative(e.energy, start.energy)]);
        return [ys1, zs1, ye1, ze1, err] as tf.Tensor[];
      });
      // The previous states are no longer needed (the starting ones belong to the caller).
      if (n > 0) tf.dispose([ys, zs, ye, ze]);
      [ys, zs, ye, ze] = next.slice(0, 4) as tf.Tensor2D[];
      perStep.push(next[4]);
    }
    return steps > 0 ? tf.stack(perStep) : tf.zeros([0, 3]); // [steps, 3]
  });
  const values = errors.dataSync();
  errors.dispose();
  const column = (k: number) => compact(Array.from({ length: steps }, (_, n) => values[n * 3 + k]));
  return {
    input: setup.input,
    tau,
    symplecticEnergyError: column(0),
    symplecticModifiedEnergyError: column(1),
    eulerEnergyError: column(2),
  };
}
