/**
 * The peer kernels' WebAssembly build (native/peer_wasm.c): not built yet.
 */
import type { PeerRawKernel } from './peerTypes';

export type PeerWasmLoadResult = { kernel: PeerRawKernel } | { reason: string };

export function loadWasmPeerKernel(): PeerWasmLoadResult {
  return { reason: 'the WebAssembly build of the peer kernels does not exist yet' };
}
