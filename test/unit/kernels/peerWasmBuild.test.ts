/**
 * The peer kernels' WebAssembly module (native/wasm/peer_kernel.wasm, issue #10) is a committed
 * build artifact like the Hamiltonian's: rebuilt with the recorded clang version and flags, it must
 * be byte-identical (refresh with `node scripts/build-native.mjs --wasm`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../../src/engine/kernels/artifacts';
import { peerWasmModulePath } from '../../../src/engine/kernels/peerWasmKernel';

interface WasmRecord {
  clang: string;
  flags: string[];
  sources: string[];
  sha256: string;
}

const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

describe('committed wasm peer kernels', () => {
  const wasmFile = peerWasmModulePath()!;
  const record = JSON.parse(fs.readFileSync(wasmFile + '.json', 'utf8')) as WasmRecord;

  it('matches its build record', () => {
    assert.equal(sha256(fs.readFileSync(wasmFile)), record.sha256);
  });

  it('is byte-identical to a fresh build of native/ with the recorded clang and flags', function () {
    const version = spawnSync('clang', ['--version'], { encoding: 'utf8' });
    const installed = version.status === 0 ? version.stdout.split('\n')[0].trim() : null;
    if (installed !== record.clang || spawnSync('wasm-ld', ['--version']).status !== 0) {
      const why = `needs ${record.clang} and wasm-ld (found ${installed ?? 'no clang'})`;
      if (process.env.CI) assert.fail(`the committed wasm peer kernels cannot be checked: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'peer-wasm-')), 'peer_kernel.wasm');
    const sources = record.sources.filter((s) => s.endsWith('.c'));
    const r = spawnSync('clang', [...record.flags, '-o', out, ...sources], { cwd: path.join(packageRoot()!, 'native'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const fresh = fs.readFileSync(out);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    assert.equal(
      sha256(fresh),
      sha256(fs.readFileSync(wasmFile)),
      'native/wasm/peer_kernel.wasm is stale: run `node scripts/build-native.mjs --wasm` and commit it',
    );
  });
});
