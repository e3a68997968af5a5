/**
 * The fused whole-sequence Hamiltonian RNN operation (issue #5): which compiled kernel runs here.
 *
 *   loadFusedKernel('auto')   native addon if built and loadable, else the shipped WebAssembly build
 *   loadFusedKernel('native') the native addon or null
 *   loadFusedKernel('wasm')   the WebAssembly build or null
 * When null comes back, fusedKernelUnavailableReason() / describeFusedKernels() say why.
 */
import { createFusedKernel, type FusedKernelWithStats } from './fusedSequence';
import { loadNativeRawKernel } from './nativeKernel';
import { loadWasmRawKernel } from './wasmKernel';

export type { FusedKernel, FusedSequenceOptions, SequenceInputs, BackpropMode, HamiltonianVariant } from './types';
export type { FusedKernelWithStats } from './fusedSequence';

export type KernelPreference = 'auto' | 'native' | 'wasm';

export interface FusedKernelStatus {
  name: 'fused-native' | 'fused-wasm';
  available: boolean;
  /** what runs (when available) or why not */
  detail: string;
}

/** Both compiled kernels, available or not, with a line each for logs and `hrnn` diagnostics. */
export function describeFusedKernels(): FusedKernelStatus[] {
  const native = loadNativeRawKernel();
  const wasm = loadWasmRawKernel();
  return [
    { name: 'fused-native', available: 'kernel' in native, detail: 'kernel' in native ? native.kernel.description : native.reason },
    { name: 'fused-wasm', available: 'kernel' in wasm, detail: 'kernel' in wasm ? wasm.kernel.description : wasm.reason },
  ];
}

/** A new fused kernel (own saved-state buffers), or null when none of the preferred kinds loads. */
export function loadFusedKernel(preference: KernelPreference = 'auto'): FusedKernelWithStats | null {
  if (preference === 'native' || preference === 'auto') {
    const native = loadNativeRawKernel();
    if ('kernel' in native) return createFusedKernel(native.kernel);
    if (preference === 'native') return null;
  }
  const wasm = loadWasmRawKernel();
  return 'kernel' in wasm ? createFusedKernel(wasm.kernel) : null;
}

/** Why loadFusedKernel(preference) returns null (null when it does not). */
export function fusedKernelUnavailableReason(preference: KernelPreference = 'auto'): string | null {
  const native = loadNativeRawKernel();
  const wasm = loadWasmRawKernel();
  if (preference === 'native') return 'kernel' in native ? null : native.reason;
  if (preference === 'wasm') return 'kernel' in wasm ? null : wasm.reason;
  if ('kernel' in native || 'kernel' in wasm) return null;
  return `no fused kernel: ${native.reason}; ${wasm.reason}`;
}
