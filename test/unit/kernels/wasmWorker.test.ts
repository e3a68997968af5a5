/**
 * The wasm kernel's worker threads, started from their own compiled file (wasmWorker.js beside
 * wasmKernel.js): sharded over workers, a pass gives what one thread gives; a failed job is reported.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { wasmModulePath } from '../../../src/engine/kernels/artifacts';
import { compileWasmModule } from '../../../src/engine/kernels/wasmInstance';
import { CONTROL, JOB_STATUS, WASM_WORKER_FILE, type BackwardJob, type WasmWorkerData, type WorkerFailure } from '../../../src/engine/kernels/wasmJobs';
import { relError } from './helpers';

const kernelsDir = path.resolve(__dirname, '../../../src/engine/kernels');

/** One forward and backward pass of the raw wasm kernel in a fresh process with HRNN_THREADS=threads. */
function passIn(threads: number): { description: string; out: number[]; grads: number[][]; drift: number[] } {
  const script = `
    const { loadWasmRawKernel } = require(${JSON.stringify(path.join(kernelsDir, 'wasmKernel.js'))});
    const loaded = loadWasmRawKernel();
    if (!loaded.kernel) throw new Error(loaded.reason);
    const T = 6, B = 32, d = 2, m = 5;
    let seed = 7;
    const rand = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
    const cfg = { variant: 0, backprop: 1, T, B, d, m, k: m, anchorEvery: 0, tau: 0.3, alpha: 0.1 };
    const params = [rand(m * m), rand(m * d), rand(m)];
    const out = new Float32Array(B * 2 * m);
    const ctx = loaded.kernel.createContext();
    ctx.forward(cfg, params, rand(T * B * d), out);
    const grads = params.map((p) => new Float32Array(p.length));
    const drift = ctx.backward(rand(B * 2 * m), grads);
    process.stdout.write(JSON.stringify({ description: loaded.kernel.description, out: Array.from(out), grads: grads.map((g) => Array.from(g)), drift: [drift.maxError, drift.maxState] }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, HRNN_THREADS: String(threads) }, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof passIn>;
}

/**
 * One forward and backward pass of the wasm peer kernels (an LSTM layer of a stack: every step's h,
 * gseq and the inputs' gradient) in a fresh process with HRNN_THREADS=threads.
 */
function peerPassIn(threads: number): { description: string; out: number[]; seq: number[]; grads: number[][]; gu: number[] } {
  const script = `
    const { loadWasmPeerKernel } = require(${JSON.stringify(path.join(kernelsDir, 'peerWasmKernel.js'))});
    const { peerParameterSizes } = require(${JSON.stringify(path.join(kernelsDir, 'peerTypes.js'))});
    const loaded = loadWasmPeerKernel();
    if (!loaded.kernel) throw new Error(loaded.reason);
    const T = 6, B = 33, d = 3, m = 5;
    let seed = 11;
    const rand = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
    const cfg = { kind: 1, T, B, d, m, checkpointEvery: 0, dt: 0, gamma: 0, epsilon: 0 };
    const params = peerParameterSizes('lstm', d, m).map((n) => rand(n).map((x) => x * 0.5));
    const out = new Float32Array(B * m), seq = new Float32Array(T * B * m);
    const ctx = loaded.kernel.createContext();
    ctx.forward(cfg, params, rand(T * B * d), out, seq);
    const grads = params.map((p) => new Float32Array(p.length));
    const gu = new Float32Array(T * B * d);
    ctx.backward(rand(B * m), rand(T * B * m), grads, gu);
    const list = (a) => Array.from(a);
    process.stdout.write(JSON.stringify({ description: loaded.kernel.description, out: list(out), seq: list(seq), grads: grads.map(list), gu: list(gu) }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, HRNN_THREADS: String(threads) }, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof peerPassIn>;
}

describe('fused kernel: wasm worker threads', () => {
  it("runs the peer kernels sharded too: four shards (three workers, 33 rows) give what one thread gives, sequences and inputs' gradient included", () => {
    const one = peerPassIn(1);
    const four = peerPassIn(4);
    assert.match(one.description, /up to 1 thread \(worker_threads\)/);
    assert.match(four.description, /up to 4 threads \(worker_threads\)/);
    assert.ok(relError(four.out, one.out) < 1e-6, `out: ${relError(four.out, one.out)}`);
    assert.ok(relError(four.seq, one.seq) < 1e-6, `seq: ${relError(four.seq, one.seq)}`);
    assert.ok(relError(four.gu, one.gu) < 1e-6, `gu: ${relError(four.gu, one.gu)}`);
    assert.ok(one.gu.some((x) => x !== 0) && four.out.slice(-5).some((x) => x !== 0), 'the last shard wrote its rows');
    four.grads.forEach((g, i) => assert.ok(relError(g, one.grads[i]) < 1e-5, `params[${i}]: ${relError(g, one.grads[i])}`));
  });

  it('is compiled beside the kernel, and four shards (three workers) give what one thread gives', () => {
    assert.ok(fs.existsSync(path.join(kernelsDir, WASM_WORKER_FILE)));
    const one = passIn(1);
    const four = passIn(4);
    assert.match(one.description, /up to 1 thread \(worker_threads\)/);
    assert.match(four.description, /up to 4 threads \(worker_threads\)/);
    assert.ok(relError(four.out, one.out) < 1e-6, `value: ${relError(four.out, one.out)}`);
    four.grads.forEach((g, i) => assert.ok(relError(g, one.grads[i]) < 1e-5, `params[${i}]: ${relError(g, one.grads[i])}`));
    assert.ok(four.drift.every(Number.isFinite));
  });

  it('answers a job that fails with its status and the error', async () => {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL.count * 4));
    const channel = new MessageChannel();
    const workerData: WasmWorkerData = {
      module: compileWasmModule(fs.readFileSync(wasmModulePath()!)),
      control: control.buffer,
      cancel: new SharedArrayBuffer(4),
      port: channel.port2,
    };
    const worker = new Worker(path.join(kernelsDir, WASM_WORKER_FILE), { workerData, transferList: [channel.port2] });
    try {
      // backward before any forward pass: the worker's instance has nothing to differentiate
      const job: BackwardJob = { kind: 'backward', sab: new SharedArrayBuffer(64), gout: [0, 4], grads: [], drift: [4, 2] };
      channel.port1.postMessage(job);
      Atomics.store(control, CONTROL.posted, 1);
      Atomics.notify(control, CONTROL.posted);
      assert.notEqual(Atomics.wait(control, CONTROL.done, 0, 20000), 'timed-out');
      assert.equal(Atomics.load(control, CONTROL.status), JOB_STATUS.failed);
      const failure = receiveMessageOnPort(channel.port1)?.message as WorkerFailure | undefined;
      assert.equal(failure?.kind, 'failed');
      assert.match(failure!.message, /backward without a forward pass/);
    } finally {
      channel.port1.close();
      await worker.terminate();
    }
  });
});
