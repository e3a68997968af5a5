/**
 * `hrnn train` into a folder on a full disk (a small tmpfs): the run ends `failed` with one clear
 * line naming ENOSPC (no stack trace), its summary stays readable and no temporary file is left.
 * Needs `mount` (root): see test/unit/helpers/smallDisk.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary } from '../../../src/runs/runFolder';
import { useSmallDisk } from '../helpers/smallDisk';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

describe('hrnn train on a full disk (CLI process)', function () {
  this.timeout(180000);
  const disk = useSmallDisk(96);

  it('ends failed with one ENOSPC line and a readable summary', () => {
    const mnt = disk.dir();
    const file = path.join(os.tmpdir(), `hrnn-disk-${process.pid}.hrnn.yaml`);
    fs.writeFileSync(
      file,
      `name: fill\nseed: 1\ntask: { kind: adding, length: 10, testSize: 20 }\nmodel: { kind: hamiltonian, hidden: 4 }\ntraining: { batchSize: 4, steps: 200000, evalEvery: 100000 }\nprobes: { every: null }\nbackend: cpu\n`,
    );
    try {
      const r = spawnSync(process.execPath, [hrnn, 'train', file, '--runs-dir', mnt], { encoding: 'utf8', timeout: 170000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /the disk is full \(ENOSPC\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      const [runId] = fs.readdirSync(mnt);
      const summary = readSummary(path.join(mnt, runId));
      assert.equal(summary?.status, 'failed');
      assert.match(summary?.message ?? '', /ENOSPC/);
      assert.ok(summary!.stepsDone > 0);
      const leftovers = fs
        .readdirSync(path.join(mnt, runId), { recursive: true })
        .map(String)
        .filter((n) => n.endsWith('.tmp'));
      assert.deepEqual(leftovers, []);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
