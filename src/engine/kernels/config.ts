/**
 * Checks a fused-sequence call (inputs, parameter tensors, options) and turns it into the compiled
 * kernels' numeric configuration. Every problem is reported with the field it concerns.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { RawConfig } from './rawKernel';
import type { FusedSequenceOptions, SequenceInputs } from './types';

function positiveInt(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`fused kernel: ${field} must be a positive integer, got ${value}`);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function expectShape(t: tf.Tensor | undefined, shape: readonly number[], field: string): void {
  if (!t) throw new Error(`fused kernel: ${field} is missing`);
  if (t.dtype !== 'float32') throw new Error(`fused kernel: ${field} must be float32, got ${t.dtype}`);
  const same = t.shape.length === shape.length && t.shape.every((n, i) => n === shape[i]);
  if (!same) throw new Error(`fused kernel: ${field} must have shape ${shapeText(shape)}, got ${shapeText(t.shape)}`);
}

/** Validates everything and returns the kernel configuration. */
export function rawConfig(inputs: SequenceInputs, params: readonly tf.Tensor[], opts: FusedSequenceOptions): RawConfig {
  const { T, B, d, data } = inputs;
  positiveInt(T, 'inputs.T');
  positiveInt(B, 'inputs.B');
  positiveInt(d, 'inputs.d');
  if (!(data instanceof Float32Array)) throw new Error('fused kernel: inputs.data must be a Float32Array');
  if (data.length !== T * B * d) {
    throw new Error(`fused kernel: inputs.data has ${data.length} values, expected T*B*d = ${T}*${B}*${d} = ${T * B * d}`);
  }
  if (opts.variant !== 'full' && opts.variant !== 'diagonal') {
    throw new Error(`fused kernel: opts.variant must be 'full' or 'diagonal', got ${String(opts.variant)}`);
  }
  if (opts.backprop !== 'stored' && opts.backprop !== 'reversible') {
    throw new Error(`fused kernel: opts.backprop must be 'stored' or 'reversible', got ${String(opts.backprop)}`);
  }
  if (!(Number.isFinite(opts.tau) && opts.tau > 0)) throw new Error(`fused kernel: opts.tau must be a finite number > 0, got ${opts.tau}`);
  if (!(Number.isFinite(opts.alpha) && opts.alpha >= 0)) throw new Error(`fused kernel: opts.alpha must be a finite number >= 0, got ${opts.alpha}`);
  const anchor = opts.anchorEvery;
  if (anchor !== null && (!Number.isInteger(anchor) || anchor < 1)) {
    throw new Error(`fused kernel: opts.anchorEvery must be null or a positive integer, got ${String(anchor)}`);
  }
  let m: number;
  let k: number;
  if (opts.variant === 'full') {
    if (params.length !== 3) throw new Error(`fused kernel: variant full takes 3 parameters [W, V, b], got ${params.length}`);
    const W = params[0];
    if (W.rank !== 2) throw new Error(`fused kernel: params[0] (W) must be 2-D [k, m], got ${shapeText(W.shape)}`);
    [k, m] = W.shape as [number, number];
    expectShape(W, [k, m], 'params[0] (W)');
    expectShape(params[1], [k, d], 'params[1] (V)');
    expectShape(params[2], [k], 'params[2] (b)');
  } else {
    if (params.length !== 4) throw new Error(`fused kernel: variant diagonal takes 4 parameters [w, V, b, c], got ${params.length}`);
    const w = params[0];
    if (w.rank !== 1) throw new Error(`fused kernel: params[0] (w) must be 1-D [m], got ${shapeText(w.shape)}`);
    m = k = w.shape[0];
    expectShape(w, [m], 'params[0] (w)');
    expectShape(params[1], [m, d], 'params[1] (V)');
    expectShape(params[2], [m], 'params[2] (b)');
    expectShape(params[3], [m], 'params[3] (c)');
  }
  positiveInt(m, 'hidden size m');
  positiveInt(k, 'rows of W (k)');
  return {
    variant: opts.variant === 'full' ? 0 : 1,
    backprop: opts.backprop === 'stored' ? 0 : 1,
    T,
    B,
    d,
    m,
    k,
    anchorEvery: opts.backprop === 'reversible' && anchor !== null ? anchor : 0,
    tau: opts.tau,
    alpha: opts.alpha,
  };
}
