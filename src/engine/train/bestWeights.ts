/**
 * The best-validation weights (the MNIST protocol): clones of the model's weights at the step with
 * the lowest validation loss, and the final test measured with them. Owns those clones: `keep`
 * replaces them, `dispose` releases them. Knows nothing of the run folder or the summary.
 */
import * as tf from '@tensorflow/tfjs';
import type { EvalSplit } from '../../protocol/records';
import type { SequenceModel } from '../model/sequenceModel';
import type { Task } from '../tasks/task';
import { evaluate, type Evaluation } from './evaluate';

/** Named weights, as SequenceModel.namedWeights gives them and loadWeights takes them. */
export type NamedWeights = Record<string, tf.Tensor>;

/** A copy of every tensor, by name; each clone has its source's shape. The caller disposes them. */
export function cloneWeights(weights: NamedWeights): NamedWeights {
  return Object.fromEntries(Object.entries(weights).map(([name, w]) => [name, tf.clone(w)]));
}

/** The weights kept, and the step they were taken at. */
export interface WeightsSnapshot {
  step: number;
  weights: NamedWeights;
}

export class BestWeights {
  private kept: WeightsSnapshot | null = null;

  /** The snapshot held now, if any (still owned here: do not dispose it). */
  get snapshot(): WeightsSnapshot | null {
    return this.kept;
  }

  /** Replaces the snapshot with clones of `weights` taken at `step` (a resumed run's, from its checkpoint). */
  restore(step: number, weights: NamedWeights): void {
    this.dispose();
    this.kept = { step, weights: cloneWeights(weights) };
  }

  /** Replaces the snapshot with clones of the model's current weights. */
  keep(model: SequenceModel, step: number): void {
    this.dispose();
    this.kept = { step, weights: cloneWeights(model.namedWeights()) };
  }

  /**
   * Evaluates `split` with the kept weights, then puts the model's own weights back; null when
   * nothing was kept. The model's weights are unchanged afterwards; no tensor outlives the call.
   */
  evaluateAtBest(model: SequenceModel, task: Task, split: EvalSplit): Evaluation | null {
    if (!this.kept) return null;
    const current = cloneWeights(model.namedWeights());
    try {
      model.loadWeights(this.kept.weights);
      return evaluate(model, task, split);
    } finally {
      model.loadWeights(current);
      tf.dispose(Object.values(current));
    }
  }

  dispose(): void {
    if (this.kept) tf.dispose(Object.values(this.kept.weights));
    this.kept = null;
  }
}
