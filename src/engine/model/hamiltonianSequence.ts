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
import * as tf from '@tensorflow/tfjs';
import type { FusedSequenceOptions, SequenceInputs } from '../kernels/types';
import type { LayerInput } from './cell';
import { layerShape, layerSteps, mm } from './ops';

export interface HamiltonianTrace {
  /** y_T, z_T: [B, m]. */
  y: tf.Tensor2D;
  z: tf.Tensor2D;
  /** y_n, z_n for n = 1..T when collected. */
  ys?: tf.Tensor2D[];
  zs?: tf.Tensor2D[];
}

export type HamiltonianOptions = Pick<FusedSequenceOptions, 'variant' | 'tau' | 'alpha'>;

export interface CompositeRunOptions {
  /** `perturb[n]` ([B, m]) is added to y_{n+1} after its step (for dL/dy probes). */
  perturb?: tf.Tensor2D[];
  /** Keep y_n, z_n for every n. */
  collect?: boolean;
  /** No gradient will be taken: free each step's intermediates at once. */
  release?: boolean;
  /** Keep y_n for every n (the sequence a stacked layer above reads), in `ys`. */
  keepPositions?: boolean;
  /** Start from (y_0, z_0) instead of zeros (tests of the one-step map). */
  initial?: { y: tf.Tensor2D; z: tf.Tensor2D };
}

/** Hidden size m from the parameter list. */
export function hiddenSize(params: tf.Tensor[], variant: FusedSequenceOptions['variant']): number {
  return variant === 'full' ? params[0].shape[1]! : params[0].shape[0]!;
}

/**
 * What the two variants differ in: the force grad_y V(y; u) without the alpha term ([B, m]) and
 * the step (tau, or the per-neuron step tau * sigmoid(c)). The loop around them is shared.
 */
function symplecticField(params: tf.Tensor[], opts: HamiltonianOptions): { force: (y: tf.Tensor2D, u: tf.Tensor2D) => tf.Tensor2D; h: number | tf.Tensor } {
  if (opts.variant === 'full') {
    const [W, V, b] = params as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const Wt = tf.transpose(W); // [m, k]: forward products stay non-transposed
    const Vt = tf.transpose(V); // [d, k]
    // (W^T tanh(W y + V u + b))^T per row
    return { force: (y, u) => mm(tf.tanh(tf.add(tf.add(mm(y, Wt), mm(u, Vt)), b)) as tf.Tensor2D, W), h: opts.tau };
  }
  const [w, V, b, c] = params as [tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const Vt = tf.transpose(V); // [d, m]
  return { force: (y, u) => tf.tanh(tf.add(tf.add(tf.mul(y, w), mm(u, Vt)), b)) as tf.Tensor2D, h: tf.mul(tf.sigmoid(c), opts.tau) };
}

/**
 * Runs the recurrence. params: full [W k×m, V k×d, b k]; diagonal [w m, V m×d, b m, c m].
 */
export function runHamiltonianComposite(inputs: LayerInput, params: tf.Tensor[], opts: HamiltonianOptions, run: CompositeRunOptions = {}): HamiltonianTrace {
  const { alpha } = opts;
  const { perturb, collect = false, release = false, keepPositions = false } = run;
  const steps = layerSteps(inputs);
  const { T, B } = layerShape(inputs);
  const m = hiddenSize(params, opts.variant);
  let y = run.initial?.y ?? (tf.zeros([B, m]) as tf.Tensor2D);
  let z = run.initial?.z ?? (tf.zeros([B, m]) as tf.Tensor2D);
  const ys: tf.Tensor2D[] = [];
  const zs: tf.Tensor2D[] = [];
  const { force, h } = symplecticField(params, opts);
  for (let n = 0; n < T; n++) {
    const step = (): [tf.Tensor2D, tf.Tensor2D] => {
      let f = force(y, steps[n]);
      if (alpha !== 0) f = tf.add(f, tf.mul(y, alpha));
      const zn = tf.sub(z, tf.mul(f, h)) as tf.Tensor2D;
      let yn = tf.add(y, tf.mul(zn, h)) as tf.Tensor2D;
      if (perturb) yn = tf.add(yn, perturb[n]);
      return [yn, zn];
    };
    // y_{n-1} stays alive when the layer above reads it (release frees only z and the step's scratch)
    [y, z] = advance(step, [y, z], release, n, keepPositions ? [y] : []);
    if (collect || keepPositions) ys.push(y);
    if (collect) zs.push(z);
  }
  if (release) tf.dispose(steps);
  if (collect) return { y, z, ys, zs };
  return keepPositions ? { y, z, ys } : { y, z };
}

/**
 * Runs one step. With `release`, the step's intermediates are freed at once and the previous
 * state too (it is no longer needed without a gradient), except `keep`; the initial zeros are freed by the caller's scope.
 */
export function advance<S extends tf.Tensor[]>(step: () => S, previous: S, release: boolean, n: number, keep: tf.Tensor[] = []): S {
  if (!release) return step();
  const next = tf.tidy(step);
  if (n > 0) tf.dispose(previous.filter((t) => !next.includes(t) && !keep.includes(t)));
  return next;
}

/**
 * The same signature as `FusedKernel.sequence`: [B, 2m] = [y_T | z_T], gradient by autodiff.
 * `opts.backprop` is ignored: autodiff always stores the states.
 */
export function composeHamiltonianSequence(inputs: SequenceInputs, params: tf.Tensor[], opts: FusedSequenceOptions): tf.Tensor2D {
  return tf.tidy(() => {
    const { y, z } = runHamiltonianComposite(inputs, params, opts);
    return tf.concat([y, z], 1) as tf.Tensor2D;
  });
}

/**
 * The exact inverse of one step (what reversible backpropagation relies on):
 *   y_{n-1} = y_n - tau z_n,   z_{n-1} = z_n + tau (W^T tanh(W y_{n-1} + V u_n + b) + alpha y_{n-1})
 * (per-neuron step tau s in the diagonal variant). u: [B, d]; y, z: [B, m].
 */
export function hamiltonianInverseStep(
  y: tf.Tensor2D,
  z: tf.Tensor2D,
  u: tf.Tensor2D,
  params: tf.Tensor[],
  opts: HamiltonianOptions,
): { y: tf.Tensor2D; z: tf.Tensor2D } {
  return tf.tidy(() => {
    const { force, h } = symplecticField(params, opts);
    const yPrev = tf.sub(y, tf.mul(z, h)) as tf.Tensor2D;
    let f = force(yPrev, u);
    if (opts.alpha !== 0) f = tf.add(f, tf.mul(yPrev, opts.alpha));
    return { y: yPrev, z: tf.add(z, tf.mul(f, h)) as tf.Tensor2D };
  });
}
