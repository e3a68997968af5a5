/**
 * Which compiled peer kernel runs here (issue #10), as index.ts does for the Hamiltonian:
 *   loadPeerFusedKernel('auto')   native addon if built with the peer kernels, else WebAssembly
 *   loadPeerFusedKernel('native') / ('wasm')   that one or null
 * peerKernelUnavailableReason() says why null came back.
 */
import type { KernelPreference } from './index';
import { loadNativePeerKernel } from './peerNativeKernel';
import { createPeerFusedKernel, type PeerFusedKernel } from './peerSequence';
import { loadWasmPeerKernel } from './peerWasmKernel';

/** A new fused peer kernel (own saved-state buffers), or null when none of the preferred kinds loads. */
export function loadPeerFusedKernel(preference: KernelPreference = 'auto'): PeerFusedKernel | null {
  if (preference === 'native' || preference === 'auto') {
    const native = loadNativePeerKernel();
    if ('kernel' in native) return createPeerFusedKernel(native.kernel);
    if (preference === 'native') return null;
  }
  const wasm = loadWasmPeerKernel();
  return 'kernel' in wasm ? createPeerFusedKernel(wasm.kernel) : null;
}

/** Why loadPeerFusedKernel(preference) returns null (null when it does not). */
export function peerKernelUnavailableReason(preference: KernelPreference = 'auto'): string | null {
  const native = loadNativePeerKernel();
  const wasm = loadWasmPeerKernel();
  if (preference === 'native') return 'kernel' in native ? null : native.reason;
  if (preference === 'wasm') return 'kernel' in wasm ? null : wasm.reason;
  if ('kernel' in native || 'kernel' in wasm) return null;
  return `no fused peer kernel: ${native.reason}; ${wasm.reason}`;
}
