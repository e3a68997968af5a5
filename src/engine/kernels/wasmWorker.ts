/**
 * A worker thread of a wasm kernel: its own instance of the compiled kernel (the Hamiltonian's, or
 * the peer cells' when started with `kernel: 'peer'`), running the forward and backward passes of
 * its shard of batch rows whenever wasmKernel.ts or peerWasmKernel.ts posts a job (the protocol is
 * in wasmJobs.ts). Started from its own file, `wasmWorker.js` beside the kernel's code; never
 * imported. Depends on node:worker_threads only.
 */
import { isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { PeerRawConfig } from './peerTypes';
import { PeerWasmShard } from './peerWasmInstance';
import type { RawConfig } from './rawKernel';
import { CONTROL, JOB_STATUS, type Range, type WasmJob, type WasmWorkerData, type WorkerFailure } from './wasmJobs';
import { copyShardRows, WasmShard } from './wasmInstance';

/** The configuration and rows of the last forward job: where a backward job's input gradient goes. */
let lastForward: { cfg: RawConfig | PeerRawConfig; r0: number; r1: number } | null = null;

/** Runs a peer cell's job (peerWasmKernel.ts); false when the cancel word stopped it. */
function runPeerJob(shard: PeerWasmShard, job: WasmJob, data: Float32Array, at: (r: Range) => Float32Array): boolean {
  if (job.kind === 'peerForward') {
    const { cfg, r0, r1 } = job;
    lastForward = null;
    if (!shard.forward(cfg, r0, r1, job.params.map(at), at(job.u), !!job.seq)) return false;
    data.set(shard.out().subarray(r0 * cfg.m, r1 * cfg.m), job.out[0] + r0 * cfg.m);
    if (job.seq) copyShardRows(shard.sequence(), data, job.seq[0], cfg.T, cfg.B, cfg.m, r0, r1);
    lastForward = { cfg, r0, r1 };
    return true;
  }
  if (job.kind !== 'peerBackward') throw new Error(`a peer kernel worker got a ${job.kind} job`);
  const result = shard.backward(at(job.gout), job.gseq ? at(job.gseq) : null, !!job.gu);
  if (!result) return false;
  result.grads.forEach((g, i) => data.set(g, job.grads[i][0]));
  if (job.gu && result.gu && lastForward) {
    const { cfg, r0, r1 } = lastForward;
    copyShardRows(result.gu, data, job.gu[0], cfg.T, cfg.B, cfg.d, r0, r1);
  }
  return true;
}

/** Runs a job; false when the cancel word stopped it (no result written). */
function runJob(shard: WasmShard | PeerWasmShard, job: WasmJob): boolean {
  const data = new Float32Array(job.sab);
  const at = (r: Range): Float32Array => data.subarray(r[0], r[0] + r[1]);
  if (shard instanceof PeerWasmShard) return runPeerJob(shard, job, data, at);
  if (job.kind === 'peerForward' || job.kind === 'peerBackward') throw new Error(`a Hamiltonian kernel worker got a ${job.kind} job`);
  if (job.kind === 'forward') {
    const { cfg, r0, r1 } = job;
    lastForward = null;
    const out = shard.forward(cfg, r0, r1, job.params.map(at), at(job.u), !!job.ys);
    if (!out) return false;
    const w = 2 * cfg.m;
    data.set(out.subarray(r0 * w, r1 * w), job.out[0] + r0 * w);
    if (job.ys) copyShardRows(shard.positions(), data, job.ys[0], cfg.T, cfg.B, cfg.m, r0, r1);
    lastForward = { cfg, r0, r1 };
  } else {
    const result = shard.backward(at(job.gout), job.gys ? at(job.gys) : null, !!job.gu);
    if (!result) return false;
    result.grads.forEach((g, i) => data.set(g, job.grads[i][0]));
    data.set(result.drift, job.drift[0]);
    if (job.gu && result.gu && lastForward) {
      const { cfg, r0, r1 } = lastForward;
      copyShardRows(result.gu, data, job.gu[0], cfg.T, cfg.B, cfg.d, r0, r1);
    }
  }
  return true;
}

function serve({ module, kernel, control, cancel, port }: WasmWorkerData): never {
  const ctl = new Int32Array(control);
  // An instance that cannot be created fails every job (the caller is blocked waiting, so it can
  // only learn of the error through a job's status).
  let shard: WasmShard | PeerWasmShard | Error;
  try {
    shard = kernel === 'peer' ? new PeerWasmShard(module, new Int32Array(cancel)) : new WasmShard(module, new Int32Array(cancel));
  } catch (err) {
    shard = err instanceof Error ? err : new Error(String(err));
  }
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, CONTROL.posted, seen);
    const job = Atomics.load(ctl, CONTROL.posted);
    if (job === seen) continue;
    seen = job;
    let status: number = JOB_STATUS.ok;
    try {
      // The job number can arrive before the message itself: nap briefly until it is there.
      let msg: { message: unknown } | undefined;
      while (!(msg = receiveMessageOnPort(port))) Atomics.wait(ctl, CONTROL.nap, 0, 1);
      if (shard instanceof Error) throw shard;
      if (!runJob(shard, msg.message as WasmJob)) status = JOB_STATUS.cancelled;
    } catch (err) {
      status = JOB_STATUS.failed;
      const failure: WorkerFailure = { kind: 'failed', message: String((err instanceof Error && err.stack) || err) };
      port.postMessage(failure);
    }
    Atomics.store(ctl, CONTROL.status, status);
    Atomics.store(ctl, CONTROL.done, job);
    Atomics.notify(ctl, CONTROL.done);
  }
}

if (isMainThread) throw new Error('wasmWorker.js runs as a worker thread of the wasm kernel (wasmKernel.ts)');
serve(workerData as WasmWorkerData);
