/**
 * Picks the implementation of the Hamiltonian recurrence: a fused whole-sequence kernel (native
 * addon, else WebAssembly) when available, else the composite tfjs reference.
 * `model.implementation: fused` demands a kernel (an error when none loads); `tfjs` forces the reference.
 */
import type { ModelConfig } from '../../experiment/schema';
import { fusedKernelUnavailableReason, loadFusedKernel } from '../kernels';
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
