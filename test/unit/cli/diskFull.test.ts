/**
 * `hrnn train` into a folder on a full disk (a small tmpfs): the run ends `failed` with one clear
 * line naming ENOSPC (no stack trace), its summary stays readable and no temporary file is left.
 * Needs `mount` (root); CI runs as root and must not skip it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSummary } from '../../../src/runs/runFolder';

const root = path.resolve(__dirname, '../../../..');
const hrnn = path.join(root, 'bin', 'hrnn.js');

describe('hrnn train on a full disk (CLI process)', function () {
  this.timeout(180000);
  let mnt: string;
  before(function () {
    if (process.platform !== 'linux') this.skip();
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-disk-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', mnt]);
    if (r.status !== 0) {
      fs.rmSync(mnt, { recursive: true, force: true });
      if (process.env.CI) assert.fail(`mount tmpfs failed: ${r.stderr}`);
      this.skip();
    }
  });
  after(() => {
    if (!mnt) return;
    spawnSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });

  it('ends failed with one ENOSPC line and a readable summary', () => {
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
      const leftovers = fs.readdirSync(path.join(mnt, runId), { recursive: true }).map(String).filter((n) => n.endsWith('.tmp'));
      assert.deepEqual(leftovers, []);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
