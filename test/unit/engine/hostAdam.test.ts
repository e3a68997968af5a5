/**
 * The host-side Adam (src/engine/train/hostAdam.ts) against tfjs' own AdamOptimizer: the same
 * parameters step after step (clipping scale and learning-rate changes included), a state captured
 * from tfjs' Adam resumes here as it would there, moments follow positions not names, bad states
 * and sizes are refused, and no tensor outlives it.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { loadNativeAdam } from '../../../src/engine/kernels/nativeAdam';
import { jsAdamArithmetic, type AdamArithmetic } from '../../../src/engine/train/adamArithmetic';
import { HostAdam } from '../../../src/engine/train/hostAdam';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Two parameters of odd shapes, with their gradients at step t (a function of t, not of the weights). */
const shapes: Array<[number, number]> = [
  [3, 5],
  [1, 7],
];
const grad = (t: number, i: number) => values(shapes[i][0] * shapes[i][1], 100 * t + i + 1);

function makeVariables(prefix: string): tf.Variable[] {
  return shapes.map((sh, i) => tf.tidy(() => tf.variable(tf.tensor2d(values(sh[0] * sh[1], 7 + i), sh), true, `${prefix}${i}`)));
}

describe('host Adam', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  // tfjs' own Adam leaves a tensor behind when disposed: the reference runs first, apart, and only
  // the host Adam's part is counted.

  /** tfjs' Adam over steps [0, steps): the parameters after each `record` step (plain arrays). */
  async function reference(
    lr: (t: number) => number,
    scale: (t: number) => number,
    steps: number,
    captureAt = -1,
  ): Promise<{ after: Float32Array[]; state?: { iterations: number; slots: string[]; values: Float32Array[]; betaPowers: [number, number] } }> {
    const vars = makeVariables('tfjs/');
    const adam: tf.Optimizer = tf.train.adam(lr(0));
    let state;
    for (let t = 0; t < steps; t++) {
      if (t === captureAt) {
        const [iter, ...slots] = await adam.getWeights();
        const internals = adam as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
        state = {
          iterations: iter.tensor.dataSync()[0],
          slots: slots.map((s) => s.name),
          values: slots.map((s) => Float32Array.from(s.tensor.dataSync())),
          betaPowers: [internals.accBeta1.dataSync()[0], internals.accBeta2.dataSync()[0]] as [number, number],
        };
        iter.tensor.dispose();
      }
      (adam as unknown as { learningRate: number }).learningRate = lr(t);
      const named: tf.NamedTensorMap = {};
      vars.forEach((v, i) => (named[v.name] = tf.tidy(() => tf.mul(tf.tensor(grad(t, i), v.shape), scale(t)))));
      adam.applyGradients(named);
      tf.dispose(Object.values(named));
    }
    const after = vars.map((v) => Float32Array.from(v.dataSync()));
    adam.dispose();
    tf.dispose(vars);
    return { after, state };
  }

  function assertClose(actual: tf.Tensor, expected: Float32Array, what: string): void {
    const a = actual.dataSync();
    for (let k = 0; k < expected.length; k++) {
      assert.ok(Math.abs(a[k] - expected[k]) <= 1e-6 * Math.max(1, Math.abs(expected[k])), `${what}[${k}]: ${a[k]} vs ${expected[k]}`);
    }
  }

  // The update in JavaScript and, where the addon loads, in native code (the same values bit for bit).
  const arithmetics: AdamArithmetic[] = [jsAdamArithmetic, ...[loadNativeAdam()].filter((a): a is AdamArithmetic => a !== null)];
  for (const arithmetic of arithmetics) {
    it(`takes the steps tfjs’ Adam takes (scaled gradients, a changed learning rate), and frees what it made (${arithmetic.name} arithmetic)`, async () => {
      const lr = (t: number) => (t < 6 ? 0.01 : 0.003);
      const scale = (t: number) => (t % 3 === 2 ? 0.25 : 1);
      const expected = await reference(lr, scale, 12);
      const before = tf.memory().numTensors;
      const ours = makeVariables('host/');
      const host = new HostAdam(lr(0), arithmetic);
      for (let t = 0; t < 12; t++) {
        host.learningRate = lr(t);
        host.update(
          ours,
          shapes.map((_, i) => grad(t, i)),
          scale(t),
        );
      }
      ours.forEach((v, i) => assertClose(v, expected.after[i], `parameter ${i}`));
      host.dispose();
      tf.dispose(ours);
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('resumes a state captured from tfjs’ Adam, into variables of other names, and captures it back in the same layout', async () => {
    const lr = () => 0.02;
    const midway = await reference(lr, () => 1, 5);
    const expected = await reference(lr, () => 1, 10, 5);
    const state = expected.state!;
    const before = tf.memory().numTensors;
    const ours = shapes.map((sh, i) => tf.tidy(() => tf.variable(tf.tensor(midway.after[i], sh), true, `other/${i}`)));
    const host = new HostAdam(0.02);
    const slotTensors = state.values.map((v, k) => tf.tensor(v, shapes[k % 2]));
    host.restoreState(state.iterations, state.slots, slotTensors, state.betaPowers);
    tf.dispose(slotTensors);
    const captured = host.captureState();
    assert.equal(captured.iterations, 5);
    assert.deepEqual(captured.slots, ['tfjs/0/m', 'tfjs/1/m', 'tfjs/0/v', 'tfjs/1/v']);
    captured.tensors.forEach((t, k) => assertClose(t, state.values[k], `slot ${k}`));
    assert.deepEqual(captured.tensors[0].shape, [3, 5]);
    for (let t = 5; t < 10; t++) {
      host.update(
        ours,
        shapes.map((_, i) => grad(t, i)),
      );
    }
    ours.forEach((v, i) => assertClose(v, expected.after[i], `parameter ${i} after the resumed steps`));
    host.dispose();
    tf.dispose(ours);
    assert.equal(tf.memory().numTensors, before, 'the captured tensors go with the optimizer');
  });

  it('refuses a state without pairs of moments, and a gradient or saved moment of another size', () => {
    const host = new HostAdam(0.01);
    const t = tf.zeros([2]);
    assert.throws(() => host.restoreState(1, ['a/m'], [t]), /first and a second moment/);
    assert.throws(() => host.restoreState(1, ['a/m', 'b/v'], [t, t]), /does not follow/);
    host.restoreState(1, ['a/m', 'a/v'], [t, t]);
    const v = tf.variable(tf.zeros([3]));
    assert.throws(() => host.update([v], [new Float32Array(3)]), /saved moments of .* have 2 values/);
    assert.throws(() => new HostAdam(0.01).update([v], [new Float32Array(2)]), /gradient of .* has 2 values/);
    host.dispose();
    tf.dispose([t, v]);
  });
});
