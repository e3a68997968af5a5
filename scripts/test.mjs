#!/usr/bin/env node
// `npm test`: every test, in the order that fails fastest. Installs the compilers the kernel tests
// need (first run only), builds once (the native addon included), then
//   0. ESLint and the prettier format check (`npm run lint`),
//   1. unit tests (mocha in Node: engine, kernels, experiment format, CLI processes, extension logic, webview core),
//      then the Slurm cluster tests (a real one-node Slurm cluster started by the tests, as root or under CI),
//   2. the test host: Debian's chromium and code-server (VS Code 1.100.3) into .vscode-test/ (first run only),
//   3. browser tests of the plots webview and the HTML report (headless chromium),
//   4. integration tests in a real VS Code (code-server + chromium, driven by playwright).
// Each stage runs even when an earlier one failed, so one run shows every failure; the exit code is
// non-zero if any failed.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

const stages = [
  { name: 'toolchain setup', cmd: 'bash', args: ['scripts/setup-toolchain.sh'], required: true },
  { name: 'build', cmd: node, args: ['scripts/build.mjs'], required: true },
  { name: 'lint and format check', cmd: 'npm', args: ['run', '--silent', 'lint'] },
  { name: 'unit tests', cmd: node, args: [mocha, 'out/test/unit/**/*.test.js'] },
  // A real one-node Slurm cluster (slurmctld, slurmd, munge) in a temporary folder: sweeps as job arrays.
  { name: 'Slurm cluster tests', cmd: node, args: [mocha, 'out/test/slurm/**/*.test.js'] },
  { name: 'test host setup', cmd: 'bash', args: ['scripts/setup-vscode-host.sh'], required: true },
  { name: 'webview browser tests', cmd: node, args: [mocha, 'out/test/browser/**/*.test.js'] },
  { name: 'VS Code integration tests', cmd: node, args: ['scripts/run-vscode-tests.mjs'] },
];

const results = [];
for (const stage of stages) {
  const t0 = Date.now();
  console.log(`\n=== ${stage.name} ===`);
  const r = spawnSync(stage.cmd, stage.args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  results.push({ name: stage.name, ok, seconds: (Date.now() - t0) / 1000 });
  if (!ok && stage.required) {
    console.error(`\n${stage.name} failed: later stages need it, stopping here.`);
    break;
  }
}
console.log('\n=== summary ===');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name} (${r.seconds.toFixed(0)} s)`);
const failed = results.filter((r) => !r.ok).length + (results.length < stages.length ? 1 : 0);
process.exit(failed ? 1 : 0);
