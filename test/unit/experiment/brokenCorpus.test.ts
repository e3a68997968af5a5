/**
 * The corpus of broken experiment files: every one is rejected, nothing crashes, and the message
 * names the key and points at it (line:col from the adjacent .expect.json, where the fixture's
 * author marked the offending text).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runValidate } from '../../../src/cli/commands/validate';
import { loadExperimentFile, loadExperimentText, MAX_EXPERIMENT_BYTES } from '../../../src/experiment';
import { formatProblem, type Problem } from '../../../src/experiment/problems';
import { BROKEN_FIXTURES } from './paths';

interface Expectation {
  path: string;
  line: number;
  col: number;
  code: string;
  mentions: string[];
}

const fixtures = fs
  .readdirSync(BROKEN_FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** The key a message must name: the last key of the path (`model.tau` for `sweep.grid.model.tau[1]`). */
function keyName(dottedPath: string): string | undefined {
  if (dottedPath === '') return undefined;
  const grid = /^sweep\.grid\.([^[]+)/u.exec(dottedPath);
  if (grid) return grid[1];
  return dottedPath
    .split('.')
    .pop()!
    .replace(/\[\d+\]$/u, '');
}

function describe_(problems: Problem[]): string {
  return problems.map((p) => formatProblem('f', p)).join('\n');
}

describe('experiment files: the broken corpus', () => {
  it('holds at least 60 files, each with an expectation', () => {
    assert.ok(fixtures.length >= 60, `only ${fixtures.length} broken fixtures`);
    for (const f of fixtures) assert.ok(fs.existsSync(path.join(BROKEN_FIXTURES, f.replace(/\.yaml$/u, '.expect.json'))), `${f} lacks .expect.json`);
  });

  for (const fixture of fixtures) {
    it(`rejects ${fixture} with a message at the offending key`, () => {
      const file = path.join(BROKEN_FIXTURES, fixture);
      const expected = JSON.parse(fs.readFileSync(file.replace(/\.yaml$/u, '.expect.json'), 'utf8')) as Expectation;
      const result = loadExperimentFile(file);
      assert.equal(result.ok, false, `${fixture} was accepted`);
      if (result.ok) return;
      const errors = result.problems.filter((p) => p.severity === 'error');
      assert.ok(errors.length > 0, `${fixture}: no error, only ${describe_(result.problems)}`);
      const match = errors.find((p) => p.path === expected.path && p.range.start.line === expected.line && p.range.start.col === expected.col);
      assert.ok(match, `${fixture}: expected an error about "${expected.path}" at ${expected.line}:${expected.col}, got:\n${describe_(result.problems)}`);
      assert.equal(match.code, expected.code, `${fixture}: code`);
      const key = keyName(expected.path);
      if (key !== undefined) assert.ok(match.message.includes(key), `${fixture}: message does not name "${key}": ${match.message}`);
      for (const words of expected.mentions) assert.ok(match.message.includes(words), `${fixture}: message lacks "${words}": ${match.message}`);
      assert.ok(formatProblem(fixture, match).startsWith(`${fixture}:${expected.line}:${expected.col}: error: `));
    });
  }

  it('hrnn validate exits 1 on every broken file, one file:line:col line per problem, no stack trace', () => {
    const files = fixtures.map((f) => path.join(BROKEN_FIXTURES, f));
    const out: string[] = [];
    const err: string[] = [];
    const code = runValidate(files, { out: (l) => out.push(l), err: (l) => err.push(l) });
    assert.equal(code, 1);
    assert.equal(out.filter((l) => l.endsWith(': ok')).length, 0, `some accepted: ${out.join('\n')}`);
    for (const file of files)
      assert.ok(
        err.some((l) => l.startsWith(`${file}:`) && / error: /u.test(l)),
        `no error line for ${file}`,
      );
    for (const line of err) {
      assert.match(line, /^.+:\d+:\d+: (error|warning): \S/u);
      assert.doesNotMatch(line, /\n|^\s+at /u);
    }
  });

  it('rejects a 5 MB file quickly, with a size error at 1:1', () => {
    const line = 'description: "' + 'x'.repeat(1000) + '"\n';
    const text = 'task: {kind: adding}\nmodel: {kind: hamiltonian}\n' + line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
    assert.ok(text.length >= 5 * 1024 * 1024);
    const started = Date.now();
    for (const content of [text, Buffer.from(text, 'utf8')]) {
      const result = loadExperimentText(content, 'huge.hrnn.yaml');
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.problems[0].code, 'too-large');
      assert.deepEqual(result.problems[0].range.start, { line: 1, col: 1 });
      assert.match(result.problems[0].message, /5\.0 MB|\d{7} characters/u);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-huge-'));
    try {
      const file = path.join(dir, 'huge.hrnn.yaml');
      fs.writeFileSync(file, text);
      const result = loadExperimentFile(file);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.problems[0].message, new RegExp(`at most ${(MAX_EXPERIMENT_BYTES / 1024 / 1024).toFixed(1)} MB`, 'u'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('reports a missing file and a folder as errors, not exceptions', () => {
    const missing = loadExperimentFile(path.join(BROKEN_FIXTURES, 'does-not-exist.hrnn.yaml'));
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.match(missing.problems[0].message, /no such file/u);
    const folder = loadExperimentFile(BROKEN_FIXTURES);
    assert.equal(folder.ok, false);
    if (!folder.ok) assert.match(folder.problems[0].message, /folder/u);
  });
});
