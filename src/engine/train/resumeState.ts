/**
 * What a checkpoint holds for an exact resume besides the model's weights: the JSON section
 * `training` of model.json (this file's types), and tensors beside the weights (optimizer slots
 * `optimizer/<group>/<i>`, best-validation weights `best/<weight name>`). Types and names only: the
 * file format is checkpoint.ts's, gathering and restoring the state is the training run's.
 */
import type { ResolvedExperiment } from '../../experiment/schema';
import type { RunSummary } from '../../protocol/records';
import type { TrainingStreamState } from '../tasks/task';
import type { NamedWeights } from './bestWeights';

/** Bumped when the meaning of a field changes: a resume refuses a state of another version. */
export const RESUME_STATE_VERSION = 1;

/** One optimizer (one parameter group, one learning rate). */
export interface OptimizerGroupState {
  group: 'readout' | 'recurrent';
  /** tfjs' class name (Adam, Momentum, SGD). */
  optimizer: string;
  iterations: number;
  /** Adam: beta1^t and beta2^t as the running products tfjs keeps (exact float32 values). */
  betaPowers?: [number, number];
  /** tfjs' names of the slot variables in getWeights order; the tensors are `optimizer/<group>/<i>`. */
  slots: string[];
}

export interface ResumeState {
  version: typeof RESUME_STATE_VERSION;
  /** Steps trained when the checkpoint was taken. */
  step: number;
  /** Training time by then (the summary's durationMs, the records' wallMs go on from it). */
  elapsedMs: number;
  /** The task's training stream after `step` batches. */
  stream: TrainingStreamState;
  optimizer: OptimizerGroupState[];
  /** Step of the best-validation weights kept (tensors `best/<name>`), null when none are kept. */
  bestStep: number | null;
  /** What the summary said of the evaluations by then. */
  summary: { best: RunSummary['best']; final: RunSummary['final'] };
  /** The resolved experiment the run trained under: a resume may change only a few of its keys. */
  experiment: ResolvedExperiment;
}

/** Prefix of the best-validation weights among the training tensors. */
export const BEST_WEIGHTS_PREFIX = 'best/';

/** The best-validation weights under their training-tensor names. */
export function bestWeightTensors(weights: NamedWeights): NamedWeights {
  return Object.fromEntries(Object.entries(weights).map(([name, t]) => [BEST_WEIGHTS_PREFIX + name, t]));
}

/** The best-validation weights found among training tensors, by model weight name. */
export function bestWeightsFrom(tensors: NamedWeights): NamedWeights {
  const out: NamedWeights = {};
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith(BEST_WEIGHTS_PREFIX)) out[name.slice(BEST_WEIGHTS_PREFIX.length)] = t;
  return out;
}
