/** Keys that do not apply to the chosen model or task are warnings, not errors; a sweep over kinds widens what applies. */
import assert from 'node:assert/strict';
import { runValidate } from '../../../src/cli/commands/validate';
import { loadExperimentText } from '../../../src/experiment';
import { formatProblem } from '../../../src/experiment/problems';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function warningsOf(text: string): string[] {
  const result = loadExperimentText(text, 'w.hrnn.yaml');
  assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem('w', p)).join('\n'));
  return result.warnings.map((w) => formatProblem('w', w));
}

describe('experiment warnings', () => {
  it('warns at a Hamiltonian-only key on a peer model', () => {
    assert.deepEqual(warningsOf('task: {kind: adding}\nmodel:\n  kind: tanh-rnn\n  tau: 0.01\n'), [
      'w:4:3: warning: model.tau: does not apply to model.kind "tanh-rnn" (only to hamiltonian); it is ignored',
    ]);
    assert.equal(warningsOf('task: {kind: adding}\nmodel: {kind: lstm, gamma: 3}\n').length, 1);
    assert.deepEqual(warningsOf('task: {kind: adding}\nmodel: {kind: cornn, gamma: 3, dt: 0.05}\n'), []);
  });

  it('warns at task keys that the task kind ignores', () => {
    const [length] = warningsOf('task:\n  kind: smnist\n  length: 500\nmodel: {kind: gru}\n');
    assert.match(length, /^w:3:3: warning: task\.length: does not apply to task\.kind "smnist"/u);
    const [limit] = warningsOf('task: {kind: adding, trainLimit: 100}\nmodel: {kind: gru}\n');
    assert.match(limit, /task\.trainLimit: does not apply to task\.kind "adding"/u);
  });

  it('does not warn while at least one run of a sweep uses the key', () => {
    const base = 'task: {kind: adding}\nmodel: {kind: hamiltonian, tau: 0.01}\nsweep:\n  grid:\n';
    assert.deepEqual(warningsOf(base + '    model.kind: [hamiltonian, tanh-rnn]\n'), []);
    const [w] = warningsOf(base + '    model.kind: [lstm, gru]\n');
    assert.match(w, /model\.tau: does not apply to any of the model kinds "lstm", "gru"/u);
  });

  it('warns about settings another setting makes irrelevant', () => {
    const [momentum] = warningsOf('task: {kind: adding}\nmodel: {kind: gru}\ntraining: {momentum: 0.9}\n');
    assert.match(momentum, /training\.momentum: applies only to optimizer "sgd"/u);
    assert.deepEqual(warningsOf('task: {kind: adding}\nmodel: {kind: gru}\ntraining: {optimizer: sgd, momentum: 0.9}\n'), []);
    const [anchor] = warningsOf('task: {kind: adding}\nmodel: {kind: hamiltonian, anchorEvery: 10}\n');
    assert.match(anchor, /model\.anchorEvery: applies only to backprop "reversible"/u);
  });

  it('hrnn validate prints warnings and still exits 0', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-warn-'));
    try {
      const file = path.join(dir, 'w.hrnn.yaml');
      fs.writeFileSync(file, 'task: {kind: adding}\nmodel: {kind: gru, tau: 0.1}\n');
      const out: string[] = [];
      const err: string[] = [];
      assert.equal(runValidate([file], { out: (s) => out.push(s), err: (s) => err.push(s) }), 0);
      assert.deepEqual(out, [`${file}: ok`]);
      assert.equal(err.length, 1);
      assert.ok(err[0].startsWith(`${file}:2:20: warning: model.tau: `), err[0]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
