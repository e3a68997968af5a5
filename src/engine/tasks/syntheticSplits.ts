/**
 * The fixed evaluation data of a synthetic task (adding, copy): a test set, an optional validation
 * set drawn apart from it, a probe batch and a statistics batch, each from its own seed. The sets
 * depend on the task's shape only (not on the experiment seed), so runs with different seeds are
 * compared on the same data. Knows nothing of tfjs or of training.
 */
import type { EvalSplit } from '../../protocol/records';
import { Rng, deriveSeed } from '../rng';
import type { Batch } from './task';

/** Draws `B` sequences of the task from `rng`. */
export type DrawBatch = (rng: Rng, B: number) => Batch;

export class SyntheticSplits {
  /** Validation where there is one (then `best` is chosen on it), else test. */
  readonly monitorSplit: EvalSplit;
  readonly finalSplits: EvalSplit[];
  private readonly sets = new Map<EvalSplit, Batch>();

  /**
   * `label` and `shapeSeed` name the seeds (e.g. 'adding' and T); `validationSize` null: no
   * validation split.
   */
  constructor(
    private readonly label: string,
    private readonly shapeSeed: number,
    private readonly draw: DrawBatch,
    private readonly testSize: number,
    private readonly validationSize: number | null,
  ) {
    this.monitorSplit = validationSize ? 'validation' : 'test';
    this.finalSplits = validationSize ? ['validation', 'test'] : ['test'];
  }

  *evalBatches(split: EvalSplit, chunk: number): Iterable<Batch> {
    if (split === 'validation' && !this.validationSize) throw new Error(`the ${this.label} task has no validation split (set task.validationSize)`);
    let set = this.sets.get(split);
    if (!set) {
      const size = split === 'test' ? this.testSize : this.validationSize!;
      set = this.draw(new Rng(deriveSeed(this.shapeSeed, `${this.label}-${split}`)), size);
      this.sets.set(split, set);
    }
    yield* splitBatch(set, chunk);
  }

  probeBatch(size: number): Batch {
    return this.draw(new Rng(deriveSeed(this.shapeSeed, `${this.label}-probe`)), size);
  }

  statisticsBatch(size: number): Batch {
    return this.draw(new Rng(deriveSeed(this.shapeSeed, `${this.label}-statistics`)), size);
  }
}

/**
 * Cuts a time-major batch into batches of at most `chunk` sequences. Targets are one per sequence
 * ([B]) or one per output step and sequence, time-major ([K * B]); both are cut alike.
 */
export function* splitBatch(batch: Batch, chunk: number): Iterable<Batch> {
  const { T, B, d } = batch.inputs;
  if (B <= chunk) {
    yield batch;
    return;
  }
  const K = batch.targets.length / B;
  for (let start = 0; start < B; start += chunk) {
    const b = Math.min(chunk, B - start);
    const data = new Float32Array(T * b * d);
    for (let n = 0; n < T; n++) {
      data.set(batch.inputs.data.subarray((n * B + start) * d, (n * B + start + b) * d), n * b * d);
    }
    const targets = batch.targets instanceof Int32Array ? new Int32Array(K * b) : new Float32Array(K * b);
    for (let j = 0; j < K; j++) targets.set(batch.targets.subarray(j * B + start, j * B + start + b), j * b);
    yield { inputs: { data, T, B: b, d }, targets };
  }
}
