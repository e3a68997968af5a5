/**
 * `hrnn train` as a user runs it: a real process of the built CLI (dist/cli.js via bin/hrnn.js).
 */
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricRecord, RunSummary, SweepSummary } from '../../../src/protocol/records';
import type { TrainerEvent } from '../../../src/protocol/trainer';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [hrnn, ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TINY = `name: tiny
seed: 3
task: { kind: adding, length: 10, testSize: 20, validationSize: null }
model: { kind: hamiltonian, hidden: 4 }
training: { batchSize: 4, steps: 6, evalEvery: 3 }
probes: { every: 3, batchSize: 2 }
backend: wasm
`;

describe('hrnn train (CLI process)', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains, writes the run folder beside the experiment, prints its path', () => {
    const file = path.join(dir, 'tiny.hrnn.yaml');
    fs.writeFileSync(file, TINY);
    const r = run(['train', file], dir);
    assert.equal(r.code, 0, r.stderr);
    const runDir = r.stdout.trim();
    assert.equal(path.dirname(runDir), path.join(dir, 'runs'));
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.status, 'completed');
    assert.equal(summary.backend, 'wasm');
    assert.match(r.stderr, /backend\s+wasm/);
  });

  it('--json prints the metric records as JSON lines on stdout; --set overrides keys', () => {
    const file = path.join(dir, 'tiny.hrnn.yaml');
    fs.writeFileSync(file, TINY);
    const r = run(['train', file, '--json', '--runs-dir', path.join(dir, 'out'), '--set', 'training.steps=4', '--set', 'training.evalEvery=2'], dir);
    assert.equal(r.code, 0, r.stderr);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricRecord);
    assert.deepEqual(
      records.filter((x) => x.type === 'train').map((x) => x.step),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      records.filter((x) => x.type === 'eval').map((x) => x.step),
      [2, 4],
    );
    assert.ok(records.some((x) => x.type === 'probe'));
    const [runDir] = fs.readdirSync(path.join(dir, 'out'));
    const onDisk = fs
      .readFileSync(path.join(dir, 'out', runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(onDisk, records);
    assert.match(fs.readFileSync(path.join(dir, 'out', runDir, 'experiment.yaml'), 'utf8'), /steps: 4/);
  });

  it('refuses an invalid file before touching anything: file:line:col lines, exit 1, no runs folder', () => {
    const file = path.join(dir, 'bad.hrnn.yaml');
    fs.writeFileSync(file, TINY.replace('hidden: 4', 'hidden: 0').replace('learningRate', 'x'));
    const r = run(['train', file], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: error: .*hidden`));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
  });

  it('refuses a demanded backend that is not installed, with the reason, and creates nothing', () => {
    const file = path.join(dir, 'tiny.hrnn.yaml');
    fs.writeFileSync(file, TINY);
    const r = run(['train', file, '--backend', 'tensorflow-gpu'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /backend "tensorflow-gpu" is not available: @tensorflow\/tfjs-node-gpu is not installed/);
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
  });

  it('exits 3 on a diverging run and keeps the records', () => {
    const file = path.join(dir, 'diverge.hrnn.yaml');
    fs.writeFileSync(file, TINY.replace('hidden: 4', 'hidden: 4, tau: 2, alpha: 1000').replace('length: 10', 'length: 200'));
    const r = run(['train', file], dir);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /diverged/);
    const runDir = r.stdout.trim();
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.status, 'diverged');
    assert.ok(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').includes('"probe"'));
  });

  for (const parallel of [1, 2]) {
    it(`runs every combination of a sweep (--parallel ${parallel}) into one sweep folder with sweep.json`, () => {
      const file = path.join(dir, 'sweep.hrnn.yaml');
      fs.writeFileSync(file, TINY + 'sweep:\n  grid:\n    model.tau: [0.01, 0.1]\n    model.kind: [hamiltonian, gru]\n');
      const r = run(['train', file, '--parallel', String(parallel)], dir);
      assert.equal(r.code, 0, r.stderr);
      const sweepDir = r.stdout.trim().split('\n').pop()!;
      const sweep = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as SweepSummary;
      assert.equal(sweep.runs.length, 4);
      assert.deepEqual(
        sweep.runs.map((x) => x.parameters),
        [
          { 'model.tau': 0.01, 'model.kind': 'hamiltonian' },
          { 'model.tau': 0.01, 'model.kind': 'gru' },
          { 'model.tau': 0.1, 'model.kind': 'hamiltonian' },
          { 'model.tau': 0.1, 'model.kind': 'gru' },
        ],
      );
      for (const entry of sweep.runs) {
        assert.equal(entry.status, 'completed');
        assert.ok(entry.best);
        assert.equal(entry.stepsDone, 6);
        assert.equal(entry.final!.test!.step, 6, 'the final metrics of each run are listed');
        const s = JSON.parse(fs.readFileSync(path.join(sweepDir, entry.runId, 'summary.json'), 'utf8')) as RunSummary;
        assert.equal(s.tags.model, entry.parameters['model.kind']);
        assert.equal(s.sweep!.index, entry.index);
        if (s.tags.model === 'hamiltonian') assert.equal(s.tags.tau, entry.parameters['model.tau']);
      }
      assert.ok(sweep.endedAt);
    });
  }

  it('Ctrl-C stops cleanly: status stopped, checkpoint written', async () => {
    const file = path.join(dir, 'long.hrnn.yaml');
    fs.writeFileSync(file, TINY.replace('steps: 6', 'steps: 100000'));
    const child = spawn(process.execPath, [hrnn, 'train', file, '--json'], { cwd: dir });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').filter((l) => l.includes('"train"')).length >= 3 && !child.killed) {
          child.kill('SIGINT');
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const runs = fs.readdirSync(path.join(dir, 'runs'));
    const runDir = path.join(dir, 'runs', runs[0]);
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.status, 'stopped');
    assert.ok(summary.stepsDone >= 3 && summary.stepsDone < 100000);
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoint', 'model.json')));
  });

  it('--ipc: typed events to the parent, a stop message, and a graceful stop when the parent goes away', async () => {
    const file = path.join(dir, 'long.hrnn.yaml');
    fs.writeFileSync(file, TINY.replace('steps: 6', 'steps: 100000'));
    const cli = path.join(root, 'dist', 'cli.js');
    const startChild = () => fork(cli, ['train', file, '--ipc'], { cwd: dir, execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const eventsUntil = (child: ReturnType<typeof fork>, trainRecords: number) =>
      new Promise<TrainerEvent[]>((resolve) => {
        const events: TrainerEvent[] = [];
        child.on('message', (m) => {
          events.push(m as TrainerEvent);
          if (events.filter((e) => e.type === 'record' && e.record.type === 'train').length === trainRecords) resolve(events);
        });
      });

    // A stop message: the run ends `stopped` and the last event says so.
    const first = startChild();
    const seen = await eventsUntil(first, 3);
    assert.equal(seen[0].type, 'runStarted');
    first.send({ type: 'stop' });
    const ended = await new Promise<TrainerEvent>((resolve) =>
      first.on('message', (m) => (m as TrainerEvent).type === 'runEnded' && resolve(m as TrainerEvent)),
    );
    assert.equal(ended.type === 'runEnded' && ended.status, 'stopped');
    assert.equal(await new Promise((r) => first.on('exit', r)), 0);

    // The parent disconnects (a window reload): the run still ends `stopped` with a checkpoint.
    const second = startChild();
    const started = (await eventsUntil(second, 3))[0];
    assert.equal(started.type, 'runStarted');
    const runDir = started.type === 'runStarted' ? started.runDir : '';
    const exited = new Promise((r) => second.on('exit', r));
    second.disconnect();
    assert.equal(await exited, 0);
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.status, 'stopped');
    assert.match(summary.message!, /went away/);
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoint', 'model.json')));
  });
});
