/**
 * The peer kernels' WebAssembly build (native/peer_kernel.c + peer_wasm.c compiled with
 * clang --target=wasm32 -msimd128 into native/wasm/peer_kernel.wasm; with -mrelaxed-simd into
 * peer_kernel.relaxed.wasm, which runs where the engine has relaxed SIMD: fused multiply-adds),
 * shipped in the package for machines without a C compiler.
 *
 * Threads as in the Hamiltonian's wasm kernel (wasmKernel.ts): the batch is split into shards of
 * at least 8 rows; the calling thread runs shard 0 in its own instance (peerWasmInstance.ts) and
 * each other shard runs in a worker thread (wasmThreads.ts, wasmWorker.ts) with its own, so that a
 * comparison with the Hamiltonian at equal wall time uses the same cores. The call stays
 * synchronous (wasmJobs.ts).
 * Every pass polls the shared cancel word (cancel.ts) between time steps; a cancelled call throws
 * TrainingCancelled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './artifacts';
import { cancelWord } from './cancel';
import { PeerWasmShard } from './peerWasmInstance';
import { type PeerRawConfig, type PeerRawContext, type PeerRawKernel } from './peerTypes';
import { compileWasmModule, copyShardRows, type WasmModule } from './wasmInstance';
import type { Range } from './wasmJobs';
import { pickWasmFile } from './wasmKernel';
import { runShards, shardBounds, SharedFloats, threadCount, WorkerShard, workerFile } from './wasmThreads';

/** The shipped module's path. */
export function peerWasmModulePath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'wasm', 'peer_kernel.wasm') : null;
}

/** The relaxed-SIMD build (FMA), used where the engine has relaxed SIMD, as the Hamiltonian's (wasmKernel.ts). */
export function relaxedPeerWasmModulePath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'wasm', 'peer_kernel.relaxed.wasm') : null;
}

/**
 * Everything behind the kernel: this thread's instance, the workers (one instance each), the
 * shared buffer. Whichever context ran the last forward pass owns the instances' workspaces.
 */
class PeerWasmEngine {
  private readonly local: PeerWasmShard;
  private readonly workers: WorkerShard[] = [];
  private readonly shared = new SharedFloats();
  private cfg: PeerRawConfig | null = null;
  private bounds: number[] = [];
  private sizes: number[] = [];
  owner: object | null = null;

  constructor(
    private readonly module: WasmModule,
    readonly threads: number,
  ) {
    this.local = new PeerWasmShard(module, cancelWord);
  }

  /** u: [T, B, d]; out: [B, m]; seq: null or [T, B, m] (every step's h, for a layer of a stack). */
  forward(owner: object, cfg: PeerRawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, seq: Float32Array | null): void {
    const bounds = shardBounds(cfg.B, this.threads);
    const shards = bounds.length - 1;
    while (this.workers.length < shards - 1) this.workers.push(new WorkerShard(this.module, 'peer'));
    this.owner = null;
    this.cfg = null;
    const { T, B, m } = cfg;
    let outRange: Range | undefined;
    let seqRange: Range | undefined;
    if (shards > 1) {
      const ranges = this.shared.forwardRanges(params, u, out.length, seq ? seq.length : 0);
      outRange = ranges.out;
      seqRange = ranges.seq;
      for (let i = 1; i < shards; i++) {
        this.workers[i - 1].post({ kind: 'peerForward', sab: this.shared.buffer, cfg, r0: bounds[i], r1: bounds[i + 1], ...ranges });
      }
    }
    runShards(() => (this.local.forward(cfg, bounds[0], bounds[1], params, u, !!seq) ? true : null), this.workers, shards - 1, 'forward');
    out.set(this.local.out().subarray(0, bounds[1] * m), 0);
    if (seq) copyShardRows(this.local.sequence(), seq, 0, T, B, m, 0, bounds[1]);
    if (outRange) {
      const data = new Float32Array(this.shared.buffer);
      out.set(data.subarray(outRange[0] + bounds[1] * m, outRange[0] + B * m), bounds[1] * m);
      if (seq && seqRange) copyShardRows(data.subarray(seqRange[0], seqRange[0] + seq.length), seq, 0, T, B, m, bounds[1], B);
    }
    this.cfg = cfg;
    this.bounds = bounds;
    this.sizes = params.map((p) => p.length);
    this.owner = owner;
  }

  /** gu is written only together with gseq (a layer of a stack). */
  backward(gout: Float32Array, gseq: Float32Array | null, grads: Float32Array[], gu: Float32Array | null): void {
    const cfg = this.cfg;
    if (!cfg) throw new Error('fused-wasm: backward without a forward pass');
    const shards = this.bounds.length - 1;
    const wantGu = !!(gu && gseq);
    const ranges = shards > 1 ? this.shared.backwardRanges(gout, this.sizes, 0, shards - 1, gseq, wantGu && gu ? gu.length : 0) : null;
    ranges?.shards.forEach((shard, i) =>
      this.workers[i].post({ kind: 'peerBackward', sab: this.shared.buffer, gout: ranges.gout, grads: shard.grads, gseq: ranges.gseq, gu: ranges.gu }),
    );
    const local = runShards(() => this.local.backward(gout, gseq, wantGu), this.workers, shards - 1, 'backward');
    local.grads.forEach((g, i) => grads[i].set(g));
    if (wantGu && gu && local.gu) {
      copyShardRows(local.gu, gu, 0, cfg.T, cfg.B, cfg.d, 0, this.bounds[1]);
      if (ranges?.gu) copyShardRows(new Float32Array(this.shared.buffer, ranges.gu[0] * 4, gu.length), gu, 0, cfg.T, cfg.B, cfg.d, this.bounds[1], cfg.B);
    }
    if (ranges) this.shared.addWorkerGradients(ranges, grads);
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
  const { file, relaxed } = pickWasmFile(peerWasmModulePath(), relaxedPeerWasmModulePath());
  if (!file) return (cached = { reason: 'package root not found, so the wasm peer kernels cannot be located' });
  if (!fs.existsSync(file)) return (cached = { reason: `wasm peer kernels missing (${file})` });
  try {
    const module = compileWasmModule(fs.readFileSync(file));
    // Without the worker's file (a bundle built without its target) a worker would never answer:
    // run on this thread only, and say so.
    const workerMissing = !fs.existsSync(workerFile);
    const engine = new PeerWasmEngine(module, workerMissing ? 1 : threadCount());
    const threads = workerMissing ? `1 thread (${workerFile} missing)` : `up to ${engine.threads} thread${engine.threads === 1 ? '' : 's'} (worker_threads)`;
    const kernel: PeerRawKernel = {
      name: 'fused-wasm',
      description: `WebAssembly SIMD (128-bit vectors)${relaxed ? ', relaxed SIMD (FMA)' : ''}, ${threads}`,
      createContext: () => new PeerWasmContext(engine),
    };
    return (cached = { kernel });
  } catch (err) {
    return (cached = { reason: `wasm peer kernels failed to load (${file}): ${(err as Error).message}` });
  }
}
