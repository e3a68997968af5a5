/**
 * The hook that builds one recurrent layer of a given kind: the Hamiltonian cell or a peer cell,
 * each on its fused kernel when given one (native/hrnn_kernel.c, native/peer_kernel.c), else on the
 * composite ops.
 * No training loop, no I/O.
 */
import type { ModelConfig, ModelKind } from '../../experiment/schema';
import type { PeerFusedKernel } from '../kernels/peerSequence';
import type { FusedKernel } from '../kernels/types';
import type { Rng } from '../rng';
import type { RecurrentCell } from './cell';
import { HamiltonianCell } from './hamiltonian';
import { createPeerCell } from './peers';

/**
 * One layer of `kind` reading inputs of size `inputDim`. `kernel` (Hamiltonian) or `peerKernel`
 * (the others): the fused kernel this layer alone uses (it keeps the layer's saved states), or null
 * for the composite ops.
 */
export function createLayerCell(
  kind: ModelKind,
  inputDim: number,
  config: ModelConfig,
  rng: Rng,
  kernel: FusedKernel | null,
  peerKernel: PeerFusedKernel | null = null,
): RecurrentCell {
  return kind === 'hamiltonian' ? new HamiltonianCell(inputDim, config.hidden, config, rng, kernel) : createPeerCell(kind, inputDim, config, rng, peerKernel);
}
