#!/usr/bin/env node
// A peer kernel's forward and backward passes called back to back in a tight loop, through the
// native addon with all its threads: the kernel's wall time with no engine work between calls.
// Set beside bench/tfjs_step.cjs's kernel_ms_per_step (the same calls inside the engine's step),
// the gap is what the engine's step costs the kernel (caches, wake-ups), not the step itself.
//
//   npx tsc -p . && node bench/peer_raw_calls.cjs [--kind tanh-rnn|lstm|gru|cornn] [--T 200 --B 128 --m 128 --d 2] [--reps 40]
//
// Depends on the built engine in out/ and the native addon; prints one line.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { loadNativePeerKernel } = require(path.join(root, 'out/src/engine/kernels/peerNativeKernel.js'));
const { PEER_KIND_CODE, peerParameterSizes } = require(path.join(root, 'out/src/engine/kernels/peerTypes.js'));

const a = { kind: 'tanh-rnn', T: 200, B: 128, m: 128, d: 2, reps: 40 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in a)) throw new Error(`unknown option ${argv[i]}`);
  a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
}
const loaded = loadNativePeerKernel();
if (!('kernel' in loaded)) throw new Error(`native peer kernel unavailable: ${loaded.reason}`);
const { T, B, m, d } = a;
let seed = 3;
const rand = (n, scale) => Float32Array.from({ length: n }, () => (((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1) * scale);
const params = peerParameterSizes(a.kind, d, m).map((n) => rand(n, 1 / Math.sqrt(m)));
const u = rand(T * B * d, 1);
const gout = rand(B * m, 1);
const out = new Float32Array(B * m);
const cfg = { kind: PEER_KIND_CODE[a.kind], T, B, d, m, checkpointEvery: 0, dt: 0.034, gamma: 1.3, epsilon: 12.7 };
const ctx = loaded.kernel.createContext();
const grads = params.map((p) => new Float32Array(p.length));
const fwd = [];
const bwd = [];
for (let r = 0; r < a.reps + 5; r++) {
  const t0 = performance.now();
  ctx.forward(cfg, params, u, out, null);
  const t1 = performance.now();
  ctx.backward(gout, null, grads, null);
  const t2 = performance.now();
  if (r >= 5) {
    fwd.push(t1 - t0);
    bwd.push(t2 - t1);
  }
}
ctx.release();
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const total = fwd.map((f, i) => f + bwd[i]);
console.log(
  JSON.stringify({
    kind: a.kind,
    description: loaded.kernel.description,
    forward_ms: +median(fwd).toFixed(2),
    backward_ms: +median(bwd).toFixed(2),
    total_ms: +median(total).toFixed(2),
    min_total_ms: +Math.min(...total).toFixed(2),
  }),
);
