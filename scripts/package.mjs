#!/usr/bin/env node
// `npm run package`: builds the .vsix files of a release into build/:
//   hamiltonian-rnn-lab-linux-x64.vsix    with the native kernel prebuilt for x86-64 (three
//                                         instruction-set levels, picked at run time from the CPU's
//                                         flags: src/engine/kernels/artifacts.ts), each loaded here
//                                         once before it ships;
//   hamiltonian-rnn-lab-linux-arm64.vsix  when a cross compiler (aarch64-linux-gnu-gcc) is present:
//                                         checked with `file` only (it cannot load on this machine);
//   hamiltonian-rnn-lab.vsix              universal, for every other platform: the WebAssembly
//                                         kernel, and the "Build Native Kernel" command.
// Every package also carries the kernel's C sources and the Node-API headers (native/include/),
// which that command compiles. One production build serves all packages: `vsce package` runs the
// prepublish build, which HRNN_PACKAGE_BUILT tells to do nothing. Usage: node scripts/package.mjs
// [--targets linux-x64,linux-arm64,universal]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAddonFor } from './build-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build');
const prebuiltDir = path.join(root, 'native', 'prebuilt');
const NODE_API_HEADERS = ['node_api.h', 'node_api_types.h', 'js_native_api.h', 'js_native_api_types.h'];

/** The prebuilt variants of each platform target (folder names: src/engine/kernels/artifacts.ts). */
const TARGETS = {
  'linux-x64': {
    cc: ['cc', 'gcc', 'clang'],
    variants: { 'x86-64-v4': 'x86-64-v4', 'x86-64-v3': 'x86-64-v3', 'x86-64': 'x86-64' },
    native: 'x64',
    file: /x86-64/,
  },
  'linux-arm64': { cc: ['aarch64-linux-gnu-gcc'], variants: { baseline: 'armv8-a' }, native: 'arm64', file: /ARM aarch64/ },
};

const argTargets = process.argv.indexOf('--targets');
const wanted = argTargets > 0 ? process.argv[argTargets + 1].split(',') : ['linux-x64', 'linux-arm64', 'universal'];

function log(msg) {
  console.log(`[package] ${msg}`);
}

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Compiles the target's variants into native/prebuilt/<target>/<variant>/; a reason when it cannot. */
function buildPrebuilt(target) {
  const spec = TARGETS[target];
  const cc = spec.cc.find(has);
  if (!cc) return `no compiler for ${target} (${spec.cc.join(', ')})`;
  fs.rmSync(path.join(prebuiltDir, target), { recursive: true, force: true });
  for (const [variant, march] of Object.entries(spec.variants)) {
    const out = compileAddonFor({ cc, march, out: path.join(prebuiltDir, target, variant, 'hrnn_kernel.node') });
    const kind = execFileSync('file', ['-b', out], { encoding: 'utf8' }).trim();
    if (!spec.file.test(kind)) throw new Error(`${out} is not a ${target} object: ${kind}`);
    let check = `file: ${kind.split(',').slice(0, 2).join(',')}`;
    if (process.platform === 'linux' && process.arch === spec.native) {
      // Loads it where this CPU can run the variant (the others are checked by the same compiler only).
      const r = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(out)}).info()))`], { encoding: 'utf8' });
      check = r.status === 0 ? `loads: ${r.stdout.trim()}` : `does not run on this CPU (${(r.stderr || '').trim().split('\n').pop() || r.signal})`;
    }
    log(`${target}/${variant} (-march=${march}, ${cc}): ${check}`);
  }
  return null;
}

/** The C sources and Node-API headers the "Build Native Kernel" command compiles. */
function copyNodeApiHeaders() {
  const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  const dest = path.join(root, 'native', 'include');
  fs.mkdirSync(dest, { recursive: true });
  for (const h of NODE_API_HEADERS) fs.copyFileSync(path.join(headers, h), path.join(dest, h));
}

/** A .vscodeignore for one package: the shared one, plus this target's prebuilt addons. */
function ignoreFileFor(target) {
  const lines = [fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8')];
  if (target !== 'universal') lines.push('# scripts/package.mjs: this package’s prebuilt addons', `!native/prebuilt/${target}/*/hrnn_kernel.node`);
  const file = path.join(buildDir, `vscodeignore-${target}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function vsixSizes(file) {
  const list = execFileSync('unzip', ['-l', file], { encoding: 'utf8' }).trim().split('\n');
  const total = list[list.length - 1].trim().split(/\s+/)[0];
  return `${(fs.statSync(file).size / 1e6).toFixed(1)} MB packed, ${(Number(total) / 1e6).toFixed(1)} MB unpacked`;
}

fs.mkdirSync(buildDir, { recursive: true });
log('production build (bundles, schema, MNIST archives)');
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production', '--no-tsc'], { cwd: root, stdio: 'inherit' });
copyNodeApiHeaders();
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const made = [];
for (const target of wanted) {
  if (target !== 'universal') {
    if (!TARGETS[target]) throw new Error(`unknown target ${target} (known: ${Object.keys(TARGETS).join(', ')}, universal)`);
    const problem = buildPrebuilt(target);
    if (problem) {
      log(`skipping ${target}: ${problem}; the universal package serves it`);
      continue;
    }
  }
  const out = path.join(buildDir, target === 'universal' ? 'hamiltonian-rnn-lab.vsix' : `hamiltonian-rnn-lab-${target}.vsix`);
  // The README's images are relative (docs/images/, shipped in the package): VS Code shows them from
  // the installed extension, so vsce must not rewrite them to a repository URL (there is none).
  const args = [
    vsce,
    'package',
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
    '--skip-license',
    '--ignoreFile',
    ignoreFileFor(target),
    '--out',
    out,
  ];
  if (target !== 'universal') args.push('--target', target);
  execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, HRNN_PACKAGE_BUILT: '1' } });
  made.push(out);
  log(`${path.relative(root, out)}: ${vsixSizes(out)}`);
}
if (made.length === 0) process.exit(1);
