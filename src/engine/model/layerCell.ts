/**
 * The hook that builds one recurrent layer of a given kind: the Hamiltonian cell (fused kernel or
 * composite ops) or a peer cell (composite ops). Fused peer kernels plug in here: give
 * `createPeerCell` a kernel the way the Hamiltonian cell gets one, and every layer of a stack uses it.
 * No training loop, no I/O.
 */
import type { ModelConfig, ModelKind } from '../../experiment/schema';
import type { FusedKernel } from '../kernels/types';
import type { Rng } from '../rng';
import type { RecurrentCell } from './cell';
import { HamiltonianCell } from './hamiltonian';
import { createPeerCell } from './peers';

/**
 * One layer of `kind` reading inputs of size `inputDim`. `kernel`: the fused kernel this layer
 * alone uses (it keeps the layer's saved states), or null for the composite ops.
 */
export function createLayerCell(kind: ModelKind, inputDim: number, config: ModelConfig, rng: Rng, kernel: FusedKernel | null): RecurrentCell {
  return kind === 'hamiltonian' ? new HamiltonianCell(inputDim, config.hidden, config, rng, kernel) : createPeerCell(kind, inputDim, config, rng);
}
