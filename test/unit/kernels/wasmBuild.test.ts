/**
 * The WebAssembly kernels are committed build artifacts (machines without a compiler need them):
 * the Hamiltonian's (native/wasm/hrnn_kernel.wasm) and the peers' (peer_kernel.wasm, issue #10).
 * This checks each is exactly what its sources produce: rebuilt with the recorded clang version and
 * flags, the file must be byte-identical (refresh with `node scripts/build-native.mjs --wasm`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, wasmModulePath } from '../../../src/engine/kernels/artifacts';
import { peerWasmModulePath } from '../../../src/engine/kernels/peerWasmKernel';

interface WasmRecord {
  clang: string;
  flags: string[];
  sources: string[];
  sha256: string;
}

const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

for (const { label, wasmFile } of [
  { label: 'wasm kernel', wasmFile: wasmModulePath()! },
  { label: 'wasm peer kernels', wasmFile: peerWasmModulePath()! },
]) {
  describe(`committed ${label}`, () => {
    const record = JSON.parse(fs.readFileSync(wasmFile + '.json', 'utf8')) as WasmRecord;
    const name = path.basename(wasmFile);

    it('matches its build record', () => {
      assert.equal(sha256(fs.readFileSync(wasmFile)), record.sha256);
    });

    it('is byte-identical to a fresh build of native/ with the recorded clang and flags', function () {
      const version = spawnSync('clang', ['--version'], { encoding: 'utf8' });
      const installed = version.status === 0 ? version.stdout.split('\n')[0].trim() : null;
      if (installed !== record.clang || spawnSync('wasm-ld', ['--version']).status !== 0) {
        // Another compiler version cannot reproduce the bytes. CI installs the recorded one
        // (scripts/setup-toolchain.sh), so there the check must run, never skip.
        const why = `needs ${record.clang} and wasm-ld (found ${installed ?? 'no clang'})`;
        if (process.env.CI) assert.fail(`the committed ${label} cannot be checked: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-wasm-')), name);
      const sources = record.sources.filter((s) => s.endsWith('.c'));
      const r = spawnSync('clang', [...record.flags, '-o', out, ...sources], { cwd: path.join(packageRoot()!, 'native'), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const fresh = fs.readFileSync(out);
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
      assert.equal(
        sha256(fresh),
        sha256(fs.readFileSync(wasmFile)),
        `native/wasm/${name} is stale: run \`node scripts/build-native.mjs --wasm\` and commit it`,
      );
    });
  });
}
