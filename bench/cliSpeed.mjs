// Training speed through the CLI for the bench scripts (bench/cli-kinds.mjs, bench/smnist-kinds.mjs):
// runs `hrnn train <file> --json` with extra arguments and times the train records. Depends on the
// CLI (bin/hrnn.js) and Node.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * ms per training step of `hrnn train file --json ...args`, from the train records' wall times
 * between record `warmup` and the last (so the first steps' start-up is left out).
 */
export function cliMsPerStep(file, args, { warmup, env = process.env, label = file }) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/hrnn.js'), 'train', file, '--json', ...args], {
    cwd: root,
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`hrnn train (${label}) exited ${r.status}: ${r.stderr}`);
  const train = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"type":"train"'))
    .map((l) => JSON.parse(l));
  const a = train[warmup - 1];
  const b = train[train.length - 1];
  return (b.wallMs - a.wallMs) / (b.step - a.step);
}
