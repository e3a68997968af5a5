/**
 * Where runs are searched (issue 12): one rule with one set of defaults for `hrnn runs` and the runs
 * view: globs relative to the folder searched, dependency, build and hidden folders skipped, and
 * package.json's setting default equal to the code's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverRunsUnder } from '../../../src/runs/discovery';
import { DEFAULT_RUN_SEARCH_EXCLUDE, globToRegExp, RunSearchScope } from '../../../src/runs/searchScope';
import { fixtureSummary } from '../../fixtures/runs/summary';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

describe('runs: the search scope', () => {
  it('matches globs over relative paths: ** spans folders, * stays in one name, {a,b} alternates', () => {
    const re = (g: string, p: string) => globToRegExp(g).test(p);
    assert.ok(re('**/node_modules', 'node_modules') && re('**/node_modules', 'a/b/node_modules'));
    assert.ok(!re('**/node_modules', 'node_modules_x') && !re('**/node_modules', 'my-node_modules'));
    assert.ok(re('**/node_modules/**', 'a/node_modules'));
    assert.ok(re('**/.*', '.git') && re('**/.*', 'a/.cache') && !re('**/.*', 'a/b.c'));
    assert.ok(re('examples/*', 'examples/x') && !re('examples/*', 'examples/x/y'));
    assert.ok(re('**/{tmp,scratch}', 'a/scratch') && !re('**/{tmp,scratch}', 'a/other'));
    assert.ok(re('data?', 'data1') && !re('data?', 'data12'));
    assert.ok(re('a.b', 'a.b') && !re('a.b', 'aXb'));
  });

  it('excludes a folder below an excluded one, never the root itself', () => {
    const scope = new RunSearchScope();
    assert.ok(scope.isExcluded('node_modules/pkg/runs'));
    assert.ok(scope.isExcluded('a\\.git\\runs'));
    assert.ok(!scope.isExcluded('examples/runs') && !scope.isExcluded('runs'));
    assert.ok(!scope.isExcluded('') && !scope.isExcluded('.'));
    assert.ok(RunSearchScope.withExtra(['examples']).isExcluded('examples/runs'));
    assert.ok(!new RunSearchScope([]).isExcluded('node_modules'));
  });

  it('gives VS Code one exclude glob, or none when a glob has its own braces', () => {
    assert.equal(new RunSearchScope(['**/node_modules', 'a/**']).findFilesExclude(), '{**/node_modules/**,a/**}');
    assert.equal(new RunSearchScope(['**/{a,b}']).findFilesExclude(), undefined);
  });

  it("package.json's hamiltonianRnn.runs.exclude default is the CLI's default list", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    assert.deepEqual(pkg.contributes.configuration.properties['hamiltonianRnn.runs.exclude'].default, [...DEFAULT_RUN_SEARCH_EXCLUDE]);
  });

  it('discoverRunsUnder skips the excluded folders and honours extra globs', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-scope-'));
    try {
      const write = (dir: string, runId: string) => {
        fs.mkdirSync(path.join(root, dir, runId), { recursive: true });
        fs.writeFileSync(path.join(root, dir, runId, 'summary.json'), JSON.stringify(fixtureSummary(runId, { status: 'completed' })));
      };
      write('runs', 'a');
      write('examples/runs', 'b');
      write('node_modules/pkg/runs', 'c');
      write('.git/runs', 'd');
      write('scratch/runs', 'e');
      const ids = (scope?: RunSearchScope) =>
        discoverRunsUnder(root, { scope })
          .runs.map((r) => r.summary.runId)
          .sort();
      assert.deepEqual(ids(), ['a', 'b', 'e']);
      assert.deepEqual(ids(RunSearchScope.withExtra(['scratch'])), ['a', 'b']);
      assert.deepEqual(ids(new RunSearchScope([])), ['a', 'b', 'c', 'd', 'e']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
