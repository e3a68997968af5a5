/**
 * `hrnn train` refuses a run that needs more memory than the machine has, before allocating it:
 * the real CLI process on a config that needs far more than this machine, the shipped examples
 * (all accepted), and the refusal's arithmetic for sweeps on a made-up machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectedImplementation, machineMemory, memoryRefusal, USABLE_SHARE } from '../../../src/cli/memoryGuard';
import { estimateTrainingMemory } from '../../../src/engine/train/memoryEstimate';
import { loadExperimentFile, loadExperimentText } from '../../../src/experiment';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');
const EXAMPLES = path.join(root, 'examples');

/** Composite tfjs ops keep ~39 floats per sequence, hidden unit and step: 1000 x 128 x 39 x 4 B = 20 MB a sequence. */
const BYTES_PER_SEQUENCE = 1000 * 128 * 39 * 4;

describe('hrnn train memory guard', function () {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-mem-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A valid experiment needing ~100 GB, or 4x this machine's memory where that is more. */
  function hugeExperiment(): string {
    const target = Math.max(100e9, 4 * os.totalmem());
    const batch = Math.min(100000, Math.ceil(target / BYTES_PER_SEQUENCE));
    const file = path.join(dir, 'huge.hrnn.yaml');
    fs.writeFileSync(
      file,
      `task: { kind: adding, length: 1000 }
model: { kind: hamiltonian, hidden: 128, implementation: tfjs }
training: { batchSize: ${batch}, steps: 10 }
`,
    );
    return file;
  }

  /** Runs the CLI with a preload that reports, at exit, its peak memory and CPU time. */
  function runMeasured(args: string[]) {
    const preload = path.join(dir, 'measure.js');
    fs.writeFileSync(
      preload,
      `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(2, '\\nMEASURED ' + JSON.stringify({ maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }) + '\\n'); });\n`,
    );
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--require', preload, hrnn, ...args], { cwd: dir, encoding: 'utf8', timeout: 120000 });
    const wallMs = Date.now() - started;
    const measured = /\nMEASURED (.*)\n/u.exec(r.stderr);
    assert.ok(measured, r.stderr);
    const stderr = r.stderr.replace(/\nMEASURED .*\n/u, '');
    return { code: r.status, stdout: r.stdout, stderr, wallMs, ...(JSON.parse(measured[1]) as { maxRssKb: number; cpuMs: number }) };
  }

  it('refuses a config needing ~100 GB at once, having allocated little: exit 1, one line naming file, estimate, machine and what to lower', () => {
    const file = hugeExperiment();
    const r = runMeasured(['train', file]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, r.stderr);
    const [line] = lines;
    assert.ok(line.startsWith(`${file}: error: this run needs about `), line);
    assert.match(line, /needs about \d+(\.\d)? GB of memory, more than this machine has \(\d+(\.\d)? GB, \d+(\.\d)? GB free\)/u);
    assert.match(line, /training \d+(\.\d)? GB \(composite tfjs ops keep every state for the gradient: batch \d+ x hidden 128 x length 1000\)/u);
    assert.match(line, /lower training\.batchSize, task\.length or model\.hidden/u);
    assert.match(line, /pass --force to train anyway$/u);
    assert.equal(r.stdout, '');
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false, 'no run folder');
    // It allocated nothing of the run: the process stayed at its start-up size.
    assert.ok(r.maxRssKb < 1024 * 1024, `peak RSS ${r.maxRssKb} KB`);
    // Quick: no tight timing on a shared machine, but far from a run's minutes.
    assert.ok(r.cpuMs < 10000 && r.wallMs < 30000, `took ${r.wallMs} ms (${r.cpuMs} ms CPU)`);
  });

  it('--force skips the guard (here the missing backend is the next refusal, before any allocation)', () => {
    const file = hugeExperiment();
    const r = runMeasured(['train', file, '--force', '--backend', 'tensorflow-gpu']);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /of memory/u);
    assert.match(r.stderr, /backend "tensorflow-gpu" is not available/u);
    assert.ok(r.maxRssKb < 1024 * 1024, `peak RSS ${r.maxRssKb} KB`);
  });

  it("accepts every example in examples/, each well under this machine's memory", () => {
    const machine = machineMemory();
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.hrnn.yaml'));
    assert.ok(files.length >= 5, 'the examples are there');
    for (const name of files) {
      const file = path.join(EXAMPLES, name);
      const loaded = loadExperimentFile(file);
      assert.ok(loaded.ok, name);
      assert.equal(memoryRefusal(file, loaded, 1, machine), null, name);
      for (const exp of loaded.runs ? loaded.runs.map((r) => r.resolved) : [loaded.resolved!]) {
        const estimate = estimateTrainingMemory(exp, expectedImplementation(exp.model));
        assert.ok(estimate.bytes < Math.min(3e9, machine.total / 4), `${name}: ${estimate.bytes} bytes`);
      }
    }
  });

  it('a sweep needs its largest run, or its N largest with --parallel N', () => {
    const sweep = loadExperimentText(
      `task: { kind: adding, length: 1000 }
model: { kind: gru, hidden: 64, implementation: tfjs }
training: { batchSize: 100 }
probes: { every: null }
sweep:
  grid:
    model.hidden: [32, 64, 128]
`,
      '/x/s.hrnn.yaml',
    );
    assert.ok(sweep.ok && sweep.runs);
    const sizes = sweep.runs.map((r) => estimateTrainingMemory(r.resolved, 'composite').bytes);
    const largest = Math.max(...sizes);
    const machine = { total: (largest * 1.5) / USABLE_SHARE, free: 1e9 };
    assert.equal(memoryRefusal('/x/s.hrnn.yaml', sweep, 1, machine), null);
    const parallel = memoryRefusal('/x/s.hrnn.yaml', sweep, 3, machine);
    assert.ok(parallel !== null);
    assert.match(parallel, /^\/x\/s\.hrnn\.yaml: error: 3 sweep runs at once \(--parallel 3\) need about .* the largest, sweep run with model\.hidden=128, /u);
    assert.match(parallel, /lower --parallel, or lower training\.batchSize/u);
    const small = { total: largest * 0.5, free: largest * 0.2 };
    assert.match(memoryRefusal('/x/s.hrnn.yaml', sweep, 1, small) ?? '', /: error: the sweep run with model\.hidden=128 needs about/u);
  });
});
