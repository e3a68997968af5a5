#!/usr/bin/env node
// One benchmark process (spawned by bench/run.mjs): training steps of a model as the engine builds
// and steps it (src/engine/model/sequenceModel.ts, src/engine/train/parameterUpdater.ts): the
// Hamiltonian RNN (variant full, readout y) or, with --model, a peer (tanh-rnn|lstm|gru|cornn;
// issue #10), --layers 2 for a stack; the recurrence on the fused kernel (--impl native|wasm;
// --backprop and --anchor for the Hamiltonian, --checkpoint auto|stored|N for the peers) or the
// composite tfjs ops (--impl tfjs). Readout + loss (MSE, or softmax cross-entropy over 10
// classes), gradients, their norm, clipping at 1, and Adam on the host. The step takes the
// engine's host route (SequenceModel.hostGradients: kernel, readout, loss and Adam outside tfjs'
// tape) where it applies, as training does (host_route in the output); --route tape forces the
// tfjs route. For fused peer rows, kernel_ms_per_step is the time inside the compiled kernel (the
// rest is the engine's step). Prints one JSON line.
//
//   node bench/tfjs_step.cjs --impl native|wasm|tfjs --backprop stored|reversible [--anchor N]
//        --T 200 --B 128 --m 128 --d 2 --loss mse|ce --warmup 2 --steps 7 [--backend wasm|cpu]
//        [--model hamiltonian|tanh-rnn|lstm|gru|cornn] [--layers 1|2] [--checkpoint auto|stored|N]
//        [--route auto|tape]   (tape: peer rows take the tfjs route even where the host route applies)
'use strict';
const path = require('node:path');
const os = require('node:os');
const tf = require('@tensorflow/tfjs'); // the umbrella registers every op's gradient
require('@tensorflow/tfjs-backend-wasm');

const root = path.resolve(__dirname, '..');
const { loadFusedKernel } = require(path.join(root, 'out/src/engine/kernels/index.js'));

function args() {
  const a = {
    impl: 'native',
    backprop: 'stored',
    anchor: 0,
    T: 200,
    B: 128,
    m: 128,
    d: 2,
    loss: 'mse',
    warmup: 2,
    steps: 7,
    backend: 'wasm',
    model: 'hamiltonian',
    layers: 1,
    checkpoint: 'auto',
    route: 'auto',
  };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in a)) throw new Error(`unknown option ${argv[i]}`);
    a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return a;
}

/** Deterministic uniform [0, 1) numbers (the data only has to have the right shape). */
function uniform(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296;
  }
  return out;
}

/** The engine's step: Adam at 1e-3, the gradient's global norm clipped at 1. */
function engineUpdater(recurrent, readout) {
  const { ParameterUpdater } = require(path.join(root, 'out/src/engine/train/parameterUpdater.js'));
  const training = {
    optimizer: 'adam',
    learningRate: 1e-3,
    recurrentLearningRate: null,
    gradClip: 1,
    gradClipScope: 'global',
    recurrentGradClip: null,
    momentum: 0,
  };
  return new ParameterUpdater(training, recurrent, readout);
}

/**
 * A peer model for the bench, as the engine builds it (model/sequenceModel.ts): the cell (or a
 * stack) on the fused peer kernel (--impl native|wasm, its compiled calls timed) or the composite
 * ops (--impl tfjs), and the linear readout.
 */
function peerModel(a) {
  const { SequenceModel } = require(path.join(root, 'out/src/engine/model/sequenceModel.js'));
  const { Rng } = require(path.join(root, 'out/src/engine/rng.js'));
  const { createPeerFusedKernel } = require(path.join(root, 'out/src/engine/kernels/peerSequence.js'));
  const { resolveExperiment } = require(path.join(root, 'out/src/experiment/resolve.js'));
  const input = { task: { kind: 'adding', length: a.T }, model: { kind: a.model, hidden: a.m, layers: a.layers, dt: 0.034, gamma: 1.3, epsilon: 12.7 } };
  const config = resolveExperiment(input, 'bench').model;
  const output = a.loss === 'mse' ? { kind: 'regression' } : { kind: 'classification', classes: 10 };
  if (a.impl === 'tfjs') {
    if (a.layers !== 1) throw new Error('the composite peer rows are single-layer');
    const model = new SequenceModel(config, a.d, output, new Rng(10));
    return { model, name: `tfjs-${a.backend} composite ${a.model}`, description: '', kernelMs: () => 0 };
  }
  const loaded =
    a.impl === 'native'
      ? require(path.join(root, 'out/src/engine/kernels/peerNativeKernel.js')).loadNativePeerKernel()
      : require(path.join(root, 'out/src/engine/kernels/peerWasmKernel.js')).loadWasmPeerKernel();
  if (!('kernel' in loaded)) throw new Error(`fused peer kernel ${a.impl} is not available: ${loaded.reason}`);
  // time spent inside the compiled kernel: wrap the raw context's calls
  let kernelMs = 0;
  const timed = (f) =>
    function (...xs) {
      const t0 = performance.now();
      try {
        return f.apply(this, xs);
      } finally {
        kernelMs += performance.now() - t0;
      }
    };
  const raw = {
    ...loaded.kernel,
    createContext: () => {
      const ctx = loaded.kernel.createContext();
      return { forward: timed(ctx.forward.bind(ctx)), backward: timed(ctx.backward.bind(ctx)), release: () => ctx.release() };
    },
  };
  // --checkpoint replaces the cells' own choice ('auto') in every call
  const checkpointEvery = a.checkpoint === 'auto' || a.checkpoint === 'stored' ? a.checkpoint : Number(a.checkpoint);
  const withCheckpoint = (k) => ({
    ...k,
    sequence: (i, p, o) => k.sequence(i, p, { ...o, checkpointEvery }),
    layerSequence: (u, p, o) => k.layerSequence(u, p, { ...o, checkpointEvery }),
    stackSequence: (i, p, o) => k.stackSequence(i, p, { ...o, checkpointEvery }),
    hostSequence: (i, p, o) => k.hostSequence(i, p, { ...o, checkpointEvery }),
    fork: () => withCheckpoint(k.fork()),
  });
  const kernel = withCheckpoint(createPeerFusedKernel(raw));
  const model = new SequenceModel(config, a.d, output, new Rng(10), null, kernel);
  const name = `${kernel.name} ${a.model}${a.layers > 1 ? ` x${a.layers}` : ''} checkpoint ${a.checkpoint}`;
  return { model, name, description: kernel.description, kernelMs: () => kernelMs, checkpointEvery: () => kernel.lastCheckpointEvery() };
}

/**
 * The Hamiltonian model for the bench, as the engine builds it: variant full, tau = min(0.05, 5/T),
 * alpha 0, readout y, on the fused kernel (--impl native|wasm, --backprop, --anchor) or the
 * composite ops (--impl tfjs).
 */
function hamiltonianModel(a) {
  const { SequenceModel } = require(path.join(root, 'out/src/engine/model/sequenceModel.js'));
  const { Rng } = require(path.join(root, 'out/src/engine/rng.js'));
  const { resolveExperiment } = require(path.join(root, 'out/src/experiment/resolve.js'));
  const model = {
    kind: 'hamiltonian',
    variant: 'full',
    hidden: a.m,
    tau: Math.min(0.05, 5 / a.T),
    alpha: 0,
    backprop: a.backprop,
    anchorEvery: a.anchor > 0 ? a.anchor : null,
  };
  const config = resolveExperiment({ task: { kind: 'adding', length: a.T }, model }, 'bench').model;
  const output = a.loss === 'mse' ? { kind: 'regression' } : { kind: 'classification', classes: 10 };
  if (a.impl === 'tfjs')
    return { model: new SequenceModel(config, a.d, output, new Rng(10)), name: `tfjs-${a.backend} composite`, description: '', kernelMs: () => 0 };
  const kernel = loadFusedKernel(a.impl);
  if (!kernel) throw new Error(`fused kernel ${a.impl} is not available`);
  return {
    model: new SequenceModel(config, a.d, output, new Rng(10), kernel),
    name: `${kernel.name} ${a.backprop}${a.anchor > 0 ? ` anchor ${a.anchor}` : ''}`,
    description: kernel.description,
    kernelMs: () => 0,
  };
}

async function main() {
  const a = args();
  tf.env().set('PROD', true);
  await tf.setBackend(a.backend);
  await tf.ready();
  const { T, B, d } = a;
  const inputs = { data: uniform(T * B * d, 4), T, B, d };
  const rec = a.model === 'hamiltonian' ? hamiltonianModel(a) : peerModel(a);
  const { model } = rec;
  const targets = a.loss === 'mse' ? uniform(B, 5) : Int32Array.from(uniform(B, 6), (x) => Math.floor(10 * x));
  const updater = engineUpdater(model.recurrentVariables, model.readoutVariables);
  const lossFn = () => model.loss(model.forward(inputs).output, targets);
  let hostSteps = 0;
  const onHost = () => {
    if (a.route === 'tape') return null;
    const g = model.hostGradients(inputs, targets);
    if (g) hostSteps += 1;
    return g;
  };
  const times = [];
  let cpu0 = process.cpuUsage();
  let k0 = 0;
  for (let i = 0; i < a.warmup + a.steps; i++) {
    if (i === a.warmup) {
      cpu0 = process.cpuUsage();
      k0 = rec.kernelMs();
    }
    const t0 = performance.now();
    updater.step(lossFn, 1, onHost);
    if (i >= a.warmup) times.push(performance.now() - t0);
  }
  updater.dispose();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      impl: rec.name,
      description: rec.description,
      times_ms: times,
      kernel_ms_per_step: (rec.kernelMs() - k0) / Math.max(1, a.steps),
      checkpoint_every: rec.checkpointEvery ? rec.checkpointEvery() : null,
      host_route: hostSteps > 0,
      cpu_ms_per_step: (cpu.user + cpu.system) / 1e3 / Math.max(1, a.steps),
      maxrss_mb: process.resourceUsage().maxRSS / 1024,
      load1: os.loadavg()[0],
    }),
  );
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
