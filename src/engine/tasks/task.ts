/**
 * What a task gives the training loop: seeded batches, fixed evaluation sets, a fixed probe batch.
 * Inputs are time-major Float32Arrays ([T, B, d]) so the model can make per-step tensors without
 * slicing a large tensor (a trap on the wasm backend). The training stream's state can be saved and
 * restored, so a resumed run draws the batches an uninterrupted one would have.
 */
import type { EvalSplit } from '../../protocol/records';
import type { SequenceInputs } from '../kernels/types';

/**
 * `outputSteps` (sequence-to-sequence tasks such as copy): the last `outputSteps` steps each carry a
 * label, and the readout is applied at each of them; absent: one output after the last step.
 */
export type TaskOutput = { kind: 'regression' } | { kind: 'classification'; classes: number; outputSteps?: number };

export interface Batch {
  inputs: SequenceInputs;
  /**
   * Regression: [B] targets; classification: [B] class labels; with `outputSteps` K: [K * B] labels,
   * time-major (label of sequence i at output step j at j * B + i).
   */
  targets: Float32Array | Int32Array;
}

/**
 * Where a task's training stream stands: plain JSON numbers (checkpoints keep it in model.json), enough
 * for `restoreTrainingStream` to continue with exactly the batches an uninterrupted run would draw.
 */
export type TrainingStreamState = Record<string, number>;

export interface Task {
  readonly name: string;
  /** Sequence length T. */
  readonly length: number;
  /** Input dimension d per step. */
  readonly inputDim: number;
  readonly output: TaskOutput;
  /** Training examples per epoch; null for synthetic tasks that draw fresh data each step. */
  readonly trainSize: number | null;
  /** Split evaluated every `evalEvery` steps: `validation` where there is one, else `test`. */
  readonly monitorSplit: EvalSplit;
  /** Splits evaluated once more at the end (with the best weights where a validation split exists). */
  readonly finalSplits: EvalSplit[];
  /** The next training batch. */
  nextTrainBatch(batchSize: number): Batch;
  /** 1-based epoch the next training batch belongs to (always 1 for synthetic tasks). */
  currentEpoch(): number;
  /** The training stream's state now (after the batches drawn so far). */
  trainingStream(): TrainingStreamState;
  /**
   * Continues the training stream from a state `trainingStream()` gave (on a task built from the same
   * experiment); throws when the state does not fit this task.
   */
  restoreTrainingStream(state: TrainingStreamState): void;
  /** Fixed evaluation data in chunks of at most `chunk` sequences. */
  evalBatches(split: EvalSplit, chunk: number): Iterable<Batch>;
  /** A fixed batch for probes (same every call). */
  probeBatch(size: number): Batch;
  /** A batch of training data for measuring readout statistics once at initialisation. */
  statisticsBatch(size: number): Batch;
}

/** Concatenates rows of a time-major [T, B_i, d] collection into one batch (helpers for tasks). */
export function timeMajor(T: number, B: number, d: number, fill: (n: number, i: number, out: Float32Array, at: number) => void): Float32Array {
  const data = new Float32Array(T * B * d);
  for (let n = 0; n < T; n++) for (let i = 0; i < B; i++) fill(n, i, data, (n * B + i) * d);
  return data;
}
