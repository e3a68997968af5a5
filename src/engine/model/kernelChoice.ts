/**
 * Picks the implementation of the Hamiltonian recurrence: a fused kernel (issue #5) when asked for
 * or available, else the composite tfjs reference.
 */
import type { ModelConfig } from '../../experiment/schema';
import type { FusedKernel } from '../kernels/types';

export function chooseKernel(model: ModelConfig, log: (level: 'info' | 'warn' | 'error', message: string) => void): FusedKernel | null {
  if (model.kind !== 'hamiltonian' || model.implementation === 'tfjs') return null;
  // The fused kernels are not wired in yet.
  if (model.implementation === 'fused') throw new Error('model.implementation: fused was requested, but no fused kernel is available in this build');
  log('info', 'recurrence: composite tfjs ops (no fused kernel available)');
  return null;
}
