/**
 * The relaxed-SIMD WebAssembly build (fused multiply-adds): it runs here (Node 20 gets the V8 flag
 * at run time), gives the plain SIMD build's results to 1e-5, and is what its sources produce with
 * the recorded compiler.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, relaxedWasmModulePath, wasmModulePath } from '../../../src/engine/kernels/artifacts';
import { cancelWord } from '../../../src/engine/kernels/cancel';
import { parameterSizes, type RawConfig } from '../../../src/engine/kernels/rawKernel';
import { compileWasmModule, WasmShard } from '../../../src/engine/kernels/wasmInstance';
import { relaxedSimdSupported } from '../../../src/engine/kernels/wasmKernel';

function random(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

function run(file: string, cfg: RawConfig): { out: Float32Array; grads: Float32Array[] } {
  const shard = new WasmShard(compileWasmModule(fs.readFileSync(file)), cancelWord);
  const params = parameterSizes(cfg).map((n, i) => random(n, 11 + i, 0.5));
  const u = random(cfg.T * cfg.B * cfg.d, 7, 1);
  const out = shard.forward(cfg, 0, cfg.B, params, u)!.slice();
  const back = shard.backward(random(cfg.B * 2 * cfg.m, 5, 1))!;
  return { out, grads: back.grads.map((g) => g.slice()) };
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: relaxed ${a[i]} vs plain ${b[i]}`);
  }
}

describe('relaxed-SIMD wasm kernel', () => {
  const relaxedFile = relaxedWasmModulePath()!;

  it('runs on this Node (relaxed SIMD, with the V8 flag on Node 20)', () => {
    assert.ok(fs.existsSync(relaxedFile), relaxedFile);
    assert.equal(relaxedSimdSupported(), true);
  });

  for (const variant of [0, 1] as const) {
    for (const backprop of [0, 1] as const) {
      it(`gives the plain build's results to 1e-5 (${variant ? 'diagonal' : 'full'}, ${backprop ? 'reversible' : 'stored'})`, () => {
        const m = 20;
        const cfg: RawConfig = { variant, backprop, T: 30, B: 5, d: 3, m, k: variant ? m : 24, anchorEvery: backprop ? 8 : 0, tau: 0.1, alpha: 0.5 };
        const relaxed = run(relaxedFile, cfg);
        const plain = run(wasmModulePath()!, cfg);
        assertClose(relaxed.out, plain.out, 'out');
        relaxed.grads.forEach((g, i) => assertClose(g, plain.grads[i], `grad ${i}`));
      });
    }
  }

  it('is byte-identical to a fresh build with the recorded compiler and flags', function () {
    const record = JSON.parse(fs.readFileSync(relaxedFile + '.json', 'utf8')) as {
      clang: string;
      compiler: string;
      flags: string[];
      sources: string[];
      sha256: string;
    };
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    assert.equal(sha(fs.readFileSync(relaxedFile)), record.sha256, 'matches its build record');
    const version = spawnSync(record.compiler, ['--version'], { encoding: 'utf8' });
    if (version.status !== 0 || version.stdout.split('\n')[0].trim() !== record.clang) {
      console.log(`      skipped: needs ${record.clang} (${record.compiler}; Debian: apt-get install clang-19 lld-19)`);
      this.skip();
    }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-wasm-')), 'relaxed.wasm');
    const r = spawnSync(record.compiler, [...record.flags, '-o', out, ...record.sources.filter((s) => s.endsWith('.c'))], {
      cwd: path.join(packageRoot()!, 'native'),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const fresh = fs.readFileSync(out);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    assert.equal(sha(fresh), record.sha256, 'native/wasm/hrnn_kernel.relaxed.wasm is stale: run `node scripts/build-native.mjs --wasm` and commit it');
  });
});
