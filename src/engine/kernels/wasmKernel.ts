/**
 * The WebAssembly build of the fused kernel (native/hrnn_kernel.c compiled with
 * clang --target=wasm32 -msimd128), shipped in the package for machines without a C compiler.
 *
 * Threads: the batch is split into shards; the calling thread runs shard 0 in its own instance and
 * each extra shard runs in a worker thread with its own instance. The call stays synchronous: jobs
 * go out through MessagePorts (read with receiveMessageOnPort), inputs and results through one
 * SharedArrayBuffer, and the caller blocks in Atomics.wait until every worker is done.
 */
import fs from 'node:fs';
import os from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { wasmModulePath } from './artifacts';
import { parameterSizes, type RawConfig, type RawContext, type RawDrift, type RawKernel } from './rawKernel';

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly:
// the few parts used here, typed locally.
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Exports of native/hrnn_wasm.c. */
interface WasmExports {
  memory: { buffer: ArrayBuffer };
  hrnn_wasm_prepare(
    variant: number, backprop: number, T: number, B: number, d: number, m: number, k: number,
    anchorEvery: number, tau: number, alpha: number, r0: number, r1: number,
  ): number;
  hrnn_wasm_buffer(which: number): number;
  hrnn_wasm_forward(): void;
  hrnn_wasm_backward(): void;
  hrnn_wasm_vector_bits(): number;
}

/** Buffer numbers of hrnn_wasm_buffer (the enum in native/hrnn_wasm.c). */
const BUF = { P0: 0, U: 4, OUT: 5, GOUT: 6, G0: 7, DRIFT: 11 } as const;

/** One wasm instance = one shard of batch rows. Used in this thread and (as source) in the workers. */
class Shard {
  readonly x: WasmExports;
  constructor(module: WasmModule) {
    this.x = new WebAssemblyApi.Instance(module, {}).exports as WasmExports;
  }
  view(which: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer, this.x.hrnn_wasm_buffer(which), n);
  }
  prepare(c: RawConfig, r0: number, r1: number): void {
    const ok = this.x.hrnn_wasm_prepare(c.variant, c.backprop, c.T, c.B, c.d, c.m, c.k, c.anchorEvery, c.tau, c.alpha, r0, r1);
    if (!ok) throw new Error(`fused-wasm: cannot lay out the kernel's memory (T=${c.T}, B=${c.B}, m=${c.m}: more than 4 GiB?)`);
  }
}

/*
 * The worker's code (plain CommonJS, run with eval so the bundle needs no extra file). Control
 * words (Int32Array over a SharedArrayBuffer): [0] job number posted, [1] job number done, [2]
 * status of the last job (0 ok, 1 failed: the message follows on the port).
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { module, control, port } = workerData;
const ctl = new Int32Array(control);
const x = new WebAssembly.Instance(module, {}).exports;
const view = (which, n) => new Float32Array(x.memory.buffer, x.hrnn_wasm_buffer(which), n);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  const job = Atomics.load(ctl, 0);
  if (job === seen) continue;
  seen = job;
  let status = 0;
  try {
    let msg;
    while (!(msg = receiveMessageOnPort(port))) Atomics.wait(ctl, 3, 0, 1);
    const j = msg.message;
    const data = new Float32Array(j.sab);
    const at = (r) => data.subarray(r[0], r[0] + r[1]);
    if (j.kind === 'forward') {
      const c = j.cfg;
      if (!x.hrnn_wasm_prepare(c.variant, c.backprop, c.T, c.B, c.d, c.m, c.k, c.anchorEvery, c.tau, c.alpha, j.r0, j.r1)) {
        throw new Error('fused-wasm worker: cannot lay out the kernel memory');
      }
      for (let i = 0; i < j.params.length; i++) view(${BUF.P0} + i, j.params[i][1]).set(at(j.params[i]));
      view(${BUF.U}, j.u[1]).set(at(j.u));
      x.hrnn_wasm_forward();
      const w = 2 * c.m;
      data.set(view(${BUF.OUT}, c.B * w).subarray(j.r0 * w, j.r1 * w), j.out[0] + j.r0 * w);
    } else {
      view(${BUF.GOUT}, j.gout[1]).set(at(j.gout));
      x.hrnn_wasm_backward();
      for (let i = 0; i < j.grads.length; i++) data.set(view(${BUF.G0} + i, j.grads[i][1]), j.grads[i][0]);
      data.set(view(${BUF.DRIFT}, 2), j.drift[0]);
    }
  } catch (e) {
    status = 1;
    port.postMessage(String((e && e.stack) || e));
  }
  Atomics.store(ctl, 2, status);
  Atomics.store(ctl, 1, job);
  Atomics.notify(ctl, 1);
}
`;

/** [offset, length] in floats inside the shared buffer */
type Range = [number, number];

interface ForwardJob {
  kind: 'forward';
  sab: SharedArrayBuffer;
  cfg: RawConfig;
  r0: number;
  r1: number;
  params: Range[];
  u: Range;
  out: Range;
}
interface BackwardJob {
  kind: 'backward';
  sab: SharedArrayBuffer;
  gout: Range;
  grads: Range[];
  drift: Range;
}

class WorkerShard {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  private readonly port: MessagePort;
  private posted = 0;
  constructor(module: WasmModule) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, control: this.control.buffer, port: channel.port2 },
      transferList: [channel.port2],
    });
    this.worker.unref();
    this.port.unref();
  }
  post(job: ForwardJob | BackwardJob): void {
    this.port.postMessage(job);
    this.posted += 1;
    Atomics.store(this.control, 0, this.posted);
    Atomics.notify(this.control, 0);
  }
  /** Blocks until the posted job is done; throws the worker's error if it failed. */
  wait(): void {
    for (;;) {
      const done = Atomics.load(this.control, 1);
      if (done === this.posted) break;
      Atomics.wait(this.control, 1, done, 1000);
    }
    if (Atomics.load(this.control, 2) !== 0) {
      const msg = receiveMessageOnPort(this.port);
      throw new Error(`fused-wasm worker failed: ${msg ? String(msg.message) : 'unknown error'}`);
    }
  }
}

/** Everything behind the wasm kernel: this thread's instance, the workers, the shared buffer. */
class WasmEngine {
  private readonly local: Shard;
  private readonly workers: WorkerShard[] = [];
  private sab = new SharedArrayBuffer(0);
  private cfg: RawConfig | null = null;
  private bounds: number[] = [];
  /** the context whose forward pass the instances hold */
  owner: object | null = null;

  constructor(private readonly module: WasmModule, readonly threads: number) {
    this.local = new Shard(module);
  }

  private floats(n: number): Float32Array {
    if (this.sab.byteLength < n * 4) this.sab = new SharedArrayBuffer(Math.ceil(n * 1.25) * 4);
    return new Float32Array(this.sab);
  }

  forward(owner: object, cfg: RawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array): void {
    const shards = Math.max(1, Math.min(this.threads, Math.floor(cfg.B / 8)));
    const bounds: number[] = [];
    for (let i = 0; i <= shards; i++) bounds.push(Math.floor((cfg.B * i) / shards));
    while (this.workers.length < shards - 1) this.workers.push(new WorkerShard(this.module));
    this.owner = null;
    const w = 2 * cfg.m;
    if (shards > 1) {
      const total = params.reduce((s, p) => s + p.length, 0) + u.length + out.length;
      const data = this.floats(total);
      let off = 0;
      const put = (a: Float32Array): Range => {
        data.set(a, off);
        const r: Range = [off, a.length];
        off += a.length;
        return r;
      };
      const pr = params.map(put);
      const ur = put(u);
      const outRange: Range = [off, out.length];
      for (let i = 1; i < shards; i++) {
        this.workers[i - 1].post({ kind: 'forward', sab: this.sab, cfg, r0: bounds[i], r1: bounds[i + 1], params: pr, u: ur, out: outRange });
      }
    }
    const L = this.local;
    L.prepare(cfg, bounds[0], bounds[1]);
    params.forEach((p, i) => L.view(BUF.P0 + i, p.length).set(p));
    L.view(BUF.U, u.length).set(u);
    L.x.hrnn_wasm_forward();
    out.set(L.view(BUF.OUT, out.length).subarray(0, bounds[1] * w), 0);
    if (shards > 1) {
      for (let i = 1; i < shards; i++) this.workers[i - 1].wait();
      const data = new Float32Array(this.sab);
      const base = params.reduce((s, p) => s + p.length, 0) + u.length;
      out.set(data.subarray(base + bounds[1] * w, base + cfg.B * w), bounds[1] * w);
    }
    this.cfg = cfg;
    this.bounds = bounds;
    this.owner = owner;
  }

  backward(gout: Float32Array, grads: Float32Array[]): RawDrift {
    const cfg = this.cfg;
    if (!cfg) throw new Error('fused-wasm: backward without a forward pass');
    const shards = this.bounds.length - 1;
    const sizes = parameterSizes(cfg);
    const perShard = sizes.reduce((s, n) => s + n, 0) + 2;
    let gradBase = 0;
    if (shards > 1) {
      const data = this.floats(gout.length + (shards - 1) * perShard);
      data.set(gout, 0);
      gradBase = gout.length;
      for (let i = 1; i < shards; i++) {
        let off = gradBase + (i - 1) * perShard;
        const gr: Range[] = sizes.map((n) => {
          const r: Range = [off, n];
          off += n;
          return r;
        });
        this.workers[i - 1].post({ kind: 'backward', sab: this.sab, gout: [0, gout.length], grads: gr, drift: [off, 2] });
      }
    }
    const L = this.local;
    L.view(BUF.GOUT, gout.length).set(gout);
    L.x.hrnn_wasm_backward();
    sizes.forEach((n, i) => grads[i].set(L.view(BUF.G0 + i, n)));
    const d0 = L.view(BUF.DRIFT, 2);
    let maxError = d0[0];
    let maxState = d0[1];
    if (shards > 1) {
      for (let i = 1; i < shards; i++) this.workers[i - 1].wait();
      const data = new Float32Array(this.sab);
      for (let i = 1; i < shards; i++) {
        let off = gradBase + (i - 1) * perShard;
        for (let t = 0; t < sizes.length; t++) {
          const g = grads[t];
          for (let j = 0; j < sizes[t]; j++) g[j] += data[off + j];
          off += sizes[t];
        }
        maxError = Math.max(maxError, data[off]);
        maxState = Math.max(maxState, data[off + 1]);
      }
    }
    return { maxError, maxState };
  }
}

class WasmContext implements RawContext {
  private last: { cfg: RawConfig; params: Float32Array[]; u: Float32Array } | null = null;
  constructor(private readonly engine: WasmEngine) {}
  forward(cfg: RawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array): void {
    this.engine.forward(this, cfg, params, u, out);
    this.last = { cfg, params: params.map((p) => p.slice()), u };
  }
  backward(gout: Float32Array, grads: Float32Array[]): RawDrift {
    if (!this.last) throw new Error('fused-wasm: backward without a forward pass');
    if (this.engine.owner !== this) {
      // another context ran a forward pass in between: rebuild this one's saved states
      const { cfg, params, u } = this.last;
      this.engine.forward(this, cfg, params, u, new Float32Array(cfg.B * 2 * cfg.m));
    }
    return this.engine.backward(gout, grads);
  }
  release(): void {
    this.last = null;
  }
}

export type LoadResult = { kernel: RawKernel } | { reason: string };

let cached: LoadResult | undefined;

function threadCount(): number {
  const env = Number(process.env.HRNN_THREADS);
  if (Number.isInteger(env) && env > 0) return Math.min(env, 64);
  return Math.max(1, Math.min(64, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length));
}

/** Compiles the shipped .wasm once; a reason instead when it is missing or cannot run here. */
export function loadWasmRawKernel(): LoadResult {
  if (cached) return cached;
  const file = wasmModulePath();
  if (!file) return (cached = { reason: 'package root not found, so the wasm kernel cannot be located' });
  if (!fs.existsSync(file)) return (cached = { reason: `wasm kernel missing (${file})` });
  try {
    const module = new WebAssemblyApi.Module(fs.readFileSync(file));
    const engine = new WasmEngine(module, threadCount());
    const bits = new Shard(module).x.hrnn_wasm_vector_bits();
    const kernel: RawKernel = {
      name: 'fused-wasm',
      description: `WebAssembly SIMD (${bits}-bit vectors), up to ${engine.threads} thread${engine.threads === 1 ? '' : 's'} (worker_threads)`,
      createContext: () => new WasmContext(engine),
    };
    return (cached = { kernel });
  } catch (err) {
    return (cached = { reason: `wasm kernel failed to load (${file}): ${(err as Error).message}` });
  }
}
