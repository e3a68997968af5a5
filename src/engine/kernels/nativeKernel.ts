/**
 * The native Node addon (native/hrnn_napi.c, built by scripts/build-native.mjs with node-gyp, or
 * prebuilt in a platform package, or built by the extension into its storage: artifacts.ts):
 * vectorised for the build machine's instruction set, batch split over a persistent thread pool.
 * A call cancelled through the shared cancel word (cancel.ts) throws TrainingCancelled.
 */
import { nativeAddonCandidates, nativeAddonPath, platformTarget } from './artifacts';
import { cancelWord, TrainingCancelled } from './cancel';
import type { RawConfig, RawContext, RawDrift, RawKernel } from './rawKernel';

/** What the addon exports (see the comment at the top of native/hrnn_napi.c). */
interface NativeAddon {
  info(): { isa: string; vectorBits: number; threads: number };
  createContext(): object;
  forward(
    ctx: object,
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
    p0: Float32Array,
    p1: Float32Array,
    p2: Float32Array,
    p3: Float32Array | null,
    u: Float32Array,
    out: Float32Array,
    ys?: Float32Array | null,
  ): boolean;
  backward(
    ctx: object,
    gout: Float32Array,
    g0: Float32Array,
    g1: Float32Array,
    g2: Float32Array,
    g3: Float32Array | null,
    gys?: Float32Array | null,
    gu?: Float32Array | null,
  ): [number, number] | null;
  release(ctx: object): void;
  bindCancelWord(word: Int32Array): void;
  installSignalHandlers(): boolean;
}

class NativeContext implements RawContext {
  private readonly handle: object;
  constructor(private readonly addon: NativeAddon) {
    this.handle = addon.createContext();
  }
  forward(cfg: RawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, ys?: Float32Array | null): void {
    // the stacked-layer arrays only when asked for: the single-layer call stays the 17-argument one
    const extra: [Float32Array | null] | [] = ys ? [ys] : [];
    const done = this.addon.forward(
      this.handle,
      cfg.variant,
      cfg.backprop,
      cfg.T,
      cfg.B,
      cfg.d,
      cfg.m,
      cfg.k,
      cfg.anchorEvery,
      cfg.tau,
      cfg.alpha,
      params[0],
      params[1],
      params[2],
      params[3] ?? null,
      u,
      out,
      ...extra,
    );
    if (!done) throw new TrainingCancelled('fused-native: forward pass cancelled');
  }
  backward(gout: Float32Array, grads: Float32Array[], gys?: Float32Array | null, gu?: Float32Array | null): RawDrift {
    const extra: [Float32Array | null, Float32Array | null] | [] = gys || gu ? [gys ?? null, gu ?? null] : [];
    const drift = this.addon.backward(this.handle, gout, grads[0], grads[1], grads[2], grads[3] ?? null, ...extra);
    if (!drift) throw new TrainingCancelled('fused-native: backward pass cancelled');
    const [maxError, maxState] = drift;
    return { maxError, maxState };
  }
  release(): void {
    this.addon.release(this.handle);
  }
}

export type LoadResult = { kernel: RawKernel } | { reason: string };

let cached: LoadResult | undefined;
let loadedAddon: NativeAddon | null = null;

/**
 * Installs the addon's SIGINT/SIGTERM handler, once per process (the CLI's trainer asks for it).
 * It sets the cancel word, so a signal stops a kernel call that blocks the main thread, then hands
 * the signal on to Node's handler (the JS listeners run once the thread is free); a second SIGINT
 * while the word is set ends the process at once with status 130. Node must already listen for
 * both signals (process.on): libuv replaces any handler when a signal's first JS listener is added.
 * False when the addon is not available here (or the platform has no such signals).
 */
export function installNativeSignalHandlers(): boolean {
  if (process.platform === 'win32') return false;
  if (!('kernel' in loadNativeRawKernel()) || !loadedAddon) return false;
  return loadedAddon.installSignalHandlers();
}

/** The loaded addon's module (for its other entry points, such as the optimizer's), or null when none loads. */
export function nativeAddonModule(): object | null {
  return 'kernel' in loadNativeRawKernel() ? loadedAddon : null;
}

/** Loads the addon once (the first candidate that loads: artifacts.ts); a reason instead when none does. */
export function loadNativeRawKernel(): LoadResult {
  if (cached) return cached;
  const candidates = nativeAddonCandidates();
  if (candidates.length === 0) {
    const where = nativeAddonPath();
    if (!where) return (cached = { reason: 'package root not found, so the native addon cannot be located' });
    return (cached = {
      reason: `native addon not built (no prebuilt addon for ${platformTarget()} in this package, and ${where} is missing; run \`npm run build\` with a C compiler installed)`,
    });
  }
  const failures: string[] = [];
  for (const file of candidates) {
    try {
      cached = { kernel: loadAddon(file) };
      return cached;
    } catch (err) {
      failures.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return (cached = { reason: `native addon failed to load (${failures.join('; ')})` });
}

function loadAddon(file: string): RawKernel {
  // A native addon found at run time: only require() loads a .node file (the bundles keep it external).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require(file) as NativeAddon;
  const info = addon.info();
  addon.bindCancelWord(cancelWord);
  loadedAddon = addon;
  return {
    name: 'fused-native',
    description: `native addon, ${info.isa} (${info.vectorBits}-bit vectors), ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    stateSequences: true,
    createContext: () => new NativeContext(addon),
  };
}
