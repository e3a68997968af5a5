/**
 * The training engine: runs one resolved experiment and writes its run folder. Pure Node + tfjs,
 * no vscode: the CLI and the extension's trainer process both call `trainExperiment`, and report
 * progress through injected hooks (the tfjs-examples pattern). This file is the loop; the summary,
 * evaluations, best weights, probe schedule, checkpoints and speed are collaborators beside it. A run
 * can also continue a run folder from its checkpoint (`resumeFrom`), exactly where it stood.
 */
import * as tf from '@tensorflow/tfjs';
import { resolvedExperimentYaml } from '../../experiment/resolvedYaml';
import type { ResolvedExperiment } from '../../experiment/schema';
import type { MetricRecord, RunStatus, RunSummary, TrainRecord } from '../../protocol/records';
import { describeStorageError, isStorageError } from '../../runs/atomicFile';
import { makeRunId } from '../../runs/layout';
import { RunFolderWriter } from '../../runs/runWriter';
import { selectBackend, type BackendInfo } from '../backend';
import { resetKernelCancel, takeKernelCancel, TrainingCancelled } from '../kernels/cancel';
import { chooseKernel, choosePeerKernel } from '../model/kernelChoice';
import { SequenceModel } from '../model/sequenceModel';
import { packageVersion } from '../packageInfo';
import { Rng, deriveSeed } from '../rng';
import { createTask } from '../tasks';
import type { Batch, Task, TrainingStreamState } from '../tasks/task';
import { BestWeights } from './bestWeights';
import type { CheckpointTraining } from './checkpoint';
import { CheckpointWriter } from './checkpointWriter';
import { EvaluationRecorder, standingEvaluations } from './evaluationRecorder';
import { learningRateFactor } from './learningRateSchedule';
import { ParameterUpdater, type StepResult } from './parameterUpdater';
import { ProbeSchedule } from './probeSchedule';
import { measureProbes } from './probes';
import { RateMeter } from './rateMeter';
import { planResume, reopenRun, restoreModelAndStream, type OpenedResume } from './resume';
import { RESUME_STATE_VERSION, bestWeightTensors, bestWeightsFrom } from './resumeState';
import { SummaryBook, startingSummary } from './summaryBook';

export interface TrainProgress {
  runId: string;
  step: number;
  totalSteps: number;
  loss: number;
  /** Exponential moving average of steps per second. */
  stepsPerSecond: number;
  elapsedMs: number;
}

export interface TrainHooks {
  /** Called once the run folder exists, before the first step. */
  onStart?(info: {
    runId: string;
    runDir: string;
    backend: BackendInfo;
    implementation: string;
    /** One line on what runs the recurrence (e.g. the kernel's instruction set and threads). */
    implementationDetail: string;
    totalSteps: number;
  }): void;
  onRecord?(record: MetricRecord): void;
  onProgress?(progress: TrainProgress): void;
  onLog?(level: 'info' | 'warn' | 'error', message: string): void;
  /**
   * Polled between steps; true asks for a graceful stop (checkpoint, status `stopped`). A stop that
   * must not wait for the step in progress sets the kernels' cancel word (kernels/cancel.ts: the
   * native addon's signal handler does): the step is interrupted and discarded.
   */
  shouldStop?(): boolean;
  /** Why the stop was asked for, for the summary's message. */
  stopReason?(): string;
}

export interface TrainOptions {
  runsDir: string;
  /** The experiment file the run came from (recorded in the summary). */
  experimentFile: string;
  runId?: string;
  sweep?: RunSummary['sweep'];
  hooks?: TrainHooks;
  /**
   * A run folder to continue from its latest checkpoint instead of starting a new run; `exp` is then
   * that run's resolved experiment (its experiment.yaml), with at most RESUMABLE_CHANGES (more steps).
   * Refusals throw ResumeRefused before anything is written; `runsDir`, `runId` and `sweep` are unused.
   */
  resumeFrom?: string;
}

export interface TrainOutcome {
  runId: string;
  runDir: string;
  status: RunStatus;
  summary: RunSummary;
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Lets signals and IPC messages in between steps (tfjs ops on wasm/cpu are synchronous). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainExperiment(exp: ResolvedExperiment, opts: TrainOptions): Promise<TrainOutcome> {
  const hooks = opts.hooks ?? {};
  const log: Log = (level, message) => hooks.onLog?.(level, message);
  const plan = opts.resumeFrom !== undefined ? planResume(opts.resumeFrom, exp) : null;
  const { backend, task, kernel, model } = await prepare(exp, log);
  const startTensors = tf.memory().numTensors;
  const resume: OpenedResume | null = plan ? { plan, tensors: restoreModelAndStream(plan, model, task) } : null;

  const implementation = model.implementation;
  const t0 = Date.now();
  let writer: RunFolderWriter;
  let book: SummaryBook;
  try {
    if (plan) {
      ({ writer, book } = reopenRun(plan, exp, task, { backend: backend.name, implementation }, t0));
    } else {
      const runId = opts.runId ?? makeRunId(exp.name);
      writer = RunFolderWriter.create(opts.runsDir, runId, resolvedExperimentYaml(exp, opts.experimentFile, `hamiltonian-rnn-lab ${packageVersion()}`));
      const facts = { runId, backend: backend.name, implementation, experimentFile: opts.experimentFile, sweep: opts.sweep };
      book = new SummaryBook(startingSummary(exp, facts, t0), writer, t0);
    }
  } catch (e) {
    resume?.tensors.dispose();
    model.dispose();
    throw e;
  }
  const runId = book.summary.runId;
  book.write(true);
  hooks.onStart?.({
    runId,
    runDir: writer.runDir,
    backend,
    implementation,
    implementationDetail: kernel && implementation === kernel.name ? kernel.description : `composite TensorFlow.js ops on ${backend.name}`,
    totalSteps: exp.training.steps,
  });

  if (plan) log('info', `resuming run ${runId} at step ${plan.state.step} of ${exp.training.steps}`);
  const status = await new TrainingRun({ exp, task, model, writer, book, hooks, log }).execute(resume);
  const leaked = tf.memory().numTensors - startTensors;
  if (leaked > 0) log('warn', `${leaked} tensors were not released by the run`);
  return { runId, runDir: writer.runDir, status, summary: book.summary };
}

/** A kernel as the run's start message names it (the Hamiltonian's or the peers'). */
type Described = { readonly name: string; readonly description: string };

/** Everything that can refuse the experiment, done before the run folder is created. */
async function prepare(exp: ResolvedExperiment, log: Log): Promise<{ backend: BackendInfo; task: Task; kernel: Described | null; model: SequenceModel }> {
  const backend = await selectBackend(exp.backend);
  if (backend.skipped.length) log('info', `backend auto chose ${backend.name}; skipped ${backend.skipped.join('; ')} (see README: TensorFlow.js backends)`);
  const task = createTask(exp);
  const kernel = chooseKernel(exp.model, log);
  const peerKernel = choosePeerKernel(exp.model, log);
  const rng = new Rng(deriveSeed(exp.seed, 'init'));
  const model = new SequenceModel(exp.model, task.inputDim, task.output, rng, kernel, peerKernel);
  return { backend, task, kernel: kernel ?? peerKernel, model };
}

/** What a training run works with; the run owns (and disposes) the model from here on. */
interface RunContext {
  exp: ResolvedExperiment;
  task: Task;
  model: SequenceModel;
  writer: RunFolderWriter;
  book: SummaryBook;
  hooks: TrainHooks;
  log: Log;
}

/** One run from the first step to the final checkpoint: the loop and when each collaborator acts. */
class TrainingRun {
  private readonly updater: ParameterUpdater;
  private readonly probes: ProbeSchedule;
  private readonly probeBatch: Batch | null;
  /** Kept only where a validation split exists: the test split is measured with them at the end. */
  private readonly best: BestWeights | null;
  private readonly evals: EvaluationRecorder;
  private readonly checkpoints: CheckpointWriter;
  private step = 0;
  /** The task's training stream after `step` steps (a step cut short has drawn a batch it never used). */
  private stream: TrainingStreamState;
  /** What a kernel call cancelled now would interrupt, for the run's message. */
  private activity = 'before the first step';

  constructor(private readonly c: RunContext) {
    const { exp, task, model, book } = c;
    this.updater = new ParameterUpdater(exp.training, model.recurrentVariables, model.readoutVariables);
    this.probes = new ProbeSchedule(exp.probes.every, exp.training.steps);
    this.probeBatch = this.probes.enabled ? task.probeBatch(exp.probes.batchSize) : null;
    this.best = task.monitorSplit === 'validation' ? new BestWeights() : null;
    const schedule = { evalEvery: exp.training.evalEvery, totalSteps: exp.training.steps };
    this.evals = new EvaluationRecorder(model, task, book, (r) => this.emit(r), schedule, this.best);
    const description = { model: exp.model, inputDim: task.inputDim, outputDim: model.outputDim };
    this.checkpoints = new CheckpointWriter(c.writer.checkpointDir, exp.training.checkpointEvery, description, {
      weights: () => model.namedWeights(),
      training: () => this.trainingState(),
    });
    this.stream = task.trainingStream();
  }

  /**
   * Trains, records, checkpoints; always ends with the final summary and every tensor released.
   * `resume`: the run continues from a checkpoint (model and stream already restored).
   */
  async execute(resume: OpenedResume | null = null): Promise<RunStatus> {
    let status: RunStatus = 'completed';
    try {
      // A cancel left over from an earlier run in this process must not stop this one.
      resetKernelCancel();
      try {
        if (resume) await this.restore(resume);
        else {
          this.fitReadoutStatistics();
          this.recordProbeIfDue(0);
          if (this.c.exp.training.evalAtStart) this.recordEvaluation(0, 'during the evaluation at step 0');
        }
        status = await this.trainSteps();
        if (status === 'stopped' && this.evals.needsEvaluationAtStop(this.step)) this.recordEvaluation(this.step, 'during the evaluation at the stop');
      } catch (e) {
        if (!(e instanceof TrainingCancelled)) throw e;
        // A stop that could not wait: the kernel call in progress was abandoned, and with it the
        // step (no update was applied). The checkpoint below is the last completed step's.
        status = 'stopped';
        this.c.book.setMessage(`${await this.stopReason()}: interrupted ${this.activity}; the checkpoint is from step ${this.step}`);
        // The signal that stopped the step has done its work: the test at the best weights still
        // runs (only a second signal interrupts it).
        takeKernelCancel();
      }
      // The checkpoint first: a second Ctrl-C during a long final test must not cost it.
      if (status !== 'diverged') await this.checkpoints.write(this.step);
      // A stopped run too is measured at its best weights, like a completed one.
      if (status === 'completed' || status === 'stopped') status = await this.finalTest(status);
    } catch (e) {
      status = 'failed';
      // A full disk or missing permissions is the machine's answer, not a bug: one line, no stack.
      const storage = isStorageError(e);
      const message = storage ? describeStorageError(e) : (e as Error).message;
      this.c.book.setMessage(message);
      this.c.log('error', `run failed at step ${this.step}: ${storage ? message : ((e as Error).stack ?? e)}`);
    } finally {
      resume?.tensors.dispose();
      this.best?.dispose();
      this.updater.dispose();
      this.c.model.dispose();
      try {
        this.c.book.finish(status, this.step);
      } catch (e) {
        // Thrown from a finally it would replace the run's own outcome: say it instead.
        this.c.log('error', `the run's final summary could not be written: ${isStorageError(e) ? describeStorageError(e) : ((e as Error).stack ?? e)}`);
      }
      this.c.writer.close();
    }
    return status;
  }

  /** Evaluates the monitored split at `step` (the step-0 baseline, or a stopped run's only one). */
  private recordEvaluation(step: number, activity: string): void {
    this.activity = activity;
    this.evals.record(step);
  }

  /** The test split at the best weights; a stop during it ends the run stopped without that measurement. */
  private async finalTest(status: RunStatus): Promise<RunStatus> {
    this.activity = 'during the final evaluation';
    try {
      this.evals.recordFinalTest();
      return status;
    } catch (e) {
      if (!(e instanceof TrainingCancelled)) throw e;
      this.c.book.setMessage(`${await this.stopReason()}: interrupted ${this.activity} (no final test); the checkpoint is from step ${this.step}`);
      return 'stopped';
    }
  }

  /** The loop: until the last step, a stop request, or a non-finite loss. */
  private async trainSteps(): Promise<RunStatus> {
    const { exp, hooks, book } = this.c;
    const rate = new RateMeter();
    const budgetMs = exp.training.maxMinutes != null ? exp.training.maxMinutes * 60_000 : Infinity;
    while (this.step < exp.training.steps) {
      if (book.elapsedMs() >= budgetMs) {
        book.setMessage(`the time budget of ${exp.training.maxMinutes} minutes (training.maxMinutes) ran out at step ${this.step}`);
        // evaluated here as at the last step; the final test follows in execute()
        if (!this.evals.evaluatedAt(this.step)) this.recordEvaluation(this.step, 'during the evaluation at the time limit');
        return 'completed';
      }
      await yieldToEventLoop();
      // Clears the cancel word before the step; set, it is a signal whose JS listener has not run yet.
      const signalled = takeKernelCancel();
      if (signalled || hooks.shouldStop?.()) {
        book.setMessage(`${signalled ? await this.stopReason() : (hooks.stopReason?.() ?? 'stopped by the user')} at step ${this.step}`);
        return 'stopped';
      }
      this.activity = `mid-step (step ${this.step + 1} was discarded)`;
      const result = this.trainStep();
      this.activity = `after step ${this.step}, while recording it`;
      if (!result.applied) {
        const message = `loss became ${result.loss} (gradient norm ${result.gradNorm}) at step ${this.step + 1}; the run stopped and kept everything recorded before`;
        book.setMessage(message);
        this.c.log('error', message);
        return 'diverged';
      }
      hooks.onProgress?.({
        runId: book.summary.runId,
        step: this.step,
        totalSteps: exp.training.steps,
        loss: result.loss,
        stepsPerSecond: rate.tick(),
        elapsedMs: book.elapsedMs(),
      });
      await this.recordDue();
    }
    return 'completed';
  }

  /**
   * Why the run stops, once a kernel call was cancelled: the JS signal listeners run only now that
   * the thread is free (two turns of the event loop: the signal's wake-up is read in the poll phase).
   */
  private async stopReason(): Promise<string> {
    await yieldToEventLoop();
    await yieldToEventLoop();
    const { hooks } = this.c;
    return hooks.shouldStop?.() ? (hooks.stopReason?.() ?? 'stopped by the user') : 'stopped by a signal';
  }

  /** One optimisation step on the next batch; when it applied, the step counts and is recorded. */
  private trainStep(): StepResult {
    const { exp, task, model, book } = this.c;
    const epoch = task.currentEpoch();
    const batch = task.nextTrainBatch(exp.training.batchSize);
    const lrFactor = learningRateFactor(exp.training, this.step + 1);
    // A seed per step: a resumed run draws the same dropout masks.
    const dropoutSeed = exp.model.dropout > 0 ? (deriveSeed(exp.seed, 'dropout') + this.step) >>> 0 : undefined;
    // inputs [T, B, d] -> outputs [B, out] -> mean loss, a scalar (variableGrads in the updater frees them);
    // or the same outside tfjs' tape, where the model can (fused kernels, a small readout)
    const result = this.updater.step(
      () => model.loss(model.forward(batch.inputs, { dropoutSeed }).output, batch.targets),
      lrFactor,
      () => model.hostGradients(batch.inputs, batch.targets, { dropoutSeed }),
    );
    if (!result.applied) return result;
    this.step++;
    this.stream = task.trainingStream();
    const { loss, gradNorm } = result;
    const record: TrainRecord = { type: 'train', step: this.step, epoch, loss, gradNorm, lr: this.updater.learningRateAt(lrFactor), wallMs: book.elapsedMs() };
    if (exp.training.gradClipScope === 'per-group') record.gradNormByGroup = result.groupNorms;
    this.emit(record);
    book.setStepsDone(this.step);
    return result;
  }

  /** After a step: whatever evaluation, probes and checkpoint are due, then a throttled summary. */
  private async recordDue(): Promise<void> {
    if (this.evals.isDue(this.step)) this.evals.record(this.step);
    this.recordProbeIfDue(this.step);
    if (this.checkpoints.isDue(this.step)) await this.checkpoints.write(this.step);
    this.c.book.write();
  }

  private recordProbeIfDue(step: number): void {
    if (!this.probeBatch || !this.probes.isDue(step)) return;
    const { freeRunSteps, freeRunInput } = this.c.exp.probes;
    this.emit(measureProbes(this.c.model, this.probeBatch, step, this.c.book.elapsedMs(), { steps: freeRunSteps, input: freeRunInput }));
  }

  /** The optimizers, best weights and step of a resumed run, as its checkpoint has them. */
  private async restore({ plan, tensors }: OpenedResume): Promise<void> {
    const { state } = plan;
    await this.updater.restoreState(state.optimizer, tensors.tensors);
    if (this.best && state.bestStep !== null) this.best.restore(state.bestStep, bestWeightsFrom(tensors.tensors));
    this.step = state.step;
    this.stream = state.stream;
  }

  /** What a checkpoint needs to resume this run exactly (live tensors: saving only reads them). */
  private async trainingState(): Promise<CheckpointTraining> {
    const { exp, task, book } = this.c;
    const optimizer = await this.updater.captureState();
    const kept = this.best?.snapshot ?? null;
    return {
      state: {
        version: RESUME_STATE_VERSION,
        step: this.step,
        elapsedMs: book.elapsedMs(),
        stream: this.stream,
        optimizer: optimizer.groups,
        bestStep: kept?.step ?? null,
        summary: standingEvaluations(book.summary, task.monitorSplit),
        experiment: exp,
      },
      tensors: { ...optimizer.tensors, ...(kept ? bestWeightTensors(kept.weights) : {}) },
    };
  }

  /** Readout normalisation measured once on training data before the first step (some models). */
  private fitReadoutStatistics(): void {
    const { exp, task, model } = this.c;
    if (!model.needsReadoutStatistics) return;
    model.fitReadoutStatistics(task.statisticsBatch(Math.min(500, Math.max(exp.training.batchSize, 100))).inputs);
  }

  /** A record goes to the run folder, then to the hooks. */
  private emit(record: MetricRecord): void {
    this.c.writer.append(record);
    this.c.hooks.onRecord?.(record);
  }
}
