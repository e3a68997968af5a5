/**
 * Where the compiled kernels live inside the package, found from wherever this code runs
 * (esbuild bundle in dist/, tsc output in out/, tests).
 */
import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'hamiltonian-rnn-lab';

let cachedRoot: string | null | undefined;

/** The package root (the folder of this project's package.json), or null if not found. */
export function packageRoot(): string | null {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === PACKAGE_NAME) return (cachedRoot = dir);
    } catch {
      // no package.json here; look one level up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return (cachedRoot = null);
}

/** The native addon built by scripts/build-native.mjs (node-gyp in native/). */
export function nativeAddonPath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'build', 'Release', 'hrnn_kernel.node') : null;
}

/** The WebAssembly build shipped in the package (rebuilt by scripts/build-native.mjs when clang is present). */
export function wasmModulePath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'wasm', 'hrnn_kernel.wasm') : null;
}
