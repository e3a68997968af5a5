/**
 * Stacked layers (`model.layers`) with the composite tfjs ops, for every model kind: one layer is
 * exactly the single-cell model, layer l+1 reads layer l's state sequence, stacks train, the probes
 * keep their shapes, checkpoints round-trip, and no tensor leaks from a step.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ModelConfig, ModelKind } from '../../../src/experiment/schema';
import type { SequenceInputs } from '../../../src/engine/kernels/types';
import type { LayerInput } from '../../../src/engine/model/cell';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { StackedCell } from '../../../src/engine/model/stackedCell';
import { Rng } from '../../../src/engine/rng';
import { measureProbes } from '../../../src/engine/train/probes';

const KINDS: ModelKind[] = ['hamiltonian', 'tanh-rnn', 'lstm', 'gru', 'cornn'];
const T = 5;
const B = 3;
const D = 2;
const M = 7;

function modelConfig(kind: ModelKind, layers?: number, extra: Record<string, unknown> = {}): ModelConfig {
  const model = { kind, hidden: M, tau: 0.2, ...(layers === undefined ? {} : { layers }), ...extra };
  return resolveExperiment({ task: { kind: 'adding', length: T }, model } as ExperimentInput, 'test').model;
}

function inputs(seed: number): SequenceInputs {
  return { data: new Rng(seed).uniformArray(T * B * D, -1, 1), T, B, d: D };
}

const targets = new Float32Array([0.3, -0.2, 0.5]);

describe('stacked layers (composite ops)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('`layers` defaults to 1, and one layer is exactly the single-cell model (names, draws, outputs)', () => {
    assert.equal(modelConfig('hamiltonian').layers, 1);
    for (const kind of KINDS) {
      const a = new SequenceModel(modelConfig(kind), D, { kind: 'regression' }, new Rng(3));
      const b = new SequenceModel(modelConfig(kind, 1), D, { kind: 'regression' }, new Rng(3));
      assert.ok(!(a.cell instanceof StackedCell), `${kind}: one layer is a plain cell`);
      assert.deepEqual(Object.keys(a.namedWeights()), Object.keys(b.namedWeights()));
      assert.ok(
        Object.keys(a.namedWeights()).every((n) => !n.includes('layer')),
        `${kind}: single-layer names unchanged`,
      );
      const oa = tf.tidy(() => a.forward(inputs(1)).output.dataSync());
      const ob = tf.tidy(() => b.forward(inputs(1)).output.dataSync());
      assert.deepEqual(oa, ob);
      a.dispose();
      b.dispose();
    }
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      it('layer l+1 reads the state sequence of layer l; the readout reads the last layer', () => {
        const model = new SequenceModel(modelConfig(kind, 3), D, { kind: 'regression' }, new Rng(5));
        const stack = model.cell as StackedCell;
        assert.ok(stack instanceof StackedCell);
        assert.equal(stack.layers.length, 3);
        assert.deepEqual(
          stack.layers.map((l) => l.inputDim),
          [D, M, M],
        );
        // layer 1 keeps the single-layer names (its draws too), the others are prefixed
        const single = new SequenceModel(modelConfig(kind), D, { kind: 'regression' }, new Rng(5));
        const names = Object.keys(model.namedWeights());
        single.cell.variableNames.forEach((v, i) => {
          assert.ok(names.includes(`cell/${v}`));
          assert.ok(names.includes(`cell/layer2/${v}`));
          assert.ok(names.includes(`cell/layer3/${v}`));
          assert.deepEqual(model.cell.variables[i].dataSync(), single.cell.variables[i].dataSync(), `layer 1 draws ${v} as one layer does`);
        });
        assert.equal(names.length, 3 * single.cell.variableNames.length + 2);
        const [got, manual] = tf.tidy(() => {
          const x = inputs(2);
          const whole = model.cell.run(x).features;
          let input: LayerInput = x;
          let features: tf.Tensor2D | null = null;
          stack.layers.forEach((l, i) => {
            const r = l.run(input, { sequence: i < 2 });
            features = r.features;
            if (i < 2) {
              assert.deepEqual(r.sequence!.shape, [T, B, M]);
              input = r.sequence!;
            }
          });
          return [whole.dataSync(), features!.dataSync()];
        });
        assert.deepEqual(got, manual);
        // evaluation (release) gives the same features and frees every intermediate
        const before = tf.memory().numTensors;
        const released = tf.tidy(() => model.cell.run(inputs(2), { release: true }).features.dataSync());
        assert.equal(tf.memory().numTensors, before);
        assert.ok(relClose(released, got), 'release changes nothing but memory');
        single.dispose();
        model.dispose();
      });

      it('trains: loss falls over a few steps, and no tensor leaks from a step', () => {
        const model = new SequenceModel(modelConfig(kind, 2), D, { kind: 'regression' }, new Rng(9));
        const opt = tf.train.adam(0.02);
        const x = inputs(4);
        const vars = [...model.recurrentVariables, ...model.readoutVariables];
        const losses: number[] = [];
        let tensorsAfterFirst = -1;
        for (let step = 0; step < 8; step++) {
          const loss = opt.minimize(() => model.loss(model.forward(x).output, targets), true, vars)!;
          losses.push(loss.dataSync()[0]);
          loss.dispose();
          if (step === 1) tensorsAfterFirst = tf.memory().numTensors; // the optimiser's slots exist from step 1
          if (step > 1) assert.equal(tf.memory().numTensors, tensorsAfterFirst, `step ${step}: tensors leaked`);
        }
        assert.ok(losses[losses.length - 1] < losses[0], `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
        // every layer receives a gradient
        const grads = tf.tidy(() => {
          const { grads } = tf.variableGrads(() => model.loss(model.forward(x).output, targets), model.recurrentVariables);
          return model.cell.variableNames.map((n, i) => [n, tf.norm(grads[model.recurrentVariables[i].name]).dataSync()[0]] as const);
        });
        for (const [n, g] of grads) assert.ok(g > 0 && Number.isFinite(g), `gradient of ${n}: ${g}`);
        opt.dispose();
        model.dispose();
      });

      it('T = 1 and batch 1: a stack of 3 gives every layer a gradient', () => {
        const model = new SequenceModel(modelConfig(kind, 3), D, { kind: 'regression' }, new Rng(13));
        for (const [t, b] of [
          [1, 2],
          [4, 1],
        ]) {
          const x: SequenceInputs = { data: new Rng(t + b).uniformArray(t * b * D, -1, 1), T: t, B: b, d: D };
          const norms = tf.tidy(() => {
            const { grads } = tf.variableGrads(() => model.loss(model.forward(x).output, targets.slice(0, b)), model.recurrentVariables);
            return model.recurrentVariables.map((v) => tf.norm(grads[v.name]).dataSync()[0]);
          });
          // biases and input weights of every layer see a gradient even at T = 1 (recurrent weights act on y_0 = 0)
          const names = model.cell.variableNames;
          for (const layer of ['', 'layer2/', 'layer3/']) {
            const own = names.map((n, i) => [n, norms[i]] as const).filter(([n]) => (layer ? n.startsWith(layer) : !n.includes('/')));
            assert.ok(own.length > 0 && own.some(([, g]) => g > 0), `T${t} B${b}: layer ${layer || '1'} gets a gradient`);
            assert.ok(own.every(([, g]) => Number.isFinite(g)));
          }
        }
        model.dispose();
      });

      it('probes report layer 1 with single-layer shapes', () => {
        const model = new SequenceModel(modelConfig(kind, 2), D, { kind: 'regression' }, new Rng(11));
        const before = tf.memory().numTensors;
        const rec = measureProbes(model, { inputs: inputs(6), targets }, 0, 0);
        assert.equal(tf.memory().numTensors, before);
        assert.equal(rec.gradientOverTime.length, T);
        assert.equal(rec.stateNorm.length, T);
        assert.ok(rec.gradientOverTime.every((g) => Number.isFinite(g) && g > 0));
        if (kind === 'hamiltonian') {
          assert.equal(rec.energy?.length, T);
          assert.equal(rec.momentumNorm?.length, T);
        }
        if (kind === 'cornn') assert.equal(rec.momentumNorm?.length, T);
        model.dispose();
      });

      it('checkpoints round-trip; a single-layer checkpoint does not load into a stack silently', () => {
        const a = new SequenceModel(modelConfig(kind, 2), D, { kind: 'regression' }, new Rng(1));
        const b = new SequenceModel(modelConfig(kind, 2), D, { kind: 'regression' }, new Rng(2));
        b.loadWeights(a.namedWeights());
        const oa = tf.tidy(() => a.forward(inputs(8)).output.dataSync());
        const ob = tf.tidy(() => b.forward(inputs(8)).output.dataSync());
        assert.deepEqual(oa, ob);
        const single = new SequenceModel(modelConfig(kind), D, { kind: 'regression' }, new Rng(1));
        assert.throws(() => single.loadWeights(a.namedWeights()), /unknown weight "cell\/layer2\//);
        [a, b, single].forEach((m) => m.dispose());
      });
    });
  }

  it('a Hamiltonian stack with readout yz reads [y; z] of the last layer; layers above read y only', () => {
    const model = new SequenceModel(modelConfig('hamiltonian', 2, { readout: 'yz' }), D, { kind: 'regression' }, new Rng(12));
    assert.equal(model.cell.featureSize, 2 * M);
    const stack = model.cell as StackedCell;
    assert.equal(stack.layers[1].inputDim, M);
    const out = tf.tidy(() => model.forward(inputs(3)).output.shape);
    assert.deepEqual(out, [B, 1]);
    model.dispose();
  });
});

function relClose(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-6 * Math.max(1, Math.abs(b[i]))) return false;
  return a.length === b.length;
}
