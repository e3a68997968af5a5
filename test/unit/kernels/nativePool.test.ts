/**
 * The native addon's thread pool (native/hrnn_napi.c) waits for work by spinning a while before it
 * sleeps (HRNN_SPIN_US; 0 sleeps at once). Either way, and with more threads than cores, repeated
 * passes of the Hamiltonian and peer kernels give bit-identical results: the waiting changes who
 * runs a shard and when, never what a shard computes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadNativeRawKernel } from '../../../src/engine/kernels/nativeKernel';

const kernelsDir = path.resolve(__dirname, '../../../src/engine/kernels');

/** Three rounds of forward + backward of both kernels in a fresh process with the given environment. */
function passesIn(env: Record<string, string>): string {
  const script = `
    const { loadNativeRawKernel } = require(${JSON.stringify(path.join(kernelsDir, 'nativeKernel.js'))});
    const { loadNativePeerKernel } = require(${JSON.stringify(path.join(kernelsDir, 'peerNativeKernel.js'))});
    const { peerParameterSizes } = require(${JSON.stringify(path.join(kernelsDir, 'peerTypes.js'))});
    const ham = loadNativeRawKernel().kernel, peer = loadNativePeerKernel().kernel;
    const T = 9, B = 41, d = 3, m = 7;
    let seed = 5;
    const rand = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
    const hc = ham.createContext(), pc = peer.createContext();
    const rounds = [];
    for (let round = 0; round < 3; round++) {
      seed = 5;
      const hp = [rand(m * m), rand(m * d), rand(m)], hout = new Float32Array(B * 2 * m);
      hc.forward({ variant: 0, backprop: 0, T, B, d, m, k: m, anchorEvery: 0, tau: 0.3, alpha: 0.1 }, hp, rand(T * B * d), hout);
      const hg = hp.map((p) => new Float32Array(p.length));
      hc.backward(rand(B * 2 * m), hg);
      const pp = peerParameterSizes('gru', d, m).map((n) => rand(n).map((x) => x * 0.5)), pout = new Float32Array(B * m);
      pc.forward({ kind: 2, T, B, d, m, checkpointEvery: 0, dt: 0, gamma: 0, epsilon: 0 }, pp, rand(T * B * d), pout, null);
      const pg = pp.map((p) => new Float32Array(p.length));
      pc.backward(rand(B * m), null, pg, null);
      const list = (a) => Array.from(a);
      rounds.push(JSON.stringify([list(hout), hg.map(list), list(pout), pg.map(list)]));
    }
    if (new Set(rounds).size !== 1) throw new Error('rounds differ');
    process.stdout.write(rounds[0]);
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('fused kernel: the native thread pool', () => {
  before(function () {
    if (!('kernel' in loadNativeRawKernel())) this.skip();
  });

  it('gives the same results whether its threads spin or sleep between calls, with more threads than cores too', () => {
    const spinning = passesIn({ HRNN_SPIN_US: '200000', HRNN_THREADS: '3' });
    const sleeping = passesIn({ HRNN_SPIN_US: '0', HRNN_THREADS: '3' });
    const defaults = passesIn({ HRNN_THREADS: '3' });
    assert.ok(spinning.length > 100);
    assert.equal(sleeping, spinning);
    assert.equal(defaults, spinning);
  });
});
