/**
 * Starting a resumed run: whether a run folder can be resumed under a resolved experiment (every
 * refusal is a ResumeRefused with one line that says why and, where there is one, what to do), its
 * checkpoint loaded, the model's weights and the task's stream restored, then the folder reopened
 * with its summary `running` again. The optimizers and best weights are restored by the training run
 * (it owns them); the file writing is the run folder writer's.
 */
import type * as tf from '@tensorflow/tfjs';
import { resolvedExperimentYaml } from '../../experiment/resolvedYaml';
import type { ResolvedExperiment } from '../../experiment/schema';
import type { RunSummary } from '../../protocol/records';
import { checkpointDir } from '../../runs/layout';
import { readSummary } from '../../runs/runFolder';
import { RunFolderWriter } from '../../runs/runWriter';
import type { SequenceModel } from '../model/sequenceModel';
import { packageVersion } from '../packageInfo';
import type { Task } from '../tasks/task';
import type { NamedWeights } from './bestWeights';
import { loadCheckpoint, readCheckpointHeader } from './checkpoint';
import { isEndOfRunRecord } from './evaluationRecorder';
import { RESUME_STATE_VERSION, type ResumeState } from './resumeState';
import { SummaryBook, resumedSummary } from './summaryBook';

/** A run that cannot be resumed; the message is one line for the user. */
export class ResumeRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeRefused';
  }
}

/**
 * Keys of the experiment a resume may change: the length of the run (extending it), how often it
 * checkpoints, and where it runs. Anything else would continue a different experiment than the one
 * the checkpoint belongs to.
 */
export const RESUMABLE_CHANGES: readonly string[] = ['training.steps', 'training.maxMinutes', 'training.checkpointEvery', 'backend'];

/** A run found resumable: what its folder and checkpoint say (no tensors loaded yet). */
export interface ResumePlan {
  runDir: string;
  /** The summary as the run folder holds it (raw: without the liveness check). */
  previous: RunSummary;
  state: ResumeState;
}

/** A checkpoint's tensors loaded for a resume; the holder disposes them. */
export interface ResumeTensors {
  /** The model's weights. */
  weights: NamedWeights;
  /** The training tensors (optimizer slots, best weights). */
  tensors: NamedWeights;
  dispose(): void;
}

/** A resume under way: the plan and the checkpoint's tensors not yet restored. */
export interface OpenedResume {
  plan: ResumePlan;
  tensors: ResumeTensors;
}

/** Dotted paths where two JSON values differ (`model.hidden`), parents before children not listed. */
export function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differingPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(the whole experiment)'];
}

/**
 * Keys added to the schema after runs were written, with the value that means what their absence
 * meant (model.layers: 1 is the single-layer model every older run trained; training.maxMinutes:
 * null, no time budget; model.stepInit and model.wInit: null, UnICORNN's initialisation).
 */
export const ADDED_KEY_DEFAULTS: Readonly<Record<string, unknown>> = {
  'model.layers': 1,
  'training.maxMinutes': null,
  'model.stepInit': null,
  'model.wInit': null,
};

function valueAt(root: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), root);
}

/**
 * What `next` changes in the experiment a checkpoint was written under (`saved`): differingPaths,
 * except keys the checkpoint predates when `next` holds them at the value their absence meant.
 */
export function experimentChanges(saved: unknown, next: unknown): string[] {
  return differingPaths(saved, next).filter((p) => !(p in ADDED_KEY_DEFAULTS && valueAt(saved, p) === undefined && valueAt(next, p) === ADDED_KEY_DEFAULTS[p]));
}

/**
 * Checks that `runDir` can go on under `exp` (its own resolved experiment, possibly with more steps).
 * Refuses a run still running, a diverged run, a completed run whose steps were not raised, a run
 * without a checkpoint or whose checkpoint has no training state, and changes to the experiment
 * beyond RESUMABLE_CHANGES. Reads JSON only: no tensors, so it can run before the backend is chosen.
 */
export function planResume(runDir: string, exp: ResolvedExperiment): ResumePlan {
  const summary = readSummary(runDir);
  const previous = readSummary(runDir, { raw: true });
  if (!summary || !previous) throw new ResumeRefused(`${runDir} is not a run folder (no readable summary.json)`);
  const run = `run ${summary.runId}`;
  if (summary.status === 'running') {
    const who = summary.owner ? ` (pid ${summary.owner.pid} on ${summary.owner.host})` : '';
    throw new ResumeRefused(`${run} is still running${who}; stop it before resuming it`);
  }
  if (summary.status === 'diverged') {
    throw new ResumeRefused(`${run} diverged (${summary.message ?? 'a non-finite loss'}); it would diverge again: start a new run with other settings`);
  }
  const header = readCheckpointHeader(checkpointDir(runDir));
  if (!header) throw new ResumeRefused(`${run} has no checkpoint to resume from`);
  const state = header.training;
  if (!state) {
    throw new ResumeRefused(
      `${run}: its checkpoint (step ${header.meta.step}) was written by an older version without the training state, so it cannot be resumed exactly`,
    );
  }
  if (state.version !== RESUME_STATE_VERSION) {
    throw new ResumeRefused(`${run}: its checkpoint's training state is version ${state.version}, this version resumes version ${RESUME_STATE_VERSION}`);
  }
  const changed = experimentChanges(state.experiment, exp).filter((p) => !RESUMABLE_CHANGES.includes(p));
  if (changed.length) {
    throw new ResumeRefused(`${run}: a resume may change only ${RESUMABLE_CHANGES.join(', ')}; this one changes ${changed.join(', ')}`);
  }
  if (exp.training.steps <= state.step) {
    throw new ResumeRefused(
      summary.status === 'completed' && state.step >= summary.totalSteps
        ? `${run} completed all ${state.step} steps; raise training.steps to train it further (e.g. --set training.steps=${2 * state.step})`
        : `${run}: training.steps (${exp.training.steps}) must be above the checkpoint's step (${state.step})`,
    );
  }
  return { runDir, previous, state };
}

/** Loads the planned checkpoint's tensors (on the backend chosen by now); a torn checkpoint is refused. */
export function loadResumeTensors(plan: ResumePlan): ResumeTensors {
  let loaded: ReturnType<typeof loadCheckpoint>;
  try {
    loaded = loadCheckpoint(checkpointDir(plan.runDir));
  } catch (e) {
    throw new ResumeRefused(`run ${plan.previous.runId}: ${(e as Error).message}`);
  }
  const weights = loaded.weights;
  const tensors = loaded.training?.tensors ?? {};
  const all: tf.Tensor[] = [...Object.values(weights), ...Object.values(tensors)];
  return { weights, tensors, dispose: () => all.forEach((t) => t.dispose()) };
}

/**
 * A resume's model weights and data stream, before the run folder is touched: a checkpoint that does
 * not fit is refused with the folder as it was. The other tensors are restored by the run.
 */
export function restoreModelAndStream(plan: ResumePlan, model: SequenceModel, task: Task): ResumeTensors {
  let loaded: ResumeTensors | null = null;
  try {
    loaded = loadResumeTensors(plan);
    model.loadWeights(loaded.weights);
    task.restoreTrainingStream(plan.state.stream);
    return loaded;
  } catch (e) {
    loaded?.dispose();
    model.dispose();
    throw e instanceof ResumeRefused ? e : new ResumeRefused(`run ${plan.previous.runId}: ${(e as Error).message}`);
  }
}

/** The run folder of a resume, cut back to its checkpoint, and its summary `running` again. */
export function reopenRun(
  plan: ResumePlan,
  exp: ResolvedExperiment,
  task: Task,
  facts: { backend: string; implementation: string },
  nowMs: number,
): { writer: RunFolderWriter; book: SummaryBook } {
  const { previous, state } = plan;
  // experiment.yaml stays the frozen experiment of the run, rewritten only when the resume changed it.
  const changed = experimentChanges(state.experiment, exp).length > 0;
  const writer = RunFolderWriter.reopen(plan.runDir, state.step, {
    isEndOfRun: (r) => isEndOfRunRecord(r, task.monitorSplit),
    experimentText: changed ? resolvedExperimentYaml(exp, previous.experimentFile, `hamiltonian-rnn-lab ${packageVersion()}`) : undefined,
  });
  const summary = resumedSummary(previous, exp, facts, { step: state.step, elapsedMs: state.elapsedMs, ...state.summary }, nowMs);
  // The book's clock goes on from the training time at the checkpoint (records' wallMs continue).
  return { writer, book: new SummaryBook(summary, writer, nowMs - state.elapsedMs) };
}
