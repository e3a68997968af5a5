/**
 * `hrnn runs` through the real CLI (bin/hrnn.js) lists runs from runs/ and a nested examples/runs/,
 * skips node_modules and hidden folders, and takes more folders to skip with --exclude (issue 12).
 * Run folders are written as fixtures: nothing trains here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunListing } from '../../../src/cli/commands/runs';
import { fixtureSummary } from '../../fixtures/runs/summary';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

function hrnnRuns(args: string[], cwd: string): RunListing[] {
  const r = spawnSync(process.execPath, [hrnn, 'runs', '--json', ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RunListing);
}

describe('hrnn runs: where runs live (CLI process)', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-runs-where-'));
    const write = (folder: string, runId: string, startedAt: string) => {
      fs.mkdirSync(path.join(dir, folder, runId), { recursive: true });
      fs.writeFileSync(path.join(dir, folder, runId, 'summary.json'), JSON.stringify(fixtureSummary(runId, { name: runId, status: 'completed', startedAt })));
    };
    write('runs', 'top', '2026-01-02T00:00:00Z');
    write('examples/runs', 'nested', '2026-01-03T00:00:00Z');
    write('node_modules/some-package/runs', 'dependency', '2026-01-04T00:00:00Z');
    write('.git/runs', 'hidden', '2026-01-05T00:00:00Z');
    write('scratch/runs', 'scratch', '2026-01-01T00:00:00Z');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists runs from runs/ and examples/runs/ (newest first), not from node_modules or hidden folders', () => {
    const listed = hrnnRuns([], dir);
    assert.deepEqual(
      listed.map((l) => l.runId),
      ['nested', 'top', 'scratch'],
    );
    assert.equal(listed[0].dir, path.join(dir, 'examples', 'runs', 'nested'));
    assert.equal(listed[1].dir, path.join(dir, 'runs', 'top'));
  });

  it('skips more folders with --exclude, relative to the folder searched', () => {
    assert.deepEqual(
      hrnnRuns(['--exclude', 'scratch'], dir).map((l) => l.runId),
      ['nested', 'top'],
    );
    assert.deepEqual(
      hrnnRuns(['--exclude', 'examples/**', '--exclude', '**/scratch'], dir).map((l) => l.runId),
      ['top'],
    );
    // A folder named on the command line is searched even if a default would skip it.
    assert.deepEqual(
      hrnnRuns([path.join(dir, 'node_modules')], dir).map((l) => l.runId),
      ['dependency'],
    );
  });
});
