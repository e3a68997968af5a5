/**
 * Shared pieces of the fused-kernel tests: seeded random problems, error measures, and a float64
 * plain-JS forward pass of MODEL.md's recurrence (an oracle independent of tfjs).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { FusedSequenceOptions, HamiltonianVariant, SequenceInputs } from '../../../src/engine/kernels/types';
import type { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { Rng } from '../../../src/engine/rng';

export interface Problem {
  inputs: SequenceInputs;
  /** full [W k×m, V k×d, b k]; diagonal [w m, V m×d, b m, c m] */
  params: Float32Array[];
  shapes: number[][];
  /** upstream gradient of [y_T | z_T], [B, 2m] */
  probe: Float32Array;
  m: number;
}

export function makeProblem(seed: number, variant: HamiltonianVariant, T: number, B: number, d: number, m: number): Problem {
  const rng = new Rng(seed);
  const inputs: SequenceInputs = { data: rng.uniformArray(T * B * d, -1, 1), T, B, d };
  const shapes = variant === 'full' ? [[m, m], [m, d], [m]] : [[m], [m, d], [m], [m]];
  const params =
    variant === 'full'
      ? [rng.normalArray(m * m, 1 / Math.sqrt(m)), rng.normalArray(m * d, 1), rng.normalArray(m, 0.3)]
      : [rng.uniformArray(m, -1, 1), rng.normalArray(m * d, 1), rng.normalArray(m, 0.3), rng.uniformArray(m, -1, 1)];
  return { inputs, params, shapes, probe: rng.uniformArray(B * 2 * m, -1, 1), m };
}

export function paramTensors(p: Problem): tf.Tensor[] {
  return p.params.map((a, i) => tf.tensor(a, p.shapes[i], 'float32'));
}

/** max |a - b| / max |b| */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale > 0 ? err / scale : err;
}

/**
 * The value of the sequence op and the gradient of sum(probe ⊙ value) with respect to each
 * parameter, for any implementation with FusedKernel.sequence's signature.
 */
export function valueAndGrads(
  run: (inputs: SequenceInputs, params: tf.Tensor[], opts: FusedSequenceOptions) => tf.Tensor2D,
  p: Problem,
  opts: FusedSequenceOptions,
): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const params = paramTensors(p);
    const probe = tf.tensor2d(p.probe, [p.inputs.B, 2 * p.m]);
    const value = run(p.inputs, params, opts).dataSync() as Float32Array;
    // dy = probe: the gradient of sum(probe ⊙ value) without needing other ops' gradients
    const grads = tf.grads((...ps: tf.Tensor[]) => run(p.inputs, ps, opts))(params, probe);
    return { value: value.slice(), grads: grads.map((g) => (g.dataSync() as Float32Array).slice()) };
  });
}

/** Float64 forward pass of MODEL.md's recurrence: [B, 2m] = [y_T | z_T]. */
export function forward64(
  variant: HamiltonianVariant,
  inputs: SequenceInputs,
  params: ArrayLike<number>[],
  m: number,
  tau: number,
  alpha: number,
): Float64Array {
  const { data: u, T, B, d } = inputs;
  const k = m;
  const y = new Float64Array(B * m);
  const z = new Float64Array(B * m);
  const h = new Float64Array(k);
  for (let n = 0; n < T; n++) {
    for (let r = 0; r < B; r++) {
      const o = r * m;
      const uo = (n * B + r) * d;
      if (variant === 'full') {
        const [W, V, b] = params;
        for (let p = 0; p < k; p++) {
          let a = b[p];
          for (let q = 0; q < m; q++) a += W[p * m + q] * y[o + q];
          for (let e = 0; e < d; e++) a += V[p * d + e] * u[uo + e];
          h[p] = Math.tanh(a);
        }
        for (let q = 0; q < m; q++) {
          let f = alpha * y[o + q];
          for (let p = 0; p < k; p++) f += W[p * m + q] * h[p];
          z[o + q] -= tau * f;
          y[o + q] += tau * z[o + q];
        }
      } else {
        const [w, V, b, c] = params;
        for (let q = 0; q < m; q++) {
          let a = b[q] + w[q] * y[o + q];
          for (let e = 0; e < d; e++) a += V[q * d + e] * u[uo + e];
          const s = 1 / (1 + Math.exp(-c[q]));
          z[o + q] -= tau * s * (Math.tanh(a) + alpha * y[o + q]);
          y[o + q] += tau * s * z[o + q];
        }
      }
    }
  }
  const out = new Float64Array(B * 2 * m);
  for (let r = 0; r < B; r++) {
    for (let q = 0; q < m; q++) {
      out[r * 2 * m + q] = y[r * m + q];
      out[r * 2 * m + m + q] = z[r * m + q];
    }
  }
  return out;
}

/** Central finite differences (float64) of sum(probe ⊙ forward64) with respect to every parameter. */
export function finiteDifferenceGrads(variant: HamiltonianVariant, p: Problem, tau: number, alpha: number): Float64Array[] {
  const params = p.params.map((a) => Float64Array.from(a));
  const loss = (): number => {
    const out = forward64(variant, p.inputs, params, p.m, tau, alpha);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += p.probe[i] * out[i];
    return s;
  };
  const eps = 1e-6;
  return params.map((a) => {
    const g = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const old = a[i];
      a[i] = old + eps;
      const up = loss();
      a[i] = old - eps;
      const down = loss();
      a[i] = old;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });
}

/** One training step's view of a regression model: loss, outputs and every recurrent gradient. */
export interface ModelRun {
  value: number;
  out: Float32Array;
  grads: Float32Array[];
}

/** Loss and gradients of `model` on `inputs` (tidy: nothing leaks), and its outputs. */
export function runModel(model: SequenceModel, inputs: SequenceInputs, targets: Float32Array): ModelRun {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => model.loss(model.forward(inputs).output, targets), model.recurrentVariables);
    const out = model.forward(inputs).output.dataSync().slice() as Float32Array;
    return { value: value.dataSync()[0], out, grads: model.recurrentVariables.map((v) => grads[v.name].dataSync().slice() as Float32Array) };
  });
}

/** `got` equals the reference run `ref` to `tol` (relative): outputs, loss and every gradient, named by `names`. */
export function assertRunsAgree(got: ModelRun, ref: ModelRun, names: readonly string[], tol: number, label: string): void {
  assert.ok(relError(got.out, ref.out) < tol, `${label}: outputs rel. error ${relError(got.out, ref.out)}`);
  assert.ok(Math.abs(got.value - ref.value) <= tol * Math.max(1, Math.abs(ref.value)), `${label}: loss ${got.value} vs ${ref.value}`);
  got.grads.forEach((g, j) => {
    const e = relError(g, ref.grads[j]);
    assert.ok(e < tol, `${label}: gradient of ${names[j]} rel. error ${e}`);
  });
}
