/**
 * "Build Native Kernel" without VS Code: compiles the fused kernel's native addon from the C sources
 * and Node-API headers the package carries (native/*.c, native/include/) with the C compiler found
 * (cc, gcc, clang), for this machine's CPU (-march=native), into a folder outside the extension
 * (its global storage survives updates; the extension version is part of the path, so an update
 * never loads an addon built from older sources). The addon is loaded once in a separate process
 * before it is moved into place. Free of `vscode` (unit-tested in Node) and of the engine.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The flags of scripts/build-native.mjs (NATIVE_FLAGS), for the machine that compiles. */
const FLAGS = ['-O3', '-march=native', '-ffp-contract=fast', '-fno-math-errno', '-std=gnu11', '-shared', '-fPIC', '-DNAPI_VERSION=8'];

export interface NativeBuildTarget {
  /** The extension's folder (holds native/). */
  extensionPath: string;
  /** The extension's version: part of the output path. */
  version: string;
  /** Where built addons live (the extension's global storage). */
  storageDir: string;
}

export interface NativeBuildResult {
  file: string;
  compiler: string;
  /** What the addon reports: instruction set, vector width, threads. */
  info: { isa: string; vectorBits: number; threads: number };
}

/** Where the addon for this extension version and platform is (or will be) built. */
export function builtAddonPath(target: NativeBuildTarget): string {
  return path.join(target.storageDir, 'native', target.version, `${process.platform}-${process.arch}`, 'hrnn_kernel.node');
}

/** The first C compiler on PATH, or null. */
export async function findCompiler(candidates: readonly string[] = ['cc', 'gcc', 'clang']): Promise<string | null> {
  for (const cc of candidates) {
    try {
      await run(cc, ['--version']);
      return cc;
    } catch {
      // not installed: try the next
    }
  }
  return null;
}

/** The addon's info(), from a separate process (a broken addon cannot take the caller down). */
async function probe(file: string): Promise<NativeBuildResult['info']> {
  const { stdout } = await run(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(file)}).info()))`], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  return JSON.parse(stdout) as NativeBuildResult['info'];
}

export class NativeBuildError extends Error {}

/** Compiles, checks and installs the addon; throws NativeBuildError with the reason. */
export async function compileNativeKernel(target: NativeBuildTarget, compiler?: string): Promise<NativeBuildResult> {
  if (process.platform === 'win32') throw new NativeBuildError('building the native kernel on Windows is not supported; the WebAssembly kernel runs');
  const cc = compiler ?? (await findCompiler());
  if (!cc) throw new NativeBuildError('no C compiler found (cc, gcc or clang); on Debian/Ubuntu: sudo apt-get install build-essential');
  const nativeDir = path.join(target.extensionPath, 'native');
  const include = path.join(nativeDir, 'include');
  if (!fs.existsSync(path.join(include, 'node_api.h'))) throw new NativeBuildError(`the Node-API headers are missing from ${include}`);
  const sources = fs
    .readdirSync(nativeDir)
    .filter((f) => f.endsWith('.c') && !f.includes('wasm'))
    .sort();
  if (sources.length === 0) throw new NativeBuildError(`no C sources in ${nativeDir}`);
  const file = builtAddonPath(target);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // require() loads a native addon only by its .node extension
  const tmp = path.join(path.dirname(file), `hrnn_kernel.${process.pid}.tmp.node`);
  const args = [...FLAGS, ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []), `-I${include}`, ...sources, '-o', tmp, '-lpthread'];
  try {
    await run(cc, args, { cwd: nativeDir, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message).trim();
    throw new NativeBuildError(`${cc} failed: ${stderr.split('\n').slice(-4).join(' | ')}`);
  }
  let info: NativeBuildResult['info'];
  try {
    info = await probe(tmp);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new NativeBuildError(
      `the built addon does not load: ${String((e as { stderr?: string }).stderr ?? (e as Error).message)
        .trim()
        .split('\n')
        .pop()}`,
    );
  }
  fs.renameSync(tmp, file);
  return { file, compiler: cc, info };
}
