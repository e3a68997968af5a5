/**
 * The fused kernels' stacked-layer form (`sequenceStates`: every y_n out, upstream gradients of every
 * y_n in, the input's gradient out) against the composite tfjs reference: the op alone, with data
 * or a tensor as input, and whole stacked models of 2 and 3 layers; T = 1, odd sizes, batch 1,
 * stored and reversible backprop; native and wasm.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { nativeAddonPath } from '../../../src/engine/kernels/artifacts';
import { loadFusedKernel, type FusedKernelWithStats } from '../../../src/engine/kernels';
import type { FusedKernel, FusedSequenceOptions, HamiltonianVariant, SequenceInputs } from '../../../src/engine/kernels/types';
import { runHamiltonianComposite } from '../../../src/engine/model/hamiltonianSequence';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { StackedCell } from '../../../src/engine/model/stackedCell';
import { Rng } from '../../../src/engine/rng';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ModelConfig } from '../../../src/experiment/schema';
import { assertRunsAgree, makeProblem, paramTensors, relError, runModel } from './helpers';

const TOL = 1e-4;
const SHAPES: Array<[T: number, B: number, d: number, m: number]> = [
  [1, 3, 2, 5], // T = 1
  [6, 1, 1, 4], // batch 1
  [9, 3, 3, 5], // odd sizes
  [7, 19, 3, 37], // several shards, hidden size not a multiple of the vector width
  [5, 11, 41, 19], // a wide input (a layer above another): input products span whole and partial tiles
];
const MODES: Array<[FusedSequenceOptions['backprop'], number | null]> = [
  ['stored', null],
  ['reversible', null],
  ['reversible', 3],
];

type SeqOp = (input: SequenceInputs | tf.Tensor3D, params: tf.Tensor[], opts: FusedSequenceOptions) => { final: tf.Tensor2D; ys: tf.Tensor3D };

const composite: SeqOp = (input, params, opts) => {
  const trace = runHamiltonianComposite(input, params, opts, { keepPositions: true });
  return { final: tf.concat([trace.y, trace.z], 1) as tf.Tensor2D, ys: tf.stack(trace.ys!) as tf.Tensor3D };
};

/** Values of both outputs and the gradients of sum(pf ⊙ final) + sum(py ⊙ ys) w.r.t. params (and the input when a tensor). */
function valueAndGrads(op: SeqOp, seed: number, variant: HamiltonianVariant, shape: (typeof SHAPES)[number], opts: FusedSequenceOptions, tensorInput: boolean) {
  const [T, B, d, m] = shape;
  const p = makeProblem(seed, variant, T, B, d, m);
  const rng = new Rng(seed + 1000);
  const py = rng.uniformArray(T * B * m, -1, 1);
  return tf.tidy(() => {
    const params = paramTensors(p);
    const x = tf.tensor3d(p.inputs.data, [T, B, d]);
    const loss = (...args: tf.Tensor[]) => {
      const { final, ys } = op(tensorInput ? (args[params.length] as tf.Tensor3D) : p.inputs, args.slice(0, params.length), opts);
      return tf.add(tf.sum(tf.mul(final, tf.tensor2d(p.probe, [B, 2 * m]))), tf.sum(tf.mul(ys, tf.tensor3d(py, [T, B, m])))) as tf.Scalar;
    };
    const { final, ys } = op(tensorInput ? x : p.inputs, params, opts);
    const grads = tf.grads(loss)(tensorInput ? [...params, x] : params);
    return {
      final: (final.dataSync() as Float32Array).slice(),
      ys: (ys.dataSync() as Float32Array).slice(),
      grads: grads.map((g) => (g.dataSync() as Float32Array).slice()),
    };
  });
}

function modelConfig(
  variant: HamiltonianVariant,
  layers: number,
  backprop: FusedSequenceOptions['backprop'],
  anchorEvery: number | null,
  implementation: 'tfjs' | 'fused',
): ModelConfig {
  const model = { kind: 'hamiltonian', variant, hidden: 7, layers, tau: 0.3, alpha: 0.1, backprop, anchorEvery, implementation, readout: 'yz' };
  return resolveExperiment({ task: { kind: 'adding', length: 5 }, model } as ExperimentInput, 'test').model;
}

for (const kind of ['native', 'wasm'] as const) {
  describe(`fused kernel, stacked layers: ${kind}`, () => {
    let kernel: FusedKernelWithStats | null = null;

    before(async function () {
      await tf.setBackend('cpu');
      kernel = loadFusedKernel(kind);
      if (!kernel) {
        assert.ok(kind === 'native' && !fs.existsSync(nativeAddonPath() ?? ''), `fused-${kind} unavailable`);
        if (process.env.CI) assert.fail('fused-native unavailable in CI');
        this.skip();
      }
      assert.ok(kernel.sequenceStates, `fused-${kind} has the stacked-layer form`);
    });

    after(() => kernel?.dispose());

    it('the whole-stack op under one gradient twice (the first call redoes its forward pass) equals each call alone', () => {
      for (const backprop of ['stored', 'reversible'] as const) {
        const model = new SequenceModel(modelConfig('diagonal', 2, backprop, null, 'fused'), 2, { kind: 'regression' }, new Rng(9), kernel!.fork!());
        const batch = (seed: number, B: number) => ({
          inputs: { data: new Rng(seed).uniformArray(6 * B * 2, -1, 1), T: 6, B, d: 2 },
          targets: new Float32Array(B).map((_, i) => 0.05 * i),
        });
        const [a, b] = [batch(1, 5), batch(2, 9)];
        const alone = [a, b].map((x) => runModel(model, x.inputs, x.targets).grads);
        const both = tf.tidy(() => {
          const lossOf = (x: typeof a) => model.loss(model.forward(x.inputs).output, x.targets);
          const { grads } = tf.variableGrads(() => tf.add(lossOf(a), lossOf(b)) as tf.Scalar, model.recurrentVariables);
          return model.recurrentVariables.map((v) => grads[v.name].dataSync().slice() as Float32Array);
        });
        both.forEach((g, j) => {
          const sum = alone[0][j].map((x, i) => x + alone[1][j][i]);
          assert.ok(relError(g, sum) < TOL, `${backprop}: gradient of ${model.cell.variableNames[j]} rel. error ${relError(g, sum)}`);
        });
        model.dispose();
      }
    });

    for (const variant of ['full', 'diagonal'] as const) {
      for (const [backprop, anchor] of MODES) {
        for (const tensorInput of [false, true]) {
          const mode = `${backprop}${anchor ? ` (anchor every ${anchor})` : ''}`;
          it(`${variant}, ${mode}, ${tensorInput ? 'tensor input' : 'data input'}: every y_n and all gradients equal the tfjs reference`, () => {
            SHAPES.forEach((shape, i) => {
              const opts: FusedSequenceOptions = { variant, tau: 0.3, alpha: 0.1, backprop, anchorEvery: anchor };
              const ref = valueAndGrads(composite, 40 + i, variant, shape, opts, tensorInput);
              const got = valueAndGrads((inp, ps, o) => kernel!.sequenceStates!(inp, ps, o), 40 + i, variant, shape, opts, tensorInput);
              const where = `T${shape[0]} B${shape[1]} d${shape[2]} m${shape[3]}`;
              assert.ok(relError(got.final, ref.final) < TOL, `${where}: final state rel. error ${relError(got.final, ref.final)}`);
              assert.ok(relError(got.ys, ref.ys) < TOL, `${where}: y sequence rel. error ${relError(got.ys, ref.ys)}`);
              assert.equal(got.grads.length, ref.grads.length);
              got.grads.forEach((g, j) => {
                const e = relError(g, ref.grads[j]);
                assert.ok(e < TOL, `${where}: gradient ${j === ref.grads.length - 1 && tensorInput ? 'of the input' : `of params[${j}]`} rel. error ${e}`);
              });
            });
          });
        }

        for (const layers of [2, 3]) {
          it(`${variant}, ${backprop}${anchor ? ` (anchor ${anchor})` : ''}: a ${layers}-layer fused model equals the composite one (whole-stack op and layer by layer; outputs, every gradient), no leaks`, () => {
            let calls = 0;
            // counts the fused calls: the whole-stack op, or (without it) each layer's own stacked-form op
            const counting = (k: FusedKernel, whole: boolean): FusedKernel => {
              const { stackSequence, ...rest } = k;
              return {
                ...rest,
                ...(whole
                  ? {
                      stackSequence: (...args: Parameters<NonNullable<FusedKernel['stackSequence']>>) => {
                        calls += 1;
                        return stackSequence!(...args);
                      },
                    }
                  : {}),
                sequenceStates: (...args) => {
                  calls += 1;
                  return k.sequenceStates!(...args);
                },
                fork: () => counting(k.fork!(), whole),
              };
            };
            const model = (whole: boolean) =>
              new SequenceModel(
                modelConfig(variant, layers, backprop, anchor, 'fused'),
                2,
                { kind: 'regression' },
                new Rng(4),
                counting(kernel!.fork!(), whole),
              );
            const wholeModel = model(true);
            const layerModel = model(false);
            const compModel = new SequenceModel(modelConfig(variant, layers, backprop, anchor, 'tfjs'), 2, { kind: 'regression' }, new Rng(4));
            assert.ok(wholeModel.cell instanceof StackedCell);
            assert.equal(wholeModel.cell.implementation, kernel!.name, 'every layer runs the kernel');
            for (const [T, B] of [
              [1, 3],
              [5, 1],
              [6, 11],
            ]) {
              const inputs: SequenceInputs = { data: new Rng(T * 10 + B).uniformArray(T * B * 2, -1, 1), T, B, d: 2 };
              const targets = new Float32Array(B).map((_, i) => 0.1 * i - 0.2);
              const ref = runModel(compModel, inputs, targets);
              for (const [fusedModel, expectedCalls, how] of [
                [wholeModel, 2, 'the whole-stack op ran once per forward pass (gradient and output)'],
                [layerModel, 2 * layers, 'every layer ran the stacked kernel op (forward and output)'],
              ] as const) {
                const before = tf.memory().numTensors;
                calls = 0;
                const got = runModel(fusedModel, inputs, targets);
                assert.equal(calls, expectedCalls, how);
                assert.equal(tf.memory().numTensors, before, 'no tensor leaks from a fused step');
                assertRunsAgree(got, ref, fusedModel.cell.variableNames, TOL, `T${T} B${B}, ${expectedCalls === 2 ? 'whole stack' : 'layer by layer'}`);
              }
            }
            wholeModel.dispose();
            layerModel.dispose();
            compModel.dispose();
          });
        }
      }
    }
  });
}
