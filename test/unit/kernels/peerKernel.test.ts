/**
 * The fused peer kernels (tanh RNN, LSTM, GRU, coRNN; native/peer_kernel.c) against the composite
 * tfjs cells of model/peers.ts: h_T and every parameter gradient to 1e-4, for T = 1, batch 1, odd
 * sizes, several threads' shards, stored and checkpointed backward passes; plus tensor leaks and a
 * cell that runs on the kernel.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelConfig } from '../../../src/experiment/schema';
import { nativeAddonPath } from '../../../src/engine/kernels/artifacts';
import { loadPeerFusedKernel, peerKernelUnavailableReason } from '../../../src/engine/kernels/peerKernels';
import type { PeerFusedKernel, PeerSequenceOptions } from '../../../src/engine/kernels/peerSequence';
import type { PeerKind } from '../../../src/engine/kernels/peerTypes';
import type { SequenceInputs } from '../../../src/engine/kernels/types';
import { createPeerCell } from '../../../src/engine/model/peers';
import { Rng } from '../../../src/engine/rng';
import { relError } from './helpers';

const TOL = 1e-4;
const KINDS: PeerKind[] = ['tanh-rnn', 'lstm', 'gru', 'cornn'];
const SHAPES: Array<[T: number, B: number, d: number, m: number]> = [
  [1, 3, 2, 5], // T = 1
  [6, 1, 1, 4], // batch 1
  [9, 3, 2, 5], // odd sizes
  [11, 19, 3, 37], // several shards of rows, hidden size not a multiple of the vector width
];
const CORNN = { dt: 0.2, gamma: 1.3, epsilon: 0.7 };

function config(m: number): ModelConfig {
  return { hidden: m, ...CORNN } as unknown as ModelConfig;
}

function problem(seed: number, T: number, B: number, d: number): { inputs: SequenceInputs; rng: Rng } {
  const rng = new Rng(seed);
  return { inputs: { data: rng.uniformArray(T * B * d, -1, 1), T, B, d }, rng };
}

/** h_T and the gradient of sum(probe ⊙ h_T) for every parameter. */
function valueAndGrads(run: (params: tf.Tensor[]) => tf.Tensor2D, params: tf.Tensor[], probe: tf.Tensor2D): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const value = (run(params).dataSync() as Float32Array).slice();
    const grads = tf.grads((...ps: tf.Tensor[]) => run(ps))(params, probe);
    return { value, grads: grads.map((g) => (g.dataSync() as Float32Array).slice()) };
  });
}

function opts(kind: PeerKind, checkpointEvery: PeerSequenceOptions['checkpointEvery']): PeerSequenceOptions {
  return { kind, ...(kind === 'cornn' ? CORNN : { dt: 0, gamma: 0, epsilon: 0 }), checkpointEvery };
}

for (const which of ['native', 'wasm'] as const) {
  describe(`fused peer kernels: ${which}`, () => {
    let kernel: PeerFusedKernel | null = null;

    before(async function () {
      await tf.setBackend('cpu');
      kernel = loadPeerFusedKernel(which);
      if (!kernel) {
        const reason = peerKernelUnavailableReason(which);
        // the wasm build ships in the package; the native addon only where `npm run build` compiled it
        assert.ok(which === 'native' && !fs.existsSync(nativeAddonPath() ?? ''), `peer kernel ${which} unavailable: ${reason}`);
        if (process.env.CI) assert.fail(`fused-native peers unavailable in CI: ${reason}`);
        this.skip();
      }
    });

    after(() => kernel?.dispose());

    for (const kind of KINDS) {
      for (const mode of ['stored', 2, 'auto'] as const) {
        it(`${kind}, ${mode === 2 ? 'checkpoint every 2 steps' : mode}: h_T and gradients equal the composite cell's`, () => {
          SHAPES.forEach(([T, B, d, m], i) => {
            const { inputs, rng } = problem(300 + i, T, B, d);
            const cell = createPeerCell(kind, d, config(m), rng);
            const probe = tf.tensor2d(rng.uniformArray(B * m, -1, 1), [B, m]);
            const params = cell.variables.map((v) => tf.clone(v));
            const ref = tf.tidy(() => {
              const value = (cell.run(inputs).features.dataSync() as Float32Array).slice();
              const { grads } = tf.variableGrads(() => tf.sum(tf.mul(cell.run(inputs).features, probe)) as tf.Scalar, cell.variables);
              return { value, grads: cell.variables.map((v) => (grads[v.name].dataSync() as Float32Array).slice()) };
            });
            const got = valueAndGrads((ps) => kernel!.sequence(inputs, ps, opts(kind, mode)), params, probe);
            const shape = `T${T} B${B} d${d} m${m}`;
            assert.ok(relError(got.value, ref.value) < TOL, `${shape}: h_T rel. error ${relError(got.value, ref.value)}`);
            got.grads.forEach((g, j) => {
              const e = relError(g, ref.grads[j]);
              assert.ok(e < TOL, `${shape}: gradient of ${cell.variableNames[j]} rel. error ${e}`);
            });
            tf.dispose([probe, ...params]);
            cell.dispose();
          });
        });
      }
    }

    for (const kind of KINDS) {
      it(`${kind}, a layer of a stack: every step's h and the gradients of u and every parameter equal the composite cell's`, () => {
        for (const [T, B, d, m, every] of [
          [1, 2, 3, 5, 'stored'],
          [7, 1, 4, 6, 3],
          [8, 11, 5, 9, 'stored'],
          [3, 5, 37, 6, 2], // inputs wider than one register tile (the layer below's hidden size)
          [5, 9, 20, 7, 'stored'], // d >= 16: the tanh RNN's and coRNN's input side as one product
        ] as const) {
          const { inputs, rng } = problem(40 + T, T, B, d);
          const cell = createPeerCell(kind, d, config(m), rng);
          const probe = tf.tensor3d(rng.uniformArray(T * B * m, -1, 1), [T, B, m]);
          const u = tf.variable(tf.tensor3d(inputs.data, [T, B, d]));
          // the composite reference, run step by step on a differentiable u (the cell's own step)
          const steps = cell as unknown as {
            initialState(B: number): { h: tf.Tensor2D; aux?: tf.Tensor2D };
            step(u: tf.Tensor2D, s: { h: tf.Tensor2D; aux?: tf.Tensor2D }): { h: tf.Tensor2D; aux?: tf.Tensor2D };
          };
          const composite = () => {
            let s = steps.initialState(B);
            const hs: tf.Tensor2D[] = [];
            for (let n = 0; n < T; n++) {
              s = steps.step(tf.reshape(tf.slice(u, [n, 0, 0], [1, B, d]), [B, d]) as tf.Tensor2D, s);
              hs.push(s.h);
            }
            return tf.stack(hs) as tf.Tensor3D;
          };
          const ref = tf.tidy(() => {
            const value = (composite().dataSync() as Float32Array).slice();
            const { grads } = tf.variableGrads(() => tf.sum(tf.mul(composite(), probe)) as tf.Scalar, [u, ...cell.variables]);
            return { value, grads: [u, ...cell.variables].map((v) => (grads[v.name].dataSync() as Float32Array).slice()) };
          });
          const got = tf.tidy(() => {
            const ps = [u as tf.Tensor, ...cell.variables];
            const run = (x: tf.Tensor[]) => kernel!.layerSequence(x[0] as tf.Tensor3D, x.slice(1), opts(kind, every));
            const value = (run(ps).dataSync() as Float32Array).slice();
            const grads = tf.grads((...x: tf.Tensor[]) => run(x))(ps, probe);
            return { value, grads: grads.map((g) => (g.dataSync() as Float32Array).slice()) };
          });
          const shape = `T${T} B${B} d${d} m${m} ${every}`;
          assert.ok(relError(got.value, ref.value) < TOL, `${shape}: states rel. error ${relError(got.value, ref.value)}`);
          got.grads.forEach((g, j) => {
            const e = relError(g, ref.grads[j]);
            assert.ok(e < TOL, `${shape}: gradient of ${j === 0 ? 'u' : cell.variableNames[j - 1]} rel. error ${e}`);
          });
          tf.dispose([probe, u]);
          cell.dispose();
        }
      });
    }

    it(`adjoints below 2^-90 ${which === 'wasm' ? 'are cut to zero (wasm cannot flush denormals)' : 'stay (flush-to-zero cuts only denormals)'}; larger ones are exact`, () => {
      const [T, B, d, m] = [5, 3, 2, 6];
      for (const kind of KINDS) {
        const { inputs, rng } = problem(23, T, B, d);
        const cell = createPeerCell(kind, d, config(m), rng);
        const unit = rng.uniformArray(B * m, 0.5, 1);
        for (const scale of [1e-30, 1e-20]) {
          const probe = tf.tensor2d(
            unit.map((x) => x * scale),
            [B, m],
          );
          const got = valueAndGrads((ps) => kernel!.sequence(inputs, ps, opts(kind, 'stored')), cell.variables, probe);
          const cut = which === 'wasm' && scale < 2 ** -90;
          const ref = tf.tidy(() => {
            const { grads } = tf.variableGrads(() => tf.sum(tf.mul(cell.run(inputs).features, probe)) as tf.Scalar, cell.variables);
            return cell.variables.map((v) => (grads[v.name].dataSync() as Float32Array).slice());
          });
          got.grads.forEach((g, j) => {
            const name = `${kind}, probe x ${scale}: gradient of ${cell.variableNames[j]}`;
            if (cut)
              assert.ok(
                g.every((x) => x === 0),
                `${name} should be all zero`,
              );
            else if (scale >= 1e-20) assert.ok(relError(g, ref[j]) < TOL, `${name} rel. error ${relError(g, ref[j])}`);
            else
              assert.ok(
                g.some((x) => x !== 0),
                `${name} should not be cut`,
              );
          });
          probe.dispose();
        }
        cell.dispose();
      }
    });

    it('checkpointed and stored passes give the same gradients whatever the interval', () => {
      const [T, B, d, m] = [13, 9, 2, 7];
      for (const kind of KINDS) {
        const { inputs, rng } = problem(17, T, B, d);
        const cell = createPeerCell(kind, d, config(m), rng);
        const probe = tf.tensor2d(rng.uniformArray(B * m, -1, 1), [B, m]);
        const stored = valueAndGrads((ps) => kernel!.sequence(inputs, ps, opts(kind, 'stored')), cell.variables, probe);
        for (const k of [1, 3, 4, 13, 50]) {
          const got = valueAndGrads((ps) => kernel!.sequence(inputs, ps, opts(kind, k)), cell.variables, probe);
          assert.deepEqual(got.value, stored.value, `${kind}, every ${k}: same h_T`);
          got.grads.forEach((g, j) => assert.ok(relError(g, stored.grads[j]) < 1e-6, `${kind}, every ${k}: gradient ${j}`));
        }
        probe.dispose();
        cell.dispose();
      }
    });

    it('a cell built with the kernel runs on it, leaks no tensors, and matches the composite cell', () => {
      const [T, B, d, m] = [7, 10, 3, 6];
      for (const kind of KINDS) {
        const { inputs } = problem(5, T, B, d);
        const fused = createPeerCell(kind, d, config(m), new Rng(8), kernel);
        const plain = createPeerCell(kind, d, config(m), new Rng(8));
        assert.equal(fused.implementation, kernel!.name);
        assert.equal(plain.implementation, 'tfjs');
        const before = tf.memory().numTensors;
        const a = tf.tidy(() => fused.run(inputs).features.dataSync() as Float32Array);
        const b = tf.tidy(() => plain.run(inputs).features.dataSync() as Float32Array);
        const c = tf.tidy(() => fused.run(inputs, { composite: true }).features.dataSync() as Float32Array);
        assert.equal(tf.memory().numTensors, before, `${kind}: no tensor left behind`);
        assert.ok(relError(a, b) < TOL, `${kind}: fused cell's h_T`);
        assert.deepEqual(c, b, `${kind}: composite: true uses the composite ops`);
        plain.dispose();
        // the fused cell shares the test's kernel: dispose its variables only
        tf.dispose(fused.variables);
      }
    });
  });
}
