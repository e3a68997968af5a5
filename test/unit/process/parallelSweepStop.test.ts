/**
 * `hrnn train --parallel 2` interrupted with SIGINT, as a real process of the built CLI
 * (dist/cli.js via bin/hrnn.js): the sweep stops its trainer children through the shared trainer
 * process and leaves none of them running. Uses `ps`, so POSIX only.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary, SweepSummary } from '../../../src/protocol/records';
import { processExists } from '../../../src/runs/atomicFile';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

const LONG_SWEEP = `name: long
seed: 3
task: { kind: adding, length: 10, testSize: 20 }
model: { kind: hamiltonian, hidden: 4 }
training: { batchSize: 4, steps: 100000, evalEvery: 50 }
backend: wasm
sweep:
  grid:
    model.tau: [0.01, 0.1, 0.2]
`;

function childPids(parent: number): number[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === parent)
    .map(([pid]) => pid);
}

const isAlive = processExists;

/** Run folders of the sweep under `runsDir` that have trained at least `steps` steps. */
function runsTraining(runsDir: string, steps: number): string[] {
  if (!fs.existsSync(runsDir)) return [];
  return fs.readdirSync(runsDir).flatMap((sweep) => {
    const sweepDir = path.join(runsDir, sweep);
    if (!fs.statSync(sweepDir).isDirectory()) return [];
    return fs
      .readdirSync(sweepDir)
      .map((run) => path.join(sweepDir, run))
      .filter((runDir) => {
        const metrics = path.join(runDir, 'metrics.jsonl');
        return (
          fs.existsSync(metrics) &&
          fs
            .readFileSync(metrics, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"train"')).length >= steps
        );
      });
  });
}

/** `hrnn train long.hrnn.yaml --parallel 2` in `dir`, its stderr collected. */
function startLongSweep(dir: string) {
  const file = path.join(dir, 'long.hrnn.yaml');
  fs.writeFileSync(file, LONG_SWEEP);
  const parent = spawn(process.execPath, [hrnn, 'train', file, '--parallel', '2'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  parent.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const closed = new Promise<number | null>((resolve) => parent.on('close', resolve));
  return { parent, closed, stderr: () => text, runsDir: path.join(dir, 'runs') };
}

describe('hrnn train --parallel: interrupted (CLI process)', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-sweep-stop-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('SIGINT stops both children gracefully, starts no further run, and leaves no process behind', async () => {
    const { parent, closed, stderr, runsDir } = startLongSweep(dir);

    const deadline = Date.now() + 90000;
    while (runsTraining(runsDir, 2).length < 2) {
      assert.ok(Date.now() < deadline, `the two children did not start training\n${stderr()}`);
      assert.equal(parent.exitCode, null, `the sweep ended early\n${stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const pids = childPids(parent.pid!);
    assert.equal(pids.length, 2, `two trainer children (got ${pids.join(', ')})`);

    parent.kill('SIGINT');
    assert.equal(await closed, 0, stderr());
    assert.deepEqual(
      pids.filter((pid) => isAlive(pid)),
      [],
      'no child outlives the sweep',
    );
    const started = runsTraining(runsDir, 0).filter((runDir) => fs.existsSync(path.join(runDir, 'summary.json')));
    assert.equal(started.length, 2, 'the third run never started');
    for (const runDir of started) {
      const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(summary.status, 'stopped', runDir);
      assert.ok(fs.existsSync(path.join(runDir, 'checkpoint', 'model.json')), runDir);
    }
  });

  it('a child killed with SIGKILL is crashed in its run folder and in sweep.json; the sweep goes on', async () => {
    const { parent, closed, stderr, runsDir } = startLongSweep(dir);
    try {
      const deadline = Date.now() + 90000;
      while (runsTraining(runsDir, 2).length < 2) {
        assert.ok(Date.now() < deadline, `the two children did not start training\n${stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [victim] = childPids(parent.pid!);
      // Which run folder belongs to the victim: its summary names its pid.
      const victimRun = runsTraining(runsDir, 0).find((d) => (JSON.parse(fs.readFileSync(path.join(d, 'summary.json'), 'utf8')) as RunSummary).pid === victim)!;
      assert.ok(victimRun, 'the killed child has a run folder');
      process.kill(victim, 'SIGKILL');
      // The sweep starts the third member in the freed lane.
      while (runsTraining(runsDir, 1).length < 3) {
        assert.ok(Date.now() < deadline + 60000, `the third member did not start\n${stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const sweepDir = path.dirname(victimRun);
      const sweep = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as SweepSummary;
      const entry = sweep.runs.find((r) => r.runId === path.basename(victimRun))!;
      assert.equal(entry.status, 'crashed');
      const summary = JSON.parse(fs.readFileSync(path.join(victimRun, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(summary.status, 'crashed');
      assert.match(summary.message ?? '', /ended unexpectedly \(SIGKILL\)/);
    } finally {
      parent.kill('SIGINT');
      await closed;
    }
  });
});
