/**
 * The contract between the peer cells (tanh RNN, LSTM, GRU, coRNN; model/peers.ts) and their fused
 * whole-sequence kernels (native/peer_kernel.h, issue #10): plain Float32Arrays in the cells' own
 * variable order and layouts, no tensors. peerSequence.ts turns one into a tfjs operation.
 * Depends on nothing but the experiment schema's kind names.
 */
import type { ModelKind } from '../../experiment/schema';

export type PeerKind = Exclude<ModelKind, 'hamiltonian'>;

/** PEER_* in native/peer_kernel.h */
export const PEER_KIND_CODE: Record<PeerKind, number> = { 'tanh-rnn': 0, lstm: 1, gru: 2, cornn: 3 };

/** PEER_FORWARD_ONLY in native/peer_kernel.h: a pass without gradient keeps no states. */
export const FORWARD_ONLY = -1;

/** Numeric configuration, in the compiled code's own encoding. */
export interface PeerRawConfig {
  kind: number;
  T: number;
  B: number;
  d: number;
  m: number;
  /** 0: keep every step for the backward pass; k > 0: keep a state every k steps and recompute; FORWARD_ONLY: keep nothing */
  checkpointEvery: number;
  /** coRNN only (0 elsewhere) */
  dt: number;
  gamma: number;
  epsilon: number;
}

/**
 * One forward pass's saved state. forward() replaces it; backward() needs the forward just before.
 * u: [T, B, d]; out: [B, m] = h_T; seq (optional): [T, B, m] every step's h.
 */
export interface PeerRawContext {
  forward(cfg: PeerRawConfig, params: readonly Float32Array[], u: Float32Array, out: Float32Array, seq: Float32Array | null): void;
  /**
   * gout: [B, m]; gseq: null or [T, B, m] (then the forward pass must have had seq); fills grads
   * (same layouts as params) and, when given, gu [T, B, d] with the gradient of the inputs.
   */
  backward(gout: Float32Array, gseq: Float32Array | null, grads: Float32Array[], gu: Float32Array | null): void;
  release(): void;
}

export interface PeerRawKernel {
  /** `fused-native` or `fused-wasm` */
  readonly name: string;
  readonly description: string;
  createContext(): PeerRawContext;
}

/** Element counts of the parameter arrays, in peers.ts' variable order (peer_kernel.h). */
export function peerParameterSizes(kind: PeerKind, d: number, m: number): number[] {
  const gate = [d * m, m * m, m];
  switch (kind) {
    case 'tanh-rnn':
      return gate;
    case 'lstm':
      return [...gate, ...gate, ...gate, ...gate];
    case 'gru':
      return [0, 1, 2].flatMap(() => [d * m, m * m, m, m]);
    case 'cornn':
      return [d * m, m * m, m * m, m];
  }
}

/** Floats the kernel keeps per batch row and step when it stores every step (state + activations). */
export function peerStoredFloatsPerStep(kind: PeerKind, m: number): number {
  const gates = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
  return 2 * m + gates * m + (kind === 'gru' ? m : 0);
}
