import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** Folders of src/extension that each file of `from` imports (relative imports only). */
function importedFolders(from: string): Set<string> {
  const dir = path.join(ROOT, 'src/extension', from);
  const folders = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = path.relative(path.join(ROOT, 'src/extension'), path.resolve(dir, m[1]));
      folders.add(target.split(path.sep)[0]);
    }
  }
  return folders;
}

describe('extension folders', () => {
  it('runsView/ may use training/, never the other way round (no import cycle)', () => {
    assert.ok(importedFolders('runsView').has('training'), 'the runs view shows live training progress');
    assert.ok(!importedFolders('training').has('runsView'), 'training/ imports runsView/');
  });
});
