/**
 * The training loop when a fused-kernel call is cancelled (the cancel word of
 * src/engine/kernels/cancel.ts, set in production by the native addon's signal handler): the step
 * in progress is discarded, the run ends `stopped` with the checkpoint of the last completed step,
 * and every tensor is released. The word is set from inside the run by patching the adding task,
 * so the cancellation lands at a known point of a step.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { requestKernelCancel, resetKernelCancel } from '../../../src/engine/kernels/cancel';
import { AddingTask } from '../../../src/engine/tasks/adding';
import { loadCheckpoint } from '../../../src/engine/train/checkpoint';
import { trainExperiment, type TrainHooks } from '../../../src/engine/train/trainer';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput } from '../../../src/experiment/schema';
import type { MetricRecord } from '../../../src/protocol/records';
import { readSummary } from '../../../src/runs/runFolder';

const EXPERIMENT = {
  backend: 'wasm',
  seed: 5,
  task: { kind: 'adding', length: 30, testSize: 16 },
  // fused: the cancel word acts inside the kernel (native addon where built, else the shipped wasm)
  model: { kind: 'hamiltonian', hidden: 8, implementation: 'fused' },
  training: { steps: 10, batchSize: 8, evalEvery: 100 },
  probes: { every: null },
} as unknown as ExperimentInput;

describe('training engine: a kernel call cancelled mid-run', function () {
  this.timeout(60000);
  let runsDir: string;
  const original = { next: AddingTask.prototype.nextTrainBatch, evals: AddingTask.prototype.evalBatches };

  before(async () => {
    await selectBackend('wasm');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-interrupted-'));
  });
  afterEach(() => {
    AddingTask.prototype.nextTrainBatch = original.next;
    AddingTask.prototype.evalBatches = original.evals;
    resetKernelCancel();
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  async function train(overrides: Partial<ExperimentInput>, hooks: TrainHooks = {}) {
    const records: MetricRecord[] = [];
    const before = tf.memory().numTensors;
    const outcome = await trainExperiment(resolveExperiment({ ...EXPERIMENT, ...overrides }, 'test'), {
      runsDir,
      experimentFile: '/nowhere/test.hrnn.yaml',
      hooks: { ...hooks, onRecord: (r) => records.push(r) },
    });
    assert.equal(tf.memory().numTensors, before, 'the run released every tensor');
    return { ...outcome, records, checkpoint: loadCheckpoint(path.join(outcome.runDir, 'checkpoint')) };
  }

  /** The weights of a checkpoint as plain arrays (and its tensors released). */
  function weightsOf(checkpoint: ReturnType<typeof loadCheckpoint>): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(checkpoint.weights)) out[name] = Array.from(t.dataSync());
    tf.dispose(Object.values(checkpoint.weights));
    return out;
  }

  it('mid-step: the step is discarded and the run ends `stopped` with the checkpoint of the step before', async () => {
    // The word is set as step 3 draws its batch: after the loop's check, before the kernel runs.
    let draws = 0;
    let signalled = false;
    AddingTask.prototype.nextTrainBatch = function (this: AddingTask, size: number) {
      if (++draws === 3) {
        requestKernelCancel();
        signalled = true; // what the CLI's JS listener records once the thread is free
      }
      return original.next.call(this, size);
    };
    const interrupted = await train({}, { shouldStop: () => signalled, stopReason: () => 'stopped by SIGTERM' });
    assert.equal(interrupted.status, 'stopped');
    assert.equal(interrupted.summary.stepsDone, 2);
    assert.equal(interrupted.summary.message, 'stopped by SIGTERM: interrupted mid-step (step 3 was discarded); the checkpoint is from step 2');
    assert.equal(readSummary(interrupted.runDir)!.status, 'stopped');
    assert.deepEqual(
      interrupted.records.map((r) => `${r.type} ${r.step}`),
      ['train 1', 'train 2'],
    );
    assert.equal(interrupted.checkpoint.meta.step, 2);

    // The same run stopped between steps after step 2: the discarded step changed no weight.
    AddingTask.prototype.nextTrainBatch = original.next;
    let steps = 0;
    const between = await train({}, { shouldStop: () => steps >= 2, onProgress: (p) => (steps = p.step) });
    assert.equal(between.summary.stepsDone, 2);
    assert.deepEqual(weightsOf(interrupted.checkpoint), weightsOf(between.checkpoint));
  });

  it('mid-step after evaluations: the run still measures the test split at its best weights (only a second signal would stop that)', async () => {
    let draws = 0;
    let signalled = false;
    AddingTask.prototype.nextTrainBatch = function (this: AddingTask, size: number) {
      if (++draws === 5) {
        requestKernelCancel();
        signalled = true;
      }
      return original.next.call(this, size);
    };
    const run = await train(
      {
        task: { kind: 'adding', length: 30, testSize: 16, validationSize: 8 },
        training: { steps: 10, batchSize: 8, evalEvery: 2 },
      } as Partial<ExperimentInput>,
      {
        shouldStop: () => signalled,
        stopReason: () => 'stopped by SIGTERM',
      },
    );
    assert.equal(run.status, 'stopped');
    assert.equal(run.summary.stepsDone, 4);
    const evals = run.records.filter((r) => r.type === 'eval').map((r) => `${r.type === 'eval' && r.split} ${r.step}`);
    assert.deepEqual(evals, ['validation 2', 'validation 4', `test ${run.summary.best!.step}`]);
    assert.ok(run.summary.best!.test?.mse !== undefined, 'the summary has the test at the best weights');
  });

  it('during an evaluation: the step before it counts, the run ends `stopped` with its checkpoint', async () => {
    AddingTask.prototype.evalBatches = function* (this: AddingTask, ...args: Parameters<AddingTask['evalBatches']>) {
      requestKernelCancel();
      yield* original.evals.apply(this, args);
    };
    const run = await train({ training: { steps: 10, batchSize: 8, evalEvery: 2 } } as Partial<ExperimentInput>);
    assert.equal(run.status, 'stopped');
    assert.equal(run.summary.stepsDone, 2);
    // no JS stop request came (hooks without one): the word alone says a signal did it
    assert.equal(run.summary.message, 'stopped by a signal: interrupted after step 2, while recording it; the checkpoint is from step 2');
    assert.deepEqual(
      run.records.map((r) => `${r.type} ${r.step}`),
      ['train 1', 'train 2'],
    );
    assert.equal(run.checkpoint.meta.step, 2);
    tf.dispose(Object.values(run.checkpoint.weights));
  });

  it('set between steps (a signal whose JS listener has not run yet): the run stops before the next step', async () => {
    const run = await train({}, { onProgress: (p) => p.step === 4 && requestKernelCancel() });
    assert.equal(run.status, 'stopped');
    assert.equal(run.summary.stepsDone, 4);
    assert.equal(run.summary.message, 'stopped by a signal at step 4');
    assert.equal(run.checkpoint.meta.step, 4);
    tf.dispose(Object.values(run.checkpoint.weights));
  });

  it('a word left set by an earlier run does not stop the next one', async () => {
    requestKernelCancel();
    const run = await train({ training: { steps: 3, batchSize: 8, evalEvery: 100 } } as Partial<ExperimentInput>);
    assert.equal(run.status, 'completed');
    assert.equal(run.summary.stepsDone, 3);
    tf.dispose(Object.values(run.checkpoint.weights));
  });
});
