/**
 * The training engine: runs one resolved experiment and writes its run folder. Pure Node + tfjs,
 * no vscode: the CLI and the extension's trainer process both call `trainExperiment`, and report
 * progress through injected hooks (the tfjs-examples pattern).
 */
import * as tf from '@tensorflow/tfjs';
import { resolvedExperimentYaml } from '../../experiment/resolvedYaml';
import type { ResolvedExperiment } from '../../experiment/schema';
import {
  RUN_FORMAT_VERSION,
  type BestEval,
  type EvalRecord,
  type MetricRecord,
  type RunStatus,
  type RunSummary,
  type TrainRecord,
} from '../../protocol/records';
import { makeRunId } from '../../runs/layout';
import { RunFolderWriter } from '../../runs/runWriter';
import { selectBackend, type BackendInfo } from '../backend';
import { chooseKernel } from '../model/kernelChoice';
import { SequenceModel } from '../model/sequenceModel';
import { packageVersion } from '../packageInfo';
import { Rng, deriveSeed } from '../rng';
import { createTask } from '../tasks';
import type { Task } from '../tasks/task';
import { saveCheckpoint } from './checkpoint';
import { evaluate, type Evaluation } from './evaluate';
import { ParameterUpdater } from './parameterUpdater';
import { measureProbes } from './probes';

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
  /** Polled between steps; true asks for a graceful stop (checkpoint, status `stopped`). */
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
}

export interface TrainOutcome {
  runId: string;
  runDir: string;
  status: RunStatus;
  summary: RunSummary;
}

/** Minimum time between two rewrites of summary.json while running. */
const SUMMARY_INTERVAL_MS = 2000;

function evalRecord(e: Evaluation, step: number, wallMs: number): EvalRecord {
  const r: EvalRecord = { type: 'eval', step, split: e.split, loss: e.loss, wallMs };
  if (e.accuracy !== undefined) r.accuracy = e.accuracy;
  if (e.mse !== undefined) r.mse = e.mse;
  return r;
}

/** Lets signals and IPC messages in between steps (tfjs ops on wasm/cpu are synchronous). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainExperiment(exp: ResolvedExperiment, opts: TrainOptions): Promise<TrainOutcome> {
  const hooks = opts.hooks ?? {};
  const log = (level: 'info' | 'warn' | 'error', message: string) => hooks.onLog?.(level, message);

  // Everything that can refuse the experiment happens before the run folder is created.
  const backend = await selectBackend(exp.backend);
  if (backend.skipped.length) log('info', `backend auto chose ${backend.name}; skipped ${backend.skipped.join('; ')} (see README: TensorFlow.js backends)`);
  const task = createTask(exp);
  const kernel = chooseKernel(exp.model, log);
  const rng = new Rng(deriveSeed(exp.seed, 'init'));
  const model = new SequenceModel(exp.model, task.inputDim, task.output, rng, kernel);
  const startTensors = tf.memory().numTensors;

  const runId = opts.runId ?? makeRunId(exp.name);
  const writer = RunFolderWriter.create(opts.runsDir, runId, resolvedExperimentYaml(exp, opts.experimentFile, `hamiltonian-rnn-lab ${packageVersion()}`));
  const t0 = Date.now();
  const wall = () => Date.now() - t0;
  const summary: RunSummary = {
    formatVersion: RUN_FORMAT_VERSION,
    runId,
    name: exp.name,
    status: 'running',
    stepsDone: 0,
    totalSteps: exp.training.steps,
    best: null,
    final: {},
    backend: backend.name,
    implementation: model.cell.implementation,
    durationMs: 0,
    packageVersion: packageVersion(),
    startedAt: new Date(t0).toISOString(),
    endedAt: null,
    experimentFile: opts.experimentFile,
    pid: process.pid,
    tags: {
      model: exp.model.kind,
      task: exp.task.kind,
      hidden: exp.model.hidden,
      length: exp.task.length,
      ...(exp.model.kind === 'hamiltonian' ? { tau: exp.model.tau } : {}),
    },
  };
  if (opts.sweep) summary.sweep = opts.sweep;
  let lastSummaryWrite = 0;
  const writeSummary = (force = false) => {
    if (!force && Date.now() - lastSummaryWrite < SUMMARY_INTERVAL_MS) return;
    summary.durationMs = wall();
    writer.writeSummary(summary);
    lastSummaryWrite = Date.now();
  };
  writeSummary(true);
  hooks.onStart?.({
    runId,
    runDir: writer.runDir,
    backend,
    implementation: model.cell.implementation,
    implementationDetail: kernel ? kernel.description : `composite TensorFlow.js ops on ${backend.name}`,
    totalSteps: exp.training.steps,
  });

  const emit = (record: MetricRecord) => {
    writer.append(record);
    hooks.onRecord?.(record);
  };

  const updater = new ParameterUpdater(exp.training, model.recurrentVariables, model.readoutVariables);
  const probeBatch = exp.probes.every !== null ? task.probeBatch(exp.probes.batchSize) : null;
  let bestWeights: Record<string, tf.Tensor> | null = null;
  const hasValidation = task.monitorSplit === 'validation';

  const recordEval = (step: number) => {
    const e = evaluate(model, task, task.monitorSplit);
    const rec = evalRecord(e, step, wall());
    emit(rec);
    summary.final[e.split] = { step, split: e.split, loss: e.loss, accuracy: e.accuracy, mse: e.mse };
    if (!summary.best || e.loss < summary.best.loss) {
      const best: BestEval = { step, split: e.split, loss: e.loss };
      if (e.accuracy !== undefined) best.accuracy = e.accuracy;
      if (e.mse !== undefined) best.mse = e.mse;
      summary.best = best;
      if (hasValidation) {
        // Keep the best-validation weights: the test split is measured with them at the end.
        tf.dispose(Object.values(bestWeights ?? {}));
        bestWeights = Object.fromEntries(Object.entries(model.namedWeights()).map(([k, v]) => [k, tf.clone(v)]));
      }
    }
    writeSummary(true);
  };
  const recordProbe = (step: number) => {
    if (probeBatch) emit(measureProbes(model, probeBatch, step, wall()));
  };
  const checkpoint = async (step: number) => {
    await saveCheckpoint(writer.checkpointDir, model.namedWeights(), {
      step,
      model: exp.model,
      inputDim: task.inputDim,
      outputDim: model.outputDim,
    });
  };

  let status: RunStatus = 'completed';
  let step = 0;
  try {
    if (model.needsReadoutStatistics) {
      model.fitReadoutStatistics(task.statisticsBatch(Math.min(500, Math.max(exp.training.batchSize, 100))).inputs);
    }
    recordProbe(0);
    let rate = 0;
    let lastTick = Date.now();
    while (step < exp.training.steps) {
      await yieldToEventLoop();
      if (hooks.shouldStop?.()) {
        status = 'stopped';
        summary.message = `${hooks.stopReason?.() ?? 'stopped by the user'} at step ${step}`;
        break;
      }
      const epoch = task.currentEpoch();
      const batch = task.nextTrainBatch(exp.training.batchSize);
      const result = updater.step(() => model.loss(model.forward(batch.inputs).output, batch.targets));
      step++;
      if (!result.applied) {
        status = 'diverged';
        summary.message = `loss became ${result.loss} (gradient norm ${result.gradNorm}) at step ${step}; the run stopped and kept everything recorded before`;
        log('error', summary.message);
        step--;
        break;
      }
      const rec: TrainRecord = {
        type: 'train',
        step,
        epoch,
        loss: result.loss,
        gradNorm: result.gradNorm,
        lr: exp.training.learningRate,
        wallMs: wall(),
      };
      emit(rec);
      summary.stepsDone = step;
      const now = Date.now();
      const inst = 1000 / Math.max(1, now - lastTick);
      rate = rate === 0 ? inst : 0.9 * rate + 0.1 * inst;
      lastTick = now;
      hooks.onProgress?.({ runId, step, totalSteps: exp.training.steps, loss: result.loss, stepsPerSecond: rate, elapsedMs: wall() });
      if (step % exp.training.evalEvery === 0 || step === exp.training.steps) recordEval(step);
      if (probeBatch && (step % exp.probes.every! === 0 || step === exp.training.steps)) recordProbe(step);
      if (exp.training.checkpointEvery && step % exp.training.checkpointEvery === 0) await checkpoint(step);
      writeSummary();
    }
    if (status === 'completed' && hasValidation) finalTest();
    if (status !== 'diverged') await checkpoint(step);
  } catch (e) {
    status = 'failed';
    summary.message = (e as Error).message;
    log('error', `run failed at step ${step}: ${(e as Error).stack ?? e}`);
  } finally {
    tf.dispose(Object.values(bestWeights ?? {}));
    updater.dispose();
    model.dispose();
    summary.status = status;
    summary.stepsDone = step;
    summary.endedAt = new Date().toISOString();
    delete summary.pid;
    writeSummary(true);
    writer.close();
  }
  const leaked = tf.memory().numTensors - startTensors;
  if (leaked > 0) log('warn', `${leaked} tensors were not released by the run`);
  return { runId, runDir: writer.runDir, status, summary };

  /** MNIST protocol: test metrics measured with the best-validation weights. */
  function finalTest() {
    if (!bestWeights || !summary.best) return;
    const current = Object.fromEntries(Object.entries(model.namedWeights()).map(([k, v]) => [k, tf.clone(v)]));
    model.loadWeights(bestWeights);
    const e = evaluate(model, task as Task, 'test');
    model.loadWeights(current);
    tf.dispose(Object.values(current));
    emit(evalRecord(e, summary.best.step, wall()));
    summary.final.test = { step: summary.best.step, split: 'test', loss: e.loss, accuracy: e.accuracy };
    summary.best.test = { loss: e.loss, accuracy: e.accuracy };
  }
}
