#!/usr/bin/env node
// Benchmark of the fused Hamiltonian RNN kernel (issue #5) against PyTorch on the same CPU.
//
//   npm run build && node bench/run.mjs [--sizes add200,add1000,smnist] [--no-speed] [--no-memory] [--no-reference]
//                                       [--steps 7] [--write bench/RESULTS.md] [--quick]
//                                       [--peers tanh-rnn,lstm,gru,cornn | --no-peers] [--peer-wasm] [--no-fma-peak]
// Peer rows (issue #10): each peer cell on the fused peer kernel (checkpoint auto) against PyTorch's
// nn.RNN / nn.LSTM / nn.GRU and a PyTorch coRNN cell, a two-layer LSTM row, and peak memory of every
// kind at T = 1000 / 5000 / 10000. "kernel share" = time inside the compiled kernel / step time.
// Two FLOP floors per row: "x floor" against OpenBLAS' matmul peak (torch.mm) and "x FMA floor" against
// this CPU's FMA peak in the kernel's own instruction set (bench/fma_peak.c, compiled here with
// -march=native), both measured in the same run; the FMA peak again just before each PyTorch and
// fused-native row (this shared machine's speed drifts), the floors at the highest peak of the run.
//
// One full training step per measurement (forward over T, backward, Adam: the engine's own model
// and step, on the fused kernels its host route, see bench/tfjs_step.cjs; the same cell in PyTorch
// eager autograd + Adam, see bench/torch_step.py), every implementation in its own process so peak
// RSS is its own.
// Needs: the tsc build in out/ (npm run build), Debian's /usr/bin/python3 with python3-torch and
// libopenblas0-pthread (bench/setup.sh installs them); a C compiler `cc` for the FMA peak.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFmaPeak, floorMs, fmaPeakArgs, hamiltonianFlops as flops, peerFlops } from './floors.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const PYTHON = '/usr/bin/python3';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const flag = (name) => argv.includes(`--${name}`);
const quick = flag('quick');
const STEPS = Number(opt('steps', quick ? 3 : 7));
const WARMUP = quick ? 1 : 2;

const SIZES = {
  add200: { T: 200, B: 128, m: 128, d: 2, loss: 'mse' },
  add1000: { T: 1000, B: 128, m: 128, d: 2, loss: 'mse' },
  smnist: { T: 784, B: 120, m: 256, d: 1, loss: 'ce' },
};
const sizes = flag('no-speed') ? [] : opt('sizes', quick ? 'add200' : 'add200,add1000,smnist').split(',');
for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(', ')})`);

if (!fs.existsSync(path.join(root, 'out/src/engine/kernels/index.js'))) {
  console.error('bench: out/ is missing; run `npm run build` first');
  process.exit(1);
}

const PEERS = flag('no-peers') ? [] : opt('peers', 'tanh-rnn,lstm,gru,cornn').split(',');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function run(cmd, args, label) {
  const load = os.loadavg()[0];
  process.stderr.write(`  ${label} (load ${load.toFixed(2)}) ... `);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = (r.stdout || '').trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) {
    process.stderr.write('failed\n');
    return { failed: true, error: ((r.stderr || '') + (r.stdout || '')).trim().split('\n').slice(-3).join(' | '), load };
  }
  const res = JSON.parse(line);
  res.loadBefore = load;
  process.stderr.write(res.times_ms ? `median ${median(res.times_ms).toFixed(1)} ms, RSS ${res.maxrss_mb.toFixed(0)} MB\n` : 'ok\n');
  return res;
}

const torch = (size, extra = []) =>
  run(
    PYTHON,
    ['bench/torch_step.py', 'step', '--T', size.T, '--B', size.B, '--m', size.m, '--d', size.d, '--loss', size.loss, ...extra].map(String),
    `pytorch T${size.T}`,
  );
const tfjs = (impl, backprop, size, extra = []) =>
  run(
    process.execPath,
    [
      'bench/tfjs_step.cjs',
      '--impl',
      impl,
      '--backprop',
      backprop,
      '--T',
      size.T,
      '--B',
      size.B,
      '--m',
      size.m,
      '--d',
      size.d,
      '--loss',
      size.loss,
      ...extra,
    ].map(String),
    `${impl} ${backprop} T${size.T}`,
  );

const started = new Date();
const loadStart = os.loadavg();
console.error(`bench: ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, load ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);

const peak = run(PYTHON, ['bench/torch_step.py', 'peak'], 'matmul peak (torch.mm 2048^2)');
const peakGflops = peak.failed ? NaN : peak.gflops;

/** This CPU's FMA peak in its widest vectors, one thread per core: bench/fma_peak.c built into a temp dir. */
const fmaExe = flag('no-fma-peak') ? null : buildFmaPeak();
/** This CPU's FMA peak in its widest vectors, one thread per core, over `seconds`. */
const measureFmaPeak = (seconds, label) =>
  flag('no-fma-peak') ? { failed: true, skipped: true } : fmaExe ? run(fmaExe, fmaPeakArgs(seconds), label) : { failed: true, error: 'cc failed' };
const fmaPeak = measureFmaPeak(0.6, `FMA peak (fma_peak.c, ${os.cpus().length} threads)`);
const fmaPeakGflops = fmaPeak.failed ? NaN : fmaPeak.gflops;
/**
 * A row with the FMA peak measured just before it (0.3 s). This shared machine's speed drifts over a
 * run (other guests on the host: a peak measured at a slow moment reads half the fast one), so the
 * floors take the highest peak of the run, and the peak beside each row shows when it ran slow.
 */
const beside = (row) => {
  const peak = measureFmaPeak(0.3, '  FMA peak beside');
  const r = row();
  if (!r.failed) r.fmaPeakBeside = peak.failed ? NaN : peak.gflops;
  return r;
};

const speedRows = [];
for (const name of sizes) {
  const size = SIZES[name];
  console.error(`${name}: T=${size.T} B=${size.B} m=${size.m} d=${size.d}`);
  const steps = ['--warmup', WARMUP, '--steps', STEPS];
  const results = [
    ['PyTorch (eager autograd, Adam)', beside(() => torch(size, steps))],
    ['fused-native, stored', beside(() => tfjs('native', 'stored', size, steps))],
    ['fused-native, reversible', beside(() => tfjs('native', 'reversible', size, steps))],
    ['fused-wasm, stored', tfjs('wasm', 'stored', size, ['--warmup', 2, '--steps', quick ? 2 : 5])],
  ];
  if (!flag('no-reference')) {
    // the composite tfjs reference on tfjs' wasm backend: slow, so only a few steps
    results.push(['tfjs-wasm composite (reference)', tfjs('tfjs', 'stored', size, ['--warmup', 1, '--steps', name === 'add200' ? 3 : 2])]);
  }
  const torchMedian = results[0][1].failed ? NaN : median(results[0][1].times_ms);
  const floor = floorMs(flops(size), peakGflops);
  for (const [label, r] of results) {
    speedRows.push({ size: name, label, r, torchMedian, floor, flopCount: flops(size) });
  }
  // the peers: each against PyTorch's same cell
  const peerRuns = PEERS.map((kind) => [kind, 1]);
  if (PEERS.includes('lstm')) peerRuns.push(['lstm', 2]);
  for (const [kind, layers] of peerRuns) {
    const model = ['--model', kind, '--layers', layers];
    const tag = layers > 1 ? `${kind} x${layers}` : kind;
    const ref = beside(() => torch(size, [...steps, ...model]));
    const rows = [
      [`${tag}: PyTorch`, ref],
      [`${tag}: fused-native`, beside(() => tfjs('native', 'stored', size, [...steps, ...model]))],
    ];
    if (flag('peer-wasm') && layers === 1) rows.push([`${tag}: fused-wasm`, tfjs('wasm', 'stored', size, ['--warmup', 1, '--steps', quick ? 2 : 3, ...model])]);
    const refMedian = ref.failed ? NaN : median(ref.times_ms);
    const peerFloor = floorMs(peerFlops(kind, size, layers), peakGflops);
    for (const [label, r] of rows) speedRows.push({ size: name, label, r, torchMedian: refMedian, floor: peerFloor, flopCount: peerFlops(kind, size, layers) });
  }
}

const memoryRows = [];
const peerMemoryRows = [];
if (!flag('no-memory') && !quick) {
  console.error('peak memory: B=128, m=128');
  for (const T of [1000, 5000, 10000]) {
    const size = { T, B: 128, m: 128, d: 2, loss: 'mse' };
    const one = ['--warmup', 1, '--steps', 1];
    memoryRows.push({
      T,
      stored: tfjs('native', 'stored', size, one),
      reversible: tfjs('native', 'reversible', size, one),
      torch: torch(size, one),
    });
  }
  for (const kind of PEERS) {
    for (const T of [1000, 5000, 10000]) {
      const size = { T, B: 128, m: 128, d: 2, loss: 'mse' };
      const one = ['--warmup', 1, '--steps', 1, '--model', kind];
      peerMemoryRows.push({ kind, T, fused: tfjs('native', 'stored', size, one), torch: torch(size, one) });
    }
  }
}

// ------------------------------------------------------------------ report
/** The highest FMA peak measured in the run (at the start, or beside a row). */
const fmaPeaks = [fmaPeakGflops, ...speedRows.map(({ r }) => r.fmaPeakBeside)].filter(Number.isFinite);
const runFmaPeak = fmaPeaks.length ? Math.max(...fmaPeaks) : NaN;
const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const lines = [];
lines.push(`Matmul peak (torch.mm 2048², float32, OpenBLAS, same run): **${fmt(peakGflops)} GFLOP/s**. FLOP floor = T·(12·B·m² + 4·B·m·d) / peak.`);
lines.push('');
lines.push(
  fmaPeak.skipped
    ? 'FMA peak: not measured (--no-fma-peak).'
    : fmaPeak.failed
      ? `FMA peak: failed (bench/fma_peak.c: ${fmaPeak.error}).`
      : `FMA peak (${fmaPeak.isa}, ${fmaPeak.threads} threads, same run): **${fmt(runFmaPeak)} GFLOP/s**, the highest of the run (bench/fma_peak.c; ${fmt(fmaPeakGflops)} at the start, where the threads got ${fmt(fmaPeak.cpu_share * 100)}% of their CPUs; then beside each PyTorch and fused-native row).`,
);
lines.push(
  '"x floor" = median ms/step / (FLOPs / matmul peak); "x FMA floor" = median ms/step / (FLOPs / FMA peak), with FLOPs = T·(12·B·m² + 4·B·m·d) for the Hamiltonian rows and 3 x the forward products for the peers (issue #10 asks ≤ 1.5 x FMA floor). The FMA peak is measured again just before each PyTorch and fused-native row ("FMA peak beside", 0.3 s): this shared machine\'s speed drifts over a run, and a row beside a low peak likely ran in a slow phase.',
);
lines.push('');
lines.push(
  '| size | implementation | median ms/step | min–max | steps | x PyTorch | x floor | x FMA floor | FMA peak beside | CPU ms/step | kernel share | peak RSS MB | load before |',
);
lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { size, label, r, torchMedian, floor, flopCount } of speedRows) {
  if (r.failed) {
    lines.push(`| ${size} | ${label} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | | | | |`);
    continue;
  }
  const med = median(r.times_ms);
  const besidePeak = r.fmaPeakBeside;
  // the floor at the run's highest FMA peak (the conservative choice)
  const rowFmaFloor = floorMs(flopCount, runFmaPeak);
  lines.push(
    `| ${size} | ${label} | **${fmt(med, 1)}** | ${fmt(Math.min(...r.times_ms), 1)}–${fmt(Math.max(...r.times_ms), 1)} | ${r.times_ms.length} | ${fmt(med / torchMedian, 2)} | ${fmt(med / floor, 2)} | ${fmt(med / rowFmaFloor, 2)} | ${besidePeak === undefined ? '' : fmt(besidePeak)} | ${fmt(r.cpu_ms_per_step, 0)} | ${r.kernel_ms_per_step ? fmt(r.kernel_ms_per_step / med, 2) : ''} | ${fmt(r.maxrss_mb)} | ${fmt(r.loadBefore, 2)} |`,
  );
}
for (const name of sizes) {
  const row = speedRows.find((x) => x.size === name);
  lines.push(
    `\nFloor ${name}: ${fmt(row.floor, 1)} ms at the matmul peak, ${fmt(floorMs(row.flopCount, runFmaPeak), 1)} ms at the FMA peak (${fmt(flops(SIZES[name]) / 1e9, 2)} GFLOP/step).`,
  );
}
if (memoryRows.length) {
  lines.push('');
  lines.push('Peak memory (RSS of the whole process, MB) for one training step, B = 128, m = 128, d = 2:');
  lines.push('');
  lines.push('| T | fused-native stored | fused-native reversible | PyTorch | reversible / PyTorch | reversible / reversible(T=1000) |');
  lines.push('|---:|---:|---:|---:|---:|---:|');
  const rev1000 = memoryRows[0].reversible.maxrss_mb;
  for (const { T, stored, reversible, torch: t } of memoryRows) {
    const v = (r) => (r.failed ? NaN : r.maxrss_mb);
    lines.push(`| ${T} | ${fmt(v(stored))} | ${fmt(v(reversible))} | ${fmt(v(t))} | ${fmt(v(reversible) / v(t), 3)} | ${fmt(v(reversible) / rev1000, 2)} |`);
  }
}
if (peerMemoryRows.length) {
  lines.push('');
  lines.push(
    'Peak memory of the peers (RSS MB, one training step, B = 128, m = 128, d = 2; fused: checkpoint auto = every ceil(sqrt(T)) steps beyond 256 MiB of stored states):',
  );
  lines.push('');
  lines.push('| kind | T | fused-native | PyTorch | fused / PyTorch |');
  lines.push('|---|---:|---:|---:|---:|');
  const v = (r) => (r.failed ? NaN : r.maxrss_mb);
  for (const { kind, T, fused, torch: t } of peerMemoryRows) lines.push(`| ${kind} | ${T} | ${fmt(v(fused))} | ${fmt(v(t))} | ${fmt(v(fused) / v(t), 3)} |`);
}
const native = speedRows.find((x) => !x.r.failed && x.r.description && x.label.startsWith('fused-native'));
const header = [
  `Command: \`${['node bench/run.mjs', ...argv].join(' ')}\``,
  `Date: ${started.toISOString()}; machine: ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB; load average at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}.`,
  native ? `Native kernel: ${native.r.description}.` : 'Native kernel: not available.',
  'Our rows: bench/tfjs_step.cjs (the engine’s SequenceModel and ParameterUpdater step, Adam on the host; on the fused kernels the host route: kernel, readout, loss and Adam outside tfjs’ tape; the composite reference on tfjs’ wasm backend). PyTorch: bench/torch_step.py (torch.set_num_threads(1), OpenBLAS 2 threads, denormals flushed on the calling thread).',
];
const report = [...header, '', ...lines].join('\n');
console.log(report);
// --write FILE: the report goes between the markers below (hand-written notes around them stay)
const out = opt('write', null);
if (out) {
  const file = path.resolve(root, out);
  const BEGIN = '<!-- bench/run.mjs output: begin -->';
  const END = '<!-- bench/run.mjs output: end -->';
  const block = `${BEGIN}\n${report}\n${END}`;
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const i = old.indexOf(BEGIN);
  const j = old.indexOf(END);
  const text = i >= 0 && j > i ? old.slice(0, i) + block + old.slice(j + END.length) : `# Fused kernel benchmark\n\n${block}\n`;
  fs.writeFileSync(file, text);
  console.error(`bench: wrote ${out}`);
}
