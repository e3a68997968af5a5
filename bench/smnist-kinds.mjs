#!/usr/bin/env node
// Sequential MNIST training speed of every model kind at (about) the same parameter count (issue 10):
// the sMNIST recipe (examples/smnist.hrnn.yaml: the Hamiltonian RNN, diagonal variant, two layers of
// 256) against one layer of each peer whose hidden size gives the same number of trainable
// parameters (readout included). Each kind trains `--steps` steps through the CLI (`hrnn train
// --json`, the fused kernels, batch 120, T = 784); steps/s comes from the train records' wallMs
// after the first few steps (warm-up). Prints a Markdown table; nothing is asserted.
//
//   npm run build && node bench/smnist-kinds.mjs [--steps 25] [--threads N]
//
// Depends on the CLI (bin/hrnn.js) and the built engine in out/ (to count parameters).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cliMsPerStep } from './cliSpeed.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { steps: { type: 'string', default: '25' }, threads: { type: 'string' } } });
const STEPS = Number(values.steps);
const WARMUP = 5;

const { loadExperimentFile, applyOverrides } = require(path.join(root, 'out/src/experiment/load.js'));
const { SequenceModel } = require(path.join(root, 'out/src/engine/model/sequenceModel.js'));
const { Rng } = require(path.join(root, 'out/src/engine/rng.js'));

const recipe = path.join(root, 'examples/smnist.hrnn.yaml');
const loaded = loadExperimentFile(recipe);
if (!loaded.ok) throw new Error(`${recipe}: ${loaded.problems.map((p) => p.message).join('; ')}`);

/** Trainable parameters of a model config on sMNIST (input 1, 10 classes), counted from the engine's own variables. */
function parameterCount(model) {
  const m = new SequenceModel(model, 1, { kind: 'classification', classes: 10 }, new Rng(1));
  const n = [...m.recurrentVariables, ...m.readoutVariables].reduce((s, v) => s + v.size, 0);
  m.dispose?.();
  return n;
}

/** The recipe's resolved model with `--set`-style overrides (e.g. `model.kind=lstm`). */
function resolvedModel(sets) {
  const r = applyOverrides(loaded.input, sets, 'smnist');
  if (!r.ok) throw new Error(`${sets.join(' ')}: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.resolved.model;
}

/** The overrides of one layer of a peer kind with `hidden` units. */
const peerSets = (kind, hidden) => [`model.kind=${kind}`, `model.hidden=${hidden}`, 'model.layers=1'];

/** The peer's hidden size whose parameter count is nearest `target`. */
function matchHidden(kind, target) {
  let best = { hidden: 8, diff: Infinity };
  for (let h = 8; h <= 1024; h++) {
    const n = parameterCount(resolvedModel(peerSets(kind, h)));
    const diff = Math.abs(n - target);
    if (diff < best.diff) best = { hidden: h, diff };
    if (n > target) break;
  }
  return best.hidden;
}

function trainSpeed(sets) {
  const args = ['--runs-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-smnist-kinds-'))];
  for (const s of [...sets, `training.steps=${STEPS}`, 'training.evalEvery=100000', 'probes.every=100000', 'task.validationLimit=120', 'task.testLimit=120'])
    args.push('--set', s);
  const env = { ...process.env, ...(values.threads ? { HRNN_THREADS: values.threads } : {}) };
  return 1000 / cliMsPerStep(recipe, args, { warmup: WARMUP, env, label: sets.join(' ') });
}

const hamiltonian = resolvedModel([]);
const target = parameterCount(hamiltonian);
const rows = [{ kind: 'hamiltonian (recipe: diagonal, 2 x 256)', sets: [], params: target }];
for (const kind of ['tanh-rnn', 'lstm', 'gru', 'cornn']) {
  const hidden = matchHidden(kind, target);
  const sets = peerSets(kind, hidden);
  rows.push({ kind: `${kind} (1 x ${hidden})`, sets, params: parameterCount(resolvedModel(sets)) });
}
console.log(
  `sMNIST (batch 120, T = 784), ${STEPS} steps each, ${values.threads ?? 'all'} thread(s), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`,
);
console.log('');
console.log('| model | parameters | steps/s | x Hamiltonian |');
console.log('|---|---:|---:|---:|');
let ref = 0;
for (const row of rows) {
  const speed = trainSpeed(row.sets);
  if (!ref) ref = speed;
  console.log(`| ${row.kind} | ${row.params} | ${speed.toFixed(2)} | ${(speed / ref).toFixed(2)} |`);
}
