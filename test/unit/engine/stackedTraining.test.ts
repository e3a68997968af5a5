/**
 * Stacked layers through the real training engine: a run of `model.layers: 2` (fused Hamiltonian
 * kernel where one loads, and a composite peer) completes, records probes with single-layer shapes,
 * and writes a checkpoint that rebuilds the same model.
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
import { loadCheckpoint } from '../../../src/engine/train/checkpoint';
import { trainExperiment } from '../../../src/engine/train/trainer';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput } from '../../../src/experiment/schema';
import type { ProbeRecord } from '../../../src/protocol/records';
import { readRecords, readSummary } from '../../../src/runs/runFolder';

describe('training engine: stacked layers', function () {
  let runsDir: string;

  before(async () => {
    await selectBackend('wasm');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-stack-test-'));
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  for (const model of [
    { kind: 'hamiltonian', hidden: 6, tau: 'auto', readout: 'yz', layers: 2 },
    { kind: 'gru', hidden: 5, layers: 3 },
  ] as const) {
    it(`${model.kind}, ${model.layers} layers: trains, probes layer 1, checkpoints the whole stack`, async () => {
      const exp = resolveExperiment(
        {
          backend: 'wasm',
          task: { kind: 'adding', length: 9, testSize: 30 },
          model,
          training: { steps: 4, batchSize: 8, evalEvery: 2, checkpointEvery: 2 },
          probes: { every: 2, batchSize: 4 },
        } as ExperimentInput,
        'stack',
      );
      const outcome = await trainExperiment(exp, { runsDir, experimentFile: '/nowhere/stack.hrnn.yaml', hooks: {} });
      assert.equal(outcome.status, 'completed');
      const probes = readRecords(outcome.runDir).filter((r): r is ProbeRecord => r.type === 'probe');
      assert.deepEqual(
        probes.map((p) => p.step),
        [0, 2, 4],
      );
      for (const p of probes) {
        assert.equal(p.gradientOverTime.length, 9);
        assert.equal(p.stateNorm.length, 9);
        assert.ok(p.gradientOverTime.every((g) => Number.isFinite(g) && g > 0));
      }
      const summary = readSummary(outcome.runDir)!;
      assert.equal(summary.stepsDone, 4);
      assert.equal(summary.tags.layers, model.layers, 'stacks say so in their tags');
      const { meta, weights } = loadCheckpoint(path.join(outcome.runDir, 'checkpoint'));
      assert.equal(meta.model.layers, model.layers);
      assert.ok(Object.keys(weights).some((n) => n.startsWith(`cell/layer${model.layers}/`)));
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
  }
});
