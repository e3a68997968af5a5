/**
 * Turns a validated experiment into the fully resolved form the engine runs: defaults applied,
 * `tau: auto` resolved to its number, `steps` computed, the true sequence length filled in.
 */
import { Value } from '@sinclair/typebox/value';
import { ExperimentSchema, type ExperimentInput, type ResolvedExperiment, type TaskKind } from './schema';

export const MNIST_LENGTH = 784;
export const MNIST_TRAIN_SIZE = 57000;
export const DEFAULT_STEPS = 2000;

/** Whether a task draws synthetic data (fresh training batches every step, no epochs): adding, copy. */
export function isSyntheticTask(kind: TaskKind): boolean {
  return kind === 'adding' || kind === 'copy';
}

/** Rows of an MNIST image fed one per step by noise-padded classification (28 pixels each). */
export const MNIST_ROWS = 28;

/** Sequence length of a task: `task.length` for the synthetic tasks, 784 for (p)sMNIST, 28 + noisePadding for noise-padded MNIST. */
export function sequenceLength(task: { kind: TaskKind; length?: number; noisePadding?: number | null }): number {
  if (isSyntheticTask(task.kind)) return task.length ?? 50;
  return task.noisePadding ? MNIST_ROWS + task.noisePadding : MNIST_LENGTH;
}

/** The heuristic of MODEL.md: tau = c / T, capped. */
export function autoTau(length: number, tauScale: number, tauMax: number): number {
  return Math.min(tauScale / length, tauMax);
}

/** Number of training examples a task cycles through (null for synthetic tasks: fresh data each step). */
export function trainSetSize(task: { kind: TaskKind; trainLimit?: number | null }): number | null {
  if (isSyntheticTask(task.kind)) return null;
  return task.trainLimit ?? MNIST_TRAIN_SIZE;
}

/**
 * Applies defaults and resolves derived values. `fallbackName` names the experiment when the
 * file has no `name` (normally the file name without extension). The input must already be valid.
 */
export function resolveExperiment(input: ExperimentInput, fallbackName: string): ResolvedExperiment {
  const copy = structuredClone(input) as ExperimentInput & Record<string, unknown>;
  copy.training ??= {};
  copy.probes ??= {};
  delete copy.sweep;
  // Where the runs train is not part of what they train: run folders do not keep it.
  delete copy.executor;
  const withDefaults = Value.Default(ExperimentSchema, copy) as ExperimentInput;
  const task = { ...withDefaults.task, length: sequenceLength(withDefaults.task) };
  const model = withDefaults.model;
  const tau = model.tau === 'auto' || model.tau === undefined ? autoTau(task.length, model.tauScale ?? 5, model.tauMax ?? 0.05) : model.tau;
  const training = withDefaults.training!;
  const trainSize = trainSetSize(task);
  let steps = training.steps ?? null;
  if (steps === null) {
    steps = training.epochs != null && trainSize !== null ? Math.max(1, Math.ceil((training.epochs * trainSize) / (training.batchSize ?? 50))) : DEFAULT_STEPS;
  }
  const resolved = {
    ...withDefaults,
    name: withDefaults.name ?? fallbackName,
    task,
    model: { ...model, tau },
    training: { ...training, steps },
  };
  return resolved as ResolvedExperiment;
}
