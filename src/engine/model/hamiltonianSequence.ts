/**
 * The Hamiltonian RNN recurrence as composite TensorFlow.js ops: the reference implementation
 * (autodiff gives its gradient) that the fused kernels are tested against.
 *
 * The equations are this project's reconstruction from the paper's abstract (Rusch, Pearson,
 * Zygalakis, arXiv:1911.05035); the full text was not available. Symplectic Euler, momentum first:
 *   full:     z_n = z_{n-1} - tau (W^T tanh(W y_{n-1} + V u_n + b) + alpha y_{n-1}),  y_n = y_{n-1} + tau z_n
 *   diagonal: z_n = z_{n-1} - tau s (tanh(w y_{n-1} + V u_n + b) + alpha y_{n-1}),    y_n = y_{n-1} + tau s z_n
 * with s = sigmoid(c) elementwise; y_0 = z_0 = 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FusedSequenceOptions, SequenceInputs } from '../kernels/types';
import { mm, stepTensors } from './ops';

export interface HamiltonianTrace {
  /** y_T, z_T: [B, m]. */
  y: tf.Tensor2D;
  z: tf.Tensor2D;
  /** y_n, z_n for n = 1..T when collected. */
  ys?: tf.Tensor2D[];
  zs?: tf.Tensor2D[];
}

/**
 * Runs the recurrence. params: full [W k×m, V k×d, b k]; diagonal [w m, V m×d, b m, c m].
 * `perturb[n]` ([B, m]) is added to y_{n+1} after the step (for dL/dy probes).
 */
export function runHamiltonianComposite(
  inputs: SequenceInputs,
  params: tf.Tensor[],
  opts: Pick<FusedSequenceOptions, 'variant' | 'tau' | 'alpha'>,
  perturb?: tf.Tensor2D[],
  collect = false,
): HamiltonianTrace {
  const { tau, alpha } = opts;
  const steps = stepTensors(inputs);
  const m = opts.variant === 'full' ? params[0].shape[1]! : params[0].shape[0]!;
  let y = tf.zeros([inputs.B, m]) as tf.Tensor2D;
  let z = tf.zeros([inputs.B, m]) as tf.Tensor2D;
  const ys: tf.Tensor2D[] = [];
  const zs: tf.Tensor2D[] = [];
  if (opts.variant === 'full') {
    const [W, V, b] = params as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const Wt = tf.transpose(W); // [m, k]: forward products stay non-transposed
    const Vt = tf.transpose(V); // [d, k]
    for (let n = 0; n < inputs.T; n++) {
      const a = tf.add(tf.add(mm(y, Wt), mm(steps[n], Vt)), b); // [B, k]
      let force = mm(tf.tanh(a) as tf.Tensor2D, W); // [B, m] = (W^T tanh(a))^T per row
      if (alpha !== 0) force = tf.add(force, tf.mul(y, alpha));
      z = tf.sub(z, tf.mul(force, tau));
      y = tf.add(y, tf.mul(z, tau));
      if (perturb) y = tf.add(y, perturb[n]);
      if (collect) {
        ys.push(y);
        zs.push(z);
      }
    }
  } else {
    const [w, V, b, c] = params as [tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const Vt = tf.transpose(V); // [d, m]
    const step = tf.mul(tf.sigmoid(c), tau); // per-neuron step tau * s
    for (let n = 0; n < inputs.T; n++) {
      const a = tf.add(tf.add(tf.mul(y, w), mm(steps[n], Vt)), b);
      let force = tf.tanh(a);
      if (alpha !== 0) force = tf.add(force, tf.mul(y, alpha));
      z = tf.sub(z, tf.mul(force, step));
      y = tf.add(y, tf.mul(z, step));
      if (perturb) y = tf.add(y, perturb[n]);
      if (collect) {
        ys.push(y);
        zs.push(z);
      }
    }
  }
  return collect ? { y, z, ys, zs } : { y, z };
}

/**
 * The same signature as `FusedKernel.sequence`: [B, 2m] = [y_T | z_T], gradient by autodiff.
 * `opts.backprop` is ignored: autodiff always stores the states.
 */
export function composeHamiltonianSequence(
  inputs: SequenceInputs,
  params: tf.Tensor[],
  opts: FusedSequenceOptions,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { y, z } = runHamiltonianComposite(inputs, params, opts);
    return tf.concat([y, z], 1) as tf.Tensor2D;
  });
}
