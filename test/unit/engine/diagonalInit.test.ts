/**
 * The diagonal variant's initialisation ranges (issue 11, the copy task): `model.stepInit` draws
 * each neuron's share s = sigmoid(c) of tau from a range, so that the linearised oscillators turn at
 * frequencies spread over (0, pi) per step; `model.wInit` draws w from a range; without them the
 * draw is UnICORNN's (one frequency for every neuron). Checked on the cell's variables, with the
 * file checks that guard the keys, that a run written before the keys resumes, and on the copy
 * recipe itself at a small size: it learns the task with the spread and not without it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../src/engine/backend';
import { HamiltonianCell } from '../../../src/engine/model/hamiltonian';
import { Rng } from '../../../src/engine/rng';
import { experimentChanges } from '../../../src/engine/train/resume';
import { trainExperiment } from '../../../src/engine/train/trainer';
import { loadExperimentFile, loadExperimentText } from '../../../src/experiment';
import { resolveExperiment } from '../../../src/experiment/resolve';
import type { ExperimentInput } from '../../../src/experiment/schema';
import type { EvalRecord } from '../../../src/protocol/records';

const m = 256;

/** The cell's w and s = sigmoid(c), and its per-step rotation angles when linearised (small w): 2 asin(tau s sqrt(alpha) / 2). */
function diagonalCell(model: Partial<ExperimentInput['model']>) {
  const exp = resolveExperiment({ task: { kind: 'copy', length: 100 }, model: { kind: 'hamiltonian', variant: 'diagonal', hidden: m, ...model } }, 'init');
  const cell = new HamiltonianCell(10, m, exp.model, new Rng(3), null);
  const read = (name: string) => Array.from(cell.variables[cell.variableNames.indexOf(name)].dataSync());
  const w = read('w');
  const s = read('c').map((c) => 1 / (1 + Math.exp(-c)));
  const { tau, alpha } = exp.model;
  const angles = s.map((si) => 2 * Math.asin(Math.min(1, (tau * si * Math.sqrt(alpha)) / 2)));
  tf.dispose(cell.variables);
  return { w, s, angles };
}

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

describe('diagonal variant: initialisation ranges (stepInit, wInit)', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it("without them: UnICORNN's draw, every neuron at about one frequency", () => {
    const { w, s, angles } = diagonalCell({ tau: 1, alpha: 3.8 });
    assert.ok(w.every((v) => v >= 0 && v <= 1) && spread(w) > 0.9, 'w ~ U(0, 1)');
    const sMin = 1 / (1 + Math.exp(0.1));
    assert.ok(
      s.every((v) => v >= sMin - 1e-6 && v <= 1 - sMin + 1e-6),
      'c ~ U(-0.1, 0.1)',
    );
    assert.ok(spread(angles) < 0.15, `angles spread over ${spread(angles).toFixed(3)} rad only`);
  });

  it('stepInit spreads s over its range and the frequencies over most of (0, pi); wInit bounds w', () => {
    const { w, s, angles } = diagonalCell({ tau: 1, alpha: 3.8, stepInit: [0.02, 0.98], wInit: [0, 0.01] });
    assert.ok(
      s.every((v) => v >= 0.02 - 1e-6 && v <= 0.98 + 1e-6),
      `s within [0.02, 0.98]: ${Math.min(...s)} .. ${Math.max(...s)}`,
    );
    assert.ok(Math.min(...s) < 0.1 && Math.max(...s) > 0.9, 'uniform over the range, not bunched');
    assert.ok(Math.min(...angles) < 0.2 && Math.max(...angles) > 2.5, `angles ${Math.min(...angles)} .. ${Math.max(...angles)} rad per step`);
    assert.ok(
      w.every((v) => v >= 0 && v <= 0.01),
      'w within [0, 0.01]',
    );
  });

  it('the file checks: min above max is an error; on the full variant the keys are ignored with a warning', () => {
    const problems = (model: string) => {
      const loaded = loadExperimentText(`name: x\ntask: { kind: copy, length: 100 }\nmodel: { kind: hamiltonian, ${model} }\n`, 'x.hrnn.yaml');
      return (loaded.ok ? loaded.warnings : loaded.problems).map((p) => `${p.severity} ${p.message}`);
    };
    assert.deepEqual(problems('variant: diagonal, stepInit: [0.1, 0.9], wInit: [-0.5, 0.5]'), []);
    assert.match(problems('variant: diagonal, stepInit: [0.9, 0.1]').join('\n'), /error .*stepInit.*min 0\.9 > max 0\.1/u);
    assert.match(problems('stepInit: [0.1, 0.9]').join('\n'), /warning .*stepInit.*applies only to variant "diagonal"/u);
    assert.match(
      problems('variant: diagonal, stepInit: [0, 1]').join('\n'),
      /error .*stepInit.*a list of 2 values, each a number > 0 and < 1.*got a list: \[0, 1\]/u,
    );
    assert.match(problems('variant: diagonal, wInit: [0.5]').join('\n'), /error .*wInit.*a list of 2 values/u);
  });

  it('the copy recipe, shrunk (T = 120, hidden 64, 100 steps): near-solved with spread frequencies, stuck near half without', async function () {
    this.timeout(120_000);
    await selectBackend('wasm');
    const loaded = loadExperimentFile(path.join(__dirname, '..', '..', '..', '..', 'examples', 'copy-T1000.hrnn.yaml'));
    assert.ok(loaded.ok && loaded.input, 'the example loads');
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-copy-init-'));
    const testAccuracy = async (model: Partial<ExperimentInput['model']>): Promise<number> => {
      const input = structuredClone(loaded.input) as ExperimentInput;
      input.task = { ...input.task, length: 120, validationSize: 100, testSize: 200 };
      input.model = { ...input.model, hidden: 64, ...model };
      input.training = { ...input.training, steps: 100, evalEvery: 50 };
      const records: EvalRecord[] = [];
      await trainExperiment(resolveExperiment({ ...input, backend: 'wasm' }, 'copy-init'), {
        runsDir,
        experimentFile: '/nowhere/copy.hrnn.yaml',
        hooks: { onRecord: (r) => r.type === 'eval' && r.split === 'test' && records.push(r) },
      });
      return records[records.length - 1]?.accuracy ?? NaN;
    };
    try {
      const spread = await testAccuracy({});
      const unicornn = await testAccuracy({ stepInit: null, wInit: null });
      // Measured (seeds 1, 2, 3): 97.8 / 96.7 / 98.2 % against 55.6 / 54.4 / 55.1 %.
      assert.ok(spread >= 0.9, `spread frequencies: test accuracy ${spread}`);
      assert.ok(unicornn <= 0.75, `UnICORNN's initialisation: test accuracy ${unicornn}`);
    } finally {
      fs.rmSync(runsDir, { recursive: true, force: true });
    }
  });

  it('a run written before the keys resumes: their null is no change, a range is', () => {
    const saved = { model: { kind: 'hamiltonian', variant: 'diagonal' } };
    assert.deepEqual(experimentChanges(saved, { model: { ...saved.model, stepInit: null, wInit: null } }), []);
    assert.deepEqual(experimentChanges(saved, { model: { ...saved.model, stepInit: [0.02, 0.98], wInit: null } }), ['model.stepInit']);
  });
});
