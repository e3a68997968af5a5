/**
 * Reversible backpropagation over a long sequence (T = 5000): the reconstruction drift is reported,
 * stays bounded, and anchors bring the gradient back to the stored-state gradient.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadFusedKernel, type FusedKernelWithStats } from '../../../src/engine/kernels';
import type { FusedSequenceOptions, HamiltonianVariant } from '../../../src/engine/kernels/types';
import { makeProblem, relError, valueAndGrads, type Problem } from './helpers';

const T = 5000;

function run(kernel: FusedKernelWithStats, p: Problem, opts: FusedSequenceOptions): { grads: Float32Array[]; drift: number | null } {
  const { grads } = valueAndGrads((inp, ps, o) => kernel.sequence(inp, ps, o), p, opts);
  return { grads, drift: kernel.lastReconstructionDrift() };
}

function worstGradError(a: Float32Array[], b: Float32Array[]): number {
  return Math.max(...a.map((g, i) => relError(g, b[i])));
}

for (const kind of ['native', 'wasm'] as const) {
  describe(`reversible drift at T = ${T}: ${kind}`, () => {
    let kernel: FusedKernelWithStats | null = null;
    before(async function () {
      await tf.setBackend('cpu');
      kernel = loadFusedKernel(kind);
      if (!kernel) {
        // Availability itself is checked in fusedKernel.test.ts; in CI every kernel must be there.
        if (process.env.CI) assert.fail(`fused-${kind} unavailable in CI`);
        this.skip();
      }
    });
    after(() => kernel?.dispose());

    for (const variant of ['full', 'diagonal'] as const satisfies readonly HamiltonianVariant[]) {
      it(`${variant}: tau = 5/T (the default heuristic): drift < 1e-5, gradients equal stored mode`, () => {
        const p = makeProblem(1, variant, T, 4, 2, 16);
        const base: FusedSequenceOptions = { variant, tau: 5 / T, alpha: 0, backprop: 'stored', anchorEvery: null };
        const stored = run(kernel!, p, base);
        const rev = run(kernel!, p, { ...base, backprop: 'reversible' });
        assert.ok(rev.drift !== null && rev.drift < 1e-5, `drift ${rev.drift}`);
        assert.ok(worstGradError(rev.grads, stored.grads) < 1e-4, `gradient error ${worstGradError(rev.grads, stored.grads)}`);
      });

      it(`${variant}: tau = 0.05 (horizon 250): drift is reported and bounded; anchors every 500 steps restore the gradient`, () => {
        const p = makeProblem(1, variant, T, 4, 2, 16);
        const base: FusedSequenceOptions = { variant, tau: 0.05, alpha: 0, backprop: 'stored', anchorEvery: null };
        const stored = run(kernel!, p, base);
        const free = run(kernel!, p, { ...base, backprop: 'reversible' });
        assert.ok(free.drift !== null && free.drift > 0 && free.drift < 1e-2, `drift without anchors ${free.drift}`);
        const anchored = run(kernel!, p, { ...base, backprop: 'reversible', anchorEvery: 500 });
        assert.ok(anchored.drift !== null && anchored.drift < 1e-5, `drift with anchors ${anchored.drift}`);
        assert.ok(worstGradError(anchored.grads, stored.grads) < 1e-4, `gradient error with anchors ${worstGradError(anchored.grads, stored.grads)}`);
      });
    }
  });
}
