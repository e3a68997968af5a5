/**
 * `hrnn train --resume` as a user runs it (a real process of the built CLI): a run killed with
 * SIGKILL after a periodic checkpoint and resumed ends exactly like one never interrupted; a
 * completed run is extended with --set training.steps; refusals are one line. Also: a run folder's
 * experiment.yaml loads back to the very experiment that ran.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRunExperiment } from '../../../src/cli/resumeRun';
import { resolveExperiment } from '../../../src/experiment/resolve';
import { resolvedExperimentYaml } from '../../../src/experiment/resolvedYaml';
import type { ExperimentInput } from '../../../src/experiment/schema';
import type { MetricRecord, RunSummary } from '../../../src/protocol/records';
import { readRecords, readSummary } from '../../../src/runs/runFolder';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [hrnn, ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** cpu and composite tfjs ops: every step is reproducible bit for bit on one machine. */
const EXACT = `name: exact
seed: 11
task: { kind: adding, length: 10, testSize: 20 }
model: { kind: hamiltonian, hidden: 4, implementation: tfjs }
training: { batchSize: 4, steps: 40, evalEvery: 5, checkpointEvery: 10 }
probes: { every: 10, batchSize: 2 }
backend: cpu
`;

/** A record without its wall-clock time: what must be identical between two runs. */
function withoutTime(r: MetricRecord): Omit<MetricRecord, 'wallMs'> {
  const { wallMs: _wallMs, ...rest } = r;
  return rest;
}

function onlyRunIn(dir: string): string {
  const entries = fs.readdirSync(dir);
  assert.equal(entries.length, 1, `one run folder in ${dir}: ${entries}`);
  return path.join(dir, entries[0]);
}

describe('hrnn train --resume (CLI process)', function () {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-resume-cli-'));
    file = path.join(dir, 'exact.hrnn.yaml');
    fs.writeFileSync(file, EXACT);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a run killed with SIGKILL after a periodic checkpoint, resumed, ends exactly like one never interrupted', async () => {
    const straight = run(['train', file, '--runs-dir', path.join(dir, 'straight')], dir);
    assert.equal(straight.code, 0, straight.stderr);

    // Killed once step 12 is recorded: the checkpoint of step 10 is on disk, steps past it are too.
    const child = spawn(process.execPath, [hrnn, 'train', file, '--json', '--runs-dir', path.join(dir, 'killed')], { cwd: dir });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!child.killed && out.split('\n').some((l) => l.includes('"train"') && (JSON.parse(l) as MetricRecord).step >= 12)) child.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL');
    const runDir = onlyRunIn(path.join(dir, 'killed'));
    const dead = readSummary(runDir)!;
    assert.equal(dead.status, 'crashed', 'a killed run reads as crashed');
    const before = readRecords(runDir);
    const lastStep = Math.max(...before.filter((r) => r.type === 'train').map((r) => r.step));
    assert.ok(lastStep >= 12 && lastStep < 40, `killed mid-run (last step ${lastStep})`);

    const resumed = run(['train', '--resume', runDir, '--json'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    const printed = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricRecord);
    const checkpointStep = printed.find((r) => r.type === 'train')!.step - 1;
    assert.ok(
      checkpointStep >= 10 && checkpointStep % 10 === 0 && checkpointStep <= lastStep,
      `training goes on after the latest checkpoint (step ${checkpointStep})`,
    );
    assert.ok(!printed.some((r) => r.step <= checkpointStep), 'nothing before the checkpoint is recorded again');

    const a = readRecords(onlyRunIn(path.join(dir, 'straight')));
    const b = readRecords(runDir);
    const trainSteps = b.filter((r) => r.type === 'train').map((r) => r.step);
    assert.deepEqual(
      trainSteps,
      [...Array(40).keys()].map((i) => i + 1),
      'every step once: the records past the checkpoint were dropped',
    );
    // Exact, not within a tolerance: same machine, backend cpu, composite tfjs ops.
    assert.deepEqual(b.map(withoutTime), a.map(withoutTime), 'identical records, losses step by step');
    const sa = readSummary(onlyRunIn(path.join(dir, 'straight')))!;
    const sb = readSummary(runDir)!;
    assert.equal(sb.status, 'completed');
    assert.deepEqual(sb.best, sa.best, 'the same final metric');
    assert.deepEqual(sb.final, sa.final);
    assert.equal(sb.resumes, 1);
    assert.equal(sb.startedAt, dead.startedAt);
    assert.equal(sb.experimentFile, file, 'the summary still names the file the run came from');
  });

  it('extends a completed run with --set training.steps: the records of a run trained that long from the start', () => {
    const short = run(['train', file, '--runs-dir', path.join(dir, 'short'), '--set', 'training.steps=10', '--set', 'training.checkpointEvery=null'], dir);
    assert.equal(short.code, 0, short.stderr);
    const runDir = onlyRunIn(path.join(dir, 'short'));
    const refused = run(['train', '--resume', runDir], dir);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /completed all 10 steps; raise training\.steps/);

    const extended = run(['train', '--resume', runDir, '--set', 'training.steps=15'], dir);
    assert.equal(extended.code, 0, extended.stderr);
    assert.equal(extended.stdout.trim(), runDir, 'the run folder is printed, as for a new run');
    assert.match(fs.readFileSync(path.join(runDir, 'experiment.yaml'), 'utf8'), /steps: 15/, 'experiment.yaml says how long the run now is');

    const long = run(['train', file, '--runs-dir', path.join(dir, 'long'), '--set', 'training.steps=15', '--set', 'training.checkpointEvery=null'], dir);
    assert.equal(long.code, 0, long.stderr);
    // Evaluations (every 5) and probes (every 10) fall on step 10 either way, so the records match.
    assert.deepEqual(readRecords(runDir).map(withoutTime), readRecords(onlyRunIn(path.join(dir, 'long'))).map(withoutTime));
    const summary = readSummary(runDir)!;
    assert.equal(summary.status, 'completed');
    assert.equal(summary.totalSteps, 15);
    assert.equal(summary.stepsDone, 15);
    assert.equal(summary.resumedFromStep, 10);
  });

  it('refuses with one line: not a run folder, a change beyond the steps; --resume with an experiment file is a usage error', () => {
    const notRun = run(['train', '--resume', dir], dir);
    assert.equal(notRun.code, 1);
    assert.match(notRun.stderr, /not a run folder/);
    assert.equal(notRun.stderr.trim().split('\n').length, 1);

    const trained = run(['train', file, '--runs-dir', path.join(dir, 'r'), '--set', 'training.steps=5'], dir);
    assert.equal(trained.code, 0, trained.stderr);
    const runDir = onlyRunIn(path.join(dir, 'r'));
    const changed = run(['train', '--resume', runDir, '--set', 'training.steps=10', '--set', 'model.hidden=8'], dir);
    assert.equal(changed.code, 1);
    assert.match(
      changed.stderr,
      /a resume may change only training\.steps, training\.maxMinutes, training\.checkpointEvery, backend; this one changes model\.hidden/,
    );
    assert.equal(changed.stderr.trim().split('\n').length, 1, changed.stderr);
    assert.doesNotMatch(changed.stderr, /at .*\.js:\d+/, 'no stack trace');
    assert.equal((JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary).status, 'completed', 'the run is untouched');

    const both = run(['train', file, '--resume', runDir], dir);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--resume takes a run folder instead of an experiment file/);
  });

  it("a run folder's experiment.yaml loads back to the experiment that ran (epochs, other model kinds, tau: auto)", () => {
    const inputs = [
      { task: { kind: 'adding', length: 12 }, model: { kind: 'hamiltonian', hidden: 6, tau: 'auto', readout: 'yz', readoutNorm: 'fixed' } },
      {
        name: 'x',
        seed: 4,
        task: { kind: 'psmnist', trainLimit: 64, evalLimit: 32 },
        model: { kind: 'lstm', hidden: 8 },
        training: { epochs: 3, optimizer: 'sgd', momentum: 0.9 },
      },
      { task: { kind: 'smnist' }, model: { kind: 'cornn', hidden: 8 }, training: { checkpointEvery: 5, gradClip: null } },
    ];
    for (const [i, input] of inputs.entries()) {
      const exp = resolveExperiment(input as ExperimentInput, 'from-file');
      const yaml = path.join(dir, `experiment-${i}.yaml`);
      fs.writeFileSync(yaml, resolvedExperimentYaml(exp, '/somewhere/x.hrnn.yaml', 'test'));
      const loaded = loadRunExperiment(yaml, []);
      assert.ok(loaded.ok, JSON.stringify(loaded));
      assert.deepEqual(loaded.resolved, exp, `experiment ${i}`);
      const more = loadRunExperiment(yaml, ['training.steps=5000']);
      assert.ok(more.ok);
      assert.deepEqual(more.resolved, { ...exp, training: { ...exp.training, steps: 5000 } });
    }
  });

  it('a resumed sweep member updates its line in sweep.json; --runs-dir and --parallel do not go with --resume', () => {
    const sweepFile = path.join(dir, 'sweep.hrnn.yaml');
    fs.writeFileSync(sweepFile, EXACT.replace('steps: 40', 'steps: 10') + 'sweep:\n  grid:\n    seed: [1, 2]\n');
    const first = run(['train', sweepFile, '--runs-dir', path.join(dir, 'runs')], dir);
    assert.equal(first.code, 0, first.stderr);
    const sweepDir = onlyRunIn(path.join(dir, 'runs'));
    const sweepJson = () =>
      JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { runs: Array<{ runId: string; status: string; stepsDone?: number }> };
    const member = sweepJson().runs[1];
    assert.equal(member.stepsDone, 10);
    const extended = run(['train', '--resume', path.join(sweepDir, member.runId), '--set', 'training.steps=20'], dir);
    assert.equal(extended.code, 0, extended.stderr);
    const after = sweepJson().runs[1];
    assert.equal(after.status, 'completed');
    assert.equal(after.stepsDone, 20, 'sweep.json follows the resumed member');
    assert.equal(sweepJson().runs[0].stepsDone, 10, 'the other member is untouched');

    for (const extra of [
      ['--runs-dir', dir],
      ['--parallel', '2'],
    ]) {
      const r = run(['train', '--resume', path.join(sweepDir, member.runId), ...extra], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${extra[0]} does not go with --resume`));
    }
  });
});
