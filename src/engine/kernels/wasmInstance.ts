/**
 * One instance of the WebAssembly kernel (native/hrnn_wasm.c): its exports, typed, and one forward
 * or backward pass over a shard of batch rows. The kernel (wasmKernel.ts) runs one instance in the
 * calling thread and each worker thread (wasmWorker.ts) runs its own, so both sides drive the
 * compiled code the same way. Uses only the global WebAssembly object: no Node module.
 *
 * Every instance imports env.hrnn_cancel_requested, which reads the cancel word it was given (an
 * Int32Array over a SharedArrayBuffer, the same one on every thread: cancel.ts): the compiled code
 * calls it between time steps, and a pass that was cancelled returns null here.
 */
import { parameterSizes, type RawConfig } from './rawKernel';

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly:
// the few parts used here, typed locally.
/** A compiled module; it can be posted to a worker thread (structured clone). */
export type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function compileWasmModule(bytes: Uint8Array): WasmModule {
  return new WebAssemblyApi.Module(bytes);
}

/** Exports of native/hrnn_wasm.c. */
interface WasmExports {
  memory: { buffer: ArrayBuffer };
  hrnn_wasm_prepare(
    variant: number,
    backprop: number,
    T: number,
    B: number,
    d: number,
    m: number,
    k: number,
    anchorEvery: number,
    tau: number,
    alpha: number,
    r0: number,
    r1: number,
  ): number;
  /** hrnn_wasm_prepare with the stacked-layer buffers (ys, gys, gu) when `sequences` is 1 */
  hrnn_wasm_prepare_seq(
    variant: number,
    backprop: number,
    T: number,
    B: number,
    d: number,
    m: number,
    k: number,
    anchorEvery: number,
    tau: number,
    alpha: number,
    r0: number,
    r1: number,
    sequences: number,
  ): number;
  hrnn_wasm_buffer(which: number): number;
  /** HRNN_DONE (0) or HRNN_CANCELLED (1) */
  hrnn_wasm_forward(): number;
  hrnn_wasm_backward(): number;
  /** with gys added into the adjoints, and the inputs' gradient written to gu when withGu is 1 */
  hrnn_wasm_backward_seq(withGu: number): number;
  hrnn_wasm_vector_bits(): number;
}

/** Buffer numbers of hrnn_wasm_buffer (the enum in native/hrnn_wasm.c). */
const BUF = { P0: 0, U: 4, OUT: 5, GOUT: 6, G0: 7, DRIFT: 11, YS: 13, GYS: 14, GU: 15 } as const;
/** HRNN_DONE in native/hrnn_kernel.h */
const HRNN_DONE = 0;

/** One wasm instance = one shard of batch rows [r0, r1). */
export class WasmShard {
  private readonly x: WasmExports;
  private cfg: RawConfig | null = null;
  /** whether the last forward() laid out the stacked-layer buffers */
  private sequences = false;

  /** `cancel`: word[0] != 0 asks a running pass to stop (see cancel.ts). */
  constructor(module: WasmModule, cancel: Int32Array) {
    const imports = { env: { hrnn_cancel_requested: () => Atomics.load(cancel, 0) } };
    this.x = new WebAssemblyApi.Instance(module, imports).exports as WasmExports;
  }

  /** Width of the SIMD vectors the build uses. */
  vectorBits(): number {
    return this.x.hrnn_wasm_vector_bits();
  }

  /**
   * Runs the forward pass of rows [r0, r1) and keeps its states for backward(). Returns a view of
   * the whole output [B, 2m], valid until the next call: only rows [r0, r1) are this shard's.
   * Null when cancelled (nothing kept: backward() then needs a new forward()).
   * `sequences` (stacked layers): also write every y_n, read with positions().
   */
  forward(cfg: RawConfig, r0: number, r1: number, params: readonly Float32Array[], u: Float32Array, sequences = false): Float32Array | null {
    const x = this.x;
    const { variant, backprop, T, B, d, m, k, anchorEvery, tau, alpha } = cfg;
    const ok = sequences
      ? x.hrnn_wasm_prepare_seq(variant, backprop, T, B, d, m, k, anchorEvery, tau, alpha, r0, r1, 1)
      : x.hrnn_wasm_prepare(variant, backprop, T, B, d, m, k, anchorEvery, tau, alpha, r0, r1);
    if (!ok) {
      throw new Error(`fused-wasm: cannot lay out the kernel's memory (T=${cfg.T}, B=${cfg.B}, m=${cfg.m}: more than 4 GiB?)`);
    }
    this.cfg = cfg;
    this.sequences = sequences;
    // Views are taken after prepare: it may grow the memory, which detaches older views.
    params.forEach((p, i) => this.view(BUF.P0 + i, p.length).set(p));
    this.view(BUF.U, u.length).set(u);
    if (this.x.hrnn_wasm_forward() !== HRNN_DONE) {
      this.cfg = null;
      return null;
    }
    return this.view(BUF.OUT, cfg.B * 2 * cfg.m);
  }

  /**
   * The backward pass of the last forward(): this shard's gradients (same layouts as the
   * parameters) and its reconstruction drift [maxError, maxState], as views valid until the next call.
   * Null when cancelled (the forward pass's states are gone too).
   */
  backward(
    gout: Float32Array,
    gys: Float32Array | null = null,
    withGu = false,
  ): { grads: Float32Array[]; drift: Float32Array; gu: Float32Array | null } | null {
    const cfg = this.cfg;
    if (!cfg) throw new Error('fused-wasm: backward without a forward pass');
    this.view(BUF.GOUT, gout.length).set(gout);
    let status: number;
    if (this.sequences) {
      const size = cfg.T * cfg.B * cfg.m;
      if (gys) this.view(BUF.GYS, size).set(gys);
      else this.view(BUF.GYS, size).fill(0);
      status = this.x.hrnn_wasm_backward_seq(withGu ? 1 : 0);
    } else {
      if (gys || withGu) throw new Error('fused-wasm: stacked-layer gradients need a forward pass with sequences');
      status = this.x.hrnn_wasm_backward();
    }
    if (status !== HRNN_DONE) {
      this.cfg = null;
      return null;
    }
    return {
      grads: parameterSizes(cfg).map((n, i) => this.view(BUF.G0 + i, n)),
      drift: this.view(BUF.DRIFT, 2),
      gu: withGu ? this.view(BUF.GU, cfg.T * cfg.B * cfg.d) : null,
    };
  }

  /** Every y_n of the last forward() with sequences, [T, B, m] (only this shard's rows are written), valid until the next call. */
  positions(): Float32Array {
    const cfg = this.cfg;
    if (!cfg || !this.sequences) throw new Error('fused-wasm: no positions without a forward pass with sequences');
    return this.view(BUF.YS, cfg.T * cfg.B * cfg.m);
  }

  private view(which: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, this.x.hrnn_wasm_buffer(which), n);
  }
}

/**
 * Copies the rows [r0, r1) of every step of a time-major [T, B, width] array into another
 * (`dst` starting at `dstOffset`): a shard's part of a state sequence or of the inputs' gradient.
 */
export function copyShardRows(src: Float32Array, dst: Float32Array, dstOffset: number, T: number, B: number, width: number, r0: number, r1: number): void {
  for (let n = 0; n < T; n++) {
    const from = (n * B + r0) * width;
    dst.set(src.subarray(from, (n * B + r1) * width), dstOffset + from);
  }
}
