/** `--set path=value` overrides, validated like the file. */
import assert from 'node:assert/strict';
import { applyOverrides, loadExperimentText, type ExperimentInput } from '../../../src/experiment';
import { parseOverride } from '../../../src/experiment/overrides';

const FILE = `task: {kind: adding, length: 200}
model: {kind: hamiltonian, hidden: 128}
training: {steps: 3000}
`;

describe('experiment overrides', () => {
  it('reads values as YAML scalars', () => {
    const values = ['model.tau=0.01', 'model.tau=auto', 'training.gradClip=null', 'name=run-2', 'training.steps=60'].map((raw) => {
      const parsed = parseOverride(raw);
      assert.ok(parsed.ok, raw);
      return parsed.override.value;
    });
    assert.deepEqual(values, [0.01, 'auto', null, 'run-2', 60]);
  });

  it('applies overrides before validating and resolving', () => {
    const result = loadExperimentText(FILE, 'f.hrnn.yaml', { overrides: ['training.steps=60', 'model.kind=tanh-rnn', 'training.learningRate=0.01'] });
    assert.ok(result.ok && result.resolved);
    assert.equal(result.resolved.training.steps, 60);
    assert.equal(result.resolved.model.kind, 'tanh-rnn');
    assert.equal(result.resolved.training.learningRate, 0.01);
    assert.equal(result.resolved.model.hidden, 128);
  });

  it('rejects an unknown path with a did-you-mean', () => {
    const result = loadExperimentText(FILE, 'f.hrnn.yaml', { overrides: ['training.step=60'] });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(
      result.problems[0].message,
      '--set training.step=60: unknown path "training.step" (not a key of the experiment format); did you mean "training.steps"?',
    );
    const noEquals = loadExperimentText(FILE, 'f.hrnn.yaml', { overrides: ['training.steps'] });
    assert.ok(!noEquals.ok && /expected path=value/u.test(noEquals.problems[0].message));
  });

  it('rejects an invalid value, naming the override and the key', () => {
    const result = loadExperimentText(FILE, 'f.hrnn.yaml', { overrides: ['model.hidden=0'] });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.problems.map((p) => p.message),
      ['--set model.hidden=0: model.hidden: must be an integer >= 1 (got 0)'],
    );
    const conflict = loadExperimentText(FILE, 'f.hrnn.yaml', { overrides: ['training.epochs=2', 'task.kind=smnist'] });
    assert.ok(!conflict.ok && conflict.problems.some((p) => p.message.startsWith('--set training.epochs=2: training.epochs: set either')));
  });

  it('an override of a swept key fixes it and takes it out of the sweep', () => {
    const swept = FILE + 'sweep:\n  grid:\n    model.kind: [hamiltonian, tanh-rnn]\n    seed: [1, 2]\n';
    const partial = loadExperimentText(swept, 'f.hrnn.yaml', { overrides: ['model.kind=lstm'] });
    assert.ok(partial.ok && partial.runs);
    assert.deepEqual(
      partial.runs.map((r) => [r.resolved.model.kind, r.resolved.seed]),
      [
        ['lstm', 1],
        ['lstm', 2],
      ],
    );
    const whole = loadExperimentText(swept, 'f.hrnn.yaml', { overrides: ['model.kind=lstm', 'seed=9'] });
    assert.ok(whole.ok && whole.resolved && whole.runs === undefined);
    assert.equal(whole.resolved.seed, 9);
  });

  it('applyOverrides works on an experiment in memory', () => {
    const input = { task: { kind: 'adding' }, model: { kind: 'hamiltonian' } } as ExperimentInput;
    const ok = applyOverrides(input, ['task.length=1000', 'model.tau=auto']);
    assert.ok(ok.ok && ok.resolved);
    assert.equal(ok.resolved.model.tau, 0.005);
    assert.equal(input.task.length, undefined, 'the input must not change');
    const bad = applyOverrides(input, ['backend=gpu']);
    assert.ok(!bad.ok && /did you mean "tensorflow-gpu"/u.test(bad.problems[0].message));
  });
});
