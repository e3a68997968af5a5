#!/usr/bin/env node
// One benchmark process (spawned by bench/run.mjs): training steps of the Hamiltonian RNN (variant
// full) in TensorFlow.js, with the recurrence either the fused kernel (native addon or wasm) or
// the composite tfjs reference. The step is the engine's ParameterUpdater (src/engine/train): the
// gradients of readout(y_T) + loss (MSE, or softmax cross-entropy over 10 classes), their norm,
// clipping at 1, then its Adam (on the host) on W, V, b and the readout. Prints one JSON line.
// --model tanh-rnn|lstm|gru|cornn runs a peer model instead (issue #10), built and stepped as the
// engine trains it: SequenceModel on the fused peer kernel (--checkpoint auto|stored|N) or the
// composite cell (--impl tfjs), --layers 2 for a stack; the step takes the engine's host route
// (SequenceModel.hostGradients: kernel, readout, loss and Adam outside tfjs' tape) where it
// applies, as training does (host_route in the output). For fused rows, kernel_ms_per_step is the
// time inside the compiled kernel (the rest is the engine's step).
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
const { composeHamiltonianSequence } = require(path.join(root, 'out/src/engine/model/hamiltonianSequence.js'));

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

async function main() {
  const a = args();
  if (a.model !== 'hamiltonian') return peerMain(a);
  tf.env().set('PROD', true);
  await tf.setBackend(a.backend);
  await tf.ready();
  const { T, B, m, d } = a;
  const tau = Math.min(0.05, 5 / T);
  const classes = a.loss === 'mse' ? 1 : 10;
  // uniform with the given standard deviation
  const init = (shape, std, seed) =>
    tf.tidy(() =>
      tf.mul(
        tf.sub(
          tf.tensor(
            uniform(
              shape.reduce((x, y) => x * y, 1),
              seed,
            ),
            shape,
          ),
          0.5,
        ),
        std * Math.sqrt(12),
      ),
    );
  const W = tf.variable(init([m, m], 1 / Math.sqrt(m), 1), true, 'W');
  const V = tf.variable(init([m, d], 1 / Math.sqrt(d), 2), true, 'V');
  const b = tf.variable(tf.zeros([m]), true, 'b');
  const Q = tf.variable(init([m, classes], 1 / Math.sqrt(m), 3), true, 'Q');
  const c = tf.variable(tf.zeros([classes]), true, 'c');
  const inputs = { data: uniform(T * B * d, 4), T, B, d };
  const target =
    a.loss === 'mse'
      ? tf.tensor2d(uniform(B, 5), [B, 1])
      : tf.oneHot(
          tf.tensor1d(
            Array.from(uniform(B, 6), (x) => Math.floor(10 * x)),
            'int32',
          ),
          10,
        );
  const opts = { variant: 'full', tau, alpha: 0, backprop: a.backprop, anchorEvery: a.anchor > 0 ? a.anchor : null };

  let sequence;
  let name;
  let description = '';
  if (a.impl === 'tfjs') {
    sequence = composeHamiltonianSequence;
    name = `tfjs-${a.backend} composite`;
  } else {
    const kernel = loadFusedKernel(a.impl);
    if (!kernel) throw new Error(`fused kernel ${a.impl} is not available`);
    sequence = (inp, ps, o) => kernel.sequence(inp, ps, o);
    name = `${kernel.name} ${a.backprop}${a.anchor > 0 ? ` anchor ${a.anchor}` : ''}`;
    description = kernel.description;
  }

  const updater = engineUpdater([W, V, b], [Q, c]);
  const lossFn = () => {
    const yz = sequence(inputs, [W, V, b], opts); // [B, 2m]
    const out = tf.add(tf.matMul(tf.slice(yz, [0, 0], [B, m]), Q), c);
    return a.loss === 'mse' ? tf.losses.meanSquaredError(target, out) : tf.losses.softmaxCrossEntropy(target, out);
  };
  const times = [];
  let cpu0 = process.cpuUsage();
  for (let i = 0; i < a.warmup + a.steps; i++) {
    if (i === a.warmup) cpu0 = process.cpuUsage();
    const t0 = performance.now();
    updater.step(lossFn);
    if (i >= a.warmup) times.push(performance.now() - t0);
  }
  updater.dispose();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      impl: name,
      description,
      times_ms: times,
      cpu_ms_per_step: (cpu.user + cpu.system) / 1e3 / Math.max(1, a.steps),
      maxrss_mb: process.resourceUsage().maxRSS / 1024,
      load1: os.loadavg()[0],
    }),
  );
}

/** The peer rows: the engine's model and step (the host route where it applies, as in training). */
async function peerMain(a) {
  tf.env().set('PROD', true);
  await tf.setBackend(a.backend);
  await tf.ready();
  const { T, B, d } = a;
  const inputs = { data: uniform(T * B * d, 4), T, B, d };
  const rec = peerModel(a);
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
