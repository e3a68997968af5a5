#!/usr/bin/env node
// `npm run reproduce`: trains the README's experiments with their pinned seeds, then writes what the
// README shows from those runs: PNG figures (the plots panel's own charts, drawn by `hrnn report` in
// headless Chromium) into docs/images/ and the result tables into docs/results.md. Every figure and
// number in the README that cites this command comes from here, never typed in by hand.
//
//   node scripts/reproduce.mjs [--quick] [--out DIR] [--only NAME[,NAME]] [--keep-runs]
//                              [--group main|long|copy|adding | --long] [--reuse NAME=RUN_FOLDER[,...]]
//
// --quick trains each experiment for a handful of steps (CI checks the pipeline with it in about a
// minute); its figures are smoke output, not results, and it writes to a temporary folder unless
// --out is given. --group picks which experiments train (default main: docs/results.md). `long`
// (or --long): sequential MNIST and its permuted form, their recipes' whole schedules (at most 135
// minutes each), side by side, one core each: accuracy against wall time, docs/results-long.md.
// `adding`: the adding problem at T = 1000 trained end to end, on one core: docs/results-adding.md.
// `copy`: the copy task at T = 1000, the Hamiltonian RNN, a tanh RNN and an LSTM for 10 minutes
// each, side by side: docs/results-copy.md. --reuse takes an experiment's run folder as already trained (the figures
// and tables are then made from it; the table says so; for an experiment of several members,
// NAME/MEMBER=RUN_FOLDER). Needs a build (dist/cli.js) and Debian's chromium (CHROMIUM_PATH
// overrides).
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
  // Long experiments (--group long): trained side by side, one core each, with `minutes` of wall time
  // at most (training.maxMinutes: evaluated at the limit, then the test split at the best
  // validation weights). The recipes' 7000 steps (a cosine schedule) took 95 minutes here.
  ...['smnist', 'psmnist'].map((task) => ({
    name: `${task}-long`,
    file: `examples/${task}.hrnn.yaml`,
    caption: `${task === 'smnist' ? 'Sequential MNIST' : 'Permuted sequential MNIST'}: accuracy against wall time on one core`,
    group: 'long',
    minutes: 135,
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
  // The adding problem at T = 1000 trained end to end (issue 11: MSE < 0.01), on one core: every
  // weight trained, the readout's and the recurrence's gradients clipped apart.
  {
    name: 'adding-T1000-end-to-end',
    file: 'examples/adding-T1000-end-to-end.hrnn.yaml',
    caption: 'Adding problem, T = 1000, trained end to end: MSE against wall time on one core',
    group: 'adding',
    minutes: 60,
    curveEvery: 5,
    figures: [{ card: 'Mean squared error', png: 'adding-T1000-end-to-end-mse.png' }],
    quick: ['training.steps=3', 'training.evalEvery=2', 'task.length=40', 'task.validationSize=20', 'task.testSize=20', 'model.hidden=16'],
  },
  // The copy task at T = 1000 (issue 11): the Hamiltonian recipe and two peers on their fused
  // kernels, trained side by side for the same wall time (three processes share the two cores
  // alike), with every step they can take in it.
  {
    name: 'copy-T1000',
    caption: 'Copy task, T = 1000: Hamiltonian RNN, tanh RNN and LSTM, 10 minutes each, side by side',
    group: 'copy',
    minutes: 10,
    curveEvery: 2,
    sets: ['training.steps=1000000'],
    members: [
      { name: 'hamiltonian', file: 'examples/copy-T1000.hrnn.yaml' },
      {
        name: 'tanh-rnn',
        file: 'examples/copy-T1000.hrnn.yaml',
        edit: { name: 'copy-T1000-tanh', model: { kind: 'tanh-rnn', hidden: 256, readoutNorm: 'fixed' } },
      },
      { name: 'lstm', file: 'examples/copy-T1000.hrnn.yaml', edit: { name: 'copy-T1000-lstm', model: { kind: 'lstm', hidden: 128, readoutNorm: 'fixed' } } },
    ],
    figures: [{ card: 'Accuracy', png: 'copy-accuracy.png' }],
    quick: ['training.steps=3', 'training.evalEvery=2', 'task.length=40', 'task.validationSize=20', 'task.testSize=20', 'model.hidden=16'],
  },
];
/** An experiment's runs: its members, or itself as its only member. */
const membersOf = (experiment) => experiment.members ?? [{ name: experiment.name, file: experiment.file, edit: experiment.edit }];
const GROUPS = ['main', 'long', 'copy', 'adding'];
const RESULTS_FILE = { main: 'results.md', long: 'results-long.md', copy: 'results-copy.md', adding: 'results-adding.md' };

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    'keep-runs': { type: 'boolean', default: false },
    long: { type: 'boolean', default: false },
    group: { type: 'string' },
    reuse: { type: 'string' },
  },
});
const quick = values.quick;
const outDir = path.resolve(values.out ?? (quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-reproduce-')) : path.join(root, 'docs')));
const only = values.only ? new Set(values.only.split(',')) : null;
if (values.long && values.group && values.group !== 'long') fail(`--long and --group ${values.group}: pick one`);
const wantedGroup = values.long ? 'long' : (values.group ?? 'main');
if (!GROUPS.includes(wantedGroup)) fail(`--group ${wantedGroup}: expected one of ${GROUPS.join(', ')}`);
const groupOf = (e) => e.group ?? 'main';
const chosen = EXPERIMENTS.filter((e) => (only ? only.has(e.name) : groupOf(e) === wantedGroup));
if (chosen.length === 0) fail(`--only ${values.only}: no such experiment (${EXPERIMENTS.map((e) => e.name).join(', ')})`);
if (new Set(chosen.map(groupOf)).size > 1) fail('--only: name experiments of one group per call (each group writes its own file)');
const group = groupOf(chosen[0]);
/** Experiments trained for a wall-time budget, side by side, one core each. */
const timed = group !== 'main';
/** --reuse name=folder (name/member=folder for an experiment of several members): run folders trained before, used as they are. */
const reusable = chosen.flatMap((e) => membersOf(e).map((m) => (e.members ? `${e.name}/${m.name}` : e.name)));
const reused = new Map(
  (values.reuse ? values.reuse.split(',') : []).map((pair) => {
    const [name, folder] = pair.split('=');
    if (!folder || !reusable.includes(name)) fail(`--reuse ${pair}: expected NAME=RUN_FOLDER with NAME among ${reusable.join(', ')}`);
    if (!fs.existsSync(path.join(folder, 'summary.json'))) fail(`--reuse ${pair}: ${folder} is not a run folder (no summary.json)`);
    return [name, path.resolve(folder)];
  }),
);
/** The key of a member in `reused` and in the trained folders. */
const memberKey = (experiment, member) => (experiment.members ? `${experiment.name}/${member.name}` : experiment.name);

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
function experimentFile(member) {
  const source = path.join(root, member.file);
  if (!member.edit) return source;
  const doc = YAML.parseDocument(fs.readFileSync(source, 'utf8'));
  // A dotted path sets one key; a mapping value replaces that whole section (a peer's `model`).
  for (const [dotted, value] of Object.entries(member.edit)) doc.setIn(dotted.split('.'), value);
  const copy = path.join(runsDir, 'experiments', member.name, path.basename(source));
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.writeFileSync(copy, `# ${member.file} with ${JSON.stringify(member.edit)} (scripts/reproduce.mjs)\n${doc.toString()}`);
  return copy;
}

function trainArgs(experiment, member) {
  const args = ['train', experimentFile(member), '--runs-dir', path.join(runsDir, experiment.name, member.name)];
  for (const set of experiment.sets ?? []) args.push('--set', set);
  if (quick) for (const set of experiment.quick) args.push('--set', set);
  return args;
}

/**
 * The timed experiments' members not reused, side by side, one core each (HRNN_THREADS=1), each
 * with its wall-time budget (`training.maxMinutes`; --quick: its few steps). Resolves to their run
 * folders by member key.
 */
async function trainTimed(experiments) {
  const jobs = experiments.flatMap((experiment) =>
    membersOf(experiment)
      .filter((member) => !reused.has(memberKey(experiment, member)))
      .map((member) => ({ experiment, member })),
  );
  const runs = jobs.map(
    ({ experiment, member }) =>
      new Promise((resolve) => {
        const args = [cli, ...trainArgs(experiment, member), ...(quick ? [] : ['--set', `training.maxMinutes=${experiment.minutes}`])];
        const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, HRNN_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('close', (code) => {
          if (code !== 0) fail(`hrnn ${args.slice(1).join(' ')} exited with ${code}`);
          resolve([memberKey(experiment, member), out.trim().split('\n').filter(Boolean).pop()]);
        });
      }),
  );
  return new Map(await Promise.all(runs));
}

/**
 * Validation accuracy (or MSE) against wall time: the last evaluation at or before every `every`
 * minutes, and the end. One runs' columns (step, validation) per run, `runs` as [name, folder].
 */
function curveTable(runs, every = 10) {
  const evals = runs.map(([, folder]) =>
    fs
      .readFileSync(path.join(folder, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((r) => r.type === 'eval' && r.split === 'validation'),
  );
  if (evals.every((records) => records.length === 0)) return '';
  const value = (r) => (r.accuracy !== undefined ? `${(100 * r.accuracy).toFixed(1)} %` : Number(r.mse).toPrecision(3));
  const endMinutes = Math.max(...evals.map((records) => (records.length ? records[records.length - 1].wallMs / 60_000 : 0)));
  const marks = [];
  for (let m = every; m <= endMinutes; m += every) marks.push(m);
  // the last evaluation too, when it comes after the last mark
  if (marks.length === 0 || endMinutes - marks[marks.length - 1] > 0.05) marks.push(endMinutes);
  const several = runs.length > 1;
  const head = several ? ['minutes', ...runs.flatMap(([name]) => [`${name} step`, `${name} validation`])] : ['minutes', 'step', 'validation'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---:').join('|')}|`];
  for (const m of marks) {
    const cells = evals.flatMap((records) => {
      const at = records.filter((r) => r.wallMs <= m * 60_000 + 1).pop();
      return at ? [String(at.step), value(at)] : ['', ''];
    });
    if (cells.some(Boolean)) lines.push(`| ${Number.isInteger(m) ? m : m.toFixed(1)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function train(experiment) {
  const [member] = membersOf(experiment);
  const args = ['train', experimentFile(member), '--runs-dir', path.join(runsDir, experiment.name)];
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

/** `training.maxMinutes` of the run in `dir` (its resolved experiment.yaml), null when it had none. */
function budgetOf(dir) {
  try {
    const minutes = YAML.parse(fs.readFileSync(path.join(dir, 'experiment.yaml'), 'utf8'))?.training?.maxMinutes;
    return typeof minutes === 'number' ? minutes : null;
  } catch {
    return null;
  }
}

function resultsTable(experiment, runs, wasReused) {
  // How the example was changed for this figure, so the table names exactly what trained.
  const edits = membersOf(experiment).flatMap((member) =>
    Object.entries(member.edit ?? {}).map(([k, v]) => `${experiment.members ? `${member.name}: ` : ''}${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`),
  );
  const files = experiment.members ? [...new Set(experiment.members.map((m) => m.file))] : [experiment.file];
  const sets = (experiment.sets ?? []).map((set) => `--set ${set}`);
  const how = [...edits, ...sets];
  if (timed) {
    // The budget each run trained with, from its own folder (a reused run may have had another).
    const budgets = [...new Set(runs.map((r) => budgetOf(r.dir)))].filter((b) => b !== null);
    how.push(`one core each (HRNN_THREADS=1)${budgets.length ? `, training.maxMinutes=${budgets.join(' / ')}` : ''}`);
  }
  if (wasReused) how.push('a run folder trained before this call (--reuse)');
  const changed = how.length ? ` with ${how.join(', ')}` : '';
  const lines = [
    `### ${experiment.caption}`,
    '',
    `${files.map((f) => `\`${f}\``).join(', ')}${changed}`,
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
  const trained = timed ? await trainTimed(chosen) : new Map();
  for (const experiment of chosen) {
    const t0 = Date.now();
    const runs = membersOf(experiment).map((member) => {
      const key = memberKey(experiment, member);
      return [member.name, reused.get(key) ?? trained.get(key) ?? train(experiment)];
    });
    const folders = runs.map(([, folder]) => folder);
    const reportFile = path.join(runsDir, `${experiment.name}.html`);
    hrnn(['report', ...folders, '--out', reportFile, '--theme', 'light', '--title', experiment.caption]);
    await screenshotCards(page, reportFile, experiment.figures);
    const wasReused = membersOf(experiment).some((member) => reused.has(memberKey(experiment, member)));
    const table = resultsTable(experiment, folders.flatMap(listRuns), wasReused);
    const measure = experiment.figures.some((f) => f.card === 'Mean squared error') ? 'MSE' : 'accuracy';
    sections.push(timed ? `${table}\n\nValidation ${measure} against wall time:\n\n${curveTable(runs, experiment.curveEvery)}` : table);
    console.log(`reproduce: ${experiment.name} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  await browser.close();
}

const groupFlag = group === 'main' ? '' : group === 'long' ? ' --long' : ` --group ${group}`;
const header = [
  `# Results reproduced by \`npm run reproduce${groupFlag ? ` --${groupFlag}` : ''}\``,
  '',
  `Written by \`node scripts/reproduce.mjs${quick ? ' --quick' : ''}${groupFlag}\` on ${new Date().toISOString()} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}).`,
  quick ? '**Quick mode: a few steps per experiment, to check the pipeline. These are not results.**' : '',
  '',
].filter((l, i, all) => l !== '' || all[i - 1] !== '');
const resultsFile = path.join(outDir, RESULTS_FILE[group]);
fs.writeFileSync(resultsFile, [...header, ...sections.map((s) => s + '\n')].join('\n'));
console.log(`reproduce: ${resultsFile}`);
if (!values['keep-runs']) fs.rmSync(runsDir, { recursive: true, force: true });
else console.log(`reproduce: runs kept in ${runsDir}`);
