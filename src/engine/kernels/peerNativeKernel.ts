/**
 * The peer kernels in the native Node addon (native/peer_napi.c, built into the same addon as the
 * Hamiltonian kernel, so it shares that addon's thread pool and cancel word). A call cancelled
 * through the shared cancel word (cancel.ts) throws TrainingCancelled.
 */
import { nativeAddonPath } from './artifacts';
import { TrainingCancelled } from './cancel';
import { loadNativeRawKernel } from './nativeKernel';
import type { PeerRawConfig, PeerRawContext, PeerRawKernel } from './peerTypes';

/** What the addon exports for the peers (see the comment at the top of native/peer_napi.c). */
interface PeerAddon {
  info(): { isa: string; vectorBits: number; threads: number };
  peerCreateContext(): object;
  peerForward(
    ctx: object,
    kind: number,
    T: number,
    B: number,
    d: number,
    m: number,
    checkpointEvery: number,
    dt: number,
    gamma: number,
    epsilon: number,
    params: readonly Float32Array[],
    u: Float32Array,
    out: Float32Array,
    seq: Float32Array | null,
  ): boolean;
  peerBackward(ctx: object, gout: Float32Array, gseq: Float32Array | null, grads: Float32Array[], gu: Float32Array | null): boolean;
  peerRelease(ctx: object): void;
}

class NativePeerContext implements PeerRawContext {
  private readonly handle: object;
  constructor(private readonly addon: PeerAddon) {
    this.handle = addon.peerCreateContext();
  }
  forward(cfg: PeerRawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, seq: Float32Array | null): void {
    const { kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon } = cfg;
    if (!this.addon.peerForward(this.handle, kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon, params, u, out, seq)) {
      throw new TrainingCancelled('fused-native: forward pass cancelled');
    }
  }
  backward(gout: Float32Array, gseq: Float32Array | null, grads: Float32Array[], gu: Float32Array | null): void {
    if (!this.addon.peerBackward(this.handle, gout, gseq, grads, gu)) throw new TrainingCancelled('fused-native: backward pass cancelled');
  }
  release(): void {
    this.addon.peerRelease(this.handle);
  }
}

export type PeerLoadResult = { kernel: PeerRawKernel } | { reason: string };

let cached: PeerLoadResult | undefined;

/** The peer kernels of the native addon; a reason instead when the addon is missing or predates them. */
export function loadNativePeerKernel(): PeerLoadResult {
  if (cached) return cached;
  // The Hamiltonian loader binds the cancel word and says why the addon is unusable.
  const base = loadNativeRawKernel();
  if (!('kernel' in base)) return (cached = { reason: base.reason });
  // require() caches by path: this is the very addon instance the Hamiltonian kernel uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require(nativeAddonPath()!) as Partial<PeerAddon>;
  if (typeof addon.peerForward !== 'function' || typeof addon.info !== 'function') {
    return (cached = { reason: 'the native addon was built without the peer kernels (rebuild: npm run build)' });
  }
  const full = addon as PeerAddon;
  const kernel: PeerRawKernel = { name: 'fused-native', description: base.kernel.description, createContext: () => new NativePeerContext(full) };
  return (cached = { kernel });
}
