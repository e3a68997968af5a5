/**
 * Repairs the summary of a run whose trainer died before writing how the run ended (killed after
 * the stop timeout, crashed, out of memory). Without this the run would read `running` forever.
 * Used by the extension's supervisor and by the CLI's `--parallel` sweeps; never imports the
 * engine or vscode.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type RunStatus } from '../protocol/records';
import { readSummary } from './runFolder';

/** Returns true when the summary was rewritten. */
export function markRunInterrupted(runDir: string, status: Extract<RunStatus, 'stopped' | 'failed'>, message: string): boolean {
  const summary = readSummary(runDir);
  if (!summary || summary.status !== 'running') return false;
  const updated = { ...summary, status, message, endedAt: new Date().toISOString() };
  const file = path.join(runDir, RUN_FILES.summary);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(updated, null, 2) + '\n');
    fs.renameSync(tmp, file);
    return true;
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
}
