/** Sweep expansion: the grid's runs, in a stable order, each with the right overrides, resolved on its own. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runValidate } from '../../../src/cli/commands/validate';
import { expandSweep, loadExperimentText, MAX_SWEEP_RUNS, type ExperimentInput } from '../../../src/experiment';
import { formatProblem } from '../../../src/experiment/problems';
import { gridCombinations, setDottedPath } from '../../../src/experiment/sweep';

/** CPU milliseconds `fn` takes (a shared machine makes wall time a poor measure). */
function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const TAU_BY_KIND = `name: tau-by-kind
task: {kind: adding, length: 200}
model: {kind: hamiltonian, hidden: 32, tau: auto}
training: {steps: 10}
sweep:
  grid:
    model.tau: [0.001, 0.01]
    model.kind: [hamiltonian, tanh-rnn, lstm]
`;

describe('experiment sweeps', () => {
  it('enumerates the grid with the first axis slowest', () => {
    assert.deepEqual(gridCombinations([2, 3]), [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    assert.deepEqual(gridCombinations([]), [[]]);
  });

  it('expands a file to one run per combination, with its parameters set and no sweep', () => {
    const result = loadExperimentText(TAU_BY_KIND, 'tau-by-kind.hrnn.yaml');
    assert.ok(result.ok && result.runs);
    assert.equal(result.resolved, undefined);
    const runs = result.runs;
    assert.deepEqual(
      runs.map((r) => r.parameters),
      [
        { 'model.tau': 0.001, 'model.kind': 'hamiltonian' },
        { 'model.tau': 0.001, 'model.kind': 'tanh-rnn' },
        { 'model.tau': 0.001, 'model.kind': 'lstm' },
        { 'model.tau': 0.01, 'model.kind': 'hamiltonian' },
        { 'model.tau': 0.01, 'model.kind': 'tanh-rnn' },
        { 'model.tau': 0.01, 'model.kind': 'lstm' },
      ],
    );
    runs.forEach((run, i) => {
      assert.equal(run.index, i);
      assert.equal(run.input.sweep, undefined);
      assert.equal(run.input.model.tau, run.parameters['model.tau']);
      assert.equal(run.resolved.model.kind, run.parameters['model.kind']);
      assert.equal(run.resolved.model.tau, run.parameters['model.tau']);
      // Everything not swept comes from the file.
      assert.equal(run.resolved.model.hidden, 32);
      assert.equal(run.resolved.training.steps, 10);
      assert.equal(run.resolved.name, 'tau-by-kind');
    });
    // The file's own experiment is left as written.
    assert.equal(result.input.model.tau, 'auto');
    assert.ok(result.input.sweep);
  });

  it("resolves tau: auto for each run from that run's sequence length", () => {
    const input = {
      task: { kind: 'adding', length: 50 },
      model: { kind: 'hamiltonian', tau: 'auto' },
      sweep: { grid: { 'task.length': [50, 200, 1000], 'model.tauScale': [1, 5] } },
    } as ExperimentInput;
    const runs = expandSweep(input, 'fallback');
    assert.equal(runs.length, 6);
    const taus = runs.map((r) => r.resolved.model.tau);
    const expected = [50, 200, 1000].flatMap((T) => [1, 5].map((c) => Math.min(c / T, 0.05)));
    taus.forEach((tau, i) => assert.ok(Math.abs(tau - expected[i]) < 1e-12, `run ${i}: ${tau} vs ${expected[i]}`));
    assert.equal(runs[0].resolved.name, 'fallback');
    assert.ok(input.sweep, 'expandSweep must not modify its input');
  });

  it('sets swept keys in sections the file leaves out', () => {
    const input = { task: { kind: 'adding' }, model: { kind: 'gru' }, sweep: { grid: { 'training.learningRate': [0.1, 0.2] } } } as ExperimentInput;
    const runs = expandSweep(input, 'x');
    assert.deepEqual(
      runs.map((r) => r.resolved.training.learningRate),
      [0.1, 0.2],
    );
    const target: Record<string, unknown> = { a: 5 };
    setDottedPath(target, 'a.b.c', 1);
    assert.deepEqual(target, { a: { b: { c: 1 } } });
  });

  it('without a sweep, expands to the one run', () => {
    const runs = expandSweep({ task: { kind: 'adding' }, model: { kind: 'gru' } } as ExperimentInput, 'single');
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0].parameters, {});
  });

  it('reports a combination that fails only together, at the file position, naming the run', () => {
    const text = `task: {kind: smnist}
model: {kind: gru}
training:
  epochs: 1
sweep:
  grid:
    task.kind: [smnist, psmnist, adding]
`;
    const result = loadExperimentText(text, 's.hrnn.yaml');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.problems.length, 1);
    const [p] = result.problems;
    assert.equal(p.path, 'training.epochs');
    assert.deepEqual(p.range.start, { line: 4, col: 3 });
    assert.match(p.message, /task\.kind=adding/u);
  });

  it('refuses an oversized grid from the product of its axis lengths, without expanding it', () => {
    // 1000 x 1000 x 1000 = 10^9 combinations: expanding them would never finish.
    const values = Array.from({ length: 1000 }, (_, i) => i + 1).join(', ');
    const text = `task: {kind: adding}\nmodel: {kind: hamiltonian}\nsweep:\n  grid:\n    seed: [${values}]\n    model.hidden: [${values}]\n    training.batchSize: [${values}]\n`;
    let lines: string[] = [];
    const took = cpuMs(() => {
      const result = loadExperimentText(text, 'big.hrnn.yaml');
      assert.ok(!result.ok);
      lines = result.problems.map((p) => formatProblem('big.hrnn.yaml', p));
    });
    assert.deepEqual(lines, [`big.hrnn.yaml:4:3: error: sweep.grid: expands to 1000000000 runs; a sweep may have at most ${MAX_SWEEP_RUNS}`]);
    assert.ok(took < 5000, `${took} ms CPU`);
    // Nothing expands a grid that size by accident either.
    assert.throws(() => gridCombinations([MAX_SWEEP_RUNS + 1]), RangeError);
    assert.throws(() => gridCombinations([100000, 100000, 100000]), /larger than a sweep may be/u);
    assert.equal(gridCombinations([MAX_SWEEP_RUNS]).length, MAX_SWEEP_RUNS);
  });

  it('hrnn validate answers a generated 100000-value sweep quickly, with the usual refusal', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-sweep-'));
    try {
      const file = path.join(dir, 'seeds.hrnn.yaml');
      const seeds = Array.from({ length: 100000 }, (_, i) => i).join(', ');
      fs.writeFileSync(file, `task: {kind: adding, length: 50}\nmodel: {kind: hamiltonian, hidden: 16}\nsweep:\n  grid:\n    seed: [${seeds}]\n`);
      const out: string[] = [];
      const err: string[] = [];
      let code = -1;
      // Most of it is parsing 600 KB of YAML (about 1.5 s of CPU here); the grid is never expanded.
      const took = cpuMs(() => (code = runValidate([file], { out: (l) => out.push(l), err: (l) => err.push(l) })));
      assert.equal(code, 1);
      assert.deepEqual(out, []);
      assert.deepEqual(err, [`${file}:4:3: error: sweep.grid: expands to 100000 runs; a sweep may have at most ${MAX_SWEEP_RUNS}`]);
      assert.ok(took < 15000, `${took} ms CPU`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
