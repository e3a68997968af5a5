/**
 * Which fused kernel runs: the loader prefers the native addon, falls back to the shipped wasm
 * build, and says why a kind is unavailable.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { nativeAddonPath, wasmModulePath } from '../../../src/engine/kernels/artifacts';
import { describeFusedKernels, fusedKernelUnavailableReason, loadFusedKernel } from '../../../src/engine/kernels';

describe('fused kernel loader', () => {
  it('describes both kernels, and the shipped wasm build is always available', () => {
    const statuses = describeFusedKernels();
    assert.deepEqual(
      statuses.map((s) => s.name),
      ['fused-native', 'fused-wasm'],
    );
    assert.ok(fs.existsSync(wasmModulePath()!));
    const wasm = statuses[1];
    assert.ok(wasm.available, wasm.detail);
    assert.match(wasm.detail, /WebAssembly SIMD \(128-bit vectors\)/);
    assert.equal(fusedKernelUnavailableReason('wasm'), null);
  });

  it("'auto' picks the native addon when it is built, with its instruction set in the description", () => {
    const native = describeFusedKernels()[0];
    const built = fs.existsSync(nativeAddonPath()!);
    assert.equal(native.available, built, native.detail);
    const kernel = loadFusedKernel('auto')!;
    assert.equal(kernel.name, built ? 'fused-native' : 'fused-wasm');
    if (built) {
      assert.match(kernel.description, /^native addon, \S+ \(\d+-bit vectors\), \d+ threads?$/);
      assert.equal(fusedKernelUnavailableReason('native'), null);
    } else {
      assert.equal(loadFusedKernel('native'), null);
      assert.match(fusedKernelUnavailableReason('native') ?? '', /native addon not built/);
    }
    kernel.dispose();
  });
});
