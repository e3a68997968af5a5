/**
 * Issue 11, what the Hamiltonian family needs to learn classification: evaluation at step 0 and at a
 * stop, separate validation/test limits, a validation split for synthetic tasks, per-group gradient
 * clipping, learning-rate schedules, the copy task (sequence outputs), mean-over-time readout and
 * dropout. Tiny shapes; no tensor leaks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { Rng } from '../../../src/engine/rng';
import { createTask } from '../../../src/engine/tasks';
import { AddingTask } from '../../../src/engine/tasks/adding';
import { CopyTask, copyBatch } from '../../../src/engine/tasks/copy';
import { MnistTask } from '../../../src/engine/tasks/mnist';
import { splitBatch } from '../../../src/engine/tasks/syntheticSplits';
import { learningRateFactor } from '../../../src/engine/train/learningRateSchedule';
import { estimateTrainingMemory } from '../../../src/engine/train/memoryEstimate';
import { ParameterUpdater } from '../../../src/engine/train/parameterUpdater';
import { trainExperiment, type TrainOutcome } from '../../../src/engine/train/trainer';
import { loadExperimentText } from '../../../src/experiment';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ResolvedExperiment } from '../../../src/experiment/schema';
import { headlineMetric, type EvalRecord, type MetricRecord, type TrainRecord } from '../../../src/protocol/records';
import { readRecords } from '../../../src/runs/runFolder';

function experiment(input: Partial<ExperimentInput> & Pick<ExperimentInput, 'task' | 'model'>): ResolvedExperiment {
  return resolveExperiment({ backend: 'wasm', ...input } as ExperimentInput, 'test');
}

const schedule = (training: Partial<ResolvedExperiment['training']>) => ({
  lrSchedule: 'constant' as const,
  warmupSteps: 0,
  lrDecayEvery: null,
  lrDecayFactor: 0.1,
  lrMinFactor: 0,
  steps: 100,
  ...training,
});

describe('learning knobs (issue 11)', function () {
  this.timeout(60000);
  let runsDir: string;

  before(async () => {
    await selectBackend('wasm');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-learn-test-'));
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  async function train(exp: ResolvedExperiment, stopAt?: number): Promise<TrainOutcome & { records: MetricRecord[] }> {
    const records: MetricRecord[] = [];
    let step = 0;
    const outcome = await trainExperiment(exp, {
      runsDir,
      experimentFile: '/nowhere/test.hrnn.yaml',
      hooks: { onRecord: (r) => records.push(r), onProgress: (p) => (step = p.step), shouldStop: () => stopAt !== undefined && step >= stopAt },
    });
    return { ...outcome, records };
  }

  describe('learning-rate schedule', () => {
    it('constant is 1; warm-up grows linearly to 1 over warmupSteps', () => {
      assert.equal(learningRateFactor(schedule({}), 1), 1);
      assert.equal(learningRateFactor(schedule({}), 100), 1);
      const warm = schedule({ warmupSteps: 4 });
      assert.deepEqual(
        [1, 2, 3, 4, 5, 50].map((s) => learningRateFactor(warm, s)),
        [0.25, 0.5, 0.75, 1, 1, 1],
      );
    });

    it('step decay multiplies by the factor every lrDecayEvery steps after the warm-up', () => {
      const c = schedule({ lrSchedule: 'step', warmupSteps: 2, lrDecayEvery: 3, lrDecayFactor: 0.5 });
      assert.deepEqual(
        [3, 4, 5, 6, 8, 9].map((s) => learningRateFactor(c, s)),
        [1, 1, 1, 0.5, 0.5, 0.25],
      );
      // Default interval: a tenth of the steps.
      assert.equal(learningRateFactor(schedule({ lrSchedule: 'step' }), 11), 0.1);
      assert.equal(learningRateFactor(schedule({ lrSchedule: 'step' }), 10), 1);
    });

    it('cosine goes from 1 after the warm-up to lrMinFactor at the last step, monotonically', () => {
      const c = schedule({ lrSchedule: 'cosine', warmupSteps: 10, lrMinFactor: 0.1, steps: 110 });
      assert.equal(learningRateFactor(c, 11), 1);
      assert.ok(Math.abs(learningRateFactor(c, 110) - 0.1) < 1e-12);
      assert.ok(Math.abs(learningRateFactor(c, 60.5) - 0.55) < 1e-12, 'halfway is the mean of 1 and the floor');
      const values = Array.from({ length: 100 }, (_, i) => learningRateFactor(c, 11 + i));
      assert.ok(values.every((v, i) => i === 0 || v <= values[i - 1]));
    });

    it('a run records the scheduled rate of every step', async () => {
      const exp = experiment({
        task: { kind: 'adding', length: 6, testSize: 8 },
        model: { kind: 'hamiltonian', hidden: 3 },
        training: { steps: 4, batchSize: 4, learningRate: 0.01, warmupSteps: 2, lrSchedule: 'cosine', optimizer: 'sgd' },
        probes: { every: null },
      });
      const { records, status } = await train(exp);
      assert.equal(status, 'completed');
      const lrs = records.filter((r): r is TrainRecord => r.type === 'train').map((r) => r.lr);
      // Two cosine steps after the warm-up: the full rate, then the floor.
      assert.deepEqual(lrs, [0.005, 0.01, 0.01, 0]);
    });
  });

  describe('per-group gradient clipping', () => {
    /** One SGD step (rate 1) and how far the readout moved. */
    function readoutMove(training: ExperimentInput['training']): { move: number; norms: { readout?: number; recurrent?: number }; gradNorm: number } {
      const exp = experiment({ task: { kind: 'adding', length: 10 }, model: { kind: 'hamiltonian', hidden: 6, tau: 0.5 }, training });
      const task = createTask(exp);
      const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(3));
      const updater = new ParameterUpdater(exp.training, model.recurrentVariables, model.readoutVariables);
      const before = model.readoutVariables.map((v) => v.dataSync().slice());
      const batch = task.nextTrainBatch(8);
      const result = updater.step(() => model.loss(model.forward(batch.inputs).output, batch.targets));
      const after = model.readoutVariables.map((v) => v.dataSync());
      let sq = 0;
      before.forEach((b, k) => b.forEach((x, i) => (sq += (after[k][i] - x) ** 2)));
      updater.dispose();
      model.dispose();
      return { move: Math.sqrt(sq), norms: result.groupNorms, gradNorm: result.gradNorm };
    }

    it('the global norm splits into the groups; global clipping scales the readout by the whole norm, per-group by its own', () => {
      const clip = 1e-3;
      const global = readoutMove({ optimizer: 'sgd', learningRate: 1, gradClip: clip });
      const perGroup = readoutMove({ optimizer: 'sgd', learningRate: 1, gradClip: clip, gradClipScope: 'per-group', recurrentGradClip: 1e-6 });
      const { readout, recurrent } = global.norms;
      assert.ok(readout! > clip && recurrent! > 0);
      assert.ok(Math.abs(Math.hypot(readout!, recurrent!) - global.gradNorm) < 1e-5 * global.gradNorm);
      assert.ok(Math.abs(global.move - (readout! * clip) / global.gradNorm) < 1e-3 * global.move, `global: ${global.move}`);
      assert.ok(Math.abs(perGroup.move - clip) < 1e-3 * clip, `per-group: the readout moves by its own clip (${perGroup.move})`);
      const unclipped = readoutMove({ optimizer: 'sgd', learningRate: 1, gradClip: null });
      assert.ok(Math.abs(unclipped.move - readout!) < 1e-3 * readout!);
    });

    it('leaks no tensors per step with per-group clipping, a schedule (sgd: a rate tensor) and dropout', () => {
      for (const optimizer of ['sgd', 'adam'] as const) {
        const exp = experiment({
          task: { kind: 'adding', length: 6 },
          model: { kind: 'hamiltonian', hidden: 4, dropout: 0.2 },
          training: { optimizer, gradClipScope: 'per-group', gradClip: 0.01, warmupSteps: 3 },
        });
        const task = createTask(exp);
        const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
        const updater = new ParameterUpdater(exp.training, model.recurrentVariables, model.readoutVariables);
        const counts: number[] = [];
        for (let i = 0; i < 6; i++) {
          const batch = task.nextTrainBatch(4);
          updater.step(() => model.loss(model.forward(batch.inputs, { dropoutSeed: i }).output, batch.targets), learningRateFactor(exp.training, i + 1));
          counts.push(tf.memory().numTensors);
        }
        assert.deepEqual(counts.slice(1), new Array(5).fill(counts[1]), `${optimizer}: tensor counts per step: ${counts}`);
        updater.dispose();
        model.dispose();
      }
    });
  });

  describe('evaluation', () => {
    it('adding with a validation split: validation every evalEvery (and at step 0), best on it, test once at the best step', async () => {
      const exp = experiment({
        task: { kind: 'adding', length: 10, testSize: 30, validationSize: 20 },
        model: { kind: 'hamiltonian', hidden: 4 },
        training: { steps: 4, batchSize: 4, evalEvery: 2, evalAtStart: true },
        probes: { every: null },
      });
      const before = tf.memory().numTensors;
      const { status, summary, records } = await train(exp);
      assert.equal(tf.memory().numTensors, before);
      assert.equal(status, 'completed');
      const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
      assert.deepEqual(
        evals.map((e) => `${e.split}@${e.step}`),
        ['validation@0', 'validation@2', 'validation@4', `test@${summary.best!.step}`],
      );
      assert.equal(summary.best!.split, 'validation');
      assert.equal(summary.best!.test!.mse, evals[3].mse);
      assert.deepEqual(headlineMetric(summary), { name: 'mse', value: evals[3].mse });
      assert.equal(summary.final.test!.mse, evals[3].mse);
    });

    it('training.maxMinutes: the run stops when the budget is spent, evaluates there and measures the test split at the best weights', async () => {
      const exp = experiment({
        task: { kind: 'adding', length: 10, testSize: 30, validationSize: 20 },
        model: { kind: 'hamiltonian', hidden: 4 },
        // 30 ms of wall time from the run's start (setup included): far fewer than 100000 steps, none on a busy machine
        training: { steps: 100000, batchSize: 4, evalEvery: 50000, maxMinutes: 0.0005 },
        probes: { every: null },
      });
      const { status, summary, records } = await train(exp);
      assert.equal(status, 'completed');
      assert.ok(summary.stepsDone < 100000, `${summary.stepsDone} steps`);
      assert.match(summary.message ?? '', /time budget of 0\.0005 minutes \(training\.maxMinutes\) ran out at step \d+/);
      const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
      assert.deepEqual(
        evals.map((e) => `${e.split}@${e.step}`),
        [`validation@${summary.stepsDone}`, `test@${summary.stepsDone}`],
      );
      // no step starts once the budget is spent: every train record but the last ended within it
      const trainRecords = records.filter((r): r is TrainRecord => r.type === 'train');
      assert.ok(trainRecords.slice(0, -1).every((r) => r.wallMs < 30));
    });

    it('by default a synthetic task has a validation split of 1000, so the test set never picks the best step (issue 12)', () => {
      for (const kind of ['adding', 'copy'] as const) {
        const exp = experiment({ task: { kind, length: 12 }, model: { kind: 'hamiltonian', hidden: 4 } });
        assert.equal((exp.task as { validationSize?: number | null }).validationSize, 1000, kind);
      }
    });

    it('the validation and test sets of a synthetic task are fixed and different; asking for a missing split throws', () => {
      const a = new AddingTask(12, 10, 1, 6);
      const b = new AddingTask(12, 10, 99, 6);
      const [va] = [...a.evalBatches('validation', 100)];
      const [vb] = [...b.evalBatches('validation', 100)];
      const [ta] = [...a.evalBatches('test', 100)];
      assert.equal(va.inputs.B, 6);
      assert.equal(ta.inputs.B, 10);
      assert.deepEqual(va.targets, vb.targets, 'the same validation set for every seed');
      assert.notDeepEqual(Array.from(va.targets), Array.from(ta.targets.slice(0, 6)));
      assert.equal(a.monitorSplit, 'validation');
      assert.equal(new AddingTask(12, 10, 1).monitorSplit, 'test');
      assert.throws(() => [...new AddingTask(12, 10, 1).evalBatches('validation', 5)], /no validation split/);
    });

    it('a run stopped before its first evaluation evaluates validation at the stop and measures test there', async () => {
      const exp = experiment({
        task: { kind: 'smnist', trainLimit: 32, evalLimit: 8 },
        model: { kind: 'hamiltonian', hidden: 4 },
        training: { steps: 100, batchSize: 4, evalEvery: 50 },
        probes: { every: null },
      });
      const { status, summary, records } = await train(exp, 2);
      assert.equal(status, 'stopped');
      const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
      assert.deepEqual(
        evals.map((e) => `${e.split}@${e.step}`),
        ['validation@2', 'test@2'],
      );
      assert.equal(summary.best!.test!.accuracy, evals[1].accuracy);
    });

    it('MNIST: validationLimit and testLimit cut the splits apart; evalLimit still cuts both', () => {
      const sizes = (task: MnistTask) => (['validation', 'test'] as const).map((s) => [...task.evalBatches(s, 1000)].reduce((n, b) => n + b.inputs.B, 0));
      assert.deepEqual(sizes(new MnistTask('smnist', 1, 10, 7)), [7, 7]);
      assert.deepEqual(sizes(new MnistTask('smnist', 1, 10, { validation: 5, test: 9 })), [5, 9]);
      const resolved = experiment({ task: { kind: 'smnist', evalLimit: 6, testLimit: 11 }, model: { kind: 'gru' } });
      assert.deepEqual(sizes(createTask(resolved) as MnistTask), [6, 11]);
    });
  });

  describe('copy task', () => {
    it('lays out K symbols, blanks, the delimiter and K recall steps; labels are the symbols, time-major', () => {
      const T = 9;
      const K = 3;
      const A = 4;
      const B = 2;
      const { inputs, targets } = copyBatch(new Rng(1), T, K, A, B);
      assert.deepEqual([inputs.T, inputs.B, inputs.d], [T, B, A + 2]);
      assert.equal(targets.length, K * B);
      const channel = (n: number, i: number) => {
        const row = inputs.data.subarray((n * B + i) * (A + 2), (n * B + i + 1) * (A + 2));
        assert.equal(
          row.reduce((a, b) => a + b, 0),
          1,
          'one-hot',
        );
        return row.indexOf(1);
      };
      for (let i = 0; i < B; i++) {
        for (let j = 0; j < K; j++) assert.equal(channel(j, i), 1 + targets[j * B + i], 'symbol j is label j');
        for (let n = K; n < T; n++) assert.equal(channel(n, i), n === T - K - 1 ? A + 1 : 0, `step ${n + 1}`);
      }
    });

    it('is reproducible, cuts sequence targets correctly into chunks, refuses a length without room', () => {
      const a = new CopyTask(12, 2, 3, 7, 5, 4);
      const b = new CopyTask(12, 2, 3, 7, 5, 4);
      assert.deepEqual(a.nextTrainBatch(3), b.nextTrainBatch(3));
      const [whole] = [...a.evalBatches('test', 100)];
      const chunks = [...a.evalBatches('test', 3)];
      assert.deepEqual(
        chunks.map((c) => c.inputs.B),
        [3, 3, 1],
      );
      // Sequence i of chunk c is sequence 3c + i of the whole set, its labels at j * b + i.
      for (const [c, chunk] of chunks.entries()) {
        const b2 = chunk.inputs.B;
        for (let i = 0; i < b2; i++) for (let j = 0; j < 2; j++) assert.equal(chunk.targets[j * b2 + i], whole.targets[j * 7 + 3 * c + i]);
      }
      assert.equal([...splitBatch(whole, 100)][0], whole);
      assert.throws(() => new CopyTask(4, 2, 3, 7, 5), /length > 2 x copySymbols/);
      const result = loadExperimentText('task: {kind: copy, length: 20, copySymbols: 10}\nmodel: {kind: hamiltonian}\n', 'c.hrnn.yaml');
      assert.equal(result.ok, false);
    });

    it('the model reads out at each of the K output steps: chance loss log A at the start, accuracy per symbol', async () => {
      const exp = experiment({
        task: { kind: 'copy', length: 14, copySymbols: 3, alphabet: 4, testSize: 16, validationSize: 8 },
        model: { kind: 'hamiltonian', hidden: 6, readout: 'yz' },
        training: { steps: 3, batchSize: 8, evalEvery: 3, evalAtStart: true },
        probes: { every: 3, batchSize: 2 },
      });
      const task = createTask(exp);
      assert.equal(task.inputDim, 6);
      const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(2));
      const batch = task.nextTrainBatch(5);
      tf.tidy(() => {
        const { output } = model.forward(batch.inputs);
        assert.deepEqual(output.shape, [15, 4]);
        const loss = model.loss(output, batch.targets).dataSync()[0];
        assert.ok(Math.abs(loss - Math.log(4)) < 0.5, `initial loss ${loss} near log 4`);
      });
      model.dispose();
      const before = tf.memory().numTensors;
      const { status, records, summary } = await train(exp);
      assert.equal(tf.memory().numTensors, before);
      assert.equal(status, 'completed');
      const evals = records.filter((r): r is EvalRecord => r.type === 'eval');
      assert.deepEqual(
        evals.map((e) => `${e.split}@${e.step}`),
        ['validation@0', 'validation@3', `test@${summary.best!.step}`],
      );
      // 8 validation sequences x 3 symbols: accuracy in multiples of 1/24.
      for (const e of evals.slice(0, 2)) assert.ok(Math.abs(e.accuracy! * 24 - Math.round(e.accuracy! * 24)) < 1e-9);
      const probe = records.find((r) => r.type === 'probe');
      assert.ok(probe && probe.type === 'probe' && probe.gradientOverTime.length === 14 && probe.gradientOverTime.every(Number.isFinite));
    });
  });

  it('the memory estimate counts a run that reads every state as composite, with every state kept in evaluation', () => {
    const last = experiment({ task: { kind: 'smnist' }, model: { kind: 'hamiltonian', hidden: 64 } });
    const mean = experiment({ task: { kind: 'smnist' }, model: { kind: 'hamiltonian', hidden: 64, readout: 'yz', readoutPool: 'mean' } });
    const copy = experiment({ task: { kind: 'copy', length: 100 }, model: { kind: 'hamiltonian', hidden: 64, readout: 'yz' } });
    const copyY = experiment({ task: { kind: 'copy', length: 100 }, model: { kind: 'hamiltonian', hidden: 64, readout: 'y' } });
    assert.equal(estimateTrainingMemory(last, 'fused').implementation, 'fused');
    assert.equal(estimateTrainingMemory(mean, 'fused').implementation, 'composite');
    assert.equal(estimateTrainingMemory(copy, 'fused').implementation, 'composite');
    assert.equal(estimateTrainingMemory(copyY, 'fused').implementation, 'fused', 'y_n alone: the kernel sequence form');
    // Batch 1, no probes: evaluation chunks of 250 sequences dominate once every state is kept.
    const small = (exp: ResolvedExperiment) => ({ ...exp, training: { ...exp.training, batchSize: 1 }, probes: { ...exp.probes, every: null } });
    const peak = estimateTrainingMemory(small(mean), 'composite');
    const evaluation = peak.terms.find((t) => t.name === 'evaluation');
    assert.ok(evaluation && evaluation.bytes >= 2 * 784 * 250 * 64 * 4, 'every state of an evaluation chunk is counted');
    assert.ok(estimateTrainingMemory(small(last), 'composite').bytes < peak.bytes);
  });

  it('a stack reads its top layer at every step: y_n, through the kernel where there is one; yz is refused', () => {
    const stacked = experiment({ task: { kind: 'copy', length: 9, copySymbols: 2, alphabet: 3 }, model: { kind: 'hamiltonian', hidden: 4, layers: 2 } });
    const task = createTask(stacked);
    const model = new SequenceModel(stacked.model, task.inputDim, task.output, new Rng(5));
    const batch = task.nextTrainBatch(3);
    tf.tidy(() => {
      assert.deepEqual(model.forward(batch.inputs).output.shape, [6, 3]);
      // By hand: the last two steps of the top layer's position sequence.
      const { sequence } = model.cell.run(batch.inputs, { sequence: true });
      const expected = model.readout(tf.reshape(tf.slice(sequence!, [7, 0, 0], [2, 3, 4]), [6, 4]) as tf.Tensor2D);
      assert.ok(tf.max(tf.abs(tf.sub(expected, model.forward(batch.inputs).output))).dataSync()[0] < 1e-5);
    });
    model.dispose();
    const yz = experiment({ task: { kind: 'adding', length: 5 }, model: { kind: 'hamiltonian', hidden: 4, layers: 2, readout: 'yz', readoutPool: 'mean' } });
    assert.throws(() => new SequenceModel(yz.model, 2, { kind: 'regression' }, new Rng(1)), /needs model.layers: 1/);
  });

  describe('readout and dropout', () => {
    it('mean over time: one output per sequence from the mean features, for the Hamiltonian RNN and a peer', () => {
      for (const kind of ['hamiltonian', 'gru'] as const) {
        const last = experiment({ task: { kind: 'adding', length: 7 }, model: { kind, hidden: 3, readout: 'yz' } });
        const mean = experiment({ task: { kind: 'adding', length: 7 }, model: { kind, hidden: 3, readout: 'yz', readoutPool: 'mean' } });
        const task = createTask(last);
        const a = new SequenceModel(last.model, task.inputDim, task.output, new Rng(4));
        const b = new SequenceModel(mean.model, task.inputDim, task.output, new Rng(4));
        const batch = task.nextTrainBatch(3);
        tf.tidy(() => {
          const oa = a.forward(batch.inputs).output;
          const ob = b.forward(batch.inputs).output;
          assert.deepEqual(ob.shape, [3, 1]);
          assert.notDeepEqual(Array.from(oa.dataSync()), Array.from(ob.dataSync()), kind);
          // By hand: the readout of the mean of the per-step features.
          const { run } = b.forward(batch.inputs, { collect: true, composite: true });
          const s = run.states!;
          const perStep = s.primary.map((y, n) => (s.momentum && kind === 'hamiltonian' ? tf.concat([y, s.momentum[n]], 1) : y));
          const expected = b.readout(tf.div(tf.addN(perStep), 7) as tf.Tensor2D);
          assert.ok(tf.max(tf.abs(tf.sub(expected, ob))).dataSync()[0] < 1e-5, kind);
        });
        a.dispose();
        b.dispose();
      }
    });

    it('dropout acts only with a seed (training), the same seed drops the same units', () => {
      const exp = experiment({ task: { kind: 'adding', length: 5 }, model: { kind: 'hamiltonian', hidden: 8, dropout: 0.5 } });
      const task = createTask(exp);
      const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(4));
      const batch = task.nextTrainBatch(4);
      tf.tidy(() => {
        const plain = Array.from(model.forward(batch.inputs).output.dataSync());
        assert.deepEqual(Array.from(model.forward(batch.inputs).output.dataSync()), plain);
        const d1 = Array.from(model.forward(batch.inputs, { dropoutSeed: 7 }).output.dataSync());
        assert.notDeepEqual(d1, plain);
        assert.deepEqual(Array.from(model.forward(batch.inputs, { dropoutSeed: 7 }).output.dataSync()), d1);
      });
      model.dispose();
    });

    it('dropout between stacked layers: the upper layer sees a dropped sequence in training only', () => {
      const exp = experiment({ task: { kind: 'adding', length: 5 }, model: { kind: 'gru', hidden: 6, layers: 2, dropout: 0.5 } });
      const task = createTask(exp);
      const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(4));
      const batch = task.nextTrainBatch(4);
      tf.tidy(() => {
        const plain = model.cell.run(batch.inputs).features;
        const again = model.cell.run(batch.inputs, { dropout: { rate: 0.5, seed: 3 } }).features;
        const same = model.cell.run(batch.inputs, { dropout: { rate: 0.5, seed: 3 } }).features;
        assert.notDeepEqual(Array.from(again.dataSync()), Array.from(plain.dataSync()));
        assert.deepEqual(Array.from(same.dataSync()), Array.from(again.dataSync()));
        assert.deepEqual(Array.from(model.cell.run(batch.inputs).features.dataSync()), Array.from(plain.dataSync()));
      });
      model.dispose();
    });
  });
});

describe('noise-padded MNIST (issue 11)', function () {
  this.timeout(60000);
  before(async () => {
    await selectBackend('wasm');
  });

  it('feeds 28 rows of 28 pixels, then noise fixed per image; T = 28 + noisePadding', () => {
    const exp = experiment({ task: { kind: 'psmnist', noisePadding: 12, trainLimit: 20, evalLimit: 5 }, model: { kind: 'hamiltonian', hidden: 4 } });
    assert.equal(exp.task.length, 40);
    const task = createTask(exp) as MnistTask;
    assert.deepEqual([task.length, task.inputDim], [40, 28]);
    const plain = new MnistTask('psmnist', exp.seed, 20, 5);
    const [padded] = [...task.evalBatches('test', 5)];
    const [pixels] = [...plain.evalBatches('test', 5)];
    assert.deepEqual([padded.inputs.T, padded.inputs.B, padded.inputs.d], [40, 5, 28]);
    assert.deepEqual(padded.targets, pixels.targets);
    // Step n, pixel k of the padded layout is step 28 n + k of the pixel layout (the same permutation).
    for (const [n, k, i] of [
      [0, 0, 0],
      [13, 17, 2],
      [27, 27, 4],
    ])
      assert.equal(padded.inputs.data[(n * 5 + i) * 28 + k], pixels.inputs.data[(28 * n + k) * 5 + i]);
    const noise = padded.inputs.data.subarray(28 * 5 * 28);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const variance = noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length;
    assert.ok(Math.abs(mean) < 0.1 && Math.abs(variance - 1) < 0.15, `noise mean ${mean}, variance ${variance}`);
    const [again] = [...(createTask(exp) as MnistTask).evalBatches('test', 5)];
    assert.deepEqual(again.inputs.data, padded.inputs.data, 'the noise is fixed per image');
    const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
    tf.tidy(() => assert.deepEqual(model.forward(padded.inputs).output.shape, [5, 10]));
    model.dispose();
  });
});

describe('the learning knobs resume exactly (issue 11)', function () {
  this.timeout(120000);
  let runsDir: string;
  before(async () => {
    await selectBackend('cpu');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-learn-resume-'));
  });
  after(async () => {
    fs.rmSync(runsDir, { recursive: true, force: true });
    await selectBackend('wasm');
  });

  it('copy task with validation, warm-up and cosine, per-group clipping and dropout: stopped and resumed = never interrupted', async () => {
    const exp = resolveExperiment(
      {
        backend: 'cpu',
        task: { kind: 'copy', length: 9, copySymbols: 2, alphabet: 3, testSize: 12, validationSize: 6 },
        model: { kind: 'hamiltonian', hidden: 5, implementation: 'tfjs', readout: 'yz', dropout: 0.3 },
        training: {
          steps: 8,
          batchSize: 4,
          evalEvery: 2,
          evalAtStart: true,
          checkpointEvery: 3,
          warmupSteps: 2,
          lrSchedule: 'cosine',
          gradClipScope: 'per-group',
          gradClip: 0.5,
          recurrentGradClip: 0.1,
        },
        probes: { every: null },
      } as ExperimentInput,
      'resume',
    );
    const run = async (options: { stopAt?: number; resumeFrom?: string } = {}) => {
      let step = 0;
      return trainExperiment(exp, {
        runsDir,
        experimentFile: '/nowhere/resume.hrnn.yaml',
        resumeFrom: options.resumeFrom,
        hooks: { onProgress: (p) => (step = p.step), shouldStop: () => options.stopAt !== undefined && step >= options.stopAt },
      });
    };
    const withoutTime = (r: MetricRecord) => ({ ...r, wallMs: 0 });
    const straight = await run();
    const stopped = await run({ stopAt: 5 });
    assert.equal(stopped.status, 'stopped');
    const resumed = await run({ resumeFrom: stopped.runDir });
    assert.equal(resumed.status, 'completed');
    const a = readRecords(straight.runDir).map(withoutTime);
    const b = readRecords(resumed.runDir).map(withoutTime);
    assert.deepEqual(b, a);
    assert.deepEqual(resumed.summary.best, straight.summary.best);
  });
});
