#!/usr/bin/env node
// Builds the fused Hamiltonian RNN kernel (issue #5) from native/:
//   - the native Node addon native/build/Release/hrnn_kernel.node, with node-gyp (or the C compiler
//     directly when node-gyp is unusable). A missing compiler never fails the build: the shipped
//     WebAssembly kernel takes over at run time, and the runtime says which one runs.
//   - with --wasm: native/wasm/hrnn_kernel.wasm (clang --target=wasm32 -msimd128) and its record
//     native/wasm/hrnn_kernel.wasm.json, the peer kernels' peer_kernel.wasm (+ .json), and the
//     relaxed-SIMD builds of both, *.relaxed.wasm (+ .json), when a clang >= 16 is present. The .wasm
//     files are committed; test/unit/kernels/wasmBuild.test.ts and relaxedWasm.test.ts rebuild them
//     and check the results are byte-identical.
// Usage: node scripts/build-native.mjs [--wasm] [--force]
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const addonFile = path.join(nativeDir, 'build', 'Release', 'hrnn_kernel.node');
const wasmFile = path.join(nativeDir, 'wasm', 'hrnn_kernel.wasm');
const wasmRecord = wasmFile + '.json';
const peerWasmFile = path.join(nativeDir, 'wasm', 'peer_kernel.wasm');

const ADDON_SOURCES = [
  'hrnn_kernel.c',
  'hrnn_kernel.h',
  'kernel_simd.h',
  'aligned_buffer.h',
  'napi_args.h',
  'hrnn_napi.c',
  'binding.gyp',
  'peer_kernel.c',
  'peer_kernel.h',
  'peer_napi.c',
  'adam_kernel.c',
  'adam_kernel.h',
  'adam_napi.c',
];
/** The C files compiled into the addon (binding.gyp lists the same). */
const ADDON_C_SOURCES = ['hrnn_kernel.c', 'hrnn_napi.c', 'peer_kernel.c', 'peer_napi.c', 'adam_kernel.c', 'adam_napi.c'];
const WASM_SOURCES = ['hrnn_kernel.c', 'hrnn_kernel.h', 'kernel_simd.h', 'wasm_buffers.h', 'hrnn_wasm.c'];
/** The peer kernels' module (issue #10): the same flags, its own sources. */
const PEER_WASM_SOURCES = ['peer_kernel.c', 'peer_kernel.h', 'hrnn_kernel.h', 'kernel_simd.h', 'wasm_buffers.h', 'peer_wasm.c'];
/** Flags of the wasm build, relative source paths: the output depends only on these and clang's version. */
export const WASM_FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-mbulk-memory',
  '-ffp-contract=fast',
  '-fno-math-errno',
  '-nostdlib',
  '-std=gnu11',
  '-Wall',
  '-Wno-unused-function',
  '-Wl,--no-entry',
  '-Wl,-z,stack-size=1048576',
  '-Wl,--max-memory=4294967296',
  '-Wl,--strip-all',
];
const NATIVE_FLAGS = ['-O3', '-march=native', '-ffp-contract=fast', '-fno-math-errno', '-std=gnu11'];

function log(msg) {
  console.log(`[build-native] ${msg}`);
}

function has(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function newestMtime(files) {
  return Math.max(...files.map((f) => fs.statSync(path.join(nativeDir, f)).mtimeMs));
}

/** First line of `clang --version`, or null without clang. */
export function clangVersion() {
  const r = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
}

/**
 * The relaxed-SIMD builds (native/wasm/hrnn_kernel.relaxed.wasm, peer_kernel.relaxed.wasm): the same sources with
 * -mrelaxed-simd, so the GEMM tiles use f32x4.relaxed_madd (FMA where the CPU has it). The final
 * relaxed-SIMD opcodes need clang 16 or newer (clang 14 emits the withdrawn prototype's), so it is
 * built by the newest versioned clang found (Debian: apt-get install clang-19 lld-19).
 */
export const RELAXED_WASM_FLAGS = [...WASM_FLAGS.slice(0, 3), '-mrelaxed-simd', ...WASM_FLAGS.slice(3)];
const relaxedWasmFile = path.join(nativeDir, 'wasm', 'hrnn_kernel.relaxed.wasm');
/** The peer kernels' relaxed-SIMD build, from their own sources. */
const relaxedPeerWasmFile = path.join(nativeDir, 'wasm', 'peer_kernel.relaxed.wasm');

/** The newest clang-N (N >= 16) with its wasm-ld-N, and its version line; null when none. */
export function relaxedClang() {
  for (let n = 22; n >= 16; n--) {
    const r = spawnSync(`clang-${n}`, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && has(`wasm-ld-${n}`, ['--version'])) return { cc: `clang-${n}`, version: r.stdout.split('\n')[0].trim() };
  }
  return null;
}

function buildRelaxedWasm() {
  const clang = relaxedClang();
  if (!clang) {
    log('no clang >= 16 with wasm-ld: the committed native/wasm/*.relaxed.wasm stay as they are');
    return false;
  }
  for (const [file, sources, label] of [
    [relaxedWasmFile, WASM_SOURCES, 'relaxed-SIMD wasm kernel'],
    [relaxedPeerWasmFile, PEER_WASM_SOURCES, 'relaxed-SIMD wasm peer kernels'],
  ]) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    execFileSync(clang.cc, [...RELAXED_WASM_FLAGS, '-o', file, ...sources.filter((f) => f.endsWith('.c'))], {
      cwd: nativeDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const record = { clang: clang.version, compiler: clang.cc, flags: RELAXED_WASM_FLAGS, sources, sha256: sha256(file) };
    fs.writeFileSync(file + '.json', JSON.stringify(record, null, 2) + '\n');
    log(`${label}: ${path.relative(root, file)} (${fs.statSync(file).size} bytes, ${clang.version})`);
  }
  return true;
}

/** Compiles the wasm kernel to `outFile`; throws with clang's message on failure. */
export function compileWasm(outFile) {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  execFileSync('clang', [...WASM_FLAGS, '-o', outFile, 'hrnn_kernel.c', 'hrnn_wasm.c'], { cwd: nativeDir, stdio: ['ignore', 'inherit', 'inherit'] });
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function buildWasm() {
  const version = clangVersion();
  if (!version || !has('wasm-ld', ['--version'])) {
    log('clang or wasm-ld missing: the committed native/wasm/hrnn_kernel.wasm stays as it is');
    return false;
  }
  compileWasm(wasmFile);
  const record = { clang: version, flags: WASM_FLAGS, sources: WASM_SOURCES, sha256: sha256(wasmFile) };
  fs.writeFileSync(wasmRecord, JSON.stringify(record, null, 2) + '\n');
  log(`wasm kernel: ${path.relative(root, wasmFile)} (${fs.statSync(wasmFile).size} bytes, ${version})`);
  buildPeerWasm(version);
  return true;
}

/** The peer kernels' module and its record (peer_kernel.wasm.json), like the Hamiltonian's. */
function buildPeerWasm(version) {
  fs.mkdirSync(path.dirname(peerWasmFile), { recursive: true });
  const sources = PEER_WASM_SOURCES.filter((f) => f.endsWith('.c'));
  execFileSync('clang', [...WASM_FLAGS, '-o', peerWasmFile, ...sources], { cwd: nativeDir, stdio: ['ignore', 'inherit', 'inherit'] });
  const record = { clang: version, flags: WASM_FLAGS, sources: PEER_WASM_SOURCES, sha256: sha256(peerWasmFile) };
  fs.writeFileSync(peerWasmFile + '.json', JSON.stringify(record, null, 2) + '\n');
  log(`wasm peer kernels: ${path.relative(root, peerWasmFile)} (${fs.statSync(peerWasmFile).size} bytes)`);
}

/** The Node headers next to this node binary (Debian: /usr/include/node), or null. */
function nodeHeadersDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.resolve(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

function addonLoads(file) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)}).info()`], { stdio: 'ignore' });
  return r.status === 0;
}

// Both builders work in a private folder and move the finished addon into place with one rename:
// engineers sharing a checkout may run `npm run build` at the same time.
function buildWithNodeGyp(headers, dir) {
  const gyp = nodeGypScript();
  if (!gyp) return 'node-gyp not found';
  for (const f of ADDON_SOURCES) fs.copyFileSync(path.join(nativeDir, f), path.join(dir, f));
  const args = [gyp, 'rebuild', '--loglevel=warn'];
  if (headers) args.push(`--nodedir=${headers}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return `node-gyp failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`;
  return install(path.join(dir, 'build', 'Release', 'hrnn_kernel.node'));
}

/** Plain compiler call: a Node-API addon needs nothing but node_api.h (symbols resolve at load). */
function buildWithCompiler(headers, cc, dir) {
  if (!headers) return 'Node headers (include/node/node_api.h) not found';
  const out = path.join(dir, 'hrnn_kernel.node');
  const args = [
    ...NATIVE_FLAGS,
    '-shared',
    '-fPIC',
    '-DNAPI_VERSION=8',
    '-DNODE_GYP_MODULE_NAME=hrnn_kernel',
    `-I${path.join(headers, 'include', 'node')}`,
    ...ADDON_C_SOURCES,
    '-o',
    out,
    '-lpthread',
  ];
  const r = spawnSync(cc, args, { cwd: nativeDir, encoding: 'utf8' });
  if (r.status !== 0) return `${cc} failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
  return install(out);
}

/**
 * An addon for another machine (the prebuilt addons of the platform packages, scripts/package.mjs):
 * `cc` may be a cross compiler, `march` names the instruction-set level (never -march=native).
 * Throws with the compiler's message on failure. Headers: Node's include/node (node_api.h).
 */
export function compileAddonFor({ cc, march, out }) {
  const headers = nodeHeadersDir();
  if (!headers) throw new Error('Node headers (include/node/node_api.h) not found');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const flags = NATIVE_FLAGS.map((f) => (f === '-march=native' ? `-march=${march}` : f));
  const args = [...flags, '-shared', '-fPIC', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=hrnn_kernel', `-I${path.join(headers, 'include', 'node')}`];
  execFileSync(cc, [...args, ...ADDON_C_SOURCES, '-o', out, '-lpthread'], { cwd: nativeDir, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

/** Checks that a freshly built addon loads, then renames it into place. */
function install(built) {
  if (!fs.existsSync(built)) return 'no addon produced';
  if (!addonLoads(built)) return 'the built addon does not load';
  fs.mkdirSync(path.dirname(addonFile), { recursive: true });
  fs.renameSync(built, addonFile);
  return null;
}

function buildAddon(force) {
  if (!force && fs.existsSync(addonFile) && fs.statSync(addonFile).mtimeMs >= newestMtime(ADDON_SOURCES) && addonLoads(addonFile)) {
    log(`native addon up to date (${path.relative(root, addonFile)})`);
    return true;
  }
  const cc = ['cc', 'gcc', 'clang'].find((c) => has(c));
  if (!cc) {
    log('no C compiler (cc/gcc/clang): skipping the native addon; the WebAssembly kernel will run instead.');
    log('  for the fast path on Debian/Ubuntu: sudo apt-get install -y build-essential python3, then npm run build');
    return false;
  }
  const headers = nodeHeadersDir();
  const problems = [];
  fs.mkdirSync(path.join(nativeDir, 'build'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(nativeDir, 'build', 'tmp-'));
  try {
    for (const attempt of [() => buildWithNodeGyp(headers, dir), () => buildWithCompiler(headers, cc, dir)]) {
      const problem = attempt();
      if (!problem) {
        log(`native addon built: ${path.relative(root, addonFile)}`);
        return true;
      }
      problems.push(problem);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`native addon NOT built (${problems.join('; ')}); the WebAssembly kernel will run instead.`);
  if (fs.existsSync(addonFile) && !addonLoads(addonFile)) fs.rmSync(addonFile, { force: true });
  return false;
}

/** Never throws: the fused kernel is an accelerator, not a requirement. */
export function buildNativeKernel({ wasm = false, force = false } = {}) {
  try {
    buildAddon(force);
  } catch (err) {
    log(`native addon NOT built: ${err.message}`);
  }
  if (wasm) {
    buildWasm();
    buildRelaxedWasm();
  } else if (!fs.existsSync(wasmFile)) log(`warning: ${path.relative(root, wasmFile)} is missing (node scripts/build-native.mjs --wasm)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildNativeKernel({ wasm: process.argv.includes('--wasm'), force: process.argv.includes('--force') });
}
