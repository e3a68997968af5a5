/**
 * The values of parameters on the host, read once per change: the host training step reads every
 * parameter (the kernels' inputs) and host Adam reads and rewrites it, each step. On the wasm
 * backend a read is a copy out of its heap (and the step used to copy it again to be safe from
 * later writes): about 0.3 ms of the add200 LSTM step. Here a tensor's values are kept as an
 * immutable snapshot keyed by the tensor's storage (its dataId: `assign` gives a variable new
 * storage, so a snapshot of older values is never returned). Nobody may write into a snapshot; a
 * caller that needs to change values copies them. Depends on tfjs' public API only.
 */
import * as tf from '@tensorflow/tfjs';

interface Snapshot {
  dataId: object;
  values: Float32Array;
}

const snapshots = new WeakMap<tf.Tensor, Snapshot>();

/** The tensor's current values, read-only: a snapshot taken at most once per change of storage. */
export function hostValues(tensor: tf.Tensor): Float32Array {
  const kept = snapshots.get(tensor);
  if (kept && kept.dataId === tensor.dataId) return kept.values;
  // A copy: on the cpu backend dataSync returns the tensor's own storage, which a later
  // in-place kernel must never see changed by a caller (and ours are never changed).
  const values = (tensor.dataSync() as Float32Array).slice();
  snapshots.set(tensor, { dataId: tensor.dataId, values });
  return values;
}

/**
 * Sets `variable` to `values` (same size) and keeps `values` as its snapshot: the caller hands the
 * array over and must not write into it again.
 */
export function assignHostValues(variable: tf.Variable, values: Float32Array): void {
  tf.tidy(() => variable.assign(tf.tensor(values, variable.shape, 'float32')));
  snapshots.set(variable, { dataId: variable.dataId, values });
}
