/**
 * The readout and the training loss of the host training step (hostGradients in sequenceModel.ts),
 * on plain arrays: out = f Q + c, then the mean squared error (regression) or the mean softmax
 * cross-entropy (classification), and the gradients with respect to f, Q and c. The same maths as
 * SequenceModel's composite readout and loss, without tfjs: as tfjs ops under the tape the readout
 * and loss are about 27 small kernels a step, each with its own dispatch and tensors.
 * Past HOST_READOUT_MAX_MACS the backend's matrix products beat these loops and the step takes the
 * tfjs route. Depends on nothing.
 */

export type ReadoutLossKind = 'mse' | 'cross-entropy';

/**
 * Up to this many multiply-adds in the readout's product (rows x features x outputs) the host
 * loops run; beyond, the tfjs route. bench/readout_loss.cjs, value and gradients, host loops
 * against the composite ops on the wasm backend (tape overhead not counted): 128 x 128 x 1 (add200)
 * 0.15 ms against 0.73 ms; 128 x 256 x 1, 0.42 against 0.64; 120 x 256 x 10 (sMNIST) 2.1 against
 * 0.88: scalar JS loops run at about 2 ns a multiply-add, the backend's products in SIMD.
 */
export const HOST_READOUT_MAX_MACS = 1 << 16;

/** Whether the host loops serve a readout of N rows, F features and K outputs. */
export function usesHostReadout(N: number, F: number, K: number): boolean {
  return N * F * K <= HOST_READOUT_MAX_MACS;
}

export interface ReadoutLossPass {
  /** The mean loss over the N rows. */
  loss: number;
  /** Its gradients: gf [N, F], gq [F, K], gc [K]. */
  backward(): { gf: Float32Array; gq: Float32Array; gc: Float32Array };
}

/**
 * Mean loss of out = f Q + c against the targets: f [N, F], Q [F, K], c [K]; targets [N]
 * (regression values, K = 1; or class labels in [0, K): a label outside that range counts nothing,
 * as a zero one-hot row does in the composite form).
 */
export function readoutLoss(
  f: Float32Array,
  Q: Float32Array,
  c: Float32Array,
  N: number,
  targets: Float32Array | Int32Array,
  kind: ReadoutLossKind,
): ReadoutLossPass {
  const K = c.length;
  const F = Q.length / K;
  if (!Number.isInteger(F) || f.length !== N * F) throw new Error(`readout: ${f.length} features, Q of ${Q.length} and c of ${K} values do not fit ${N} rows`);
  if (targets.length !== N) throw new Error(`readout: ${targets.length} targets for ${N} rows`);
  if (kind === 'mse' && K !== 1) throw new Error(`readout: the mean squared error takes one output, got ${K}`);
  const Qt = transposed(Q, F, K);
  const out = readoutRows(f, Qt, c, N, F, K);
  // dLoss/dout, [N, K]
  const gout = new Float64Array(N * K);
  const loss = kind === 'mse' ? squaredError(out, targets, gout) : crossEntropy(out, targets as Int32Array, K, gout);
  return { loss, backward: () => readoutGradients(f, Qt, gout, N, F, K) };
}

/** Q [F, K] transposed, [K, F]: every loop below then runs along F, the long axis. */
function transposed(Q: Float32Array, F: number, K: number): Float64Array {
  const Qt = new Float64Array(F * K);
  for (let j = 0; j < F; j++) for (let k = 0; k < K; k++) Qt[k * F + j] = Q[j * K + k];
  return Qt;
}

/** out [N, K] = f [N, F] Q [F, K] + c, in float64 (Qt = Q transposed). */
function readoutRows(f: Float32Array, Qt: Float64Array, c: Float32Array, N: number, F: number, K: number): Float64Array {
  const out = new Float64Array(N * K);
  for (let i = 0; i < N; i++) {
    const fi = i * F;
    for (let k = 0; k < K; k++) {
      const qk = k * F;
      let s = 0;
      for (let j = 0; j < F; j++) s += f[fi + j] * Qt[qk + j];
      out[i * K + k] = s + c[k];
    }
  }
  return out;
}

/** mean((out - t)^2) over the N rows; fills gout = 2 (out - t) / N. */
function squaredError(out: Float64Array, targets: Float32Array | Int32Array, gout: Float64Array): number {
  const N = out.length;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const e = out[i] - targets[i];
    sum += e * e;
    gout[i] = (2 * e) / N;
  }
  return sum / N;
}

/** mean(-log softmax(out_i)[t_i]) over the N rows; fills gout = (softmax(out_i) - onehot(t_i)) / N. */
function crossEntropy(out: Float64Array, labels: Int32Array, K: number, gout: Float64Array): number {
  const N = labels.length;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const row = i * K;
    const t = labels[i];
    // a label outside [0, K) is a zero one-hot row: no loss, no gradient
    if (!(t >= 0 && t < K)) continue;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, out[row + k]);
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(out[row + k] - max);
    const logZ = max + Math.log(z);
    sum += logZ - out[row + t];
    for (let k = 0; k < K; k++) gout[row + k] = Math.exp(out[row + k] - logZ) / N;
    gout[row + t] -= 1 / N;
  }
  return sum / N;
}

/** With g = gout [N, K]: gf = g Q^T [N, F], gq = f^T g [F, K], gc = colsum(g) [K] (Qt = Q transposed). */
function readoutGradients(f: Float32Array, Qt: Float64Array, gout: Float64Array, N: number, F: number, K: number) {
  const gf = new Float32Array(N * F);
  const gqt = new Float64Array(K * F); // gq transposed, [K, F]
  const gc = new Float64Array(K);
  const row = new Float64Array(F); // this row's gf, in float64
  for (let i = 0; i < N; i++) {
    const fi = i * F;
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const g = gout[i * K + k];
      if (g === 0) continue;
      gc[k] += g;
      const qk = k * F;
      for (let j = 0; j < F; j++) {
        row[j] += g * Qt[qk + j];
        gqt[qk + j] += g * f[fi + j];
      }
    }
    for (let j = 0; j < F; j++) gf[fi + j] = row[j];
  }
  const gq = new Float32Array(F * K);
  for (let k = 0; k < K; k++) for (let j = 0; j < F; j++) gq[j * K + k] = gqt[k * F + j];
  return { gf, gq, gc: Float32Array.from(gc) };
}
