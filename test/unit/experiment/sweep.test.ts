/** Sweep expansion: the grid's runs, in a stable order, each with the right overrides, resolved on its own. */
import assert from 'node:assert/strict';
import { expandSweep, loadExperimentText, type ExperimentInput } from '../../../src/experiment';
import { gridCombinations, setDottedPath } from '../../../src/experiment/sweep';

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

  it('resolves tau: auto for each run from that run\'s sequence length', () => {
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
});
