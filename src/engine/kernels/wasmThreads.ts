/**
 * The worker threads behind both WebAssembly kernels (wasmKernel.ts: the Hamiltonian;
 * peerWasmKernel.ts: the peer cells): one worker and its job channel, running this thread's shard
 * beside the workers', how many threads a pass may use, the shards' rows and the shared buffer.
 * The protocol is in wasmJobs.ts; the worker's side in wasmWorker.ts. Depends on
 * node:worker_threads, node:os and node:path only.
 */
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { cancelWord, TrainingCancelled } from './cancel';
import type { WasmModule } from './wasmInstance';
import { CONTROL, JOB_STATUS, WASM_WORKER_FILE, type Range, type WasmJob, type WasmWorkerData, type WorkerFailure } from './wasmJobs';

/** The worker's compiled file: beside this code in out/src/engine/kernels/ (tsc) and in dist/ (esbuild bundles). */
export const workerFile = path.join(__dirname, WASM_WORKER_FILE);

/** One worker thread and its job channel; `kernel` says which module's instance it runs. */
export class WorkerShard {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.count * Int32Array.BYTES_PER_ELEMENT));
  private readonly port: MessagePort;
  private posted = 0;
  constructor(module: WasmModule, kernel: WasmWorkerData['kernel'] = 'hamiltonian') {
    const channel = new MessageChannel();
    this.port = channel.port1;
    const workerData: WasmWorkerData = { module, kernel, control: this.control.buffer, cancel: cancelWord.buffer as SharedArrayBuffer, port: channel.port2 };
    this.worker = new Worker(workerFile, { workerData, transferList: [channel.port2] });
    this.worker.unref();
    this.port.unref();
  }
  post(job: WasmJob): void {
    this.port.postMessage(job);
    this.posted += 1;
    Atomics.store(this.control, CONTROL.posted, this.posted);
    Atomics.notify(this.control, CONTROL.posted);
  }
  /** Blocks until the posted job is done; false when it was cancelled; throws the worker's error if it failed. */
  wait(): boolean {
    for (;;) {
      const done = Atomics.load(this.control, CONTROL.done);
      if (done === this.posted) break;
      Atomics.wait(this.control, CONTROL.done, done, 1000);
    }
    const status = Atomics.load(this.control, CONTROL.status);
    if (status === JOB_STATUS.cancelled) return false;
    if (status !== JOB_STATUS.ok) {
      const reply = receiveMessageOnPort(this.port)?.message as WorkerFailure | undefined;
      throw new Error(`fused-wasm worker failed: ${reply ? reply.message : 'unknown error'}`);
    }
    return true;
  }
}

/**
 * Runs this thread's shard, then waits for the `helpers` workers whatever happened to it (a worker
 * left running would answer the next job's wait). Throws the first failure, else TrainingCancelled
 * when any shard was cancelled.
 */
export function runShards<T>(local: () => T | null, workers: readonly WorkerShard[], helpers: number, pass: string): T {
  let result: T | null = null;
  let failure: unknown = null;
  let cancelled = false;
  try {
    result = local();
    cancelled = result === null;
  } catch (err) {
    failure = err;
  }
  for (let i = 0; i < helpers; i++) {
    try {
      if (!workers[i].wait()) cancelled = true;
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
  if (cancelled || result === null) throw new TrainingCancelled(`fused-wasm: ${pass} pass cancelled`);
  return result;
}

/** Threads a pass may use: HRNN_THREADS, else every core. */
export function threadCount(): number {
  const env = Number(process.env.HRNN_THREADS);
  if (Number.isInteger(env) && env > 0) return Math.min(env, 64);
  return Math.max(1, Math.min(64, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length));
}

/** Row bounds of a batch's shards: at most `threads` of them, each at least 8 rows (as the native addon splits). */
export function shardBounds(B: number, threads: number): number[] {
  const shards = Math.max(1, Math.min(threads, Math.floor(B / 8)));
  const bounds: number[] = [];
  for (let i = 0; i <= shards; i++) bounds.push(Math.floor((B * i) / shards));
  return bounds;
}

/** Where a backward pass's data sits in the shared buffer (SharedFloats.backwardRanges). */
export interface BackwardRanges {
  gout: Range;
  /** The worker shards', in order (shard i + 1): their gradient ranges and their extra floats. */
  shards: Array<{ grads: Range[]; extra: Range }>;
  gseq?: Range;
  gu?: Range;
}

/** The SharedArrayBuffer of floats a pass's inputs and results travel in between the threads (grown when too small). */
export class SharedFloats {
  private sab = new SharedArrayBuffer(0);

  get buffer(): SharedArrayBuffer {
    return this.sab;
  }

  /** A view of the whole buffer, at least `n` floats long (a larger buffer replaces it when needed: ranges are per pass). */
  floats(n: number): Float32Array {
    if (this.sab.byteLength < n * 4) this.sab = new SharedArrayBuffer(Math.ceil(n * 1.25) * 4);
    return new Float32Array(this.sab);
  }

  /**
   * A forward pass's inputs for the workers: the parameters and the inputs copied in, then room for
   * the whole output and, when `seqLength` > 0, a sequence the workers write their rows of.
   */
  forwardRanges(
    params: readonly Float32Array[],
    u: Float32Array,
    outLength: number,
    seqLength: number,
  ): { params: Range[]; u: Range; out: Range; seq?: Range } {
    const { ranges, end } = this.put([...params, u], outLength + seqLength);
    return {
      params: ranges.slice(0, params.length),
      u: ranges[params.length],
      out: [end, outLength],
      ...(seqLength > 0 ? { seq: [end + outLength, seqLength] as Range } : {}),
    };
  }

  /**
   * A backward pass's buffer for `workers` worker shards: gout copied in at 0; for each worker, room
   * for its parameter gradients (`sizes`) followed by `extra` floats of its own (the Hamiltonian's
   * drift); then gseq copied in, and room for the inputs' gradient (`guLength` floats, 0: none).
   */
  backwardRanges(gout: Float32Array, sizes: readonly number[], extra: number, workers: number, gseq: Float32Array | null, guLength: number): BackwardRanges {
    const perShard = sizes.reduce((n, k) => n + k, 0) + extra;
    const seqBase = gout.length + workers * perShard;
    const data = this.floats(seqBase + (gseq ? gseq.length : 0) + guLength);
    data.set(gout, 0);
    const shards = Array.from({ length: workers }, (_, i) => {
      let off = gout.length + i * perShard;
      const grads = sizes.map((n): Range => {
        off += n;
        return [off - n, n];
      });
      return { grads, extra: [off, extra] as Range };
    });
    if (gseq) data.set(gseq, seqBase);
    return {
      gout: [0, gout.length],
      shards,
      ...(gseq ? { gseq: [seqBase, gseq.length] as Range } : {}),
      ...(guLength > 0 ? { gu: [seqBase + (gseq ? gseq.length : 0), guLength] as Range } : {}),
    };
  }

  /** Adds every worker's parameter gradients, as backwardRanges laid them out, into `grads`. */
  addWorkerGradients(ranges: BackwardRanges, grads: Float32Array[]): void {
    const data = new Float32Array(this.sab);
    for (const shard of ranges.shards) {
      shard.grads.forEach(([off, n], t) => {
        const g = grads[t];
        for (let j = 0; j < n; j++) g[j] += data[off + j];
      });
    }
  }

  /** Copies `arrays` one after the other from offset 0, leaving `extra` floats after them; their ranges, and where the extra space starts. */
  private put(arrays: readonly Float32Array[], extra: number): { ranges: Range[]; end: number } {
    const data = this.floats(arrays.reduce((n, a) => n + a.length, 0) + extra);
    let off = 0;
    const ranges = arrays.map((a): Range => {
      data.set(a, off);
      off += a.length;
      return [off - a.length, a.length];
    });
    return { ranges, end: off };
  }
}
