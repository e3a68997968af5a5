/**
 * The WebAssembly build of the fused kernel (native/hrnn_kernel.c compiled with
 * clang --target=wasm32 -msimd128), shipped in the package for machines without a C compiler.
 * Where the engine has WebAssembly relaxed SIMD (VS Code's Electron, Node 22; Node 20 behind a V8
 * flag, which this module sets at run time) the second build, hrnn_kernel.relaxed.wasm, runs
 * instead: the same code with fused multiply-adds. HRNN_WASM_RELAXED=0 keeps the plain build.
 *
 * Threads: the batch is split into shards; the calling thread runs shard 0 in its own instance and
 * each extra shard runs in a worker thread (wasmThreads.ts; wasmWorker.ts, started from
 * `wasmWorker.js` beside this code) with its own instance. The call stays synchronous: see the
 * protocol in wasmJobs.ts.
 *
 * Cancelling: every instance reads the shared cancel word (cancel.ts) between time steps, so a
 * call stops early when another thread, or the native addon's signal handler where the addon is
 * loaded, sets it; this thread, blocked in the call, cannot run a JS signal listener itself. The
 * call then waits for every worker to finish its job (the channel stays in step) and throws
 * TrainingCancelled.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import { relaxedWasmModulePath, wasmModulePath } from './artifacts';
import { cancelWord } from './cancel';
import { parameterSizes, type RawConfig, type RawContext, type RawDrift, type RawKernel } from './rawKernel';
import { compileWasmModule, copyShardRows, WasmShard, type WasmModule } from './wasmInstance';
import type { Range } from './wasmJobs';
import { runShards, shardBounds, SharedFloats, threadCount, WorkerShard, workerFile } from './wasmThreads';

/** Everything behind the wasm kernel: this thread's instance, the workers, the shared buffer. */
class WasmEngine {
  private readonly local: WasmShard;
  private readonly workers: WorkerShard[] = [];
  private readonly shared = new SharedFloats();
  private cfg: RawConfig | null = null;
  private bounds: number[] = [];
  /** the context whose forward pass the instances hold */
  owner: object | null = null;

  constructor(
    private readonly module: WasmModule,
    readonly threads: number,
  ) {
    this.local = new WasmShard(module, cancelWord);
  }

  /** ys (stacked layers): [T, B, m], receives every y_n. */
  forward(owner: object, cfg: RawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, ys: Float32Array | null = null): void {
    const bounds = shardBounds(cfg.B, this.threads);
    const shards = bounds.length - 1;
    while (this.workers.length < shards - 1) this.workers.push(new WorkerShard(this.module));
    this.owner = null;
    this.cfg = null;
    const w = 2 * cfg.m;
    let ysRange: Range | undefined;
    if (shards > 1) {
      const { params: pr, u: ur, out: outRange, seq } = this.shared.forwardRanges(params, u, out.length, ys ? ys.length : 0);
      ysRange = seq;
      for (let i = 1; i < shards; i++) {
        this.workers[i - 1].post({
          kind: 'forward',
          sab: this.shared.buffer,
          cfg,
          r0: bounds[i],
          r1: bounds[i + 1],
          params: pr,
          u: ur,
          out: outRange,
          ys: ysRange,
        });
      }
    }
    const local = runShards(() => this.local.forward(cfg, bounds[0], bounds[1], params, u, !!ys), this.workers, shards - 1, 'forward');
    if (ys) {
      copyShardRows(this.local.positions(), ys, 0, cfg.T, cfg.B, cfg.m, bounds[0], bounds[1]);
      if (ysRange) copyShardRows(new Float32Array(this.shared.buffer, ysRange[0] * 4, ys.length), ys, 0, cfg.T, cfg.B, cfg.m, bounds[1], cfg.B);
    }
    out.set(local.subarray(0, bounds[1] * w), 0);
    if (shards > 1) {
      const data = new Float32Array(this.shared.buffer);
      const base = params.reduce((s, p) => s + p.length, 0) + u.length;
      out.set(data.subarray(base + bounds[1] * w, base + cfg.B * w), bounds[1] * w);
    }
    this.cfg = cfg;
    this.bounds = bounds;
    this.owner = owner;
    this.sequences = !!ys;
  }

  /** Whether the saved forward pass wrote every y_n (stacked layers): what backward's gys needs. */
  sequences = false;

  /** gys, gu (stacked layers, after a forward with ys): see RawContext.backward. */
  backward(gout: Float32Array, grads: Float32Array[], gys: Float32Array | null = null, gu: Float32Array | null = null): RawDrift {
    const cfg = this.cfg;
    if (!cfg) throw new Error('fused-wasm: backward without a forward pass');
    const shards = this.bounds.length - 1;
    if ((gys || gu) && !this.sequences) throw new Error('fused-wasm: stacked-layer gradients need a forward pass with ys');
    // each worker's gradients are followed by its drift (max error, max state)
    const ranges = shards > 1 ? this.shared.backwardRanges(gout, parameterSizes(cfg), 2, shards - 1, gys, gu ? gu.length : 0) : null;
    ranges?.shards.forEach((shard, i) =>
      this.workers[i].post({
        kind: 'backward',
        sab: this.shared.buffer,
        gout: ranges.gout,
        grads: shard.grads,
        drift: shard.extra,
        gys: ranges.gseq,
        gu: ranges.gu,
      }),
    );
    let local: NonNullable<ReturnType<WasmShard['backward']>>;
    try {
      local = runShards(() => this.local.backward(gout, gys, !!gu), this.workers, shards - 1, 'backward');
    } catch (err) {
      // reversible mode rebuilt the states in place: whatever stopped it, they are gone
      this.cfg = null;
      this.owner = null;
      throw err;
    }
    local.grads.forEach((g, i) => grads[i].set(g));
    if (gu && local.gu) {
      copyShardRows(local.gu, gu, 0, cfg.T, cfg.B, cfg.d, this.bounds[0], this.bounds[1]);
      if (ranges?.gu) copyShardRows(new Float32Array(this.shared.buffer, ranges.gu[0] * 4, gu.length), gu, 0, cfg.T, cfg.B, cfg.d, this.bounds[1], cfg.B);
    }
    let maxError = local.drift[0];
    let maxState = local.drift[1];
    if (ranges) {
      this.shared.addWorkerGradients(ranges, grads);
      const data = new Float32Array(this.shared.buffer);
      for (const { extra } of ranges.shards) {
        maxError = Math.max(maxError, data[extra[0]]);
        maxState = Math.max(maxState, data[extra[0] + 1]);
      }
    }
    return { maxError, maxState };
  }
}

class WasmContext implements RawContext {
  private last: { cfg: RawConfig; params: Float32Array[]; u: Float32Array; sequences: boolean } | null = null;
  constructor(private readonly engine: WasmEngine) {}
  forward(cfg: RawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, ys: Float32Array | null = null): void {
    this.last = null; // a forward pass that throws (cancelled) leaves none to differentiate
    this.engine.forward(this, cfg, params, u, out, ys);
    this.last = { cfg, params: params.map((p) => p.slice()), u, sequences: !!ys };
  }
  backward(gout: Float32Array, grads: Float32Array[], gys: Float32Array | null = null, gu: Float32Array | null = null): RawDrift {
    if (!this.last) throw new Error('fused-wasm: backward without a forward pass');
    if (this.engine.owner !== this) {
      // another context ran a forward pass in between: rebuild this one's saved states
      const { cfg, params, u, sequences } = this.last;
      const ys = sequences ? new Float32Array(cfg.T * cfg.B * cfg.m) : null;
      this.engine.forward(this, cfg, params, u, new Float32Array(cfg.B * 2 * cfg.m), ys);
    }
    return this.engine.backward(gout, grads, gys, gu);
  }
  release(): void {
    this.last = null;
  }
}

export type LoadResult = { kernel: RawKernel } | { reason: string };

let cached: LoadResult | undefined;

/** A module of one function using f32x4.relaxed_madd: it validates only where relaxed SIMD runs. */
const RELAXED_SIMD_PROBE = Uint8Array.of(
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version
  ...[0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b], // type: (v128, v128, v128) -> v128
  ...[0x03, 0x02, 0x01, 0x00], // one function of that type
  ...[0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b], // local.get 0 1 2; f32x4.relaxed_madd
);

const validate = (bytes: Uint8Array): boolean => (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes);

let relaxedSupport: boolean | undefined;

/**
 * Whether this engine runs WebAssembly relaxed SIMD. Node 20's V8 (11.3) has it behind
 * --experimental-wasm-relaxed-simd: the flag is set here, at run time, only when the probe fails
 * without it (newer engines never see it), so forked trainers and `hrnn` from a shell both get it.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupport !== undefined) return relaxedSupport;
  if (validate(RELAXED_SIMD_PROBE)) return (relaxedSupport = true);
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // an engine without the flag: the plain build runs
  }
  return (relaxedSupport = validate(RELAXED_SIMD_PROBE));
}

/** The build to run: the relaxed-SIMD one where it exists and runs here (and is not turned off), else the plain one. */
export function pickWasmFile(plainFile: string | null, relaxedFile: string | null): { file: string | null; relaxed: boolean } {
  if (process.env.HRNN_WASM_RELAXED !== '0' && relaxedFile && fs.existsSync(relaxedFile) && relaxedSimdSupported()) return { file: relaxedFile, relaxed: true };
  return { file: plainFile, relaxed: false };
}

/** Compiles the shipped .wasm once; a reason instead when it is missing or cannot run here. */
export function loadWasmRawKernel(): LoadResult {
  if (cached) return cached;
  const { file, relaxed } = pickWasmFile(wasmModulePath(), relaxedWasmModulePath());
  if (!file) return (cached = { reason: 'package root not found, so the wasm kernel cannot be located' });
  if (!fs.existsSync(file)) return (cached = { reason: `wasm kernel missing (${file})` });
  try {
    const module = compileWasmModule(fs.readFileSync(file));
    // Without the worker's file (a bundle built without its target) a worker would never answer
    // and the caller would wait for ever: run on this thread only, and say so.
    const workerMissing = !fs.existsSync(workerFile);
    const engine = new WasmEngine(module, workerMissing ? 1 : threadCount());
    const bits = new WasmShard(module, cancelWord).vectorBits();
    const threads = `up to ${engine.threads} thread${engine.threads === 1 ? '' : 's'} (worker_threads)`;
    const kernel: RawKernel = {
      name: 'fused-wasm',
      description: `WebAssembly SIMD (${bits}-bit vectors)${relaxed ? ', relaxed SIMD (FMA)' : ''}, ${workerMissing ? `1 thread (${workerFile} missing)` : threads}`,
      stateSequences: true,
      createContext: () => new WasmContext(engine),
    };
    return (cached = { kernel });
  } catch (err) {
    return (cached = { reason: `wasm kernel failed to load (${file}): ${(err as Error).message}` });
  }
}
