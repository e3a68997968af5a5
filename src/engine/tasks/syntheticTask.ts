/**
 * What the synthetic tasks (adding, copy) share: fresh training batches from one seeded stream
 * (resumable from its state, so the epoch is always 1) and fixed evaluation data (SyntheticSplits).
 * A task supplies its name, how to draw a batch, and its sizes. Knows nothing of tfjs or training.
 */
import type { EvalSplit } from '../../protocol/records';
import { Rng, deriveSeed } from '../rng';
import { SyntheticSplits, type DrawBatch } from './syntheticSplits';
import type { Batch, TrainingStreamState } from './task';

export abstract class SyntheticTask {
  readonly trainSize = null;
  readonly monitorSplit: EvalSplit;
  readonly finalSplits: EvalSplit[];
  private readonly trainRng: Rng;
  private readonly splits: SyntheticSplits;

  /**
   * `label` names the seeds (`<label>-train` from the experiment's seed; the fixed sets from
   * `shapeSeed`, which depends on the task's shape only); `validationSize` null: no validation split.
   */
  protected constructor(
    private readonly label: string,
    seed: number,
    shapeSeed: number,
    private readonly draw: DrawBatch,
    testSize: number,
    validationSize: number | null,
  ) {
    this.trainRng = new Rng(deriveSeed(seed, `${label}-train`));
    this.splits = new SyntheticSplits(label, shapeSeed, draw, testSize, validationSize);
    this.monitorSplit = this.splits.monitorSplit;
    this.finalSplits = this.splits.finalSplits;
  }

  nextTrainBatch(batchSize: number): Batch {
    return this.draw(this.trainRng, batchSize);
  }

  currentEpoch(): number {
    return 1;
  }

  /** Fresh batches from one seeded stream: its state is all there is. */
  trainingStream(): TrainingStreamState {
    return { rng: this.trainRng.getState() };
  }

  restoreTrainingStream(state: TrainingStreamState): void {
    if (typeof state.rng !== 'number') throw new Error(`the checkpoint has no ${this.label} task stream state`);
    this.trainRng.setState(state.rng);
  }

  evalBatches(split: EvalSplit, chunk: number): Iterable<Batch> {
    return this.splits.evalBatches(split, chunk);
  }

  probeBatch(size: number): Batch {
    return this.splits.probeBatch(size);
  }

  statisticsBatch(size: number): Batch {
    return this.splits.statisticsBatch(size);
  }
}
