/**
 * No raw library line reaches the terminal: YAML warnings (an unknown tag) come out of the real
 * CLI process as the project's own `file:line:col` lines, never as a Node `YAMLWarning`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [hrnn, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOwnLines(stderr: string): string[] {
  assert.doesNotMatch(stderr, /YAMLWarning|\(node:\d+\)|--trace-warnings/u, 'no raw process warning');
  const lines = stderr.split('\n').filter((l) => l !== '');
  for (const line of lines) assert.match(line, /^.+:\d+:\d+: (error|warning): \S/u);
  return lines;
}

describe('YAML warnings from the CLI process', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-yamlwarn-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hrnn validate: an unknown tag is a warning with file, line and column', () => {
    const file = path.join(dir, 'tag.hrnn.yaml');
    fs.writeFileSync(file, 'task: {kind: adding, length: 10}\nmodel:\n  kind: gru\n  hidden: 4\nname: !foo tagged\n');
    const r = run(['validate', file], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${file}: ok\n`);
    assert.deepEqual(assertOwnLines(r.stderr), [`${file}:5:7: warning: name: unresolved tag: !foo`]);
  });

  it('hrnn train --set with an unknown tag: one refusal line naming the override', () => {
    const file = path.join(dir, 'plain.hrnn.yaml');
    fs.writeFileSync(file, 'task: {kind: adding, length: 10}\nmodel: {kind: gru, hidden: 4}\n');
    const r = run(['train', file, '--set', 'model.hidden=!foo 3'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(assertOwnLines(r.stderr), [`${file}:1:1: error: --set model.hidden=!foo 3: the value is not valid YAML (unresolved tag: !foo)`]);
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
  });
});
