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

/** The relaxed-SIMD WebAssembly build (FMA), used where the engine has relaxed SIMD (wasmKernel.ts). */
export function relaxedWasmModulePath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'wasm', 'hrnn_kernel.relaxed.wasm') : null;
}

/** The WebAssembly build shipped in the package (rebuilt by scripts/build-native.mjs when clang is present). */
export function wasmModulePath(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'native', 'wasm', 'hrnn_kernel.wasm') : null;
}

/**
 * A native addon built outside the package, by path: the extension's "Build Native Kernel" command
 * compiles one into its global storage (which survives updates) and passes it to trainers this way.
 */
export const NATIVE_ADDON_ENV = 'HRNN_NATIVE_ADDON';

/** `<platform>-<arch>` as in `vsce package --target` (linux-x64, linux-arm64, darwin-arm64, ...). */
export function platformTarget(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform === 'win32' ? 'win32' : platform}-${arch}`;
}

/**
 * The prebuilt variants a CPU can run, fastest first: folder names under native/prebuilt/<target>/.
 * x64 ships three instruction-set levels (x86-64-v4 = AVX-512, v3 = AVX2 + FMA, and the SSE2
 * baseline); `cpuFlags` are the flags of /proc/cpuinfo (unknown flags: the baseline only). Other
 * architectures ship one build for their baseline (NEON on arm64).
 */
export function prebuiltVariants(arch: string, cpuFlags: ReadonlySet<string> | null): string[] {
  if (arch !== 'x64') return ['baseline'];
  const has = (...flags: string[]) => !!cpuFlags && flags.every((f) => cpuFlags.has(f));
  const v3 = has('avx', 'avx2', 'fma', 'bmi1', 'bmi2', 'f16c', 'movbe');
  const v4 = v3 && has('avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl');
  return [...(v4 ? ['x86-64-v4'] : []), ...(v3 ? ['x86-64-v3'] : []), 'x86-64'];
}

/** The flags of the first CPU in /proc/cpuinfo (Linux), else null. */
function cpuFlags(): Set<string> | null {
  try {
    const line = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    return line ? new Set(line[1].trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

/** The prebuilt addon a platform package carries for this machine's CPU, when there is one. */
export function prebuiltAddonPath(): string | null {
  const root = packageRoot();
  if (!root) return null;
  const dir = path.join(root, 'native', 'prebuilt', platformTarget());
  if (!fs.existsSync(dir)) return null;
  for (const variant of prebuiltVariants(process.arch, process.arch === 'x64' ? cpuFlags() : null)) {
    const file = path.join(dir, variant, 'hrnn_kernel.node');
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/**
 * Where a native addon may be, in the order the loader tries them: the one named by
 * HRNN_NATIVE_ADDON (built for this machine by the extension), the one built in this checkout
 * (`npm run build`), and the package's prebuilt one. Only files that exist.
 */
export function nativeAddonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [env[NATIVE_ADDON_ENV] || null, nativeAddonPath(), prebuiltAddonPath()];
  return [...new Set(candidates.filter((f): f is string => !!f && fs.existsSync(f)))];
}
