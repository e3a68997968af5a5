/**
 * The training loop's collaborators one by one: probe schedule, rate meter, summary book (throttle
 * and final state), best weights (clones, swaps, no leaks), checkpoint writer, evaluation recorder.
 * End-to-end behaviour of the loop is training.test.ts's.
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
import { BestWeights, cloneWeights } from '../../../src/engine/train/bestWeights';
import { loadCheckpoint } from '../../../src/engine/train/checkpoint';
import { CheckpointWriter } from '../../../src/engine/train/checkpointWriter';
import { evaluate } from '../../../src/engine/train/evaluate';
import { EvaluationRecorder } from '../../../src/engine/train/evaluationRecorder';
import { ProbeSchedule } from '../../../src/engine/train/probeSchedule';
import { RateMeter } from '../../../src/engine/train/rateMeter';
import { SUMMARY_INTERVAL_MS, SummaryBook, startingSummary } from '../../../src/engine/train/summaryBook';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ResolvedExperiment } from '../../../src/experiment/schema';
import type { MetricRecord, RunSummary } from '../../../src/protocol/records';

function experiment(): ResolvedExperiment {
  const input = { backend: 'wasm', task: { kind: 'adding', length: 8, testSize: 20, validationSize: null }, model: { kind: 'hamiltonian', hidden: 5 } };
  return resolveExperiment(input as ExperimentInput, 'test');
}

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

/** A summary book over a fake clock that keeps every summary it is asked to write. */
function bookWithSink(exp: ResolvedExperiment) {
  const clock = fakeClock();
  const written: RunSummary[] = [];
  const sink = { writeSummary: (s: RunSummary) => written.push(structuredClone(s)) };
  const facts = { runId: 'r1', backend: 'wasm', implementation: 'tfjs', experimentFile: '/x.hrnn.yaml' };
  const book = new SummaryBook(startingSummary(exp, facts, clock.t), sink, clock.t, clock.now);
  return { book, clock, written };
}

/** Adds `delta` to every trainable weight of the model. */
function shiftWeights(model: SequenceModel, delta: number): void {
  const shifted = tf.tidy(() => Object.fromEntries(Object.entries(model.namedWeights()).map(([k, w]) => [k, tf.add(w, delta)])));
  model.loadWeights(shifted);
  tf.dispose(Object.values(shifted));
}

describe('training loop collaborators', function () {
  before(async () => {
    await selectBackend('wasm');
  });

  it('probe schedule: step 0, every k steps and the last step; nothing when probes are off', () => {
    const schedule = new ProbeSchedule(3, 10);
    assert.equal(schedule.enabled, true);
    assert.deepEqual(
      [...Array(11).keys()].filter((s) => schedule.isDue(s)),
      [0, 3, 6, 9, 10],
    );
    const off = new ProbeSchedule(null, 10);
    assert.equal(off.enabled, false);
    assert.deepEqual(
      [...Array(11).keys()].filter((s) => off.isDue(s)),
      [],
    );
  });

  it('rate meter: first tick is the instant rate, then an average weighting the newest by 0.1', () => {
    const clock = fakeClock();
    const meter = new RateMeter(clock.now);
    clock.t += 10;
    assert.equal(meter.tick(), 100);
    clock.t += 20;
    assert.ok(Math.abs(meter.tick() - (0.9 * 100 + 0.1 * 50)) < 1e-9);
    clock.t += 0;
    assert.ok(Math.abs(meter.tick() - (0.9 * 95 + 0.1 * 1000)) < 1e-9, 'a tick within the same millisecond counts as 1 ms');
  });

  it('summary book: throttles unforced writes, forced ones always go, finish records the end', () => {
    const exp = experiment();
    const { book, clock, written } = bookWithSink(exp);
    assert.equal(book.summary.status, 'running');
    assert.equal(book.summary.pid, process.pid);
    book.write(true);
    clock.t += SUMMARY_INTERVAL_MS - 1;
    book.write();
    assert.equal(written.length, 1, 'an unforced write within the interval is skipped');
    book.write(true);
    assert.equal(written.length, 2);
    assert.equal(written[1].durationMs, SUMMARY_INTERVAL_MS - 1);
    clock.t += SUMMARY_INTERVAL_MS;
    book.setStepsDone(7);
    book.write();
    assert.equal(written.length, 3, 'an unforced write after the interval goes');
    assert.equal(written[2].stepsDone, 7);
    clock.t += 5;
    book.setMessage('stopped by the user at step 7');
    book.finish('stopped', 7);
    const last = written[written.length - 1];
    assert.equal(written.length, 4, 'finish writes even within the interval');
    assert.equal(last.status, 'stopped');
    assert.equal(last.message, 'stopped by the user at step 7');
    assert.equal(last.pid, undefined);
    assert.equal(last.endedAt, new Date(clock.t).toISOString());
    assert.equal(last.durationMs, 2 * SUMMARY_INTERVAL_MS + 4);
  });

  it('best weights: keeps clones, evaluates at them and puts the current weights back, releases every tensor', () => {
    const exp = experiment();
    const task = createTask(exp);
    const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
    const best = new BestWeights();
    const base = tf.memory().numTensors;
    assert.equal(best.evaluateAtBest(model, task, 'test'), null, 'nothing kept: nothing to evaluate');

    const atKeep = evaluate(model, task, 'test');
    best.keep(model, 4);
    const kept = tf.memory().numTensors;
    assert.ok(kept > base);
    assert.equal(best.snapshot!.step, 4);
    best.keep(model, 5);
    assert.equal(tf.memory().numTensors, kept, 'keeping again releases the previous clones');

    shiftWeights(model, 0.05);
    const shifted = cloneWeights(model.namedWeights());
    const atBest = best.evaluateAtBest(model, task, 'test')!;
    assert.equal(atBest.loss, atKeep.loss, 'evaluated with the kept weights');
    for (const [name, w] of Object.entries(model.namedWeights())) {
      assert.deepEqual(w.dataSync(), shifted[name].dataSync(), `${name} is back to the current weights`);
    }
    tf.dispose(Object.values(shifted));
    assert.equal(tf.memory().numTensors, kept, 'evaluating at the best weights leaks nothing');
    best.dispose();
    assert.equal(tf.memory().numTensors, base);
    assert.equal(best.snapshot, null);
    model.dispose();
  });

  it('checkpoint writer: due every k steps (never when null), writes the step and the model description', async () => {
    const exp = experiment();
    const task = createTask(exp);
    const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-ckpt-test-'));
    try {
      const description = { model: exp.model, inputDim: task.inputDim, outputDim: model.outputDim };
      const writer = new CheckpointWriter(dir, 4, description, { weights: () => model.namedWeights() });
      assert.deepEqual(
        [1, 2, 3, 4, 5, 8, 9].filter((s) => writer.isDue(s)),
        [4, 8],
      );
      const never = new CheckpointWriter(dir, null, description, { weights: () => model.namedWeights() });
      assert.deepEqual(
        [1, 4, 8].filter((s) => never.isDue(s)),
        [],
      );
      await writer.write(9);
      const { meta, weights } = loadCheckpoint(dir);
      assert.deepEqual(meta, { step: 9, ...description });
      assert.deepEqual(Object.keys(weights).sort(), Object.keys(model.namedWeights()).sort());
      tf.dispose(Object.values(weights));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('evaluation recorder: due every evalEvery and at the end; records final and best (strictly lower loss)', () => {
    const exp = experiment();
    const task = createTask(exp);
    const model = new SequenceModel(exp.model, task.inputDim, task.output, new Rng(1));
    const { book, written } = bookWithSink(exp);
    const records: MetricRecord[] = [];
    const evals = new EvaluationRecorder(model, task, book, (r) => records.push(r), { evalEvery: 4, totalSteps: 10 }, null);
    assert.deepEqual(
      [...Array(11).keys()].slice(1).filter((s) => evals.isDue(s)),
      [4, 8, 10],
    );

    evals.record(4);
    assert.equal(written.length, 1, 'each evaluation rewrites the summary at once');
    evals.record(8); // same weights, same loss: not a new best
    const summary = book.summary;
    assert.deepEqual(
      records.map((r) => r.type === 'eval' && `${r.split}@${r.step}`),
      ['test@4', 'test@8'],
    );
    assert.equal(summary.final.test!.step, 8);
    assert.equal(summary.best!.step, 4);
    assert.equal(summary.best!.mse, summary.best!.loss);

    const bestLoss = summary.best!.loss;
    shiftWeights(model, 0.5); // far from the initial weights: a different loss
    evals.record(10);
    assert.equal(summary.best!.step, summary.final.test!.loss < bestLoss ? 10 : 4);
    evals.recordFinalTest();
    assert.equal(records.length, 3, 'no final test without a validation split');
    model.dispose();
  });
});
