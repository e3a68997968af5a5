/**
 * Cancelling a fused-kernel call that is in progress (issue "Runs that survive": stops within a
 * second). One int32 word in a SharedArrayBuffer is the flag: the compiled kernels read it between
 * time steps (the native addon binds it, the WebAssembly instances import a reader of it, their
 * worker threads get the same buffer), and the native addon's signal handler sets it while the main
 * thread is blocked in a call. A cancelled call throws `TrainingCancelled` and leaves no result.
 * Plain JS (no tfjs, no Node module). Each thread that imports this gets its own word: worker
 * threads use the one they are handed (wasmJobs.ts `WasmWorkerData.cancel`), never their own.
 */

/** Thrown by a fused-kernel call that stopped early because the cancel word was set. */
export class TrainingCancelled extends Error {
  constructor(message = 'the fused kernel was cancelled mid-call') {
    super(message);
    this.name = 'TrainingCancelled';
  }
}

/** The flag word, word[0] != 0: cancel. Shared with the addon and the wasm workers (never replaced). */
export const cancelWord = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Asks every fused-kernel call, now or later, to stop at its next time step. */
export function requestKernelCancel(): void {
  Atomics.store(cancelWord, 0, 1);
}

/** Clears the flag (a run starting afresh). */
export function resetKernelCancel(): void {
  Atomics.store(cancelWord, 0, 0);
}

/** Whether the flag is set now. */
export function kernelCancelRequested(): boolean {
  return Atomics.load(cancelWord, 0) !== 0;
}

/**
 * Clears the flag and says whether it was set, in one atomic step: a signal that lands just before
 * is reported here, one just after stays set for the next kernel call. No stop request is lost.
 */
export function takeKernelCancel(): boolean {
  return Atomics.exchange(cancelWord, 0, 0) !== 0;
}
