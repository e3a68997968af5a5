/**
 * One instance of the peer kernels' WebAssembly build (native/peer_wasm.c): its exports, typed, and
 * one forward or backward pass over a shard of batch rows. peerWasmKernel.ts runs one instance in
 * the calling thread and each worker thread (wasmWorker.ts) runs its own, so both sides drive the
 * compiled code the same way. Uses only the global WebAssembly object: no Node module.
 *
 * The instance imports env.hrnn_cancel_requested, which reads the cancel word it was given (the
 * same SharedArrayBuffer on every thread: cancel.ts); a pass that was cancelled returns null here.
 */
import { FORWARD_ONLY, type PeerRawConfig } from './peerTypes';
import type { WasmModule } from './wasmInstance';

interface WasmApi {
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Exports of native/peer_wasm.c. */
interface PeerWasmExports {
  memory: { buffer: ArrayBuffer };
  peer_wasm_prepare(
    kind: number,
    T: number,
    B: number,
    d: number,
    m: number,
    checkpointEvery: number,
    dt: number,
    gamma: number,
    epsilon: number,
    seq: number,
    r0: number,
    r1: number,
  ): number;
  peer_wasm_buffer(which: number): number;
  /** HRNN_DONE (0) or HRNN_CANCELLED (1) */
  peer_wasm_forward(): number;
  peer_wasm_backward(gseq: number): number;
}

/** Buffer numbers of peer_wasm_buffer (the enum in native/peer_wasm.c). */
const BUF = { P0: 0, U: 12, OUT: 13, SEQ: 14, GOUT: 15, G0: 16, GSEQ: 28, GU: 29 } as const;
const HRNN_DONE = 0;

/** One instance, holding the workspace of its last forward pass for the backward pass after it. */
export class PeerWasmShard {
  private readonly x: PeerWasmExports;
  private last: { cfg: PeerRawConfig; seq: boolean; sizes: number[] } | null = null;

  constructor(module: WasmModule, cancel: Int32Array) {
    const imports = { env: { hrnn_cancel_requested: () => Atomics.load(cancel, 0) } };
    this.x = new WebAssemblyApi.Instance(module, imports).exports as PeerWasmExports;
  }

  /**
   * Forward pass of rows [r0, r1) (u: the whole batch, [T, B, d]); false when cancelled. Its rows of
   * `out()` ([B, m]) and, with `seq`, of `sequence()` ([T, B, m]) hold the results until the next call.
   */
  forward(cfg: PeerRawConfig, r0: number, r1: number, params: readonly Float32Array[], u: Float32Array, seq: boolean): boolean {
    this.last = null;
    const { kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon } = cfg;
    if (!this.x.peer_wasm_prepare(kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon, seq ? 1 : 0, r0, r1)) {
      throw new Error(`fused-wasm: cannot lay out the peer kernel's memory (T=${T}, B=${B}, m=${m}, rows ${r0}-${r1}: more than 4 GiB?)`);
    }
    // views are taken after prepare: it may grow the memory, which detaches older views
    params.forEach((p, i) => this.view(BUF.P0 + i, p.length).set(p));
    this.view(BUF.U, u.length).set(u);
    if (this.x.peer_wasm_forward() !== HRNN_DONE) return false;
    this.last = { cfg, seq, sizes: params.map((p) => p.length) };
    return true;
  }

  /** h_T of the whole batch, [B, m]: the rows of the last forward pass are set. */
  out(): Float32Array {
    const cfg = this.cfgOrThrow();
    return this.view(BUF.OUT, cfg.B * cfg.m);
  }

  /** Every step's h, [T, B, m], after a forward pass with `seq`: its rows are set. */
  sequence(): Float32Array {
    const cfg = this.cfgOrThrow();
    return this.view(BUF.SEQ, cfg.T * cfg.B * cfg.m);
  }

  /**
   * Backward pass of the last forward's rows (gout [B, m]; gseq [T, B, m] or null): this shard's
   * parameter gradients and, with gseq and `wantGu`, the inputs' gradient ([T, B, d], its rows
   * set); views valid until the next call. Null when cancelled.
   */
  backward(gout: Float32Array, gseq: Float32Array | null, wantGu: boolean): { grads: Float32Array[]; gu: Float32Array | null } | null {
    const last = this.last;
    if (!last) throw new Error('fused-wasm: backward without a forward pass');
    if (last.cfg.checkpointEvery === FORWARD_ONLY) throw new Error('fused-wasm: backward after a forward-only pass');
    if (gseq && !last.seq) throw new Error('fused-wasm: gseq needs a forward pass with the sequence');
    this.view(BUF.GOUT, gout.length).set(gout);
    if (gseq) this.view(BUF.GSEQ, gseq.length).set(gseq);
    if (this.x.peer_wasm_backward(gseq ? 1 : 0) !== HRNN_DONE) return null;
    const { T, B, d } = last.cfg;
    return {
      grads: last.sizes.map((n, i) => this.view(BUF.G0 + i, n)),
      gu: wantGu && gseq ? this.view(BUF.GU, T * B * d) : null,
    };
  }

  private cfgOrThrow(): PeerRawConfig {
    if (!this.last) throw new Error('fused-wasm: no forward pass');
    return this.last.cfg;
  }

  private view(which: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, this.x.peer_wasm_buffer(which), n);
  }
}
