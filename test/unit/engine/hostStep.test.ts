/**
 * The host training step (issue 10): SequenceModel.hostGradients runs the fused kernels, the
 * readout and the loss outside tfjs' tape (model/readoutLoss.ts). Its loss and every gradient
 * (recurrent and readout) equal tfjs' variableGrads of loss(forward(...)) to 1e-4, for every peer
 * kind and the Hamiltonian RNN (both variants, readout y and yz, stored and reversible), one and
 * two layers, regression and classification, with fixed readout statistics, at T = 1, batch 1 and
 * odd sizes, natively and in WebAssembly; it declines (null) where the model needs the
 * tfjs route; ParameterUpdater's steps with it give the parameters the tfjs route gives; nothing leaks.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { loadFusedKernel } from '../../../src/engine/kernels';
import { loadPeerFusedKernel } from '../../../src/engine/kernels/peerKernels';
import type { SequenceInputs } from '../../../src/engine/kernels/types';
import { mm } from '../../../src/engine/model/ops';
import { HOST_READOUT_MAX_MACS, readoutLoss, usesHostReadout } from '../../../src/engine/model/readoutLoss';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { Rng } from '../../../src/engine/rng';
import type { TaskOutput } from '../../../src/engine/tasks/task';
import { ParameterUpdater } from '../../../src/engine/train/parameterUpdater';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ModelConfig, ModelKind, TrainingConfig } from '../../../src/experiment/schema';
import { relError } from '../kernels/helpers';

const TOL = 1e-4;
const KINDS: Exclude<ModelKind, 'hamiltonian'>[] = ['tanh-rnn', 'lstm', 'gru', 'cornn'];

function resolved(model: Record<string, unknown>, training: Record<string, unknown> = {}) {
  const input = { backend: 'cpu', task: { kind: 'adding', length: 5 }, model: { hidden: 5, ...model }, training };
  return resolveExperiment(input as unknown as ExperimentInput, 'host-step');
}

function modelConfig(model: Record<string, unknown>): ModelConfig {
  return resolved(model).model;
}

function targetsFor(output: TaskOutput, B: number, seed: number): Float32Array | Int32Array {
  const rng = new Rng(seed);
  if (output.kind === 'regression') return rng.uniformArray(B, -1, 1);
  return Int32Array.from(rng.uniformArray(B, 0, output.classes), (x) => Math.floor(x));
}

/** The tfjs route's loss and gradients of every variable (recurrent and readout), by name. */
function tapeGradients(model: SequenceModel, inputs: SequenceInputs, targets: Float32Array | Int32Array) {
  const vars = [...model.recurrentVariables, ...model.readoutVariables];
  const { value, grads } = tf.variableGrads(() => model.loss(model.forward(inputs).output, targets), vars);
  const out = { loss: value.dataSync()[0], grads: new Map(vars.map((v) => [v.name, grads[v.name].dataSync().slice() as Float32Array])) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('the host readout and loss (readoutLoss.ts)', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  /** The composite form, as SequenceModel's readout and loss build it. */
  const composite = (f: tf.Tensor2D, Q: tf.Tensor2D, c: tf.Tensor1D, targets: Float32Array | Int32Array, K: number, mse: boolean) => {
    const out = tf.add(mm(f, Q), c);
    if (mse) return tf.mean(tf.square(tf.sub(out, tf.tensor2d(targets as Float32Array, [targets.length, 1])))) as tf.Scalar;
    const labels = tf.oneHot(tf.tensor1d(targets as Int32Array, 'int32'), K);
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(out)), 1))) as tf.Scalar;
  };

  for (const [N, F, K, mse] of [
    [1, 1, 1, true],
    [5, 7, 1, true],
    [1, 4, 3, false],
    [9, 5, 3, false],
    [6, 3, 10, false],
  ] as const) {
    it(`${mse ? 'MSE' : 'cross-entropy'}, N ${N}, F ${F}, K ${K}: loss and gradients of f, Q and c equal the composite ops'`, () => {
      const rng = new Rng(N * 100 + F * 10 + K);
      const f = rng.uniformArray(N * F, -2, 2);
      const Q = rng.uniformArray(F * K, -1, 1);
      const c = rng.uniformArray(K, -0.5, 0.5);
      // labels include one outside [0, K) where there is room: a zero one-hot row in the composite form
      const targets = mse ? rng.uniformArray(N, -1, 1) : Int32Array.from({ length: N }, (_, i) => (i === 2 ? K : i === 3 ? -1 : i % K));
      const host = readoutLoss(f, Q, c, N, targets, mse ? 'mse' : 'cross-entropy');
      const { gf, gq, gc } = host.backward();
      const ref = tf.tidy(() => {
        const g = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
          composite(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor1D, targets, K, mse),
        );
        const { value, grads } = g([tf.tensor2d(f, [N, F]), tf.tensor2d(Q, [F, K]), tf.tensor1d(c)]);
        return { loss: value.dataSync()[0], grads: grads.map((x) => x.dataSync().slice()) };
      });
      assert.ok(Math.abs(host.loss - ref.loss) <= 1e-5 * Math.max(1, Math.abs(ref.loss)), `loss ${host.loss} vs ${ref.loss}`);
      [gf, gq, gc].forEach((g, i) => assert.ok(relError(g, ref.grads[i]) < 1e-5, `gradient ${['f', 'Q', 'c'][i]}: rel. error ${relError(g, ref.grads[i])}`));
    });
  }

  it('refuses inputs that do not fit, naming what', () => {
    const f = new Float32Array(6);
    assert.throws(() => readoutLoss(new Float32Array(5), new Float32Array(4), new Float32Array(2), 3, new Int32Array(3), 'cross-entropy'), /features/);
    assert.throws(() => readoutLoss(f, new Float32Array(2), new Float32Array(1), 3, new Float32Array(2), 'mse'), /2 targets for 3 rows/);
    assert.throws(() => readoutLoss(f, new Float32Array(4), new Float32Array(2), 3, new Float32Array(3), 'mse'), /one output, got 2/);
  });

  it('serves small readouts only', () => {
    assert.equal(usesHostReadout(128, 128, 1), true);
    assert.equal(usesHostReadout(HOST_READOUT_MAX_MACS, 1, 2), false);
  });
});

for (const which of ['native', 'wasm'] as const) {
  describe(`the host training step on the fused ${which} peer kernel`, () => {
    before(async function () {
      await selectBackend('cpu');
      if (!loadPeerFusedKernel(which) || !loadFusedKernel(which)) this.skip();
    });

    const outputs: Array<[string, TaskOutput]> = [
      ['regression', { kind: 'regression' }],
      ['3 classes', { kind: 'classification', classes: 3 }],
    ];
    for (const kind of KINDS) {
      for (const layers of [1, 2]) {
        for (const [label, output] of outputs) {
          it(`${kind}, ${layers} layer(s), ${label}: loss and every gradient equal the tape's; no leaks`, () => {
            const config = modelConfig({ kind, layers, readoutNorm: layers === 2 ? 'fixed' : 'none' });
            const model = new SequenceModel(config, 2, output, new Rng(4), null, loadPeerFusedKernel(which)!);
            for (const [T, B] of [
              [1, 3],
              [4, 1],
              [7, 9],
            ]) {
              const inputs: SequenceInputs = { data: new Rng(T * 10 + B).uniformArray(T * B * 2, -1, 1), T, B, d: 2 };
              if (model.needsReadoutStatistics) model.fitReadoutStatistics(inputs);
              const targets = targetsFor(output, B, T + B);
              const ref = tapeGradients(model, inputs, targets);
              const before = tf.memory().numTensors;
              const host = model.hostGradients(inputs, targets);
              assert.equal(tf.memory().numTensors, before, 'the host step makes no tensors');
              assert.ok(host, 'the fused model takes the host route');
              const where = `T${T} B${B}`;
              assert.ok(Math.abs(host.loss - ref.loss) <= TOL * Math.max(1, Math.abs(ref.loss)), `${where}: loss ${host.loss} vs ${ref.loss}`);
              assert.deepEqual([...host.grads.keys()].sort(), [...ref.grads.keys()].sort());
              for (const [name, g] of ref.grads) {
                const e = relError(host.grads.get(name)!, g);
                assert.ok(e < TOL, `${where}: gradient of ${name}: rel. error ${e}`);
              }
            }
            model.dispose();
          });
        }
      }
    }

    const hamiltonians: Array<[string, Record<string, unknown>]> = [
      ['full, readout y, stored', { variant: 'full', readout: 'y', backprop: 'stored' }],
      ['diagonal, readout yz, reversible', { variant: 'diagonal', readout: 'yz', backprop: 'reversible' }],
      ['full, readout yz, reversible with anchors', { variant: 'full', readout: 'yz', backprop: 'reversible', anchorEvery: 3 }],
    ];
    for (const [label, extra] of hamiltonians) {
      for (const layers of [1, 2]) {
        it(`hamiltonian ${label}, ${layers} layer(s): loss and every gradient equal the tape's; the drift is measured as in the tape; no leaks`, () => {
          const output: TaskOutput = layers === 1 ? { kind: 'regression' } : { kind: 'classification', classes: 3 };
          const config = modelConfig({ kind: 'hamiltonian', layers, tau: 0.3, ...extra });
          const model = new SequenceModel(config, 2, output, new Rng(6), loadFusedKernel(which)!);
          for (const [T, B] of [
            [1, 3],
            [4, 1],
            [7, 9],
          ]) {
            const inputs: SequenceInputs = { data: new Rng(T * 10 + B).uniformArray(T * B * 2, -1, 1), T, B, d: 2 };
            const targets = targetsFor(output, B, T + B);
            const before = tf.memory().numTensors;
            // the host pass first: on a fresh model, a drift can only come from it
            const host = model.hostGradients(inputs, targets);
            assert.equal(tf.memory().numTensors, before, 'the host step makes no tensors');
            assert.ok(host, 'the fused model takes the host route');
            const drift = model.cell.reconstructionDrift?.() ?? null;
            assert.equal(drift === null, extra.backprop !== 'reversible', `reversible passes measure their drift, stored ones do not (${drift})`);
            const ref = tapeGradients(model, inputs, targets);
            const where = `T${T} B${B}`;
            assert.ok(Math.abs(host.loss - ref.loss) <= TOL * Math.max(1, Math.abs(ref.loss)), `${where}: loss ${host.loss} vs ${ref.loss}`);
            for (const [name, g] of ref.grads) {
              const e = relError(host.grads.get(name)!, g);
              assert.ok(e < TOL, `${where}: gradient of ${name}: rel. error ${e}`);
            }
          }
          model.dispose();
        });
      }
    }

    it('declines where the model needs the tfjs route: composite cells, every-step readouts, dropout drawn, a large readout', () => {
      const B = 4;
      const inputs: SequenceInputs = { data: new Rng(1).uniformArray(3 * B * 2, -1, 1), T: 3, B, d: 2 };
      const targets = targetsFor({ kind: 'regression' }, B, 2);
      const kernel = () => loadPeerFusedKernel(which)!;
      const cases: Array<[string, SequenceModel, number | undefined]> = [
        ['no fused kernel', new SequenceModel(modelConfig({ kind: 'lstm' }), 2, { kind: 'regression' }, new Rng(1)), undefined],
        [
          'readoutPool mean',
          new SequenceModel(modelConfig({ kind: 'gru', readoutPool: 'mean' }), 2, { kind: 'regression' }, new Rng(1), null, kernel()),
          undefined,
        ],
        ['dropout drawn', new SequenceModel(modelConfig({ kind: 'tanh-rnn', dropout: 0.2 }), 2, { kind: 'regression' }, new Rng(1), null, kernel()), 7],
        [
          'a large readout',
          new SequenceModel(modelConfig({ kind: 'tanh-rnn', hidden: 600 }), 2, { kind: 'classification', classes: 500 }, new Rng(1), null, kernel()),
          undefined,
        ],
      ];
      for (const [why, model, dropoutSeed] of cases) {
        const t = why === 'a large readout' ? targetsFor({ kind: 'classification', classes: 500 }, B, 3) : targets;
        assert.equal(model.hostGradients(inputs, t, { dropoutSeed }), null, why);
        model.dispose();
      }
    });

    it('ParameterUpdater: Adam steps from host gradients give the parameters the tape gives (global and per-group clipping)', () => {
      for (const scope of ['global', 'per-group'] as const) {
        const training: TrainingConfig = { ...resolved({}, { optimizer: 'adam', learningRate: 0.01, gradClip: 0.05, gradClipScope: scope }).training };
        const make = () =>
          new SequenceModel(modelConfig({ kind: 'gru', layers: 2 }), 2, { kind: 'classification', classes: 3 }, new Rng(9), null, loadPeerFusedKernel(which)!);
        const [viaHost, viaTape] = [make(), make()];
        const updaters = [viaHost, viaTape].map((m) => new ParameterUpdater(training, m.recurrentVariables, m.readoutVariables));
        let hostCalls = 0;
        for (let step = 0; step < 3; step++) {
          const B = 5;
          const inputs: SequenceInputs = { data: new Rng(50 + step).uniformArray(6 * B * 2, -1, 1), T: 6, B, d: 2 };
          const targets = targetsFor({ kind: 'classification', classes: 3 }, B, step);
          const a = updaters[0].step(
            () => viaHost.loss(viaHost.forward(inputs).output, targets),
            1,
            () => {
              hostCalls += 1;
              return viaHost.hostGradients(inputs, targets);
            },
          );
          const b = updaters[1].step(() => viaTape.loss(viaTape.forward(inputs).output, targets));
          assert.ok(a.applied && b.applied);
          assert.ok(Math.abs(a.gradNorm - b.gradNorm) <= TOL * b.gradNorm, `${scope} step ${step}: gradient norm ${a.gradNorm} vs ${b.gradNorm}`);
        }
        assert.equal(hostCalls, 3);
        const names = Object.keys(viaTape.namedWeights());
        for (const name of names) {
          const e = relError(viaHost.namedWeights()[name].dataSync(), viaTape.namedWeights()[name].dataSync());
          assert.ok(e < TOL, `${scope}: ${name} after 3 steps: rel. error ${e}`);
        }
        updaters.forEach((u) => u.dispose());
        [viaHost, viaTape].forEach((m) => m.dispose());
      }
    });

    it('ParameterUpdater takes the tape when the optimizer is not Adam (its update is not on the host)', () => {
      const training: TrainingConfig = { ...resolved({}, { optimizer: 'sgd', learningRate: 0.01 }).training };
      const model = new SequenceModel(modelConfig({ kind: 'tanh-rnn' }), 2, { kind: 'regression' }, new Rng(3), null, loadPeerFusedKernel(which)!);
      const updater = new ParameterUpdater(training, model.recurrentVariables, model.readoutVariables);
      const inputs: SequenceInputs = { data: new Rng(5).uniformArray(4 * 3 * 2, -1, 1), T: 4, B: 3, d: 2 };
      const targets = targetsFor({ kind: 'regression' }, 3, 1);
      let asked = false;
      const result = updater.step(
        () => model.loss(model.forward(inputs).output, targets),
        1,
        () => {
          asked = true;
          return model.hostGradients(inputs, targets);
        },
      );
      assert.ok(result.applied);
      assert.equal(asked, false);
      updater.dispose();
      model.dispose();
    });
  });
}
