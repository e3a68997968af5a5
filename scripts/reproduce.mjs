#!/usr/bin/env node
// `npm run reproduce`: trains the README's experiments with their pinned seeds, then writes what the
// README shows from those runs: PNG figures (the plots panel's own charts, drawn by `hrnn report` in
// headless Chromium) into docs/images/ and the result tables into docs/results.md. Every figure and
// number in the README that cites this command comes from here, never typed in by hand.
//
//   node scripts/reproduce.mjs [--quick] [--out DIR] [--only NAME[,NAME]] [--keep-runs]
//                              [--long] [--reuse NAME=RUN_FOLDER[,...]]
//
// --quick trains each experiment for a handful of steps (CI checks the pipeline with it in about a
// minute); its figures are smoke output, not results, and it writes to a temporary folder unless
// --out is given. --long trains the long experiments instead (sequential MNIST and its permuted
// form for 90 minutes each, side by side, one core each: accuracy against wall time) and writes
// docs/results-long.md. --reuse takes an experiment's run folder as already trained (the figures
// and tables are then made from it; the table says so). Needs a build (dist/cli.js) and Debian's
// chromium (CHROMIUM_PATH overrides).
// Depends on the CLI and playwright-core only, not on the engine's modules.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'hrnn.js');

/**
 * The README's experiments. `figures` are chart cards of the report, by their title; `quick` are the
 * overrides of --quick (few steps, small evaluation) that keep the pipeline's shape.
 */
const EXPERIMENTS = [
  {
    name: 'gradient',
    file: 'examples/hamiltonian-vs-tanh-T1000.hrnn.yaml',
    caption: 'Hamiltonian RNN vs tanh RNN, adding problem T = 1000',
    figures: [
      { card: 'Hidden-state gradient', png: 'gradient-over-time.png' },
      { card: 'Hidden-state norms', png: 'state-norms.png' },
    ],
    quick: ['training.steps=4', 'training.evalEvery=2', 'probes.every=2', 'task.length=60', 'task.testSize=32'],
  },
  {
    name: 'energy',
    file: 'examples/adding-T50.hrnn.yaml',
    caption: 'Energy of a free run of the trained cell (adding T = 50), symplectic vs forward Euler',
    // After training, the probes run the cell on for 1000 steps with its input held at zero.
    sets: ['probes.freeRunSteps=1000', 'probes.freeRunInput=zero'],
    figures: [{ card: 'Energy drift', png: 'energy-drift.png' }],
    quick: ['training.steps=4', 'training.evalEvery=2', 'probes.every=2', 'task.testSize=32'],
  },
  {
    name: 'tau-window',
    file: 'examples/tau-sweep-T200.hrnn.yaml',
    caption: 'The tau window: adding problem T = 200, reservoir mode, three seeds per tau',
    parallel: 2,
    // Three training seeds per tau, so the table and the chart show the spread over seeds.
    edit: { 'sweep.seeds': 3 },
    figures: [
      { card: 'Final metric against', png: 'tau-window.png' },
      { card: 'Experiments', png: 'experiments-table.png' },
    ],
    quick: ['training.steps=4', 'training.evalEvery=2', 'probes.every=2', 'task.length=40', 'task.testSize=32'],
  },
  // Long experiments (--long): trained side by side, one core each, for `minutes` of wall time
  // (training.maxMinutes: evaluated at the limit, then the test split at the best validation weights).
  ...['smnist', 'psmnist'].map((task) => ({
    name: `${task}-90`,
    file: `examples/${task}.hrnn.yaml`,
    caption: `${task === 'smnist' ? 'Sequential MNIST' : 'Permuted sequential MNIST'}: 90 minutes on one core`,
    long: true,
    minutes: 90,
    figures: [{ card: 'Accuracy', png: `${task}-accuracy.png` }],
    quick: [
      'training.steps=3',
      'training.evalEvery=2',
      'task.trainLimit=360',
      'task.validationLimit=60',
      'task.testLimit=60',
      'model.hidden=16',
      'probes.batchSize=2',
    ],
  })),
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    'keep-runs': { type: 'boolean', default: false },
    long: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const quick = values.quick;
const outDir = path.resolve(values.out ?? (quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-reproduce-')) : path.join(root, 'docs')));
const only = values.only ? new Set(values.only.split(',')) : null;
const chosen = EXPERIMENTS.filter((e) => (only ? only.has(e.name) : !!e.long === values.long));
if (chosen.length === 0) fail(`--only ${values.only}: no such experiment (${EXPERIMENTS.map((e) => e.name).join(', ')})`);
if (new Set(chosen.map((e) => !!e.long)).size > 1) fail('--only: name long experiments and the others in separate calls (they write separate files)');
const long = !!chosen[0].long;
/** --reuse name=folder: run folders trained before, used as they are. */
const reused = new Map(
  (values.reuse ? values.reuse.split(',') : []).map((pair) => {
    const [name, folder] = pair.split('=');
    if (!folder || !chosen.some((e) => e.name === name))
      fail(`--reuse ${pair}: expected NAME=RUN_FOLDER with NAME among ${chosen.map((e) => e.name).join(', ')}`);
    if (!fs.existsSync(path.join(folder, 'summary.json'))) fail(`--reuse ${pair}: ${folder} is not a run folder (no summary.json)`);
    return [name, path.resolve(folder)];
  }),
);

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-reproduce-runs-'));
const imagesDir = path.join(outDir, 'images');
fs.mkdirSync(imagesDir, { recursive: true });

function fail(message) {
  console.error(`reproduce: ${message}`);
  process.exit(1);
}

/** Runs the CLI; its stdout (the folder it wrote) is returned, stderr streams through. */
function hrnn(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) fail(`hrnn ${args.join(' ')} exited with ${r.status}`);
  return r.stdout.trim();
}

/**
 * The experiment file to train: the example itself, or a copy with `edit` applied (dotted paths set
 * in the YAML, for what `--set` cannot override such as the sweep).
 */
function experimentFile(experiment) {
  const source = path.join(root, experiment.file);
  if (!experiment.edit) return source;
  const doc = YAML.parseDocument(fs.readFileSync(source, 'utf8'));
  for (const [dotted, value] of Object.entries(experiment.edit)) doc.setIn(dotted.split('.'), value);
  const copy = path.join(runsDir, 'experiments', path.basename(source));
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.writeFileSync(copy, `# ${experiment.file} with ${JSON.stringify(experiment.edit)} (scripts/reproduce.mjs)\n${doc.toString()}`);
  return copy;
}

function trainArgs(experiment) {
  const args = ['train', experimentFile(experiment), '--runs-dir', path.join(runsDir, experiment.name)];
  for (const set of experiment.sets ?? []) args.push('--set', set);
  if (quick) for (const set of experiment.quick) args.push('--set', set);
  return args;
}

/**
 * The long experiments, side by side, one core each (HRNN_THREADS=1), each with its wall-time
 * budget (`training.maxMinutes`; --quick: its few steps). Resolves to their run folders by name.
 */
async function trainLong(experiments) {
  const runs = experiments.map(
    (experiment) =>
      new Promise((resolve) => {
        const args = [cli, ...trainArgs(experiment), ...(quick ? [] : ['--set', `training.maxMinutes=${experiment.minutes}`])];
        const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, HRNN_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('close', (code) => {
          if (code !== 0) fail(`hrnn ${args.slice(1).join(' ')} exited with ${code}`);
          resolve([experiment.name, out.trim().split('\n').filter(Boolean).pop()]);
        });
      }),
  );
  return new Map(await Promise.all(runs));
}

/** Validation accuracy (or MSE) against wall time: the last evaluation at or before every 10 minutes, and the end. */
function curveTable(folder) {
  const records = fs
    .readFileSync(path.join(folder, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.type === 'eval' && r.split === 'validation');
  if (records.length === 0) return '';
  const value = (r) => (r.accuracy !== undefined ? `${(100 * r.accuracy).toFixed(1)} %` : Number(r.mse).toPrecision(3));
  const endMinutes = records[records.length - 1].wallMs / 60_000;
  const marks = [];
  for (let m = 10; m <= endMinutes; m += 10) marks.push(m);
  // the last evaluation too, when it comes after the last mark
  if (endMinutes - marks[marks.length - 1] > 0.05 || marks.length === 0) marks.push(endMinutes);
  const lines = ['| minutes | step | validation |', '|---:|---:|---:|'];
  for (const m of marks) {
    const at = records.filter((r) => r.wallMs <= m * 60_000 + 1).pop();
    if (at) lines.push(`| ${Number.isInteger(m) ? m : m.toFixed(1)} | ${at.step} | ${value(at)} |`);
  }
  return lines.join('\n');
}

function train(experiment) {
  const args = ['train', experimentFile(experiment), '--runs-dir', path.join(runsDir, experiment.name)];
  if (experiment.parallel) args.push('--parallel', String(Math.min(experiment.parallel, os.cpus().length)));
  for (const set of experiment.sets ?? []) args.push('--set', set);
  if (quick) for (const set of experiment.quick) args.push('--set', set);
  const printed = hrnn(args).split('\n').filter(Boolean);
  // A sweep prints its members' folders, then the sweep folder last; a single run prints one folder.
  return printed[printed.length - 1];
}

/** The runs below a folder as `hrnn runs --json` lists them (one JSON object a line), in run-id order. */
function listRuns(folder) {
  const runs = hrnn(['runs', folder, '--json'])
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return runs.sort((a, b) => a.runId.localeCompare(b.runId, 'en', { numeric: true }));
}

function resultsTable(experiment, runs, wasReused) {
  // How the example was changed for this figure, so the table names exactly what trained.
  const edits = Object.entries(experiment.edit ?? {}).map(([k, v]) => `${k}: ${v}`);
  const sets = (experiment.sets ?? []).map((set) => `--set ${set}`);
  const how = [...edits, ...sets];
  if (experiment.long) how.push(`one core (HRNN_THREADS=1)${quick ? '' : `, training.maxMinutes=${experiment.minutes}`}`);
  if (wasReused) how.push('a run folder trained before this call (--reuse)');
  const changed = how.length ? ` with ${how.join(', ')}` : '';
  const lines = [
    `### ${experiment.caption}`,
    '',
    `\`${experiment.file}\`${changed}`,
    '',
    '| run | status | steps | metric (test, best evaluation) | wall time |',
    '|---|---|---:|---|---:|',
  ];
  for (const r of runs) {
    const metric = r.metric ? `${r.metric.name} ${Number(r.metric.value).toPrecision(3)}` : '';
    // training time (summary.json's durationMs: a resumed run's pause between its runs not counted)
    const durationMs = JSON.parse(fs.readFileSync(path.join(r.dir, 'summary.json'), 'utf8')).durationMs;
    const ms = typeof durationMs === 'number' ? durationMs : r.startedAt && r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : NaN;
    const seconds = Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)} s` : '';
    lines.push(`| ${r.runId} | ${r.status} | ${r.stepsDone}/${r.totalSteps} | ${metric} | ${seconds} |`);
  }
  return lines.join('\n');
}

async function screenshotCards(page, reportFile, figures) {
  await page.goto(`file://${reportFile}`);
  // Charts animate only on their first draw; give them a frame or two to settle.
  await page.waitForTimeout(500);
  for (const figure of figures) {
    const card = page
      .locator('section.card')
      .filter({ has: page.locator('h2', { hasText: figure.card }) })
      .first();
    if ((await card.count()) === 0) fail(`${reportFile}: no chart card titled "${figure.card}"`);
    await card.locator('canvas, table, svg').first().waitFor({ state: 'visible' });
    await card.screenshot({ path: path.join(imagesDir, figure.png) });
    console.log(`reproduce: ${path.relative(root, path.join(imagesDir, figure.png))}`);
  }
}

const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(browserPath)) fail(`${browserPath} not found: install Debian's chromium or set CHROMIUM_PATH`);
const browser = await chromium.launch({ executablePath: browserPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const sections = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  const toTrain = chosen.filter((e) => !reused.has(e.name));
  const longFolders = long && toTrain.length ? await trainLong(toTrain) : new Map();
  for (const experiment of chosen) {
    const t0 = Date.now();
    const folder = reused.get(experiment.name) ?? longFolders.get(experiment.name) ?? train(experiment);
    const reportFile = path.join(runsDir, `${experiment.name}.html`);
    hrnn(['report', folder, '--out', reportFile, '--theme', 'light', '--title', experiment.caption]);
    await screenshotCards(page, reportFile, experiment.figures);
    const table = resultsTable(experiment, listRuns(folder), reused.has(experiment.name));
    sections.push(experiment.long ? `${table}\n\nValidation accuracy against wall time:\n\n${curveTable(folder)}` : table);
    console.log(`reproduce: ${experiment.name} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  await browser.close();
}

const header = [
  `# Results reproduced by \`npm run reproduce${long ? ' -- --long' : ''}\``,
  '',
  `Written by \`node scripts/reproduce.mjs${quick ? ' --quick' : ''}${long ? ' --long' : ''}\` on ${new Date().toISOString()} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}).`,
  quick ? '**Quick mode: a few steps per experiment, to check the pipeline. These are not results.**' : '',
  '',
].filter((l, i, all) => l !== '' || all[i - 1] !== '');
const resultsFile = path.join(outDir, long ? 'results-long.md' : 'results.md');
fs.writeFileSync(resultsFile, [...header, ...sections.map((s) => s + '\n')].join('\n'));
console.log(`reproduce: ${resultsFile}`);
if (!values['keep-runs']) fs.rmSync(runsDir, { recursive: true, force: true });
else console.log(`reproduce: runs kept in ${runsDir}`);
