#!/usr/bin/env node
// Training speed of every model kind through the CLI at the add200 size (issue 10: "through the
// CLI, at add200 size"): batch 128, hidden 128, T = 200, Adam, gradient clipping at 1, the fused
// kernels, `hrnn train --json` on an experiment file written per kind. ms/step comes from the
// train records' wallMs after a warm-up, so it is the whole training loop's step (data, step,
// records). "x FMA floor" is against this CPU's FMA peak measured just before each kind (the
// highest of those and of the one at the start: the machine's speed drifts), FLOPs as in
// bench/run.mjs (bench/floors.mjs). With --repeat R the kinds run round-robin R times and each
// row is the median run (min-max beside it): this shared machine has slow phases of minutes in
// which memory-bound work runs 10-20 % slower while the FMA peak does not move, so one run per kind
// says more about the phase it fell in than about the kind. Prints a Markdown table; nothing is
// asserted.
//
//   npm run build && node bench/cli-kinds.mjs [--steps 60] [--repeat 1] [--kinds hamiltonian,tanh-rnn,lstm,gru,cornn,lstm:2]
//
// Depends on the CLI (through bench/cliSpeed.mjs), Node and a C compiler (for the FMA peak).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cliMsPerStep } from './cliSpeed.mjs';
import { buildFmaPeak, floorMs, fmaPeakArgs, hamiltonianFlops, peerFlops } from './floors.mjs';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '60' },
    repeat: { type: 'string', default: '1' },
    kinds: { type: 'string', default: 'hamiltonian,tanh-rnn,lstm,gru,cornn,lstm:2' },
  },
});
const STEPS = Number(values.steps);
const REPEAT = Number(values.repeat);
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error(`--repeat must be a positive integer (got ${values.repeat})`);
const WARMUP = 5;
const SIZE = { T: 200, B: 128, m: 128, d: 2 };

const fmaExe = buildFmaPeak();
/** GFLOP/s over `seconds`, or NaN. */
function fmaPeak(seconds) {
  if (!fmaExe) return NaN;
  const r = spawnSync(fmaExe, fmaPeakArgs(seconds), { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()).gflops;
  } catch {
    return NaN;
  }
}

/** The experiment of one kind at add200, as YAML. */
function experiment(kind, layers) {
  const model = kind === 'hamiltonian' ? '{ kind: hamiltonian, variant: full, hidden: 128, tau: auto }' : `{ kind: ${kind}, hidden: 128, layers: ${layers} }`;
  return [
    `name: cli-${kind}-x${layers}`,
    'seed: 1',
    `task: { kind: adding, length: ${SIZE.T} }`,
    `model: ${model}`,
    `training: { batchSize: ${SIZE.B}, steps: ${STEPS}, optimizer: adam, learningRate: 0.001, gradClip: 1, evalEvery: 100000, checkpointEvery: 100000 }`,
    'probes: { every: 100000 }',
    '',
  ].join('\n');
}

/** ms per training step through `hrnn train --json`, after the warm-up. */
function msPerStep(kind, layers) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-cli-kinds-'));
  try {
    const file = path.join(dir, 'add200.hrnn.yaml');
    fs.writeFileSync(file, experiment(kind, layers));
    return cliMsPerStep(file, ['--runs-dir', path.join(dir, 'runs')], { warmup: WARMUP, label: `${kind} x${layers}` });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const start = fmaPeak(0.6);
const specs = values.kinds.split(',').map((spec) => {
  const [kind, layersText] = spec.split(':');
  const layers = Number(layersText ?? 1);
  const flops = kind === 'hamiltonian' ? hamiltonianFlops(SIZE) : peerFlops(kind, SIZE, layers);
  return { kind, layers, flops, label: layers > 1 ? `${kind} x${layers}` : kind, runs: [] };
});
for (let r = 0; r < REPEAT; r++) {
  for (const spec of specs) {
    const beside = fmaPeak(0.3);
    spec.runs.push({ ms: msPerStep(spec.kind, spec.layers), beside });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const rows = specs.map((spec) => {
  const ms = spec.runs.map((x) => x.ms);
  return { ...spec, ms: median(ms), min: Math.min(...ms), max: Math.max(...ms), beside: median(spec.runs.map((x) => x.beside)) };
});
const peak = Math.max(...[start, ...specs.flatMap((s) => s.runs.map((x) => x.beside))].filter(Number.isFinite));
console.log(
  `add200 through the CLI (batch ${SIZE.B}, hidden ${SIZE.m}, T = ${SIZE.T}, Adam), ${STEPS} steps each (ms/step after ${WARMUP})${REPEAT > 1 ? `, ${REPEAT} runs per kind round-robin, the median run` : ''}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}; FMA peak ${peak.toFixed(0)} GFLOP/s (highest of the run; ${start.toFixed(0)} at the start)`,
);
console.log('');
console.log(`| model | ms/step | ${REPEAT > 1 ? 'min-max | ' : ''}steps/s | FMA floor ms | x FMA floor | FMA peak beside |`);
console.log(`|---|---:|${REPEAT > 1 ? '---:|' : ''}---:|---:|---:|---:|`);
for (const r of rows) {
  const floor = floorMs(r.flops, peak);
  const spread = REPEAT > 1 ? ` ${r.min.toFixed(1)}-${r.max.toFixed(1)} |` : '';
  console.log(
    `| ${r.label} | ${r.ms.toFixed(1)} |${spread} ${(1000 / r.ms).toFixed(1)} | ${floor.toFixed(1)} | ${(r.ms / floor).toFixed(2)} | ${r.beside.toFixed(0)} |`,
  );
}
