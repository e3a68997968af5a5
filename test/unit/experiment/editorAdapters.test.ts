/**
 * The VS Code adapters of the experiment language service, run against a fake `vscode` module:
 * diagnostics on open, debounced on change, on save, cleared on close; the providers; the New
 * Experiment command writing a valid file with the modeline.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadExperimentFile, SCHEMA_ID } from '../../../src/experiment';
import { createFakeVscode, installFakeVscode, TextDocument, Uri, Position, Range, type FakeVscode } from './fakeVscode';
import type * as EditorModuleShape from '../../../src/extension/editor';
import { REPO_ROOT } from './paths';

type EditorModule = typeof EditorModuleShape;

const EDITOR_DIR = path.join(REPO_ROOT, 'out/src/extension/editor');

/** Loads the editor modules fresh, bound to `fake`. */
function loadEditor(fake: FakeVscode): { editor: EditorModule; uninstall: () => void } {
  const uninstall = installFakeVscode(fake);
  for (const key of Object.keys(require.cache)) if (key.startsWith(EDITOR_DIR)) delete require.cache[key];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const editor = require(path.join(EDITOR_DIR, 'index.js')) as EditorModule;
  return { editor, uninstall };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BROKEN = 'task: {kind: adding}\nmodel:\n  kind: hamiltonain\ntraining:\n  learningrate: 0.1\n';
const VALID = 'task: {kind: adding}\nmodel:\n  kind: hamiltonian\n';

describe('experiment editor adapters (fake vscode)', () => {
  let fake: FakeVscode;
  let editor: EditorModule;
  let uninstall: () => void;
  const subscriptions: { dispose(): unknown }[] = [];

  beforeEach(() => {
    fake = createFakeVscode();
    ({ editor, uninstall } = loadEditor(fake));
  });

  afterEach(() => {
    for (const s of subscriptions.splice(0)) s.dispose();
    uninstall();
  });

  it('registers diagnostics, completion, hover and quick fixes, and validates documents already open', () => {
    const open = new TextDocument(Uri.file('/w/open.hrnn.yaml'), BROKEN);
    const other = new TextDocument(Uri.file('/w/ci.yaml'), 'jobs: {}\n');
    fake.state.textDocuments.push(open, other);
    const context = { subscriptions };
    editor.registerEditorSupport(context as never);
    assert.deepEqual(fake.registrations.map((r) => r.kind).sort(), ['codeAction', 'completion', 'hover']);
    assert.equal(fake.collections.length, 1);
    assert.ok(subscriptions.length >= 4);
    const diagnostics = fake.collections[0].get(open.uri) as { message: string; severity: number; range: Range; source: string }[];
    assert.equal(diagnostics.length, 2);
    assert.deepEqual(
      diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.severity, d.source]),
      [
        [2, 8, 0, 'hrnn'],
        [4, 2, 0, 'hrnn'],
      ],
    );
    assert.match(diagnostics[1].message, /unknown key "learningrate" in training; did you mean "learningRate"\?/u);
    assert.equal(fake.collections[0].get(other.uri), undefined, 'a YAML file that is not an experiment gets no diagnostics');
  });

  it('validates on open, debounces changes, validates on save and clears on close', async () => {
    const diagnostics = new editor.ExperimentDiagnostics(30);
    subscriptions.push(diagnostics);
    const collection = fake.collections[0];
    const doc = new TextDocument(Uri.file('/w/a.hrnn.yaml'), VALID);
    fake.events.open.fire(doc);
    assert.deepEqual(collection.get(doc.uri), []);
    const callsAfterOpen = collection.setCalls;

    doc.text = BROKEN;
    fake.events.change.fire({ document: doc });
    fake.events.change.fire({ document: doc });
    fake.events.change.fire({ document: doc });
    assert.equal(collection.setCalls, callsAfterOpen, 'nothing runs while the user types');
    await sleep(80);
    assert.equal(collection.setCalls, callsAfterOpen + 1, 'one run after the pause');
    assert.equal(collection.get(doc.uri)?.length, 2);

    doc.text = VALID;
    fake.events.save.fire(doc);
    assert.deepEqual(collection.get(doc.uri), []);

    doc.text = BROKEN;
    fake.events.change.fire({ document: doc });
    fake.events.close.fire(doc);
    doc.isClosed = true;
    await sleep(80);
    assert.equal(collection.get(doc.uri), undefined, 'closed documents keep no diagnostics, and pending runs are dropped');
  });

  it('adapts completion, hover and quick fixes to VS Code shapes', () => {
    editor.registerEditorSupport({ subscriptions } as never);
    const provider = (kind: string) => fake.registrations.find((r) => r.kind === kind)!.provider as Record<string, (...a: unknown[]) => unknown>;
    const doc = new TextDocument(Uri.file('/w/b.hrnn.yaml'), 'task:\n  kind: \nmodel:\n  kind: hamiltonian\n  tau: auto\n');
    const items = provider('completion').provideCompletionItems(doc, new Position(1, 8)) as { label: string; range: Range }[];
    assert.deepEqual(
      items.map((i) => i.label),
      ['adding', 'smnist', 'psmnist', 'copy'],
    );
    assert.deepEqual([items[0].range.start.line, items[0].range.start.character], [1, 8]);
    const completionRegistration = fake.registrations.find((r) => r.kind === 'completion')!;
    assert.ok((completionRegistration.extra as string[]).includes(':'));

    const hover = provider('hover').provideHover(doc, new Position(4, 3)) as { contents: { value: string }; range: Range };
    assert.ok(hover.contents.value.startsWith('**model.tau**'));
    assert.deepEqual([hover.range.start.character, hover.range.end.character], [2, 5]);

    const broken = new TextDocument(Uri.file('/w/c.hrnn.yaml'), BROKEN);
    const actions = provider('codeAction').provideCodeActions(broken, new Range(4, 2, 4, 2), { diagnostics: [] }) as {
      title: string;
      edit: { edits: { range: Range; text: string }[] };
    }[];
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Change to `learningRate`'],
    );
    assert.deepEqual(
      [actions[0].edit.edits[0].range.start.character, actions[0].edit.edits[0].range.end.character, actions[0].edit.edits[0].text],
      [2, 14, 'learningRate'],
    );

    const notOurs = new TextDocument(Uri.file('/w/docker-compose.yaml'), 'services: {}\n');
    assert.equal(provider('completion').provideCompletionItems(notOurs, new Position(0, 0)), undefined);
    assert.equal(provider('hover').provideHover(notOurs, new Position(0, 1)), undefined);
  });

  it('New Experiment writes <name>.hrnn.yaml from the chosen template, with the modeline, and opens it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-new-'));
    try {
      fake.state.workspaceFolders.push({ uri: Uri.file(dir) });
      let offeredName: string | undefined;
      let validate: ((v: string) => string | undefined) | undefined;
      fake.ui.quickPick = (items) => items.find((i) => i.label.startsWith('Sweep over tau'));
      fake.ui.inputBox = (options) => {
        offeredName = options.value;
        validate = options.validateInput;
        return 'my-tau-sweep';
      };
      const created = await editor.newExperiment();
      assert.equal(created?.fsPath, path.join(dir, 'my-tau-sweep.hrnn.yaml'));
      assert.equal(offeredName, 'tau-sweep-T200');
      assert.equal(validate?.('my run'), 'Start with a letter or digit; use only letters, digits, ".", "_" and "-".');
      assert.equal(validate?.('ok-name_1.2'), undefined);
      const text = fs.readFileSync(created!.fsPath, 'utf8');
      assert.equal(text.split('\n')[0], `# yaml-language-server: $schema=${SCHEMA_ID}`);
      const loaded = loadExperimentFile(created!.fsPath);
      assert.ok(loaded.ok && loaded.runs);
      assert.equal(loaded.runs.length, 5);
      assert.equal(loaded.runs[0].resolved.name, 'my-tau-sweep');
      assert.deepEqual(fake.ui.shown, [created!.fsPath]);

      // With the schema in the workspace, the modeline points at it relatively.
      fs.mkdirSync(path.join(dir, 'media'));
      fs.copyFileSync(path.join(REPO_ROOT, 'media/experiment.schema.json'), path.join(dir, 'media/experiment.schema.json'));
      fake.ui.inputBox = () => 'second';
      const second = await editor.newExperiment();
      assert.equal(fs.readFileSync(second!.fsPath, 'utf8').split('\n')[0], '# yaml-language-server: $schema=./media/experiment.schema.json');

      // An existing file is replaced only when the user says so.
      fake.ui.inputBox = () => 'my-tau-sweep';
      fake.ui.warning = () => undefined;
      fs.writeFileSync(created!.fsPath, 'keep me\n');
      assert.equal(await editor.newExperiment(), undefined);
      assert.equal(fs.readFileSync(created!.fsPath, 'utf8'), 'keep me\n');

      // Cancelling the quick pick writes nothing.
      fake.ui.quickPick = () => undefined;
      assert.equal(await editor.newExperiment(), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the command id is the one package.json contributes', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes?: { commands?: { command: string }[] } };
    assert.ok(
      pkg.contributes?.commands?.some((c) => c.command === editor.NEW_EXPERIMENT_COMMAND),
      editor.NEW_EXPERIMENT_COMMAND,
    );
  });
});
