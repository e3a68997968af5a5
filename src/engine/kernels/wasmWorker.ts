/**
 * A worker thread of the wasm kernel: its own instance of the compiled kernel, running the forward
 * and backward passes of its shard of batch rows whenever wasmKernel.ts posts a job (the protocol
 * is in wasmJobs.ts). Started from its own file, `wasmWorker.js` beside the kernel's code; never
 * imported. Depends on node:worker_threads only.
 */
import { isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { CONTROL, JOB_STATUS, type Range, type WasmJob, type WasmWorkerData, type WorkerFailure } from './wasmJobs';
import { WasmShard } from './wasmInstance';

/** Runs a job; false when the cancel word stopped it (no result written). */
function runJob(shard: WasmShard, job: WasmJob): boolean {
  const data = new Float32Array(job.sab);
  const at = (r: Range): Float32Array => data.subarray(r[0], r[0] + r[1]);
  if (job.kind === 'forward') {
    const out = shard.forward(job.cfg, job.r0, job.r1, job.params.map(at), at(job.u));
    if (!out) return false;
    const w = 2 * job.cfg.m;
    data.set(out.subarray(job.r0 * w, job.r1 * w), job.out[0] + job.r0 * w);
  } else {
    const result = shard.backward(at(job.gout));
    if (!result) return false;
    result.grads.forEach((g, i) => data.set(g, job.grads[i][0]));
    data.set(result.drift, job.drift[0]);
  }
  return true;
}

function serve({ module, control, cancel, port }: WasmWorkerData): never {
  const ctl = new Int32Array(control);
  // An instance that cannot be created fails every job (the caller is blocked waiting, so it can
  // only learn of the error through a job's status).
  let shard: WasmShard | Error;
  try {
    shard = new WasmShard(module, new Int32Array(cancel));
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
