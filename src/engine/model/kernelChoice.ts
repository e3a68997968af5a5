/**
 * Picks the implementation of the recurrence (Hamiltonian, and the peers since issue #10): a fused whole-sequence kernel (native
 * addon, else WebAssembly) when available, else the composite tfjs reference.
 * `model.implementation: fused` demands a kernel (an error when none loads); `tfjs` forces the reference.
 */
import type { ModelConfig } from '../../experiment/schema';
import { fusedKernelUnavailableReason, loadFusedKernel } from '../kernels';
import { loadPeerFusedKernel, peerKernelUnavailableReason } from '../kernels/peerKernels';
import type { PeerFusedKernel } from '../kernels/peerSequence';
import type { FusedKernel } from '../kernels/types';

export function chooseKernel(model: ModelConfig, log: (level: 'info' | 'warn' | 'error', message: string) => void): FusedKernel | null {
  if (model.kind !== 'hamiltonian' || model.implementation === 'tfjs') return null;
  const kernel = loadFusedKernel('auto');
  if (kernel) return kernel;
  const reason = fusedKernelUnavailableReason('auto') ?? 'no fused kernel loaded';
  if (model.implementation === 'fused') throw new Error(`model.implementation is "fused" but ${reason}`);
  log('warn', `recurrence: composite tfjs ops, slower (${reason})`);
  return null;
}

/** The same choice for the peer cells (tanh RNN, LSTM, GRU, coRNN; issue #10): their fused kernel, or null. */
export function choosePeerKernel(model: ModelConfig, log: (level: 'info' | 'warn' | 'error', message: string) => void): PeerFusedKernel | null {
  if (model.kind === 'hamiltonian' || model.implementation === 'tfjs') return null;
  const kernel = loadPeerFusedKernel('auto');
  if (kernel) return kernel;
  const reason = peerKernelUnavailableReason('auto') ?? 'no fused peer kernel loaded';
  if (model.implementation === 'fused') throw new Error(`model.implementation is "fused" but ${reason}`);
  log('warn', `recurrence: composite tfjs ops, slower (${reason})`);
  return null;
}
