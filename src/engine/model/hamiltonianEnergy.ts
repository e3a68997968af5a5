/**
 * The Hamiltonian of the Hamiltonian RNN cell, row by row: the potential V(y; u), its force grad_y V
 * and the per-neuron step scale (sigmoid(c) in the diagonal variant, 1 in the full one). The one
 * owner of these formulas: the energy probe along a run (hamiltonian.ts) and the free-run energy
 * probe (train/freeRunEnergy.ts) both use them. Pure tfjs.
 *
 * full:     V = alpha/2 ||y||^2 + sum_i log cosh((W y + V u + b)_i),  grad_y V = W^T tanh(W y + V u + b) + alpha y
 * diagonal: V = sum_i [alpha y_i^2/2 + (log cosh(w_i y_i + p_i) - log cosh(p_i)) / w_i], p = V u + b,
 *           grad_y V = tanh(w y + p) + alpha y
 * The vector field of both schemes is dz/dt = -s grad_y V, dy/dt = s z (s the step scale).
 */
import * as tf from '@tensorflow/tfjs';
import type { HamiltonianVariant } from '../kernels/types';
import { logCosh, mm } from './ops';

export interface PotentialOptions {
  variant: HamiltonianVariant;
  alpha: number;
}

/**
 * V per row [N], grad_y V [N, m] (alpha term included) and the step scale ([m] or 1) for states
 * Y [N, m] under inputs U [N, d]. params: full [W, V, b]; diagonal [w, V, b, c].
 */
export function potentialAndForce(
  params: readonly tf.Tensor[],
  opts: PotentialOptions,
  Y: tf.Tensor2D,
  U: tf.Tensor2D,
): { potential: tf.Tensor1D; force: tf.Tensor2D; scale: tf.Tensor1D | 1 } {
  const { alpha } = opts;
  let potential: tf.Tensor;
  let force: tf.Tensor;
  let scale: tf.Tensor1D | 1 = 1;
  if (opts.variant === 'full') {
    const [W, V, b] = params as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const a = tf.add(tf.add(mm(Y, tf.transpose(W)), mm(U, tf.transpose(V))), b) as tf.Tensor2D; // [N, k]
    potential = tf.sum(logCosh(a), 1);
    force = mm(tf.tanh(a) as tf.Tensor2D, W); // [N, m]
  } else {
    const [w, V, b, c] = params as [tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const p = tf.add(mm(U, tf.transpose(V)), b); // [N, m]
    const a = tf.add(tf.mul(Y, w), p);
    // (logcosh(w y + p) - logcosh(p)) / w, with its Taylor form where w is too small to divide by.
    const small = tf.less(tf.abs(w), 1e-3);
    const safeW = tf.where(small, tf.onesLike(w), w);
    const exact = tf.div(tf.sub(logCosh(a), logCosh(p)), safeW);
    const sech2 = tf.sub(1, tf.square(tf.tanh(p)));
    const taylor = tf.add(tf.mul(tf.tanh(p), Y), tf.mul(tf.mul(tf.mul(sech2, tf.square(Y)), w), 0.5));
    potential = tf.sum(tf.where(tf.broadcastTo(small, a.shape), taylor, exact), 1);
    force = tf.tanh(a);
    scale = tf.sigmoid(c) as tf.Tensor1D;
  }
  if (alpha !== 0) {
    force = tf.add(force, tf.mul(Y, alpha));
    potential = tf.add(potential, tf.mul(tf.sum(tf.square(Y), 1), alpha / 2));
  }
  return { potential: potential as tf.Tensor1D, force: force as tf.Tensor2D, scale };
}

/**
 * H = 1/2 ||z||^2 + V and the modified energy of symplectic Euler H~ = H - tau/2 z^T (s grad_y V),
 * per row [N]. Symplectic Euler keeps H~ constant to O(tau^2) when the input is constant.
 */
export function energyRows(
  params: readonly tf.Tensor[],
  opts: PotentialOptions & { tau: number },
  Y: tf.Tensor2D,
  Z: tf.Tensor2D,
  U: tf.Tensor2D,
): { energy: tf.Tensor1D; modifiedEnergy: tf.Tensor1D } {
  const { potential, force, scale } = potentialAndForce(params, opts, Y, U);
  const energy = tf.add(tf.mul(tf.sum(tf.square(Z), 1), 0.5), potential) as tf.Tensor1D;
  const scaledForce = scale === 1 ? force : tf.mul(force, scale);
  const modifiedEnergy = tf.sub(energy, tf.mul(tf.sum(tf.mul(Z, scaledForce), 1), opts.tau / 2)) as tf.Tensor1D;
  return { energy, modifiedEnergy };
}
