/** Valid experiment files, the templates and the shipped examples all validate. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runValidate } from '../../../src/cli/commands/validate';
import { loadExperimentFile, loadExperimentText, SCHEMA_ID } from '../../../src/experiment';
import { formatProblem } from '../../../src/experiment/problems';
import { EXPERIMENT_TEMPLATES, MODELINE_PREFIX, renderTemplate } from '../../../src/experiment/templates';
import { EXAMPLES, VALID_FIXTURES } from './paths';

function collect(): { out: string[]; err: string[]; io: { out(s: string): void; err(s: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s) => out.push(s), err: (s) => err.push(s) } };
}

describe('experiment files: valid files', () => {
  const files = fs.readdirSync(VALID_FIXTURES).filter((f) => /\.hrnn\.ya?ml$/u.test(f));

  it('has valid fixtures', () => assert.ok(files.length >= 5));

  for (const f of files) {
    it(`accepts ${f} without warnings`, () => {
      const result = loadExperimentFile(path.join(VALID_FIXTURES, f));
      assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem(f, p)).join('\n'));
      assert.deepEqual(
        result.warnings.map((w) => formatProblem(f, w)),
        [],
      );
      assert.ok(result.resolved !== undefined || (result.runs?.length ?? 0) > 0);
    });
  }

  it('resolves defaults and derived values', () => {
    const flow = loadExperimentFile(path.join(VALID_FIXTURES, 'flow-style.hrnn.yaml'));
    assert.ok(flow.ok && flow.resolved);
    assert.equal(flow.resolved.model.tau, 5 / 200);
    assert.equal(flow.resolved.training.learningRate, 0.002);
    const minimal = loadExperimentFile(path.join(VALID_FIXTURES, 'minimal.hrnn.yaml'));
    assert.ok(minimal.ok && minimal.resolved);
    assert.equal(minimal.resolved.name, 'minimal');
    assert.equal(minimal.resolved.task.length, 50);
    assert.equal(minimal.resolved.model.tau, 0.05); // 5 / 50 = 0.1, capped at 0.05
    const crlf = loadExperimentFile(path.join(VALID_FIXTURES, 'crlf.hrnn.yaml'));
    assert.ok(crlf.ok && crlf.resolved);
    assert.equal(crlf.resolved.task.length, 784);
    assert.equal(crlf.resolved.training.steps, Math.ceil(57000 / 50)); // one epoch at batch 50
  });

  it('follows anchors, aliases and merge keys', () => {
    const result = loadExperimentFile(path.join(VALID_FIXTURES, 'anchors.hrnn.yaml'));
    assert.ok(result.ok && result.runs);
    assert.equal(result.runs.length, 3);
    assert.equal(result.runs[0].resolved.model.hidden, 64);
    assert.equal(result.runs[0].resolved.probes.batchSize, 32);
    assert.deepEqual(
      result.runs.map((r) => r.resolved.seed),
      [1, 2, 3],
    );
  });

  it('accepts many aliases of one small value (repetition is not an alias bomb)', () => {
    const seeds = Array.from({ length: 1000 }, () => '*one').join(', ');
    const text = `name: many-aliases\nseed: &one 1\ntask: { kind: adding, length: 10 }\nmodel: { kind: hamiltonian, hidden: 4 }\nsweep:\n  grid:\n    training.learningRate: [0.001]\n    probes.batchSize: [${seeds}]\n`;
    const result = loadExperimentText(text, 'many-aliases.hrnn.yaml');
    // Every alias is read (the sweep's duplicate values are the sweep checker's business, not the parser's).
    const problems = result.ok ? result.warnings : result.problems;
    assert.ok(!problems.some((p) => p.code === 'alias'), JSON.stringify(problems.slice(0, 2)));
  });

  it('hrnn validate prints "file: ok" and exits 0', () => {
    const c = collect();
    const targets = ['minimal.hrnn.yaml', 'comparison-sweep.hrnn.yaml'].map((f) => path.join(VALID_FIXTURES, f));
    assert.equal(runValidate(targets, c.io), 0);
    assert.deepEqual(c.out, [`${targets[0]}: ok`, `${targets[1]}: ok (sweep: 10 runs)`]);
    assert.deepEqual(c.err, []);
  });

  it('hrnn validate exits 1 when one of several files is invalid', () => {
    const c = collect();
    const good = path.join(VALID_FIXTURES, 'minimal.hrnn.yaml');
    const bad = path.join(VALID_FIXTURES, 'no-such-file.hrnn.yaml');
    assert.equal(runValidate([good, bad], c.io), 1);
    assert.deepEqual(c.out, [`${good}: ok`]);
    assert.deepEqual(c.err, [`${bad}:1:1: error: no such file`]);
  });
});

describe('experiment files: templates', () => {
  it('offers the templates the New Experiment command promises', () => {
    const ids = EXPERIMENT_TEMPLATES.map((t) => t.id);
    for (const id of ['adding-T50', 'adding-T1000-reservoir', 'smnist', 'psmnist', 'hamiltonian-vs-tanh-T1000', 'tau-sweep']) assert.ok(ids.includes(id), id);
  });

  for (const template of EXPERIMENT_TEMPLATES) {
    it(`template ${template.id} validates without warnings`, () => {
      const text = renderTemplate(template, 'my-experiment');
      assert.equal(text.split('\n')[0], `${MODELINE_PREFIX}${SCHEMA_ID}`);
      const result = loadExperimentText(text, `${template.defaultName}.hrnn.yaml`);
      assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem(template.id, p)).join('\n'));
      assert.deepEqual(result.warnings, []);
      const names = result.resolved ? [result.resolved.name] : result.runs!.map((r) => r.resolved.name);
      for (const name of names) assert.equal(name, 'my-experiment');
    });
  }

  it('the reservoir template uses the knobs that train at T = 1000', () => {
    const template = EXPERIMENT_TEMPLATES.find((t) => t.id === 'adding-T1000-reservoir')!;
    const result = loadExperimentText(renderTemplate(template, 'r'), 'r.hrnn.yaml');
    assert.ok(result.ok && result.resolved);
    const { model, training, task } = result.resolved;
    assert.deepEqual([task.length, model.readout, model.readoutNorm, training.recurrentLearningRate, training.learningRate], [1000, 'yz', 'fixed', 0, 0.01]);
  });

  it('the sweep templates expand to their runs', () => {
    const runs = (id: string) => {
      const result = loadExperimentText(
        renderTemplate(
          EXPERIMENT_TEMPLATES.find((t) => t.id === id)!,
          'x',
        ),
        'x.hrnn.yaml',
      );
      assert.ok(result.ok && result.runs);
      return result.runs;
    };
    assert.deepEqual(
      runs('hamiltonian-vs-tanh-T1000').map((r) => r.resolved.model.kind),
      ['hamiltonian', 'tanh-rnn'],
    );
    assert.deepEqual(
      runs('tau-sweep').map((r) => r.resolved.model.tau),
      [0.0005, 0.0025, 0.005, 0.025, 0.05],
    );
  });
});

describe('experiment files: examples/', () => {
  it('every examples/*.hrnn.yaml validates (and the folder, once it exists, is not empty)', function () {
    assert.ok(fs.existsSync(EXAMPLES), 'examples/ exists');
    const files = fs.readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/u.test(f));
    assert.ok(files.length > 0, 'examples/ exists but holds no experiment files');
    const c = collect();
    const code = runValidate(
      files.map((f) => path.join(EXAMPLES, f)),
      c.io,
    );
    assert.equal(code, 0, c.err.join('\n'));
    assert.equal(c.out.length, files.length);
  });
});
