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
  hrnn_wasm_buffer(which: number): number;
  /** HRNN_DONE (0) or HRNN_CANCELLED (1) */
  hrnn_wasm_forward(): number;
  hrnn_wasm_backward(): number;
  hrnn_wasm_vector_bits(): number;
}

/** Buffer numbers of hrnn_wasm_buffer (the enum in native/hrnn_wasm.c). */
const BUF = { P0: 0, U: 4, OUT: 5, GOUT: 6, G0: 7, DRIFT: 11 } as const;
/** HRNN_DONE in native/hrnn_kernel.h */
const HRNN_DONE = 0;

/** One wasm instance = one shard of batch rows [r0, r1). */
export class WasmShard {
  private readonly x: WasmExports;
  private cfg: RawConfig | null = null;

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
   */
  forward(cfg: RawConfig, r0: number, r1: number, params: readonly Float32Array[], u: Float32Array): Float32Array | null {
    if (!this.x.hrnn_wasm_prepare(cfg.variant, cfg.backprop, cfg.T, cfg.B, cfg.d, cfg.m, cfg.k, cfg.anchorEvery, cfg.tau, cfg.alpha, r0, r1)) {
      throw new Error(`fused-wasm: cannot lay out the kernel's memory (T=${cfg.T}, B=${cfg.B}, m=${cfg.m}: more than 4 GiB?)`);
    }
    this.cfg = cfg;
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
  backward(gout: Float32Array): { grads: Float32Array[]; drift: Float32Array } | null {
    const cfg = this.cfg;
    if (!cfg) throw new Error('fused-wasm: backward without a forward pass');
    this.view(BUF.GOUT, gout.length).set(gout);
    if (this.x.hrnn_wasm_backward() !== HRNN_DONE) {
      this.cfg = null;
      return null;
    }
    return {
      grads: parameterSizes(cfg).map((n, i) => this.view(BUF.G0 + i, n)),
      drift: this.view(BUF.DRIFT, 2),
    };
  }

  private view(which: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, this.x.hrnn_wasm_buffer(which), n);
  }
}
