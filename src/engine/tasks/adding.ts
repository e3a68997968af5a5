/**
 * The adding problem (Hochreiter & Schmidhuber; protocol of the coRNN/LEM code): input (T, 2), row 0
 * values ~ U(0, 1), row 1 a marker with exactly one 1 in each half of the sequence; the target is the
 * sum of the two marked values. Always predicting the mean (1) scores MSE = Var = 1/6 ~ 0.167.
 * Fresh random batches every step (one seeded stream, resumable from its state); a fixed test set,
 * an optional fixed validation set, a fixed probe batch.
 */
import type { Rng } from '../rng';
import { SyntheticTask } from './syntheticTask';
import type { Batch, Task } from './task';

export const ADDING_TRIVIAL_MSE = 1 / 6;

/** One batch of `B` adding sequences of length `T` drawn from `rng`. */
export function addingBatch(rng: Rng, T: number, B: number): Batch {
  const data = new Float32Array(T * B * 2);
  const targets = new Float32Array(B);
  const half = Math.max(1, Math.floor(T / 2));
  for (let i = 0; i < B; i++) {
    for (let n = 0; n < T; n++) data[(n * B + i) * 2] = rng.next();
    const first = rng.int(0, half);
    const second = rng.int(half, T);
    data[(first * B + i) * 2 + 1] = 1;
    data[(second * B + i) * 2 + 1] = 1;
    targets[i] = data[(first * B + i) * 2] + data[(second * B + i) * 2];
  }
  return { inputs: { data, T, B, d: 2 }, targets };
}

export class AddingTask extends SyntheticTask implements Task {
  readonly name = 'adding';
  readonly inputDim = 2;
  readonly output = { kind: 'regression' } as const;

  /** `validationSize` null: no validation split (evaluations and `best` on the test set). */
  constructor(
    readonly length: number,
    testSize: number,
    seed: number,
    validationSize: number | null = null,
  ) {
    if (length < 2) throw new Error(`adding problem needs length >= 2 (got ${length})`);
    // The sets depend on T only, so runs with different seeds are compared on the same data.
    super('adding', seed, length, (rng, B) => addingBatch(rng, length, B), testSize, validationSize);
  }
}

export { splitBatch } from './syntheticSplits';
