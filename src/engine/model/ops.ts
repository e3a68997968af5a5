/**
 * Small tensor helpers shared by the cells.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import type { SequenceInputs } from '../kernels/types';
import type { LayerInput } from './cell';

/**
 * a @ b with a gradient built only from non-transposed products ([n,k] x [k,p] -> [n,p]).
 * tfjs' own matMul gradient uses transposed operands, which the wasm backend runs outside
 * XNNPACK on a scalar loop (4-7x slower, see research/tf-backends.md); explicit transposes are
 * cheap by comparison and harmless on the other backends.
 */
const matMulTransposeFree = tf.customGrad<tf.Tensor2D>((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
});

export function mm(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulTransposeFree(a, b);
}

/** Numerically stable log(cosh(x)) = |x| + log1p(exp(-2|x|)) - log 2. */
export function logCosh(x: tf.Tensor): tf.Tensor {
  const ax = tf.abs(x);
  return tf.sub(tf.add(ax, tf.log1p(tf.exp(tf.mul(ax, -2)))), Math.LN2);
}

/** One [B, d] tensor per time step, made straight from the time-major data (no slicing of a big tensor). */
export function stepTensors(inputs: SequenceInputs): tf.Tensor2D[] {
  const { data, T, B, d } = inputs;
  const out: tf.Tensor2D[] = new Array(T);
  const n = B * d;
  for (let t = 0; t < T; t++) out[t] = tf.tensor2d(data.subarray(t * n, (t + 1) * n), [B, d]);
  return out;
}

/** Sequence length, batch and input size of a layer's input. */
export function layerShape(input: LayerInput): { T: number; B: number; d: number } {
  if (input instanceof tf.Tensor) return { T: input.shape[0], B: input.shape[1], d: input.shape[2] };
  return { T: input.T, B: input.B, d: input.d };
}

/** One [B, d] tensor per step of a layer's input (unstacking a tensor input keeps its gradient). */
export function layerSteps(input: LayerInput): tf.Tensor2D[] {
  if (!(input instanceof tf.Tensor)) return stepTensors(input);
  // tfjs' unstack gradient fails with a single output (its tape hands over one tensor, not a list)
  if (input.shape[0] === 1) return [tf.reshape(input, [input.shape[1], input.shape[2]])];
  return tf.unstack(input) as tf.Tensor2D[];
}

/** All inputs as one [T*B, d] tensor (rows in time-major order). */
export function allInputs(inputs: SequenceInputs): tf.Tensor2D {
  return tf.tensor2d(inputs.data, [inputs.T * inputs.B, inputs.d]);
}

/** A trainable variable holding `init` (which is released: tf.variable copies it). */
export function variableFrom(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init);
  init.dispose();
  return v;
}

/** PyTorch's nn.Linear / nn.RNN default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function uniformFanIn(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.uniformArray(size, -bound, bound), shape);
}

export function normalInit(rng: Rng, shape: number[], std: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.normalArray(size, std), shape);
}

/** Mean over the batch of per-row Euclidean norms, for each of the T stacked [B, m] states: [T]. */
export function meanRowNorms(states: tf.Tensor2D[]): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.norm(tf.stack(states), 'euclidean', 2), 1) as tf.Tensor1D);
}

/** Frobenius norm of each [B, m] tensor: [T]. */
export function frobeniusNorms(grads: tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.stack(grads)), [1, 2])) as tf.Tensor1D);
}
