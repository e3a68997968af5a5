#!/usr/bin/env node
// The readout and loss of one training step: the host loops (src/engine/model/readoutLoss.ts, the
// host training step's) against the composite tfjs ops (SequenceModel's readout + loss under
// tf.valueAndGrads), value and gradients with respect to the features, Q and c, at several sizes
// (rows N x features F x outputs K), on the tfjs backend the engine trains with (wasm). Prints one
// line per size: median ms of each and their ratio. The host step runs where N F K <=
// HOST_READOUT_MAX_MACS, which these lines are there to justify.
//
//   npx tsc -p . && node bench/readout_loss.cjs [--reps 60] [--backend wasm|cpu]
'use strict';
const path = require('node:path');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

const root = path.resolve(__dirname, '..');
const { readoutLoss, HOST_READOUT_MAX_MACS } = require(path.join(root, 'out/src/engine/model/readoutLoss.js'));
const { mm } = require(path.join(root, 'out/src/engine/model/ops.js'));

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const reps = Number(opt('reps', 60));

/** Deterministic numbers in [-0.5, 0.5). */
function uniform(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** The composite form, as SequenceModel's readout and loss build it. */
function composite(f, Q, c, targets, K) {
  const out = tf.add(mm(f, Q), c);
  if (K === 1) return tf.mean(tf.square(tf.sub(out, tf.tensor2d(targets, [targets.length, 1]))));
  const labels = tf.oneHot(tf.tensor1d(targets, 'int32'), K);
  return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(out)), 1)));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms of value + gradients with tfjs (what variableGrads asks of the readout in a training step). */
function timeComposite(targets, K, f, Q, c) {
  const g = tf.valueAndGrads((ft, qt, ct) => composite(ft, qt, ct, targets, K));
  const ms = [];
  for (let r = 0; r < reps + 5; r++) {
    const t0 = performance.now();
    const { value, grads } = g([f, Q, c]);
    value.dataSync();
    grads.forEach((x) => x.dataSync());
    if (r >= 5) ms.push(performance.now() - t0);
    tf.dispose([value, ...grads]);
  }
  return median(ms);
}

/** Median ms of the same on the host, from plain arrays. */
function timeHost(targets, K, f, Q, c, N) {
  const ms = [];
  for (let r = 0; r < reps + 5; r++) {
    const t0 = performance.now();
    readoutLoss(f, Q, c, N, targets, K === 1 ? 'mse' : 'cross-entropy').backward();
    if (r >= 5) ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function main() {
  tf.env().set('PROD', true);
  await tf.setBackend(opt('backend', 'wasm'));
  await tf.ready();
  console.log(`backend ${tf.getBackend()}, ${reps} reps, host step up to N F K = ${HOST_READOUT_MAX_MACS}`);
  const sizes = [
    [128, 128, 1, 'add200 (B 128, m 128, MSE)'],
    [128, 256, 1, 'B 128, F 256, MSE'],
    [120, 256, 10, 'sMNIST (B 120, m 256, 10 classes)'],
    [128, 512, 10, 'B 128, F 512, 10 classes'],
    [1280, 128, 10, 'copy, 10 output steps (B 128, m 128)'],
    [1280, 256, 10, 'copy, 10 output steps (B 128, m 256)'],
  ];
  for (const [N, F, K, label] of sizes) {
    const fa = uniform(N * F, 1);
    const Qa = uniform(F * K, 2);
    const ca = uniform(K, 3);
    const targets = K === 1 ? uniform(N, 4) : Int32Array.from(uniform(N, 5), (x) => Math.floor((x + 0.5) * K));
    const f = tf.tensor2d(fa, [N, F]);
    const Q = tf.tensor2d(Qa, [F, K]);
    const c = tf.tensor1d(ca);
    const host = timeHost(targets, K, fa, Qa, ca, N);
    const comp = timeComposite(targets, K, f, Q, c);
    const macs = N * F * K;
    console.log(
      `${label.padEnd(40)} N F K = ${String(macs).padStart(8)}  host ${host.toFixed(3)} ms  composite ${comp.toFixed(3)} ms  host/composite ${(host / comp).toFixed(2)}  host step: ${macs <= HOST_READOUT_MAX_MACS ? 'yes' : 'no'}`,
    );
    tf.dispose([f, Q, c]);
  }
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
