/**
 * The training engine end to end on tiny experiments: learning, run folders, probes, divergence,
 * stopping, checkpoints, no tensor leaks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import YAML from 'yaml';
import { selectBackend } from '../../../src/engine/backend';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { Rng } from '../../../src/engine/rng';
import { createTask } from '../../../src/engine/tasks';
import { loadCheckpoint } from '../../../src/engine/train/checkpoint';
import { ParameterUpdater } from '../../../src/engine/train/parameterUpdater';
import { trainExperiment, type TrainOutcome } from '../../../src/engine/train/trainer';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ResolvedExperiment } from '../../../src/experiment/schema';
import type { EvalRecord, MetricRecord, ProbeRecord } from '../../../src/protocol/records';
import { readRecords, readSummary } from '../../../src/runs/runFolder';

function experiment(input: Partial<ExperimentInput> & Pick<ExperimentInput, 'task' | 'model'>): ResolvedExperiment {
  return resolveExperiment({ backend: 'wasm', ...input } as ExperimentInput, 'test');
}

describe('training engine', function () {
  let runsDir: string;

  before(async () => {
    await selectBackend('wasm');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-train-test-'));
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  async function train(exp: ResolvedExperiment, shouldStop?: (step: number) => boolean): Promise<TrainOutcome & { records: MetricRecord[] }> {
    const seen: MetricRecord[] = [];
    let step = 0;
    const outcome = await trainExperiment(exp, {
      runsDir,
      experimentFile: '/nowhere/test.hrnn.yaml',
      hooks: {
        onRecord: (r) => seen.push(r),
        onProgress: (p) => (step = p.step),
        shouldStop: () => shouldStop?.(step) ?? false,
      },
    });
    return { ...outcome, records: seen };
  }

  it('learns the adding problem at T = 50: a few hundred steps take the test MSE below the 0.167 baseline', async () => {
    const exp = experiment({
      task: { kind: 'adding', length: 50, testSize: 500, validationSize: null },
      model: { kind: 'hamiltonian', hidden: 64, tau: 0.1 },
      training: { steps: 400, learningRate: 0.01, evalEvery: 100 },
      probes: { every: null },
    });
    const { status, summary, records } = await train(exp);
    assert.equal(status, 'completed');
    const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
    assert.deepEqual(
      evals.map((e) => e.step),
      [100, 200, 300, 400],
    );
    const last = evals[evals.length - 1].mse!;
    assert.ok(last < 0.16, `final test MSE ${last} is not below the trivial 0.167`);
    assert.ok(summary.best!.mse! <= last);
  });

  it('writes a complete run folder: resolved experiment, all three record types, summary, checkpoint that reloads', async () => {
    const exp = experiment({
      task: { kind: 'adding', length: 12, testSize: 40, validationSize: null },
      model: { kind: 'hamiltonian', hidden: 6, tau: 'auto', readout: 'yz', readoutNorm: 'fixed' },
      training: { steps: 6, batchSize: 8, evalEvery: 3, checkpointEvery: 2 },
      probes: { every: 3, batchSize: 4 },
    });
    const { runDir, status, records } = await train(exp);
    assert.equal(status, 'completed');
    const onDisk = readRecords(runDir);
    assert.deepEqual(onDisk, records, 'metrics.jsonl holds exactly what the hooks saw');
    assert.deepEqual(
      onDisk.filter((r) => r.type === 'train').map((r) => r.step),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      onDisk.filter((r) => r.type === 'eval').map((r) => r.step),
      [3, 6],
    );
    const probes = onDisk.filter((r): r is ProbeRecord => r.type === 'probe');
    assert.deepEqual(
      probes.map((p) => p.step),
      [0, 3, 6],
    );
    for (const p of probes) {
      assert.equal(p.gradientOverTime.length, 12);
      assert.equal(p.energy!.length, 12);
      assert.equal(p.modifiedEnergy!.length, 12);
      assert.equal(p.stateNorm.length, 12);
      assert.equal(p.momentumNorm!.length, 12);
      assert.ok(p.gradientOverTime.every((g) => Number.isFinite(g) && g > 0));
    }
    const resolved = YAML.parse(fs.readFileSync(path.join(runDir, 'experiment.yaml'), 'utf8'));
    assert.equal(resolved.model.tau, Math.min(5 / 12, 0.05), 'tau: auto is written as its number');
    const summary = readSummary(runDir)!;
    assert.equal(summary.status, 'completed');
    assert.equal(summary.stepsDone, 6);
    assert.equal(summary.backend, 'wasm');
    assert.equal(summary.tags.tau, resolved.model.tau);
    assert.equal(summary.pid, undefined, 'the pid is only there while running');

    // The checkpoint rebuilds the same model: identical predictions.
    const { meta, weights } = loadCheckpoint(path.join(runDir, 'checkpoint'));
    assert.equal(meta.step, 6);
    const task = createTask(exp);
    const batch = task.probeBatch(4);
    const a = new SequenceModel(meta.model, meta.inputDim, task.output, new Rng(1));
    const b = new SequenceModel(meta.model, meta.inputDim, task.output, new Rng(2));
    a.loadWeights(weights);
    b.loadWeights(weights);
    const pa = tf.tidy(() => a.forward(batch.inputs).output.dataSync());
    const pb = tf.tidy(() => b.forward(batch.inputs).output.dataSync());
    assert.deepEqual(pa, pb);
    tf.dispose(Object.values(weights));
    a.dispose();
    b.dispose();
  });

  it('a diverging run ends `diverged` and keeps everything recorded before', async () => {
    // alpha * tau^2 far beyond the stability limit of symplectic Euler: the state overflows.
    const exp = experiment({
      task: { kind: 'adding', length: 200, testSize: 20 },
      model: { kind: 'hamiltonian', hidden: 4, tau: 2, alpha: 1000 },
      training: { steps: 5, batchSize: 4, evalEvery: 1 },
      probes: { every: null },
    });
    const { status, runDir, summary } = await train(exp);
    assert.equal(status, 'diverged');
    assert.match(summary.message!, /loss became/);
    assert.equal(readSummary(runDir)!.status, 'diverged');
    assert.ok(fs.existsSync(path.join(runDir, 'metrics.jsonl')));
  });

  it('stops gracefully when asked: status `stopped`, a checkpoint, the steps done so far', async () => {
    const exp = experiment({
      task: { kind: 'adding', length: 10, testSize: 20 },
      model: { kind: 'lstm', hidden: 4 },
      training: { steps: 1000, batchSize: 4, evalEvery: 100 },
      probes: { every: null },
    });
    const { status, runDir, summary } = await train(exp, (step) => step >= 3);
    assert.equal(status, 'stopped');
    assert.equal(summary.stepsDone, 3);
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoint', 'model.json')));
    assert.equal(loadCheckpoint(path.join(runDir, 'checkpoint')).meta.step, 3);
  });

  it('leaks no tensors across training steps, and none after a run', async () => {
    const exp = experiment({
      task: { kind: 'adding', length: 8, testSize: 10 },
      model: { kind: 'hamiltonian', hidden: 5, variant: 'diagonal', readout: 'yz', readoutNorm: 'fixed' },
      training: { steps: 3, batchSize: 4, recurrentLearningRate: 0.001 },
      probes: { every: 1, batchSize: 2 },
    });
    const before = tf.memory().numTensors;
    await train(exp);
    assert.equal(tf.memory().numTensors, before, 'a whole run releases every tensor');

    const task = createTask(exp);
    const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
    const updater = new ParameterUpdater(exp.training, model.recurrentVariables, model.readoutVariables);
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = task.nextTrainBatch(4);
      updater.step(() => model.loss(model.forward(batch.inputs).output, batch.targets));
      counts.push(tf.memory().numTensors);
    }
    // Adam creates its moment variables on the first step; after that the count must not move.
    assert.deepEqual(counts.slice(1), new Array(5).fill(counts[1]), `tensor counts per step: ${counts}`);
    updater.dispose();
    model.dispose();
  });

  it('freezes the recurrent weights when recurrentLearningRate is 0 (reservoir mode)', () => {
    const exp = experiment({
      task: { kind: 'adding', length: 8 },
      model: { kind: 'hamiltonian', hidden: 5 },
      training: { recurrentLearningRate: 0 },
    });
    const task = createTask(exp);
    const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
    const updater = new ParameterUpdater(exp.training, model.recurrentVariables, model.readoutVariables);
    const W0 = model.recurrentVariables[0].dataSync().slice();
    const Q0 = model.readoutVariables[0].dataSync().slice();
    const batch = task.nextTrainBatch(4);
    updater.step(() => model.loss(model.forward(batch.inputs).output, batch.targets));
    assert.deepEqual(model.recurrentVariables[0].dataSync(), W0);
    assert.notDeepEqual(model.readoutVariables[0].dataSync(), Q0);
    updater.dispose();
    model.dispose();
  });

  it('every peer cell trains: finite loss, a gradient for every parameter', () => {
    for (const kind of ['tanh-rnn', 'lstm', 'gru', 'cornn', 'hamiltonian'] as const) {
      const exp = experiment({ task: { kind: 'adding', length: 6 }, model: { kind, hidden: 3 } });
      const task = createTask(exp);
      const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
      const batch = task.nextTrainBatch(5);
      const vars = [...model.recurrentVariables, ...model.readoutVariables];
      const { value, grads } = tf.variableGrads(() => model.loss(model.forward(batch.inputs).output, batch.targets), vars);
      assert.ok(Number.isFinite(value.dataSync()[0]), kind);
      assert.equal(Object.keys(grads).length, vars.length, `${kind}: a gradient per parameter`);
      for (const [name, g] of Object.entries(grads)) assert.ok(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]) > 0, `${kind} ${name} has a zero gradient`);
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
    }
  });

  it('probes show the headline: the Hamiltonian RNN keeps the hidden-state gradient, the tanh RNN loses it', async () => {
    const ratios: Record<string, number> = {};
    for (const kind of ['hamiltonian', 'tanh-rnn'] as const) {
      const exp = experiment({
        task: { kind: 'adding', length: 400, testSize: 20 },
        model: { kind, hidden: 32, tau: 'auto' },
        training: { steps: 1, batchSize: 4, evalEvery: 1 },
        probes: { every: 1, batchSize: 4 },
      });
      const { records } = await train(exp);
      const g = records.find((r): r is ProbeRecord => r.type === 'probe')!.gradientOverTime;
      ratios[kind] = g[0] / g[g.length - 1];
    }
    assert.ok(ratios.hamiltonian > 0.3 && ratios.hamiltonian < 3, `Hamiltonian g_1/g_T = ${ratios.hamiltonian}`);
    assert.ok(ratios['tanh-rnn'] < 1e-6, `tanh RNN g_1/g_T = ${ratios['tanh-rnn']}`);
  });

  it('trains sequential MNIST and measures the test split with the best-validation weights', async () => {
    const exp = experiment({
      task: { kind: 'psmnist', trainLimit: 64, evalLimit: 32 },
      model: { kind: 'hamiltonian', hidden: 8 },
      training: { steps: 2, batchSize: 16, evalEvery: 1 },
      probes: { every: null },
    });
    const { status, summary, records } = await train(exp);
    assert.equal(status, 'completed');
    const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
    assert.deepEqual(
      evals.map((e) => `${e.split}@${e.step}`),
      ['validation@1', 'validation@2', `test@${summary.best!.step}`],
    );
    assert.ok(evals.every((e) => e.accuracy! >= 0 && e.accuracy! <= 1));
    assert.equal(summary.best!.test!.accuracy, evals[2].accuracy);
  });
});
