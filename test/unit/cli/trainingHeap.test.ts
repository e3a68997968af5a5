/**
 * The training process's heap settings (src/cli/trainingHeap.ts): once applied, V8 starts no
 * incremental marking cycle, where the same allocations without them start some (so the check can
 * fail); the opt-out leaves V8's default; `hrnn train` applies them and `hrnn validate` does not.
 * Each case runs in its own Node process: a V8 flag, once set, stays for the process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const heapModule = path.join(root, 'out', 'src', 'cli', 'trainingHeap.js');

/** Old-generation garbage in rounds: enough for V8 to start marking cycles under its defaults. */
const WORKLOAD = `
let keep = [];
for (let round = 0; round < 6; round++) {
  for (let i = 0; i < 300000; i++) keep.push({ i, s: 'x' + i });
  keep = [];
}`;

/** How many incremental marking cycles V8 started in a process that ran `script`. */
function markingStarts(script: string, env: NodeJS.ProcessEnv): { starts: number; stdout: string } {
  const r = spawnSync(process.execPath, ['--trace-incremental-marking', '-e', script], { encoding: 'utf8', env, timeout: 60000 });
  assert.equal(r.status, 0, `node failed: ${r.stderr}`);
  return { starts: (r.stdout.match(/\[IncrementalMarking\] Start \(/g) ?? []).length, stdout: r.stdout };
}

const applying = `console.log('applied=' + require(${JSON.stringify(heapModule)}).useTrainingHeapSettings(process.env));${WORKLOAD}`;

describe('the training heap settings', function () {
  this.timeout(120000);
  const baseEnv = { ...process.env };
  delete baseEnv.HRNN_INCREMENTAL_MARKING;

  it('stop V8 from starting incremental marking cycles', () => {
    const { starts, stdout } = markingStarts(applying, baseEnv);
    assert.match(stdout, /applied=true/);
    assert.equal(starts, 0, 'no marking cycle starts once the settings apply');
  });

  it('leave V8 its default with HRNN_INCREMENTAL_MARKING=1 (the same allocations then start marking)', () => {
    const { starts, stdout } = markingStarts(applying, { ...baseEnv, HRNN_INCREMENTAL_MARKING: '1' });
    assert.match(stdout, /applied=false/);
    assert.ok(starts > 0, 'the workload starts marking cycles under the defaults');
  });

  for (const [command, applies] of [
    ['train', true],
    ['validate', false],
  ] as const) {
    it(`${applies ? 'apply' : 'do not apply'} in \`hrnn ${command}\``, () => {
      // The CLI's entry as bin/hrnn.js calls it; `--help` ends the command without a file. The
      // settings are applied before the command runs, so the allocations right after show them.
      const cli = path.join(root, 'dist', 'cli.js');
      const { starts } = markingStarts(`require(${JSON.stringify(cli)}).runCli(${JSON.stringify([command, '--help'])});${WORKLOAD}`, baseEnv);
      if (applies) assert.equal(starts, 0, `hrnn ${command} starts no marking cycle`);
      else assert.ok(starts > 0, `hrnn ${command} keeps V8's default`);
    });
  }
});
