/**
 * Exact resume through the engine API: random streams and task streams continue where they stood,
 * optimizer state round-trips bit for bit, a run stopped and resumed ends with the records and metric
 * of one never interrupted (adding, and MNIST with epochs), a stopped run measures its final test,
 * reopening a run folder cuts its records back to the checkpoint, refusals, no tensor leaks.
 * The CLI side (SIGKILL, --resume, --set training.steps) is test/unit/cli/resume.test.ts's.
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
import { MnistTask } from '../../../src/engine/tasks/mnist';
import { cloneWeights } from '../../../src/engine/train/bestWeights';
import { loadCheckpoint } from '../../../src/engine/train/checkpoint';
import { ParameterUpdater } from '../../../src/engine/train/parameterUpdater';
import { ResumeRefused } from '../../../src/engine/train/resume';
import { trainExperiment, type TrainOutcome } from '../../../src/engine/train/trainer';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ResolvedExperiment } from '../../../src/experiment/schema';
import type { EvalRecord, MetricRecord, RunSummary } from '../../../src/protocol/records';
import { currentOwner } from '../../../src/runs/liveness';
import { readRecords, readSummary } from '../../../src/runs/runFolder';
import { RunFolderWriter } from '../../../src/runs/runWriter';

function experiment(input: Partial<ExperimentInput> & Pick<ExperimentInput, 'task' | 'model'>): ResolvedExperiment {
  return resolveExperiment({ backend: 'cpu', ...input } as ExperimentInput, 'resume-test');
}

/** A record without its wall-clock time: what must be identical between two runs. */
function withoutTime(r: MetricRecord): Omit<MetricRecord, 'wallMs'> {
  const { wallMs: _wallMs, ...rest } = r;
  return rest;
}

/** The tiny adding run the resume tests train: Adam, readout statistics, probes, periodic checkpoints. */
const ADDING = experiment({
  task: { kind: 'adding', length: 10, testSize: 30 },
  model: { kind: 'hamiltonian', hidden: 5, implementation: 'tfjs', readout: 'yz', readoutNorm: 'fixed' },
  training: { steps: 12, batchSize: 6, evalEvery: 3, checkpointEvery: 4, recurrentLearningRate: 0.002 },
  probes: { every: 5, batchSize: 3 },
});

describe('exact resume (engine)', function () {
  let runsDir: string;

  before(async () => {
    await selectBackend('cpu');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-resume-test-'));
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  async function train(exp: ResolvedExperiment, options: { stopAt?: number; resumeFrom?: string } = {}): Promise<TrainOutcome> {
    let step = 0;
    return trainExperiment(exp, {
      runsDir,
      experimentFile: '/nowhere/resume.hrnn.yaml',
      resumeFrom: options.resumeFrom,
      hooks: {
        onProgress: (p) => (step = p.step),
        shouldStop: () => options.stopAt !== undefined && step >= options.stopAt,
      },
    });
  }

  describe('state pieces', () => {
    it('a random stream continues from its state; fromState gives the same numbers', () => {
      const a = new Rng(42);
      for (let i = 0; i < 5; i++) a.next();
      const b = Rng.fromState(a.getState());
      assert.deepEqual([a.next(), a.next(), a.normal()], [b.next(), b.next(), b.normal()]);
      assert.throws(() => b.setState(-1), /not a random stream state/);
    });

    it('the adding task resumes its stream of fresh batches', () => {
      const a = new AddingTask(12, 10, 7);
      a.nextTrainBatch(4);
      const b = new AddingTask(12, 10, 7);
      b.restoreTrainingStream(a.trainingStream());
      assert.deepEqual(b.nextTrainBatch(4), a.nextTrainBatch(4));
    });

    it('the MNIST task resumes the same order across epochs (a reshuffle per epoch), and refuses another trainLimit', () => {
      // 10 images, batches of 4: batches straddle epochs; stop in epoch 3.
      const a = new MnistTask('smnist', 5, 10, 8);
      for (let i = 0; i < 6; i++) a.nextTrainBatch(4);
      const state = a.trainingStream();
      assert.equal(state.epoch, 3);
      const b = new MnistTask('smnist', 5, 10, 8);
      b.restoreTrainingStream(state);
      assert.equal(b.currentEpoch(), a.currentEpoch());
      for (let i = 0; i < 5; i++) assert.deepEqual(b.nextTrainBatch(4).targets, a.nextTrainBatch(4).targets, `batch ${i} after the resume`);
      assert.throws(() => new MnistTask('smnist', 5, 12, 8).restoreTrainingStream(state), /data order does not match/);
    });

    for (const optimizer of ['adam', 'momentum'] as const) {
      it(`${optimizer}: the optimizer state round-trips bit for bit (steps after a restore equal steps never interrupted)`, async () => {
        const exp = experiment({
          task: { kind: 'adding', length: 6 },
          model: { kind: 'tanh-rnn', hidden: 3 },
          training: optimizer === 'adam' ? { optimizer: 'adam', recurrentLearningRate: 0.01 } : { optimizer: 'sgd', momentum: 0.9, learningRate: 0.05 },
        });
        const task = createTask(exp);
        const batches = Array.from({ length: 20 }, () => task.nextTrainBatch(4));
        const stepOn = (model: SequenceModel, updater: ParameterUpdater, from: number, to: number) => {
          for (let i = from; i < to; i++) updater.step(() => model.loss(model.forward(batches[i].inputs).output, batches[i].targets));
        };
        const before = tf.memory().numTensors;
        const straight = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
        const straightUpdater = new ParameterUpdater(exp.training, straight.recurrentVariables, straight.readoutVariables);
        stepOn(straight, straightUpdater, 0, 20);

        const first = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
        const firstUpdater = new ParameterUpdater(exp.training, first.recurrentVariables, first.readoutVariables);
        stepOn(first, firstUpdater, 0, 10);
        const captured = await firstUpdater.captureState();
        const savedSlots = cloneWeights(captured.tensors);
        const savedWeights = cloneWeights(first.namedWeights());
        firstUpdater.dispose();
        first.dispose();
        assert.equal(captured.groups.length, 2);
        assert.equal(captured.groups[0].iterations, 10);
        if (optimizer === 'adam') assert.ok(captured.groups[0].betaPowers, "Adam's beta powers are kept");

        // Another model (other variable names), the state put back: the next ten steps are the same.
        const second = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(99));
        second.loadWeights(savedWeights);
        const secondUpdater = new ParameterUpdater(exp.training, second.recurrentVariables, second.readoutVariables);
        await secondUpdater.restoreState(captured.groups, savedSlots);
        tf.dispose([...Object.values(savedSlots), ...Object.values(savedWeights)]);
        stepOn(second, secondUpdater, 10, 20);
        for (const [name, w] of Object.entries(straight.namedWeights())) {
          assert.deepEqual(second.namedWeights()[name].dataSync(), w.dataSync(), `${name} after 20 steps`);
        }
        for (const x of [straightUpdater, secondUpdater]) x.dispose();
        straight.dispose();
        second.dispose();
        assert.equal(tf.memory().numTensors, before, 'no tensor outlives the models and updaters');
      });
    }

    it('an optimizer state of another model is refused', async () => {
      const exp = experiment({ task: { kind: 'adding', length: 6 }, model: { kind: 'tanh-rnn', hidden: 3 } });
      const other = experiment({ task: { kind: 'adding', length: 6 }, model: { kind: 'tanh-rnn', hidden: 4 } });
      const task = createTask(exp);
      const a = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
      const b = new SequenceModel(other.model, task.inputDim, task.output, new Rng(1));
      const ua = new ParameterUpdater(exp.training, a.recurrentVariables, a.readoutVariables);
      const ub = new ParameterUpdater(other.training, b.recurrentVariables, b.readoutVariables);
      const batch = task.nextTrainBatch(2);
      ua.step(() => a.loss(a.forward(batch.inputs).output, batch.targets));
      const captured = await ua.captureState();
      await assert.rejects(ub.restoreState(captured.groups, captured.tensors), /does not fit this model/);
      for (const x of [ua, ub, a, b]) x.dispose();
    });
  });

  describe('run folders', () => {
    it('reopen keeps the records up to the checkpoint byte for byte, drops later ones, end-of-run ones and a torn line', () => {
      const dir = path.join(runsDir, 'reopen');
      const w = RunFolderWriter.create(runsDir, 'reopen', 'name: reopen\n');
      const records: MetricRecord[] = [
        { type: 'probe', step: 0, gradientOverTime: [1], stateNorm: [1], wallMs: 1 },
        { type: 'train', step: 1, epoch: 1, loss: 0.1, gradNorm: 1, lr: 0.1, wallMs: 2 },
        { type: 'eval', step: 1, split: 'validation', loss: 0.3, accuracy: 0.5, wallMs: 3 },
        { type: 'train', step: 2, epoch: 1, loss: 0.2, gradNorm: 1, lr: 0.1, wallMs: 4 },
        { type: 'eval', step: 1, split: 'test', loss: 0.4, accuracy: 0.25, wallMs: 5 },
      ];
      for (const r of records) w.append(r);
      w.close();
      fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"type":"train","step":3,"ep');
      const reopened = RunFolderWriter.reopen(dir, 1, {
        isEndOfRun: (r) => r.type === 'eval' && r.split === 'test',
        experimentText: 'name: reopen\n# more steps\n',
      });
      reopened.append({ type: 'train', step: 2, epoch: 1, loss: 0.25, gradNorm: 1, lr: 0.1, wallMs: 6 });
      reopened.close();
      const text = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
      assert.equal(
        text,
        [records[0], records[1], records[2], { type: 'train', step: 2, epoch: 1, loss: 0.25, gradNorm: 1, lr: 0.1, wallMs: 6 }]
          .map((r) => JSON.stringify(r) + '\n')
          .join(''),
      );
      assert.equal(fs.readFileSync(path.join(dir, 'experiment.yaml'), 'utf8'), 'name: reopen\n# more steps\n');
      assert.deepEqual(
        fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')),
        [],
        'no temporary file is left',
      );
    });
  });

  it('adding: stopped after a checkpoint and resumed, the run ends with the records and metric of one never interrupted', async () => {
    const straight = await train(ADDING);
    assert.equal(straight.status, 'completed');
    const stopped = await train(ADDING, { stopAt: 5 });
    assert.equal(stopped.status, 'stopped');
    assert.equal(loadCheckpoint(path.join(stopped.runDir, 'checkpoint')).training!.state.step, 5);
    // The last records of the stopped run are kept: metrics up to step 5 stay, nothing is recorded twice.
    const kept = readRecords(stopped.runDir).length;

    const tensorsBefore = tf.memory().numTensors;
    const resumed = await train(ADDING, { resumeFrom: stopped.runDir });
    assert.equal(tf.memory().numTensors, tensorsBefore, "a resumed run releases every tensor, the checkpoint's included");
    assert.equal(resumed.status, 'completed');
    assert.equal(resumed.runDir, stopped.runDir);
    assert.equal(resumed.runId, stopped.runId);

    const a = readRecords(straight.runDir);
    const b = readRecords(resumed.runDir);
    assert.ok(b.length > kept);
    assert.deepEqual(b.map(withoutTime), a.map(withoutTime), 'every record, losses included, is identical (exact: backend cpu, implementation tfjs)');
    const steps = b.filter((r) => r.type === 'train').map((r) => r.step);
    assert.deepEqual(
      steps,
      [...Array(12).keys()].map((i) => i + 1),
      'no step twice',
    );
    assert.deepEqual(resumed.summary.best, straight.summary.best);
    assert.deepEqual(resumed.summary.final, straight.summary.final);

    const summary = readSummary(resumed.runDir)!;
    assert.equal(summary.status, 'completed');
    assert.equal(summary.startedAt, stopped.summary.startedAt, 'the run keeps its start time');
    assert.equal(summary.resumes, 1);
    assert.equal(summary.resumedFromStep, 5);
    assert.ok(summary.resumedAt);
    assert.equal(summary.message, undefined, "the stop's message went with the stop");
    assert.ok(summary.durationMs >= stopped.summary.durationMs, 'training time goes on from the checkpoint');
  });

  it('MNIST with epochs: a run stopped mid-epoch measures its test at its best weights, and resumed continues the same data order', async () => {
    const exp = experiment({
      backend: 'wasm',
      task: { kind: 'smnist', trainLimit: 10, evalLimit: 8 },
      model: { kind: 'hamiltonian', hidden: 4 },
      // A rate so large that the validation loss is best at step 2, before the stop: the final test
      // of the resumed run needs the best weights from the checkpoint.
      training: { steps: 6, batchSize: 4, evalEvery: 2, learningRate: 0.05 },
      probes: { every: null },
    });
    const straight = await train(exp);
    assert.equal(straight.summary.best!.step, 2);
    const stopped = await train(exp, { stopAt: 3 });
    assert.equal(stopped.status, 'stopped');
    const stoppedEvals = readRecords(stopped.runDir).filter((r): r is EvalRecord => r.type === 'eval');
    assert.deepEqual(
      stoppedEvals.map((e) => `${e.split}@${e.step}`),
      ['validation@2', 'test@2'],
      'a stopped run measures the test split at its best weights',
    );
    assert.equal(stopped.summary.best!.test!.accuracy, stoppedEvals[1].accuracy);

    const tensorsBefore = tf.memory().numTensors;
    const resumed = await train(exp, { resumeFrom: stopped.runDir });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the restored best weights are released too');
    assert.equal(resumed.status, 'completed');
    const a = readRecords(straight.runDir);
    const b = readRecords(resumed.runDir);
    assert.deepEqual(
      b.filter((r) => r.type === 'train').map((r) => r.type === 'train' && r.epoch),
      [1, 1, 1, 2, 2, 3],
      'batches of 4 out of 10 images: epochs 1, 1, 1 (straddling), 2, 2, 3',
    );
    assert.deepEqual(b.map(withoutTime), a.map(withoutTime), 'same batches, same losses, one final test');
    assert.deepEqual(resumed.summary.best, straight.summary.best, 'the same best step and test metric');
  });

  it('the fused kernel (threaded, shards summed in a fixed order) resumes exactly too', async () => {
    // 32 rows: several shards on a machine with several threads; their gradients are summed shard by shard.
    const exp = experiment({
      task: { kind: 'adding', length: 16, testSize: 40 },
      model: { kind: 'hamiltonian', hidden: 8, implementation: 'fused' },
      training: { steps: 8, batchSize: 32, evalEvery: 2 },
      probes: { every: 4, batchSize: 4 },
    });
    const straight = await train(exp);
    assert.match(straight.summary.implementation, /^fused-/);
    const stopped = await train(exp, { stopAt: 3 });
    const resumed = await train(exp, { resumeFrom: stopped.runDir });
    assert.deepEqual(readRecords(resumed.runDir).map(withoutTime), readRecords(straight.runDir).map(withoutTime));
  });

  describe('refusals (one line each, nothing touched)', () => {
    let completed: TrainOutcome;
    before(async () => {
      completed = await train(ADDING);
    });

    async function refusal(exp: ResolvedExperiment, runDir: string): Promise<string> {
      const metrics = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
      const summary = fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8');
      const tensors = tf.memory().numTensors;
      const error = await train(exp, { resumeFrom: runDir }).then(
        () => assert.fail('the resume was not refused'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ResumeRefused, String(error));
      assert.doesNotMatch(error.message, /\n/, 'one line');
      assert.equal(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'), metrics, 'metrics untouched');
      assert.equal(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'), summary, 'summary untouched');
      assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
      return error.message;
    }

    /** A copy of the completed run's folder to spoil. */
    function copyOfCompleted(name: string): string {
      const dir = path.join(runsDir, name);
      fs.cpSync(completed.runDir, dir, { recursive: true });
      return dir;
    }

    it('a completed run unless its steps are raised', async () => {
      assert.match(await refusal(ADDING, completed.runDir), /completed all 12 steps; raise training\.steps/);
    });

    it('a run still running (its trainer alive)', async () => {
      const dir = copyOfCompleted('alive');
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
      fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ ...summary, status: 'running', owner: currentOwner(), pid: process.pid }));
      assert.match(await refusal(ADDING, dir), /is still running \(pid \d+ on .*\); stop it before resuming it/);
    });

    it('a diverged run', async () => {
      const diverging = experiment({
        task: { kind: 'adding', length: 200, testSize: 20 },
        model: { kind: 'hamiltonian', hidden: 4, tau: 2, alpha: 1000, implementation: 'tfjs' },
        training: { steps: 5, batchSize: 4, evalEvery: 1, checkpointEvery: 1 },
        probes: { every: null },
      });
      const { status, runDir } = await train(diverging);
      assert.equal(status, 'diverged');
      assert.match(await refusal(diverging, runDir), /diverged .*start a new run/);
    });

    it('a run without a checkpoint, and one whose checkpoint has no training state (older versions)', async () => {
      const none = copyOfCompleted('no-checkpoint');
      fs.rmSync(path.join(none, 'checkpoint'), { recursive: true });
      const more = { ...ADDING, training: { ...ADDING.training, steps: 20 } };
      assert.match(await refusal(more, none), /has no checkpoint to resume from/);

      const old = copyOfCompleted('old-checkpoint');
      const file = path.join(old, 'checkpoint', 'model.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete json.training;
      fs.writeFileSync(file, JSON.stringify(json));
      assert.match(await refusal(more, old), /written by an older version without the training state/);
      // Such a checkpoint still loads as before.
      const loaded = loadCheckpoint(path.join(old, 'checkpoint'));
      assert.equal(loaded.training, null);
      assert.equal(loaded.meta.step, 12);
      tf.dispose(Object.values(loaded.weights));
    });

    it('a change to the experiment beyond the steps, checkpoint interval and backend; a torn checkpoint', async () => {
      const other = { ...ADDING, model: { ...ADDING.model, hidden: 6 }, training: { ...ADDING.training, steps: 20, learningRate: 0.1 } };
      assert.match(
        await refusal(other, completed.runDir),
        /may change only training\.steps, training\.maxMinutes, training\.checkpointEvery, backend; this one changes model\.hidden, training\.learningRate/,
      );

      const torn = copyOfCompleted('torn');
      const weights = path.join(torn, 'checkpoint', 'weights.bin');
      const bytes = fs.readFileSync(weights);
      bytes[0] ^= 0xff;
      fs.writeFileSync(weights, bytes);
      const more = { ...ADDING, training: { ...ADDING.training, steps: 20 } };
      assert.match(await refusal(more, torn), /weights\.bin does not belong to model\.json/);
    });
  });
});
