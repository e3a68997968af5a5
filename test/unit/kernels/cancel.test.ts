/**
 * Cancelling the fused kernels through the shared cancel word (src/engine/kernels/cancel.ts), on
 * both builds: a set word makes a forward or backward call throw TrainingCancelled without writing
 * a result; a word set by another thread stops a long call within a time step; afterwards the
 * kernel gives exactly what it gave before; a signal sets the word through the native addon's
 * handler. (Results with the word never set are the ordinary gradient tests in fusedKernel.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { nativeAddonPath } from '../../../src/engine/kernels/artifacts';
import {
  cancelWord,
  kernelCancelRequested,
  requestKernelCancel,
  resetKernelCancel,
  takeKernelCancel,
  TrainingCancelled,
} from '../../../src/engine/kernels/cancel';
import { loadFusedKernel, type FusedKernelWithStats } from '../../../src/engine/kernels';
import { loadNativeRawKernel } from '../../../src/engine/kernels/nativeKernel';
import { parameterSizes, type RawConfig, type RawKernel } from '../../../src/engine/kernels/rawKernel';
import { loadWasmRawKernel } from '../../../src/engine/kernels/wasmKernel';
import type { FusedSequenceOptions } from '../../../src/engine/kernels/types';
import { makeProblem, paramTensors, valueAndGrads } from './helpers';

/** A raw configuration and inputs: full variant, reversible, B = 16 (two shards where two threads run). */
function rawProblem(T: number, B = 16, m = 12): { cfg: RawConfig; params: Float32Array[]; u: Float32Array; gout: Float32Array } {
  const d = 2;
  const cfg: RawConfig = { variant: 0, backprop: 1, T, B, d, m, k: m, anchorEvery: 0, tau: 0.05, alpha: 0.1 };
  let seed = 11;
  const rand = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (seed = (Math.imul(seed, 1664525) + 1013904223) | 0) / 2147483648; // in [-1, 1)
    return a;
  };
  return { cfg, params: parameterSizes(cfg).map((n) => rand(n).map((v) => v / Math.sqrt(m))), u: rand(T * B * d), gout: rand(B * 2 * m) };
}

/** A thread that sets the cancel word `delayMs` after it is told to go (the main thread is then blocked). */
async function cancellerThread(delayMs: number): Promise<{ go(): void; done: Promise<void> }> {
  const go = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const go = new Int32Array(workerData.go), word = new Int32Array(workerData.cancel);
     require('node:worker_threads').parentPort.postMessage('ready');
     Atomics.wait(go, 0, 0);
     Atomics.wait(go, 0, 1, workerData.delayMs);
     Atomics.store(word, 0, 1);`,
    { eval: true, workerData: { go: go.buffer, cancel: cancelWord.buffer, delayMs } },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    go: () => {
      Atomics.store(go, 0, 1);
      Atomics.notify(go, 0);
    },
    done,
  };
}

describe('kernel cancel word', () => {
  afterEach(() => resetKernelCancel());

  it('take() clears the word and says whether it was set', () => {
    assert.equal(takeKernelCancel(), false);
    requestKernelCancel();
    assert.equal(kernelCancelRequested(), true);
    assert.equal(takeKernelCancel(), true);
    assert.equal(kernelCancelRequested(), false);
    assert.equal(takeKernelCancel(), false);
  });
});

for (const kind of ['native', 'wasm'] as const) {
  describe(`fused kernel: ${kind}: cancelled through the cancel word`, function () {
    this.timeout(60000);
    let raw: RawKernel;

    before(function () {
      const loaded = kind === 'native' ? loadNativeRawKernel() : loadWasmRawKernel();
      if (!('kernel' in loaded)) {
        // the wasm build ships in the package; the native addon only where a compiler built it
        assert.ok(kind === 'native' && !fs.existsSync(nativeAddonPath() ?? ''), loaded.reason);
        if (process.env.CI) assert.fail(`fused-native unavailable in CI: ${loaded.reason}`);
        this.skip();
      }
      raw = loaded.kernel;
    });
    afterEach(() => resetKernelCancel());

    it('a forward call with the word set throws TrainingCancelled and writes nothing; then the kernel works as before', () => {
      const p = rawProblem(40);
      const ctx = raw.createContext();
      const before = new Float32Array(p.cfg.B * 2 * p.cfg.m);
      ctx.forward(p.cfg, p.params, p.u, before);
      const gradsBefore = parameterSizes(p.cfg).map((n) => new Float32Array(n));
      ctx.backward(p.gout, gradsBefore);

      requestKernelCancel();
      const out = new Float32Array(before.length).fill(7);
      assert.throws(() => ctx.forward(p.cfg, p.params, p.u, out), TrainingCancelled);
      assert.ok(
        out.every((v) => v === 7),
        'no partial output',
      );
      // the cancelled forward replaced the saved states: no backward from them
      assert.throws(() =>
        ctx.backward(
          p.gout,
          parameterSizes(p.cfg).map((n) => new Float32Array(n)),
        ),
      );

      resetKernelCancel();
      const again = new Float32Array(before.length);
      ctx.forward(p.cfg, p.params, p.u, again);
      const gradsAgain = parameterSizes(p.cfg).map((n) => new Float32Array(n));
      ctx.backward(p.gout, gradsAgain);
      assert.deepEqual(again, before);
      gradsAgain.forEach((g, i) => assert.deepEqual(g, gradsBefore[i]));
      ctx.release();
    });

    it('a backward call with the word set throws TrainingCancelled and writes no gradient; a new forward makes it work again', () => {
      const p = rawProblem(40);
      const ctx = raw.createContext();
      const out = new Float32Array(p.cfg.B * 2 * p.cfg.m);
      ctx.forward(p.cfg, p.params, p.u, out);
      const expected = parameterSizes(p.cfg).map((n) => new Float32Array(n));
      ctx.backward(p.gout, expected);

      ctx.forward(p.cfg, p.params, p.u, out);
      requestKernelCancel();
      const grads = parameterSizes(p.cfg).map((n) => new Float32Array(n).fill(7));
      assert.throws(() => ctx.backward(p.gout, grads), TrainingCancelled);
      assert.ok(
        grads.every((g) => g.every((v) => v === 7)),
        'no partial gradient',
      );

      resetKernelCancel();
      ctx.forward(p.cfg, p.params, p.u, out);
      const again = parameterSizes(p.cfg).map((n) => new Float32Array(n));
      ctx.backward(p.gout, again);
      again.forEach((g, i) => assert.deepEqual(g, expected[i]));
      ctx.release();
    });

    for (const pass of ['forward', 'backward'] as const) {
      it(`a long ${pass} call stops soon after another thread sets the word`, async () => {
        const ctx = raw.createContext();
        const run = (p: ReturnType<typeof rawProblem>, out: Float32Array, grads: Float32Array[]) =>
          pass === 'forward' ? ctx.forward(p.cfg, p.params, p.u, out) : ctx.backward(p.gout, grads);
        const buffers = (p: ReturnType<typeof rawProblem>) => ({
          out: new Float32Array(p.cfg.B * 2 * p.cfg.m),
          grads: parameterSizes(p.cfg).map((n) => new Float32Array(n)),
        });
        // Time per step on this machine, then a sequence whose whole pass would take about 2 s.
        const short = rawProblem(20000, 16, 64);
        const sb = buffers(short);
        ctx.forward(short.cfg, short.params, short.u, sb.out);
        let t0 = performance.now();
        run(short, sb.out, sb.grads);
        const perStepMs = (performance.now() - t0) / short.cfg.T;
        const p = rawProblem(Math.min(500_000, Math.max(20000, Math.ceil(2000 / perStepMs))), 16, 64);
        const wholeMs = perStepMs * p.cfg.T;
        const b = buffers(p);
        if (pass === 'backward') ctx.forward(p.cfg, p.params, p.u, b.out);

        const canceller = await cancellerThread(50);
        canceller.go();
        t0 = performance.now();
        assert.throws(() => run(p, b.out, b.grads), TrainingCancelled);
        const stoppedMs = performance.now() - t0;
        await canceller.done;
        console.log(
          `      ${kind} ${pass}: T = ${p.cfg.T}, whole pass about ${wholeMs.toFixed(0)} ms; word set after 50 ms, call returned after ${stoppedMs.toFixed(0)} ms`,
        );
        assert.ok(stoppedMs < wholeMs / 2, `cancelled after ${stoppedMs.toFixed(0)} ms; the whole pass takes about ${wholeMs.toFixed(0)} ms`);
        ctx.release();
      });
    }
  });

  describe(`fused kernel: ${kind}: cancelled inside a tfjs gradient`, () => {
    let kernel: FusedKernelWithStats | null = null;
    const opts: FusedSequenceOptions = { variant: 'full', tau: 0.3, alpha: 0.1, backprop: 'reversible', anchorEvery: 3 };

    before(async function () {
      await tf.setBackend('cpu');
      kernel = loadFusedKernel(kind);
      if (!kernel) this.skip(); // the describe above says why (or fails in CI)
    });
    after(() => kernel?.dispose());
    afterEach(() => resetKernelCancel());

    it('tf.grads throws TrainingCancelled, releases every tensor, and the next gradient is unchanged', () => {
      const p = makeProblem(41, 'full', 9, 16, 2, 6);
      const run = (inp: typeof p.inputs, ps: tf.Tensor[], o: FusedSequenceOptions) => kernel!.sequence(inp, ps, o);
      const expected = valueAndGrads(run, p, opts);
      const before = tf.memory().numTensors;

      requestKernelCancel();
      assert.throws(() => valueAndGrads(run, p, opts), TrainingCancelled);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by the cancelled gradient');

      // cancelled in the backward pass only: the forward pass ran, its saved states must not be reused
      resetKernelCancel();
      assert.throws(
        () =>
          tf.tidy(() => {
            const params = paramTensors(p);
            const probe = tf.tensor2d(p.probe, [p.inputs.B, 2 * p.m]);
            tf.grads((...ps: tf.Tensor[]) => {
              const y = run(p.inputs, ps, opts);
              requestKernelCancel(); // after the forward pass, before tfjs calls the backward
              return y;
            })(params, probe);
          }),
        TrainingCancelled,
      );
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by the cancelled backward pass');

      resetKernelCancel();
      const again = valueAndGrads(run, p, opts);
      assert.deepEqual(again.value, expected.value);
      again.grads.forEach((g, i) => assert.deepEqual(g, expected.grads[i]));
    });
  });
}

describe('fused kernel: wasm: a signal sets the cancel word where the native addon is loaded', function () {
  this.timeout(60000);

  it('SIGTERM stops a long wasm call in a process whose addon installed its signal handler', async function () {
    if (process.platform === 'win32' || !fs.existsSync(nativeAddonPath() ?? '')) {
      if (process.env.CI && process.platform !== 'win32') assert.fail('the native addon is not built');
      this.skip();
    }
    const dir = path.resolve(__dirname, '../../../src/engine/kernels');
    // JS listeners first (the addon's handler chains to libuv's), then the handler, then a long call.
    const script = `
      const { installNativeSignalHandlers } = require(${JSON.stringify(path.join(dir, 'nativeKernel.js'))});
      const { loadWasmRawKernel } = require(${JSON.stringify(path.join(dir, 'wasmKernel.js'))});
      let listener = 0;
      process.on('SIGTERM', () => listener++);
      if (!installNativeSignalHandlers()) throw new Error('no handler');
      const ctx = loadWasmRawKernel().kernel.createContext();
      const T = 1000000, B = 8, d = 1, m = 32; // some seconds of work: far longer than the wait below
      const cfg = { variant: 0, backprop: 1, T, B, d, m, k: m, anchorEvery: 0, tau: 0.01, alpha: 0.1 };
      const params = [new Float32Array(m * m).fill(0.01), new Float32Array(m * d), new Float32Array(m)];
      process.stdout.write('ready\\n');
      const t0 = Date.now();
      try {
        ctx.forward(cfg, params, new Float32Array(T * B * d), new Float32Array(B * 2 * m));
        process.stdout.write('finished\\n');
      } catch (err) {
        process.stdout.write(err.name + ' after ' + (Date.now() - t0) + ' ms\\n');
      }
      setImmediate(() => process.stdout.write('listener ' + listener + '\\n'));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.includes('ready') && resolve())));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    assert.equal(await closed, 0, out);
    console.log(`      ${out.trim().split('\n').slice(1).join('; ')}`);
    assert.match(out, /TrainingCancelled after \d+ ms/);
    assert.match(out, /listener 1/, 'the JS listener still ran once the thread was free');
  });
});
