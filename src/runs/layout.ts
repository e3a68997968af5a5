/**
 * Where things live in run and sweep folders, and how their names are made: the one place that
 * knows the layout (the file names themselves are part of the contract in src/protocol/records.ts).
 * Pure path logic: no file access, no engine, no vscode.
 */
import path from 'node:path';
import { RUN_FILES } from '../protocol/records';

export { RUN_FILES };

/** The sweep folder's summary; its members are run folders one level down. */
export const SWEEP_FILE = 'sweep.json';

/** A run's batch-system task (Slurm ids, and how Slurm ended it): src/runs/schedulerRecord.ts. */
export const SCHEDULER_FILE = 'scheduler.json';

/** `<name>-<yyyymmdd-hhmmss>-<4 hex>`: sortable, unique enough, readable. */
export function makeRunId(name: string, now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const rand = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${name}-${stamp}-${rand}`;
}

/** A single path segment made of safe characters: no separators, never `.` or `..`. */
export function isPlainName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 255 && /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..';
}

/**
 * The folder of a sweep member. Sweep files can be edited or crafted, so a run id that is not a
 * plain name is refused rather than joined into a path that could point outside the sweep.
 */
export function sweepMemberDir(sweepDir: string, runId: unknown): string {
  if (!isPlainName(runId)) throw new Error(`${path.join(sweepDir, SWEEP_FILE)}: run id ${JSON.stringify(runId)} is not a plain folder name`);
  return path.join(sweepDir, runId);
}

/** A readable, filesystem-safe folder name for one sweep member: `03-tau-0.001_kind-tanh-rnn`. */
export function sweepMemberId(index: number, parameters: Record<string, unknown>, count: number): string {
  const digits = String(Math.max(1, count - 1)).length;
  const parts = Object.entries(parameters).map(([k, v]) => `${k.split('.').pop()}-${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const label = parts
    .join('_')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 80);
  return `${String(index).padStart(digits, '0')}${label ? '-' + label : ''}`;
}

export function checkpointDir(runDir: string): string {
  return path.join(runDir, RUN_FILES.checkpoint);
}
