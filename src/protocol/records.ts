/**
 * The run-folder contract: what the engine writes and every reader (CLI report, extension, webview)
 * reads. One metric has one name from the engine to the chart.
 *
 * A run folder holds `experiment.yaml` (the resolved experiment), `metrics.jsonl` (one
 * `MetricRecord` per line, appended and flushed as training goes), `summary.json` (`RunSummary`)
 * and `checkpoint/` (TensorFlow.js save format: `model.json` + `weights.bin`).
 */

/** Bumped when a field changes meaning; readers accept every version up to theirs. */
export const RUN_FORMAT_VERSION = 1;

export const RUN_FILES = {
  experiment: 'experiment.yaml',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  checkpoint: 'checkpoint',
} as const;

/** One training step. `wallMs` is milliseconds since the run started. */
export interface TrainRecord {
  type: 'train';
  step: number;
  epoch: number;
  loss: number;
  /** Global norm of the parameter gradient, before clipping. */
  gradNorm: number;
  /** Norm of each parameter group's gradient before clipping (only with `gradClipScope: per-group`). */
  gradNormByGroup?: { readout?: number; recurrent?: number };
  /** The readout's learning rate at this step (after the schedule). */
  lr: number;
  wallMs: number;
}

export type EvalSplit = 'validation' | 'test';

/** One evaluation. `accuracy` for classification, `mse` for regression. */
export interface EvalRecord {
  type: 'eval';
  step: number;
  split: EvalSplit;
  loss: number;
  accuracy?: number;
  mse?: number;
  wallMs: number;
}

/**
 * The probes on the fixed probe batch. Arrays run over time steps n = 1..T (index i is step i+1:
 * the state after reading input u_{i+1}). Norms are means over the probe batch of per-sequence
 * Euclidean norms; energies are batch means.
 */
export interface ProbeRecord {
  type: 'probe';
  step: number;
  /** ||dL/dy_k|| (dL/dh_k for peers), k = 1..T. */
  gradientOverTime: number[];
  /** Hamiltonian H_n (Hamiltonian models only). */
  energy?: number[];
  /** Modified energy H~_n = H_n - tau/2 z^T grad_y V (Hamiltonian models only). */
  modifiedEnergy?: number[];
  /** ||y_n|| (||h_n|| for peers). */
  stateNorm: number[];
  /** ||z_n|| (Hamiltonian models and coRNN's hz). */
  momentumNorm?: number[];
  /** Reversible backprop: max relative error of the states rebuilt by the inverse step. */
  reconstructionDrift?: number;
  /** The free-run energy probe (Hamiltonian models, `probes.freeRunSteps` set). */
  freeRun?: FreeRunEnergy;
  wallMs: number;
}

/**
 * The trained cell run on from the probe batch's last state with its input held constant, by its
 * own symplectic Euler and by forward Euler on the same vector field. Arrays run over the free-run
 * steps n = 1..N: relative errors mean_i |E_n,i - E_0,i| / mean_i |E_0,i| over the probe batch.
 */
export interface FreeRunEnergy {
  /** The input held: `zero`, or the probe sequence's `last` input. */
  input: 'zero' | 'last';
  /** Step size of both integrators (the cell's tau). */
  tau: number;
  /** Symplectic Euler: relative error of H. */
  symplecticEnergyError: number[];
  /** Symplectic Euler: relative error of the modified energy H~ (bounded at O(tau^2)). */
  symplecticModifiedEnergyError: number[];
  /** Forward Euler: relative error of H (grows with n). */
  eulerEnergyError: number[];
}

export type MetricRecord = TrainRecord | EvalRecord | ProbeRecord;
export type MetricRecordType = MetricRecord['type'];

/**
 * `crashed`: the trainer died without recording how the run ended. Readers show it for a `running`
 * run whose process is gone or whose heartbeat is stale (src/runs/liveness.ts); a parent that saw its
 * child die writes it.
 */
export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'diverged' | 'crashed';

/** Who trains a run: enough for any reader to tell whether that process still exists. */
export interface RunOwner {
  host: string;
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), telling it from a later process with the same pid. */
  startTicks?: number;
}

export interface BestEval {
  step: number;
  split: EvalSplit;
  loss: number;
  accuracy?: number;
  mse?: number;
  /** Test metrics measured at the step of the best validation loss (MNIST protocol). */
  test?: { loss: number; accuracy?: number; mse?: number };
}

export interface RunSummary {
  formatVersion: number;
  runId: string;
  name: string;
  status: RunStatus;
  stepsDone: number;
  totalSteps: number;
  /** Best evaluation so far: lowest validation loss where the task has a validation split, else lowest test loss. */
  best: BestEval | null;
  /** Last evaluation of each split. */
  final: Partial<Record<EvalSplit, Omit<EvalRecord, 'type' | 'wallMs'>>>;
  backend: string;
  /** Which implementation ran the recurrence (e.g. `tfjs`, `fused-native`, `fused-wasm`). */
  implementation: string;
  durationMs: number;
  packageVersion: string;
  startedAt: string;
  endedAt: string | null;
  /** Absolute path of the experiment file the run came from. */
  experimentFile: string;
  /** Process id of the trainer while the run is `running` (lets a reloaded window stop it). */
  pid?: number;
  /** Who trains the run, while it is `running`. */
  owner?: RunOwner;
  /** Refreshed while the run trains; a reader on another host judges liveness by its age. */
  heartbeatAt?: string;
  /** The longest gap between heartbeats the trainer expects (it grows with slow steps). */
  heartbeatTimeoutMs?: number;
  /** Sweep membership, when the run is one point of a sweep. */
  sweep?: { id: string; index: number; parameters: Record<string, unknown> };
  /** Human-readable reason for `failed`, `diverged` or `stopped`. */
  message?: string;
  /** How many times the run was resumed from its checkpoint (`hrnn train --resume`); absent when never. */
  resumes?: number;
  /** When the run was last resumed. */
  resumedAt?: string;
  /** The checkpoint step it was last resumed from (records past it were dropped). */
  resumedFromStep?: number;
  /** Headline numbers for lists: the resolved tau, model kind, task; `layers` only for stacks (model.layers > 1). */
  tags: { model: string; task: string; tau?: number; hidden: number; length: number; layers?: number };
}

/** `sweep.json` in a sweep folder. */
export interface SweepSummary {
  formatVersion: number;
  sweepId: string;
  name: string;
  experimentFile: string;
  grid: Record<string, unknown[]>;
  /** `sweep.random` as written (count, seed, parameters), when the sweep draws runs. */
  random?: { count: number; seed: number; parameters: Record<string, unknown> };
  /** The training seeds of `sweep.seeds`, when the sweep repeats its runs per seed (each member's `parameters.seed`). */
  seeds?: number[];
  runs: Array<{
    index: number;
    runId: string;
    parameters: Record<string, unknown>;
    status: RunStatus | 'pending';
    best: BestEval | null;
    /** Last evaluation of each split, when the run has ended. */
    final?: RunSummary['final'];
    stepsDone?: number;
    /** The batch-system task that trains the member (a sweep submitted to Slurm), kept current by the submitter. */
    scheduler?: SchedulerTask;
  }>;
  startedAt: string;
  endedAt: string | null;
  /** Where the members train: absent for this machine's processes; `slurm` for a job array. */
  executor?: { kind: 'slurm'; jobIds: string[] };
}

/**
 * One task of a batch system (a Slurm array task) as the sweep and the run folder record it:
 * `state` and `reason` are Slurm's words (PENDING/Resources, TIMEOUT/TimeLimit, CANCELLED, ...).
 */
export interface SchedulerTask {
  scheduler: 'slurm';
  /** The array job's id (`SLURM_ARRAY_JOB_ID`). */
  jobId: string;
  /** The array index (`SLURM_ARRAY_TASK_ID`), the member's index in the sweep. */
  taskId: number;
  /** The task's own job id (`SLURM_JOB_ID`), once it runs. */
  taskJobId?: string;
  node?: string;
  state?: string;
  reason?: string;
  /** How the batch system ended the task (cancelled, time limit, ...): set once, survives the job leaving the queue. */
  ended?: { state: string; reason: string; at: string };
}

export function isMetricRecord(x: unknown): x is MetricRecord {
  if (typeof x !== 'object' || x === null) return false;
  const t = (x as { type?: unknown }).type;
  return (t === 'train' || t === 'eval' || t === 'probe') && typeof (x as { step?: unknown }).step === 'number';
}

/**
 * The metric a run is judged by: the test metrics at the best step when present, else the best
 * evaluation; accuracy for classification, MSE for regression, else loss. Shared by the runs view,
 * the plots webview and reports, so all of them rank runs the same way.
 */
export function headlineMetric(summary: RunSummary): { name: 'mse' | 'accuracy' | 'loss'; value: number } | null {
  const best = summary.best;
  if (!best) return null;
  const src = best.test ?? best;
  if (src.accuracy !== undefined) return { name: 'accuracy', value: src.accuracy };
  if (src.mse !== undefined) return { name: 'mse', value: src.mse };
  return { name: 'loss', value: src.loss };
}
