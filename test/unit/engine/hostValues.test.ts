/**
 * Host snapshots of parameter values (src/engine/hostValues.ts): read once per change of a
 * tensor's storage, never stale after an assign by anyone, and assignHostValues sets the variable,
 * keeps the caller's array as the snapshot and leaves no tensor behind. On the cpu backend (whose
 * dataSync hands out the tensor's own storage) and the wasm backend (whose dataSync copies).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { assignHostValues, hostValues } from '../../../src/engine/hostValues';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`host snapshots of parameter values (${backend} backend)`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    it('reads a tensor once while its storage stays, and again after any assign', () => {
      const v = tf.variable(tf.tensor1d([1, 2, 3]));
      const first = hostValues(v);
      assert.deepEqual(Array.from(first), [1, 2, 3]);
      assert.equal(hostValues(v), first, 'the same snapshot while nothing changed');
      // a snapshot is not the backend's storage: the variable does not change with it
      assert.notEqual(first, v.dataSync());
      v.assign(tf.tensor1d([4, 5, 6]));
      const second = hostValues(v);
      assert.deepEqual(Array.from(second), [4, 5, 6], 'an assign outside this module is seen');
      assert.deepEqual(Array.from(first), [1, 2, 3], 'an older snapshot is left as it was');
      v.dispose();
    });

    it('assigns an array, keeps it as the snapshot, and frees what it made', () => {
      const v = tf.variable(tf.zeros([2, 2]));
      const before = tf.memory().numTensors;
      const values = Float32Array.from([1, -1, 0.5, 2]);
      assignHostValues(v, values);
      assert.equal(tf.memory().numTensors, before);
      assert.deepEqual(Array.from(v.dataSync()), [1, -1, 0.5, 2]);
      assert.equal(hostValues(v), values);
      v.dispose();
    });

    it('keeps snapshots apart for tensors of the same values', () => {
      const a = tf.tensor1d([7, 8]);
      const b = tf.tensor1d([7, 8]);
      assert.notEqual(hostValues(a), hostValues(b));
      tf.dispose([a, b]);
    });
  });
}
