/**
 * Evaluation on a fixed split: mean loss, plus MSE (regression) or accuracy (classification; per
 * output step and sequence for sequence-to-sequence tasks such as copy).
 */
import * as tf from '@tensorflow/tfjs';
import type { EvalSplit } from '../../protocol/records';
import type { SequenceModel } from '../model/sequenceModel';
import type { Task } from '../tasks/task';

export interface Evaluation {
  split: EvalSplit;
  loss: number;
  accuracy?: number;
  mse?: number;
}

/** Sequences per evaluation chunk: bounds memory, whatever the split size. */
export const EVAL_CHUNK = 250;

export function evaluate(model: SequenceModel, task: Task, split: EvalSplit): Evaluation {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (const batch of task.evalBatches(split, EVAL_CHUNK)) {
    // One loss term and prediction per target: a sequence per row, or each output step of each sequence.
    const B = batch.targets.length;
    tf.tidy(() => {
      const { output } = model.forward(batch.inputs, { release: true });
      lossSum += model.loss(output, batch.targets).dataSync()[0] * B;
      if (task.output.kind === 'classification') correct += model.correct(output, batch.targets as Int32Array);
    });
    count += B;
  }
  const loss = lossSum / count;
  if (task.output.kind === 'classification') return { split, loss, accuracy: correct / count };
  return { split, loss, mse: loss };
}
