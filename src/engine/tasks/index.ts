/**
 * Builds the task an experiment names (data only: no tfjs, no training).
 */
import type { ResolvedExperiment } from '../../experiment/schema';
import { AddingTask } from './adding';
import { CopyTask } from './copy';
import { MnistTask } from './mnist';
import type { Task } from './task';

export type { Batch, Task, TaskOutput } from './task';

export function createTask(exp: ResolvedExperiment): Task {
  const t = exp.task;
  switch (t.kind) {
    case 'adding':
      return new AddingTask(t.length, t.testSize, exp.seed, t.validationSize);
    case 'copy':
      return new CopyTask(t.length, t.copySymbols, t.alphabet, t.testSize, exp.seed, t.validationSize);
    case 'smnist':
    case 'psmnist':
      return new MnistTask(t.kind, exp.seed, t.trainLimit, { validation: t.validationLimit ?? t.evalLimit, test: t.testLimit ?? t.evalLimit }, t.noisePadding);
  }
}
