/**
 * A small tmpfs for disk-full tests, mounted in a mocha `before` and removed in `after`. Needs
 * `mount` (root): CI runs as root and must exercise these tests, so there a failed mount fails; a
 * developer without mount rights skips them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Registers before/after hooks in the current suite; `dir()` is the mount point inside the tests. */
export function useSmallDisk(sizeKb: number): { dir(): string } {
  let mnt: string | undefined;
  before(function () {
    if (process.platform !== 'linux') this.skip();
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-small-disk-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', mnt]);
    if (r.status !== 0) {
      fs.rmSync(mnt, { recursive: true, force: true });
      mnt = undefined;
      if (process.env.CI) assert.fail(`mount tmpfs failed: ${r.stderr}`);
      this.skip();
    }
  });
  after(() => {
    if (!mnt) return;
    spawnSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });
  return {
    dir() {
      assert.ok(mnt, 'the small disk is mounted');
      return mnt;
    },
  };
}
