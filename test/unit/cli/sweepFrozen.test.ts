/**
 * `--parallel` sweeps train from a frozen copy of the experiment (editing the file mid-sweep changes
 * nothing), and `--parallel` beyond the core count is capped unless forced. Real CLI processes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { SweepSummary } from '../../../src/protocol/records';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

const sweepFile = (steps: number) => `name: frozen
seed: 3
task: { kind: adding, length: 10, testSize: 20 }
model: { kind: hamiltonian, hidden: 4 }
training: { batchSize: 4, steps: ${steps}, evalEvery: 10 }
probes: { every: null }
backend: cpu
sweep:
  grid:
    seed: [1, 2, 3]
`;

describe('hrnn train --parallel: frozen experiment, core cap (CLI process)', function () {
  this.timeout(180000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-frozen-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('members started after the file was edited still train the experiment as submitted', async () => {
    const file = path.join(dir, 'frozen.hrnn.yaml');
    fs.writeFileSync(file, sweepFile(60));
    const child = spawn(process.execPath, [hrnn, 'train', file, '--parallel', '2', '--set', 'training.evalEvery=20'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const runsDir = path.join(dir, 'runs');
    // As soon as the sweep folder exists, change the file the user gave.
    const t0 = Date.now();
    while (!(fs.existsSync(runsDir) && fs.readdirSync(runsDir).length > 0)) {
      assert.ok(Date.now() - t0 < 60000, `no sweep folder\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    fs.writeFileSync(file, sweepFile(7));
    assert.equal(await closed, 0, stderr);
    const [sweepName] = fs.readdirSync(runsDir);
    const sweepDir = path.join(runsDir, sweepName);
    const sweep = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as SweepSummary;
    assert.equal(sweep.experimentFile, file);
    for (const member of sweep.runs) {
      assert.equal(member.status, 'completed');
      assert.equal(member.stepsDone, 60, `${member.runId} trained the submitted 60 steps`);
      const resolved = YAML.parse(fs.readFileSync(path.join(sweepDir, member.runId, 'experiment.yaml'), 'utf8'));
      assert.equal(resolved.training.evalEvery, 20, 'the --set override is part of the frozen copy');
      const summary = JSON.parse(fs.readFileSync(path.join(sweepDir, member.runId, 'summary.json'), 'utf8'));
      assert.equal(summary.experimentFile, file, 'members record the file the user started from');
    }
    assert.match(fs.readFileSync(path.join(sweepDir, 'experiment.yaml'), 'utf8'), /Frozen copy of/);
  });

  it('caps --parallel at the core count unless --force', () => {
    const file = path.join(dir, 'frozen.hrnn.yaml');
    fs.writeFileSync(file, sweepFile(2));
    const many = os.availableParallelism() + 3;
    const r = spawnSync(process.execPath, [hrnn, 'train', file, '--parallel', String(many)], { cwd: dir, encoding: 'utf8', timeout: 170000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`--parallel ${many} capped at ${os.availableParallelism()}`));
    assert.match(r.stderr, new RegExp(`\\(${os.availableParallelism()} at a time\\)`));
  });
});
