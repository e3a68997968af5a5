/** Completion, hover and quick fixes for experiment files, and which documents are experiment files. */
import assert from 'node:assert/strict';
import { SCHEMA_ID } from '../../../src/experiment';
import { isExperimentDocument } from '../../../src/experiment/documentMatch';
import { experimentJsonSchema } from '../../../src/experiment/jsonSchema';
import { completionsAt } from '../../../src/experiment/language/completion';
import { hoverAt } from '../../../src/experiment/language/hover';
import { quickFixes } from '../../../src/experiment/language/quickFixes';
import { validateExperimentText } from '../../../src/experiment/validate';
import { schemaReferenceFor } from '../../../src/experiment/templates';

/** Splits `text` at the `|` cursor marker. */
function cursor(marked: string): [string, number] {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0, 'no cursor marker');
  return [marked.slice(0, offset) + marked.slice(offset + 1), offset];
}

function labels(marked: string): string[] {
  const [text, offset] = cursor(marked);
  return completionsAt(text, offset).map((c) => c.label);
}

const schema = experimentJsonSchema();
const modelKeys = Object.keys(schema.properties!.model.properties!);
/** The model keys that apply to a kind (no `x-appliesTo`, or one naming it). */
const modelKeysFor = (kind: string) => modelKeys.filter((k) => schema.properties!.model.properties![k]['x-appliesTo']?.includes(kind) ?? true);

describe('experiment language service: completion', () => {
  it('offers the top-level keys in an empty file, required ones first', () => {
    const [text, offset] = cursor('|');
    const items = completionsAt(text, offset);
    assert.deepEqual(items.map((i) => i.label).sort(), Object.keys(schema.properties!).sort());
    const sorted = [...items].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((i) => i.label);
    assert.deepEqual(sorted.slice(0, 2), ['task', 'model']);
  });

  it('offers the keys of the mapping at the cursor that are not there yet', () => {
    const got = labels('task:\n  kind: adding\nmodel:\n  kind: hamiltonian\n  hidden: 64\n  |\ntraining:\n  steps: 5\n');
    // Issue 12: inside `kind: hamiltonian` only the keys that apply to it (no coRNN-only dt, gamma, epsilon).
    assert.deepEqual(
      got,
      modelKeysFor('hamiltonian').filter((k) => k !== 'kind' && k !== 'hidden'),
    );
    const top = labels('task:\n  kind: adding\n|\nmodel:\n  kind: gru\n');
    assert.ok(!top.includes('task') && !top.includes('model') && top.includes('training'), top.join());
  });

  it('offers in model and task only the keys that apply to the kind written there (issue 12)', () => {
    const hamiltonian = labels('model:\n  kind: hamiltonian\n  |\n');
    assert.ok(hamiltonian.includes('tau') && hamiltonian.includes('backprop'), hamiltonian.join());
    for (const cornnOnly of ['dt', 'gamma', 'epsilon']) assert.ok(!hamiltonian.includes(cornnOnly), cornnOnly);
    assert.deepEqual(
      labels('model:\n  kind: cornn   # coupled oscillators\n  |\n'),
      modelKeysFor('cornn').filter((k) => k !== 'kind'),
    );
    const cornn = labels('model:\n  |\n  kind: "cornn"\n');
    assert.ok(cornn.includes('dt') && cornn.includes('hidden') && !cornn.includes('tau'), cornn.join());
    assert.deepEqual(labels('model: {kind: gru, |}\n'), ['hidden', 'layers', 'readoutPool', 'dropout', 'readoutNorm', 'implementation']);
    // Typing a key: the kind on another line still filters; no kind (or an unknown one) offers every key.
    assert.ok(!labels('model:\n  kind: lstm\n  ta|\n').includes('tau'));
    assert.deepEqual(
      labels('model:\n  hidden: 4\n  |\n'),
      modelKeys.filter((k) => k !== 'hidden'),
    );
    assert.deepEqual(
      labels('model:\n  kind: lsmt\n  |\n'),
      modelKeys.filter((k) => k !== 'kind'),
    );
    // The task kind does the same for task keys.
    const smnist = labels('task:\n  kind: smnist\n  |\n');
    assert.ok(smnist.includes('trainLimit') && !smnist.includes('length') && !smnist.includes('testSize'), smnist.join());
    const adding = labels('task: {kind: adding, |}\n');
    assert.ok(adding.includes('length') && !adding.includes('trainLimit'), adding.join());
  });

  it('completes a key being typed, replacing the word', () => {
    const [text, offset] = cursor('training:\n  learn|ingR\n');
    const items = completionsAt(text, offset);
    const lr = items.find((i) => i.label === 'learningRate');
    assert.ok(lr);
    assert.deepEqual([lr.replaceStart, lr.replaceEnd], [text.indexOf('learn'), text.indexOf('learningR') + 'learningR'.length]);
    assert.equal(lr.insertText, 'learningRate: ');
    assert.equal(lr.documentation.split('\n\n')[0], schema.properties!.training.properties!.learningRate.description);
  });

  it('inserts only the key when the colon is already there', () => {
    const [text, offset] = cursor('model:\n  kind: gru\n  hid|den: 3\n');
    const hidden = completionsAt(text, offset).find((i) => i.label === 'hidden');
    assert.equal(hidden?.insertText, 'hidden');
    assert.equal(text.slice(hidden.replaceStart, hidden.replaceEnd), 'hidden');
  });

  it('opens a nested block for a section key', () => {
    const [text, offset] = cursor('task:\n  kind: adding\n|');
    const training = completionsAt(text, offset).find((i) => i.label === 'training');
    assert.equal(training?.insertText, 'training:\n  ');
  });

  it('offers enum values, auto and null for values', () => {
    assert.deepEqual(labels('task:\n  kind: |\n'), ['adding', 'smnist', 'psmnist', 'copy']);
    assert.deepEqual(labels('model:\n  kind: ham|\n'), ['hamiltonian', 'tanh-rnn', 'lstm', 'gru', 'cornn']);
    assert.ok(labels('model:\n  tau: |\n').includes('auto'));
    assert.deepEqual(labels('training:\n  gradClip: |\n').slice(0, 2), ['1', 'null']);
    assert.deepEqual(labels('training:\n  optimizer: |   # which one?\n'), ['adam', 'sgd']);
  });

  it('works in flow style and in sweep lists', () => {
    assert.deepEqual(
      labels('model: {kind: hamiltonian, hidden: 3, |}\n'),
      modelKeysFor('hamiltonian').filter((k) => k !== 'kind' && k !== 'hidden'),
    );
    assert.deepEqual(labels('model: {kind: |}\n'), ['hamiltonian', 'tanh-rnn', 'lstm', 'gru', 'cornn']);
    assert.deepEqual(labels('sweep:\n  grid:\n    model.kind: [hamiltonian, |]\n'), ['hamiltonian', 'tanh-rnn', 'lstm', 'gru', 'cornn']);
    assert.deepEqual(labels('sweep:\n  grid:\n    task.kind:\n      - adding\n      - |\n'), ['adding', 'smnist', 'psmnist', 'copy']);
    const paths = labels('sweep:\n  grid:\n    model.tau: [0.1]\n    |\n');
    assert.ok(paths.includes('model.kind') && paths.includes('training.learningRate') && paths.includes('seed'));
    assert.ok(!paths.includes('model.tau') && !paths.some((p) => p.startsWith('sweep')));
  });

  it('offers nothing in comments or under unknown keys', () => {
    assert.deepEqual(labels('# a comment |\n'), []);
    assert.deepEqual(labels('task:\n  kind: adding  # |\n'), []);
    assert.deepEqual(labels('nonsense:\n  |\n'), []);
    assert.deepEqual(
      labels('model:\n  hidden: |\n').filter((l) => !/^\d+$/u.test(l)),
      [],
    );
  });
});

describe('experiment language service: hover', () => {
  const hover = (marked: string) => {
    const [text, offset] = cursor(marked);
    return hoverAt(text, offset);
  };

  it('explains a key from the schema: description, accepted values, default, examples, applicability', () => {
    const h = hover('task:\n  kind: adding\nmodel:\n  kind: hamiltonian\n  ta|u: auto\n');
    assert.ok(h);
    const tau = schema.properties!.model.properties!.tau;
    assert.deepEqual(h.path, ['model', 'tau']);
    assert.ok(h.contents.startsWith('**model.tau**: a number > 0 and <= 10, or "auto"'), h.contents);
    assert.ok(h.contents.includes(tau.description!));
    assert.ok(h.contents.includes('Default: `auto`'));
    assert.ok(h.contents.includes('Examples: `auto`, `0.005`, `0.025`'));
    assert.ok(h.contents.includes('Applies to model kinds: hamiltonian'));
  });

  it('explains the key of the value under the cursor, with the allowed values', () => {
    const h = hover('task: {kind: sm|nist}\nmodel: {kind: gru}\n');
    assert.ok(h);
    assert.deepEqual(h.path, ['task', 'kind']);
    assert.ok(h.contents.includes('Allowed: `adding`, `smnist`, `psmnist`'));
    assert.ok(h.contents.includes(schema.properties!.task.properties!.kind.description!));
  });

  it('explains sweep paths and their values', () => {
    const h = hover('sweep:\n  grid:\n    model.tau: [0.001, 0.0|1]\n');
    assert.ok(h);
    assert.deepEqual(h.path, ['sweep', 'grid', 'model.tau']);
    assert.ok(h.contents.includes('Values of `model.tau` to sweep over'));
  });

  it('still works in text that does not parse, and says nothing off keys', () => {
    const h = hover('task:\n\tkind: adding\nmodel:\n  hid|den: [\n');
    assert.deepEqual(h?.path, ['model', 'hidden']);
    assert.equal(hover('# just a comm|ent\n'), undefined);
    assert.equal(hover('unknown:\n  ke|y: 1\n'), undefined);
  });
});

describe('experiment language service: quick fixes', () => {
  it('replaces an unknown key or a misspelt value with its close match, and the result validates', () => {
    const text = 'task: {kind: adding}\nmodel: {kind: hamiltonain}\ntraining:\n  learningrate: 0.01\n';
    const fixes = quickFixes(text);
    assert.deepEqual(
      fixes.map((f) => f.title),
      ['Change to `hamiltonian`', 'Change to `learningRate`'],
    );
    const lines = text.split('\n');
    for (const fix of [...fixes].reverse()) {
      const line = lines[fix.range.start.line - 1];
      lines[fix.range.start.line - 1] = line.slice(0, fix.range.start.col - 1) + fix.newText + line.slice(fix.range.end.col - 1);
    }
    const fixed = lines.join('\n');
    assert.deepEqual(validateExperimentText(fixed).problems, []);
  });

  it('offers only the fixes touching the requested range, and none without a close match', () => {
    const text = 'task: {kind: adding}\nmodel: {kind: hamiltonain}\ntraining:\n  learningrate: 0.01\n  zzz: 1\n';
    const onLine4 = quickFixes(text, { start: { line: 4, col: 3 }, end: { line: 4, col: 3 } });
    assert.deepEqual(
      onLine4.map((f) => f.newText),
      ['learningRate'],
    );
    assert.deepEqual(quickFixes(text, { start: { line: 5, col: 3 }, end: { line: 5, col: 4 } }), []);
  });
});

describe('experiment documents', () => {
  it('recognises experiment files by name or by a modeline pointing at our schema', () => {
    assert.ok(isExperimentDocument({ path: '/w/a.hrnn.yaml' }, ''));
    assert.ok(isExperimentDocument({ path: '/w/a.HRNN.yml' }, ''));
    assert.ok(isExperimentDocument({ path: '/w/a.yaml' }, '# yaml-language-server: $schema=../media/experiment.schema.json\n'));
    assert.ok(isExperimentDocument({ path: '/w/a.yml' }, `# title\n\n#   yaml-language-server:  $schema=${SCHEMA_ID}\ntask: {}\n`));
    assert.ok(!isExperimentDocument({ path: '/w/a.yaml' }, 'task: {kind: adding}\n'));
    assert.ok(!isExperimentDocument({ path: '/w/a.yaml' }, '# yaml-language-server: $schema=https://json.schemastore.org/github-workflow.json\n'));
    assert.ok(!isExperimentDocument({ path: '/w/a.yaml' }, '\n\n\n\n\n# yaml-language-server: $schema=experiment.schema.json\n'));
    assert.ok(!isExperimentDocument({ path: '/w/a.json' }, '# yaml-language-server: $schema=experiment.schema.json\n'));
  });

  it("points a new file's modeline at a schema in the workspace, relative to the file, else at the $id", () => {
    assert.equal(schemaReferenceFor('/w/examples', ['/w/media/experiment.schema.json']), '../media/experiment.schema.json');
    assert.equal(schemaReferenceFor('/w', ['/w/media/experiment.schema.json']), './media/experiment.schema.json');
    assert.equal(schemaReferenceFor('/w', []), SCHEMA_ID);
    assert.equal(schemaReferenceFor('c:/w', ['d:/w/media/experiment.schema.json']), SCHEMA_ID);
  });
});
