import type { ResolvedExperiment } from '../../experiment/schema';
import { AddingTask } from './adding';
import { MnistTask } from './mnist';
import type { Task } from './task';

export type { Batch, Task, TaskOutput } from './task';

export function createTask(exp: ResolvedExperiment): Task {
  const t = exp.task;
  switch (t.kind) {
    case 'adding':
      return new AddingTask(t.length, t.testSize, exp.seed);
    case 'smnist':
    case 'psmnist':
      return new MnistTask(t.kind, exp.seed, t.trainLimit, t.evalLimit);
  }
}
