/**
 * The copy task (Hochreiter & Schmidhuber; the form of Arjovsky et al. 2016): K symbols drawn from an
 * alphabet of A, then blanks, then a delimiter, then K blank recall steps at which the model must
 * reproduce the K symbols in order. A memory task where integrating the input does not help (the
 * sum of the symbols says nothing about their order).
 *
 * Layout over T = task.length steps (one-hot inputs of size A + 2: 0 blank, 1..A symbols, A + 1
 * delimiter): steps 1..K the symbols, K+1..T-K-1 blanks, step T-K the delimiter, T-K+1..T blanks.
 * The delay between seeing a symbol and recalling it is T - K steps. Outputs: the readout at each of
 * the last K steps, labels the symbols (0..A-1). Chance: accuracy 1/A, loss log A. Solved: accuracy
 * >= COPY_SOLVED_ACCURACY on the recalled symbols (per symbol, over the evaluation set).
 * Fresh random batches every step from one seeded stream; fixed test (and validation) sets.
 */
import { deriveSeed, type Rng } from '../rng';
import { SyntheticTask } from './syntheticTask';
import type { Batch, Task } from './task';

/** Accuracy on the recalled symbols at which the copy task counts as solved. */
export const COPY_SOLVED_ACCURACY = 0.99;

/** One batch of `B` copy sequences: length `T`, `K` symbols of an alphabet of `A`. */
export function copyBatch(rng: Rng, T: number, K: number, A: number, B: number): Batch {
  const d = A + 2;
  const data = new Float32Array(T * B * d);
  const targets = new Int32Array(K * B);
  const at = (n: number, i: number) => (n * B + i) * d;
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < K; j++) {
      const symbol = rng.int(0, A); // label 0..A-1, input channel 1..A
      data[at(j, i) + 1 + symbol] = 1;
      targets[j * B + i] = symbol;
    }
    for (let n = K; n < T; n++) data[at(n, i) + (n === T - K - 1 ? A + 1 : 0)] = 1;
  }
  return { inputs: { data, T, B, d }, targets };
}

export class CopyTask extends SyntheticTask implements Task {
  readonly name = 'copy';
  readonly inputDim: number;
  readonly output: { kind: 'classification'; classes: number; outputSteps: number };

  constructor(
    readonly length: number,
    readonly symbols: number,
    readonly alphabet: number,
    testSize: number,
    seed: number,
    validationSize: number | null = null,
  ) {
    if (length <= 2 * symbols) throw new Error(`the copy task needs length > 2 x copySymbols (got length ${length}, ${symbols} symbols)`);
    const draw = (rng: Rng, B: number) => copyBatch(rng, length, symbols, alphabet, B);
    // The sets depend on the task's shape (T, K, A) only, not on the experiment seed.
    super('copy', seed, deriveSeed(length, `copy-${symbols}-${alphabet}`), draw, testSize, validationSize);
    this.inputDim = alphabet + 2;
    this.output = { kind: 'classification', classes: alphabet, outputSteps: symbols };
  }
}
