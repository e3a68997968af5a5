/**
 * The contract between the wasm kernels (wasmKernel.ts and peerWasmKernel.ts, the calling thread)
 * and their worker threads (wasmWorker.ts): what a worker is started with, the jobs it is sent, what it answers on failure,
 * and the control words both sides read and write. Types and constants only.
 *
 * The call stays synchronous: the caller posts a job on the worker's MessagePort, bumps
 * `CONTROL.posted` and blocks in Atomics.wait on `CONTROL.done`; the worker takes the job with
 * receiveMessageOnPort, reads its inputs from and writes its results to one SharedArrayBuffer of
 * floats (addressed by `Range`s), sets `CONTROL.status`, then `CONTROL.done` to the job number.
 * On failure it posts a `WorkerFailure` on the port before setting the status. A pass stopped by
 * the cancel word (`WasmWorkerData.cancel`, shared with every instance) ends with status
 * `cancelled` and writes no result.
 */
import type { MessagePort } from 'node:worker_threads';
import type { PeerRawConfig } from './peerTypes';
import type { RawConfig } from './rawKernel';
import type { WasmModule } from './wasmInstance';

/** The worker's file name, beside the kernel's code: out/src/engine/kernels/ (tsc) or dist/ (bundles). */
export const WASM_WORKER_FILE = 'wasmWorker.js';

/** Indices in the Int32Array of control words over a SharedArrayBuffer. */
export const CONTROL = {
  /** number of the last job posted (written by the caller) */
  posted: 0,
  /** number of the last job finished (written by the worker) */
  done: 1,
  /** `JOB_STATUS` of the last finished job */
  status: 2,
  /** never written: the worker naps on it while a posted job is still in transit on the port */
  nap: 3,
  /** how many words there are */
  count: 4,
} as const;

export const JOB_STATUS = { ok: 0, failed: 1, cancelled: 2 } as const;

/** What a worker thread is started with (`workerData`). */
export interface WasmWorkerData {
  module: WasmModule;
  /** which kernel `module` is: the Hamiltonian's (native/hrnn_wasm.c, the default) or the peer cells' (native/peer_wasm.c) */
  kernel?: 'hamiltonian' | 'peer';
  /** CONTROL.count Int32 words */
  control: SharedArrayBuffer;
  /** the process's cancel word (cancel.ts `cancelWord.buffer`), one Int32 */
  cancel: SharedArrayBuffer;
  /** the worker's end of the job channel (transferred) */
  port: MessagePort;
}

/** [offset, length] in floats inside the shared buffer. */
export type Range = [offset: number, length: number];

/** Forward pass of rows [r0, r1): the worker writes those rows of the output into `out`. */
export interface ForwardJob {
  kind: 'forward';
  sab: SharedArrayBuffer;
  cfg: RawConfig;
  r0: number;
  r1: number;
  params: Range[];
  u: Range;
  /** the whole output [B, 2m] */
  out: Range;
  /** stacked layers: every y_n, [T, B, m]; the worker writes its rows */
  ys?: Range;
}

/** Backward pass of the worker's last forward: its gradients and drift [maxError, maxState]. */
export interface BackwardJob {
  kind: 'backward';
  sab: SharedArrayBuffer;
  gout: Range;
  grads: Range[];
  drift: Range;
  /** stacked layers (after a forward with `ys`): the upstream gradient of every y_n, [T, B, m] */
  gys?: Range;
  /** stacked layers: the inputs' gradient [T, B, d]; the worker writes its rows */
  gu?: Range;
}

/** A peer cell's forward pass of rows [r0, r1) (PeerRawContext.forward): the worker writes those rows of `out` and `seq`. */
export interface PeerForwardJob {
  kind: 'peerForward';
  sab: SharedArrayBuffer;
  cfg: PeerRawConfig;
  r0: number;
  r1: number;
  params: Range[];
  u: Range;
  /** the whole output [B, m] */
  out: Range;
  /** a layer of a stack: every step's h, [T, B, m] */
  seq?: Range;
}

/** The backward pass of the worker's last peer forward: its shard's parameter gradients (the caller sums them). */
export interface PeerBackwardJob {
  kind: 'peerBackward';
  sab: SharedArrayBuffer;
  gout: Range;
  grads: Range[];
  /** a layer of a stack (after a forward with `seq`): the upstream gradient of every step's h, [T, B, m] */
  gseq?: Range;
  /** with gseq: the inputs' gradient [T, B, d]; the worker writes its rows */
  gu?: Range;
}

export type WasmJob = ForwardJob | BackwardJob | PeerForwardJob | PeerBackwardJob;

/** Posted by a worker whose job failed. */
export interface WorkerFailure {
  kind: 'failed';
  /** the error's stack (or message) */
  message: string;
}
