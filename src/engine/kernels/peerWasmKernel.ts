/**
 * The peer kernels' WebAssembly build (native/peer_kernel.c + peer_wasm.c compiled with
 * clang --target=wasm32 -msimd128 into native/wasm/peer_kernel.wasm), shipped in the package for
 * machines without a C compiler. One instance on the calling thread handles the whole batch (the
 * Hamiltonian's wasm kernel spreads shards over worker threads; the peers do not, yet).
 * Every pass polls the shared cancel word (cancel.ts) between time steps; a cancelled call throws
 * TrainingCancelled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './artifacts';
import { cancelWord, TrainingCancelled } from './cancel';
import { FORWARD_ONLY, type PeerRawConfig, type PeerRawContext, type PeerRawKernel } from './peerTypes';

// The project compiles without the DOM library: the few WebAssembly parts used here, typed locally.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
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

/** The shipped module's path. */
export function peerWasmModulePath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'wasm', 'peer_kernel.wasm') : null;
}

/** The one instance: whichever context ran the last forward pass owns its memory. */
class PeerWasmEngine {
  private readonly x: PeerWasmExports;
  private cfg: PeerRawConfig | null = null;
  private sizes: number[] = [];
  owner: object | null = null;

  constructor(module: object) {
    const imports = { env: { hrnn_cancel_requested: () => Atomics.load(cancelWord, 0) } };
    this.x = new WebAssemblyApi.Instance(module, imports).exports as PeerWasmExports;
  }

  forward(owner: object, cfg: PeerRawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, seq: Float32Array | null): void {
    this.owner = null;
    this.cfg = null;
    const { kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon } = cfg;
    if (!this.x.peer_wasm_prepare(kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon, seq ? 1 : 0, 0, B)) {
      throw new Error(`fused-wasm: cannot lay out the peer kernel's memory (T=${T}, B=${B}, m=${m}: more than 4 GiB?)`);
    }
    // views are taken after prepare: it may grow the memory, which detaches older views
    params.forEach((p, i) => this.view(BUF.P0 + i, p.length).set(p));
    this.view(BUF.U, u.length).set(u);
    if (this.x.peer_wasm_forward() !== HRNN_DONE) throw new TrainingCancelled('fused-wasm: forward pass cancelled');
    out.set(this.view(BUF.OUT, out.length));
    if (seq) seq.set(this.view(BUF.SEQ, seq.length));
    this.sizes = params.map((p) => p.length);
    this.cfg = cfg;
    this.owner = owner;
  }

  /** gu is written only together with gseq (a layer of a stack); the op always passes both. */
  backward(gout: Float32Array, gseq: Float32Array | null, grads: Float32Array[], gu: Float32Array | null): void {
    if (!this.cfg) throw new Error('fused-wasm: backward without a forward pass');
    if (this.cfg.checkpointEvery === FORWARD_ONLY) throw new Error('fused-wasm: backward after a forward-only pass');
    this.view(BUF.GOUT, gout.length).set(gout);
    if (gseq) this.view(BUF.GSEQ, gseq.length).set(gseq);
    if (this.x.peer_wasm_backward(gseq ? 1 : 0) !== HRNN_DONE) throw new TrainingCancelled('fused-wasm: backward pass cancelled');
    this.sizes.forEach((n, i) => grads[i].set(this.view(BUF.G0 + i, n)));
    if (gu && gseq) gu.set(this.view(BUF.GU, gu.length));
  }

  private view(which: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, this.x.peer_wasm_buffer(which), n);
  }
}

class PeerWasmContext implements PeerRawContext {
  private last: { cfg: PeerRawConfig; params: Float32Array[]; u: Float32Array; seq: boolean } | null = null;
  constructor(private readonly engine: PeerWasmEngine) {}
  forward(cfg: PeerRawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, seq: Float32Array | null): void {
    this.last = null;
    this.engine.forward(this, cfg, params, u, out, seq);
    this.last = { cfg, params: params.map((p) => p.slice()), u, seq: seq !== null };
  }
  backward(gout: Float32Array, gseq: Float32Array | null, grads: Float32Array[], gu: Float32Array | null): void {
    if (!this.last) throw new Error('fused-wasm: backward without a forward pass');
    if (this.engine.owner !== this || (gseq && !this.last.seq)) {
      // another context ran in between (or the sequence buffers are needed): rebuild this one's pass
      const { cfg, params, u } = this.last;
      const wantSeq = this.last.seq || gseq !== null;
      this.engine.forward(this, cfg, params, u, new Float32Array(cfg.B * cfg.m), wantSeq ? new Float32Array(cfg.T * cfg.B * cfg.m) : null);
      this.last.seq = wantSeq;
    }
    if (gu && !gseq) throw new Error("fused-wasm: the inputs' gradient comes with gseq only");
    this.engine.backward(gout, gseq, grads, gu);
  }
  release(): void {
    this.last = null;
  }
}

export type PeerWasmLoadResult = { kernel: PeerRawKernel } | { reason: string };

let cached: PeerWasmLoadResult | undefined;

/** Compiles the shipped .wasm once; a reason instead when it is missing or cannot run here. */
export function loadWasmPeerKernel(): PeerWasmLoadResult {
  if (cached) return cached;
  const file = peerWasmModulePath();
  if (!file) return (cached = { reason: 'package root not found, so the wasm peer kernels cannot be located' });
  if (!fs.existsSync(file)) return (cached = { reason: `wasm peer kernels missing (${file})` });
  try {
    const engine = new PeerWasmEngine(new WebAssemblyApi.Module(fs.readFileSync(file)));
    const kernel: PeerRawKernel = {
      name: 'fused-wasm',
      description: 'WebAssembly SIMD (128-bit vectors), 1 thread',
      createContext: () => new PeerWasmContext(engine),
    };
    return (cached = { kernel });
  } catch (err) {
    return (cached = { reason: `wasm peer kernels failed to load (${file}): ${(err as Error).message}` });
  }
}
