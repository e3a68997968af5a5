/**
 * The relaxed-SIMD WebAssembly builds (fused multiply-adds) of the Hamiltonian's kernel and the peer
 * kernels: they run here (Node 20 gets the V8 flag at run time), give the plain SIMD builds' results
 * to 1e-5, and are what their sources produce with the recorded compiler.
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
import { PeerWasmShard } from '../../../src/engine/kernels/peerWasmInstance';
import { peerWasmModulePath, relaxedPeerWasmModulePath } from '../../../src/engine/kernels/peerWasmKernel';
import { PEER_KIND_CODE, peerParameterSizes, type PeerKind, type PeerRawConfig } from '../../../src/engine/kernels/peerTypes';
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

/** One pass of a peer kernel build on one thread: h_T, every step's h, the parameter and input gradients. */
function runPeer(file: string, kind: PeerKind, cfg: PeerRawConfig): { out: Float32Array; seq: Float32Array; grads: Float32Array[]; gu: Float32Array } {
  const shard = new PeerWasmShard(compileWasmModule(fs.readFileSync(file)), cancelWord);
  const params = peerParameterSizes(kind, cfg.d, cfg.m).map((n, i) => random(n, 11 + i, 0.5));
  assert.ok(shard.forward(cfg, 0, cfg.B, params, random(cfg.T * cfg.B * cfg.d, 7, 1), true));
  const out = shard.out().slice();
  const seq = shard.sequence().slice();
  const back = shard.backward(random(cfg.B * cfg.m, 5, 1), random(cfg.T * cfg.B * cfg.m, 6, 1), true)!;
  return { out, seq, grads: back.grads.map((g) => g.slice()), gu: back.gu!.slice() };
}

function assertClose(a: Float32Array, b: Float32Array, what: string, tol = 1e-5): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: relaxed ${a[i]} vs plain ${b[i]}`);
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

  for (const kind of ['tanh-rnn', 'lstm', 'gru', 'cornn'] as const) {
    it(`peer kernels: gives the plain build's results to 1e-5, gradients to 1e-4 (${kind}, a layer of a stack: sequence, inputs' gradient)`, () => {
      const cfg: PeerRawConfig = { kind: PEER_KIND_CODE[kind], T: 30, B: 5, d: 3, m: 20, checkpointEvery: 0, dt: 0.2, gamma: 1.3, epsilon: 0.7 };
      const relaxed = runPeer(relaxedPeerWasmModulePath()!, kind, cfg);
      const plain = runPeer(peerWasmModulePath()!, kind, cfg);
      assertClose(relaxed.out, plain.out, 'out');
      assertClose(relaxed.seq, plain.seq, 'seq');
      assertClose(relaxed.gu, plain.gu, 'gu');
      // the gradients sum T * B products with random upstream gradients at every step: roundings
      // differ by up to a few 1e-5 between fused and separate multiply-adds (the fused kernels' tolerance, 1e-4)
      relaxed.grads.forEach((g, i) => assertClose(g, plain.grads[i], `grad ${i}`, 1e-4));
    });
  }

  for (const file of [relaxedFile, relaxedPeerWasmModulePath()!]) {
    it(`${path.basename(file)} is byte-identical to a fresh build with the recorded compiler and flags`, function () {
      const record = JSON.parse(fs.readFileSync(file + '.json', 'utf8')) as {
        clang: string;
        compiler: string;
        flags: string[];
        sources: string[];
        sha256: string;
      };
      const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
      assert.equal(sha(fs.readFileSync(file)), record.sha256, 'matches its build record');
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
      assert.equal(sha(fresh), record.sha256, `native/wasm/${path.basename(file)} is stale: run \`node scripts/build-native.mjs --wasm\` and commit it`);
    });
  }
});
