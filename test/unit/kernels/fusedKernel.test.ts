/**
 * The fused kernels (native addon and WebAssembly) against the composite tfjs reference and a
 * float64 oracle: forward value and every parameter gradient, both variants, both backward modes,
 * odd shapes, T = 1, batch 1; plus saved-state bookkeeping and tensor leaks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { nativeAddonPath } from '../../../src/engine/kernels/artifacts';
import { describeFusedKernels, loadFusedKernel, type FusedKernelWithStats } from '../../../src/engine/kernels';
import type { FusedSequenceOptions, HamiltonianVariant } from '../../../src/engine/kernels/types';
import { composeHamiltonianSequence } from '../../../src/engine/model/hamiltonianSequence';
import { finiteDifferenceGrads, forward64, makeProblem, paramTensors, relError, valueAndGrads } from './helpers';

const TOL = 1e-4;
const SHAPES: Array<[T: number, B: number, d: number, m: number]> = [
  [1, 3, 2, 5], // T = 1
  [6, 1, 1, 4], // batch 1
  [9, 3, 2, 5], // odd sizes
  [11, 19, 3, 37], // several threads (shards of rows), hidden size not a multiple of the vector width
];

function options(variant: HamiltonianVariant, backprop: 'stored' | 'reversible', anchorEvery: number | null): FusedSequenceOptions {
  return { variant, tau: 0.3, alpha: 0.1, backprop, anchorEvery };
}

for (const kind of ['native', 'wasm'] as const) {
  describe(`fused kernel: ${kind}`, () => {
    let kernel: FusedKernelWithStats | null = null;

    before(async function () {
      await tf.setBackend('cpu');
      kernel = loadFusedKernel(kind);
      if (!kernel) {
        const status = describeFusedKernels().find((s) => s.name === `fused-${kind}`);
        // the wasm build ships in the package; the native addon only where `npm run build` compiled it
        assert.ok(kind === 'native' && !fs.existsSync(nativeAddonPath() ?? ''), `fused-${kind} unavailable: ${status?.detail}`);
        // CI machines have a compiler: there the native fast path must exist and be tested.
        if (process.env.CI) assert.fail(`fused-native unavailable in CI: ${status?.detail}`);
        this.skip();
      }
    });

    after(() => kernel?.dispose());

    for (const variant of ['full', 'diagonal'] as const) {
      for (const [backprop, anchor] of [
        ['stored', null],
        ['reversible', null],
        ['reversible', 4],
      ] as const) {
        it(`${variant}, ${backprop}${anchor ? ` (anchor every ${anchor})` : ''}: value and gradients equal the tfjs reference`, () => {
          SHAPES.forEach(([T, B, d, m], i) => {
            const p = makeProblem(100 + i, variant, T, B, d, m);
            const opts = options(variant, backprop, anchor);
            const ref = valueAndGrads(composeHamiltonianSequence, p, opts);
            const got = valueAndGrads((inp, ps, o) => kernel!.sequence(inp, ps, o), p, opts);
            const shape = `T${T} B${B} d${d} m${m}`;
            assert.ok(relError(got.value, ref.value) < TOL, `${shape}: value rel. error ${relError(got.value, ref.value)}`);
            got.grads.forEach((g, j) => {
              const e = relError(g, ref.grads[j]);
              assert.ok(e < TOL, `${shape}: gradient of params[${j}] rel. error ${e}`);
            });
          });
        });
      }

      it(`${variant}: value and gradients equal a float64 oracle (finite differences)`, () => {
        const p = makeProblem(7, variant, 5, 3, 2, 6);
        const tau = 0.3;
        const alpha = 0.1;
        for (const backprop of ['stored', 'reversible'] as const) {
          const got = valueAndGrads((inp, ps, o) => kernel!.sequence(inp, ps, o), p, options(variant, backprop, null));
          const value64 = forward64(variant, p.inputs, p.params, p.m, tau, alpha);
          assert.ok(relError(got.value, value64) < 1e-5, `${backprop}: value rel. error ${relError(got.value, value64)}`);
          finiteDifferenceGrads(variant, p, tau, alpha).forEach((fd, j) => {
            const e = relError(got.grads[j], fd);
            assert.ok(e < 1e-4, `${backprop}: gradient of params[${j}] rel. error ${e} against finite differences`);
          });
        }
      });
    }

    it('a gradient taken after another forward pass is still right (saved states are rebuilt)', () => {
      const opts = options('full', 'stored', null);
      const a = makeProblem(21, 'full', 8, 10, 2, 7);
      const b = makeProblem(22, 'full', 5, 10, 2, 7);
      const twice = (run: typeof composeHamiltonianSequence): Float32Array[] =>
        tf.tidy(() => {
          const params = paramTensors(a);
          const pa = tf.tensor2d(a.probe, [10, 14]);
          const pb = tf.tensor2d(b.probe, [10, 14]);
          // both sequences use the same parameters; tfjs runs the second one's backward pass first
          const loss = (...ps: tf.Tensor[]) => tf.add(tf.sum(tf.mul(run(a.inputs, ps, opts), pa)), tf.sum(tf.mul(run(b.inputs, ps, opts), pb)));
          return tf
            .grads(loss)(params)
            .map((g) => (g.dataSync() as Float32Array).slice());
        });
      const ref = twice(composeHamiltonianSequence);
      const got = twice((inp, ps, o) => kernel!.sequence(inp, ps, o));
      got.forEach((g, j) => assert.ok(relError(g, ref[j]) < TOL, `params[${j}]: ${relError(g, ref[j])}`));
    });

    it('two kernel objects used in turn keep their own saved states', () => {
      const other = loadFusedKernel(kind)!;
      const opts = options('full', 'reversible', 3);
      // B = 16: two shards (two threads / wasm instances)
      const a = makeProblem(31, 'full', 7, 16, 2, 6);
      const b = makeProblem(32, 'full', 9, 16, 2, 6);
      const both = (runA: typeof composeHamiltonianSequence, runB: typeof composeHamiltonianSequence): Float32Array[] =>
        tf.tidy(() => {
          const params = paramTensors(a);
          const pa = tf.tensor2d(a.probe, [16, 12]);
          const pb = tf.tensor2d(b.probe, [16, 12]);
          const loss = (...ps: tf.Tensor[]) => tf.add(tf.sum(tf.mul(runA(a.inputs, ps, opts), pa)), tf.sum(tf.mul(runB(b.inputs, ps, opts), pb)));
          return tf
            .grads(loss)(params)
            .map((g) => (g.dataSync() as Float32Array).slice());
        });
      const ref = both(composeHamiltonianSequence, composeHamiltonianSequence);
      const got = both(
        (inp, ps, o) => kernel!.sequence(inp, ps, o),
        (inp, ps, o) => other.sequence(inp, ps, o),
      );
      other.dispose();
      got.forEach((g, j) => assert.ok(relError(g, ref[j]) < TOL, `params[${j}]: ${relError(g, ref[j])}`));
    });

    it('reports reconstruction drift in reversible mode only', () => {
      const p = makeProblem(5, 'full', 30, 4, 2, 8);
      valueAndGrads((inp, ps, o) => kernel!.sequence(inp, ps, o), p, options('full', 'reversible', null));
      const drift = kernel!.lastReconstructionDrift();
      assert.ok(drift !== null && Number.isFinite(drift) && drift >= 0 && drift < 1e-5, `drift ${drift}`);
      valueAndGrads((inp, ps, o) => kernel!.sequence(inp, ps, o), p, options('full', 'stored', null));
      assert.equal(kernel!.lastReconstructionDrift(), null);
    });

    it('leaks no tensors', () => {
      const p = makeProblem(9, 'diagonal', 4, 3, 2, 5);
      const opts = options('diagonal', 'reversible', 2);
      valueAndGrads((inp, ps, o) => kernel!.sequence(inp, ps, o), p, opts); // warm-up
      const before = tf.memory().numTensors;
      valueAndGrads((inp, ps, o) => kernel!.sequence(inp, ps, o), p, opts);
      tf.tidy(() => {
        kernel!.sequence(p.inputs, paramTensors(p), opts);
      });
      assert.equal(tf.memory().numTensors, before);
    });

    it('rejects bad shapes and options with the field named', () => {
      const p = makeProblem(3, 'full', 2, 2, 2, 4);
      tf.tidy(() => {
        const [W, V, b] = paramTensors(p);
        const opts = options('full', 'stored', null);
        assert.throws(() => kernel!.sequence(p.inputs, [W, tf.zeros([4, 3]), b], opts), /params\[1\] \(V\) must have shape \[4, 2\], got \[4, 3\]/);
        assert.throws(() => kernel!.sequence({ ...p.inputs, T: 3 }, [W, V, b], opts), /inputs\.data has 8 values, expected T\*B\*d = 3\*2\*2 = 12/);
        assert.throws(() => kernel!.sequence(p.inputs, [W, V, b], { ...opts, tau: 0 }), /opts\.tau/);
        assert.throws(() => kernel!.sequence(p.inputs, [W, V], opts), /variant full takes 3 parameters/);
        assert.throws(() => kernel!.sequence(p.inputs, [W, V, b], { ...opts, backprop: 'reversible', anchorEvery: 0 }), /opts\.anchorEvery/);
      });
    });
  });
}
