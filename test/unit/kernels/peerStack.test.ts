/**
 * Stacked peer layers on the fused peer kernels (issue 10): a 2- or 3-layer tanh RNN / LSTM / GRU /
 * coRNN model on native/peer_kernel.c (each layer its own kernel context, tensor inputs above the
 * first) gives the composite model's outputs, loss and every recurrent gradient to 1e-4, at T = 1,
 * batch 1 and odd sizes, natively and in WebAssembly, without leaking tensors: both as one
 * whole-stack op (kernels/wholeStack.ts) and layer by layer (the path dropout between layers takes).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadPeerFusedKernel } from '../../../src/engine/kernels/peerKernels';
import type { PeerFusedKernel } from '../../../src/engine/kernels/peerSequence';
import type { SequenceInputs } from '../../../src/engine/kernels/types';
import { SequenceModel } from '../../../src/engine/model/sequenceModel';
import { StackedCell } from '../../../src/engine/model/stackedCell';
import { Rng } from '../../../src/engine/rng';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput, ModelConfig, ModelKind } from '../../../src/experiment/schema';
import { assertRunsAgree, runModel } from './helpers';

const TOL = 1e-4;
const KINDS: Exclude<ModelKind, 'hamiltonian'>[] = ['tanh-rnn', 'lstm', 'gru', 'cornn'];

function modelConfig(kind: ModelKind, layers: number): ModelConfig {
  const input = { backend: 'cpu', task: { kind: 'adding', length: 5 }, model: { kind, hidden: 5, layers } };
  return resolveExperiment(input as ExperimentInput, 'peer-stack').model;
}

for (const which of ['native', 'wasm'] as const) {
  describe(`stacked peers on the fused ${which} kernel`, () => {
    before(function () {
      if (!loadPeerFusedKernel(which)) this.skip();
    });

    for (const kind of KINDS) {
      for (const layers of [2, 3]) {
        it(`${kind}, ${layers} layers: outputs, loss and every gradient equal the composite model's (whole stack and layer by layer); no leaks`, () => {
          let calls = 0;
          // the kernel as given (the whole-stack op, counted) or without its whole-stack op (layer by layer)
          const wrap = (k: PeerFusedKernel, whole: boolean): PeerFusedKernel => {
            const { stackSequence, ...rest } = k;
            const counted: Pick<PeerFusedKernel, 'stackSequence'> = {
              stackSequence: (...args) => {
                calls += 1;
                return stackSequence!(...args);
              },
            };
            return { ...rest, ...(whole ? counted : {}), fork: () => wrap(k.fork(), whole) };
          };
          const model = (whole: boolean) =>
            new SequenceModel(modelConfig(kind, layers), 2, { kind: 'regression' }, new Rng(4), null, wrap(loadPeerFusedKernel(which)!, whole));
          const compModel = new SequenceModel(modelConfig(kind, layers), 2, { kind: 'regression' }, new Rng(4));
          const models = [model(true), model(false)];
          assert.ok(models[0].cell instanceof StackedCell);
          assert.equal(models[0].cell.implementation, `fused-${which}`, 'every layer runs the kernel');
          for (const [T, B] of [
            [1, 3],
            [4, 1],
            [7, 9],
          ]) {
            const inputs: SequenceInputs = { data: new Rng(T * 10 + B).uniformArray(T * B * 2, -1, 1), T, B, d: 2 };
            const targets = new Float32Array(B).map((_, i) => 0.1 * i - 0.2);
            const ref = runModel(compModel, inputs, targets);
            models.forEach((fusedModel, i) => {
              const before = tf.memory().numTensors;
              calls = 0;
              const got = runModel(fusedModel, inputs, targets);
              assert.equal(calls, i === 0 ? 2 : 0, 'the whole-stack op runs each forward pass (gradient, output) when the kernel has it');
              assert.equal(tf.memory().numTensors, before, 'no tensor leaks from a fused step');
              assertRunsAgree(got, ref, fusedModel.cell.variableNames, TOL, `T${T} B${B}, ${i === 0 ? 'whole stack' : 'layer by layer'}`);
            });
          }
          models.forEach((m) => m.dispose());
          compModel.dispose();
        });
      }
    }
  });
}
