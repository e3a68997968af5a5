/**
 * Dropout for what passes between layers (a layer's output sequence to the next layer, the last
 * features to the readout): training only, seeded per step so a resumed run drops the same units.
 * The recurrence itself is never touched (it stays symplectic). Pure tfjs.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Inverted dropout of `x` at `rate` with a seeded mask; `x` itself when the rate is 0 or no seed is
 * given (evaluation, probes).
 */
export function dropoutBetweenLayers<T extends tf.Tensor>(x: T, rate: number, seed: number | undefined): T {
  if (rate <= 0 || seed === undefined) return x;
  return tf.dropout(x, rate, undefined, seed) as T;
}
