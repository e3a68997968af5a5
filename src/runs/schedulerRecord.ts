/**
 * `scheduler.json` in a run folder: which batch-system task trains (or trained) the run, and how
 * the batch system ended it (cancelled, time limit, out of memory, node failure). Written by the task
 * when it starts and by the submitter or a reader that learned the end from Slurm, so the reason
 * survives after the job has left Slurm's queue. A file of its own, beside summary.json, because the
 * engine rewrites the summary while it trains. No engine, no vscode, no Slurm commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type RunSummary, type SchedulerTask } from '../protocol/records';
import { writeFileAtomic } from './atomicFile';
import { SCHEDULER_FILE } from './layout';
import { readSummary } from './runFolder';

export function readSchedulerRecord(runDir: string): SchedulerTask | null {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(runDir, SCHEDULER_FILE), 'utf8')) as SchedulerTask;
    return typeof value === 'object' && value !== null && value.scheduler === 'slurm' && typeof value.jobId === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function writeSchedulerRecord(runDir: string, record: SchedulerTask): void {
  writeFileAtomic(path.join(runDir, SCHEDULER_FILE), JSON.stringify(record, null, 2) + '\n');
}

/**
 * Records that the batch system ended the run (`message` says how, in words): scheduler.json keeps
 * Slurm's state and reason, summary.json's message says it to every reader. A run its trainer left
 * `stopped` (it stopped on Slurm's SIGTERM and wrote a checkpoint) stays `stopped`, resumable; one
 * still `running` (killed before it could say so) becomes `failed`. A run that completed is left alone.
 * Returns false when there is no run folder to write to.
 */
export function recordSchedulerEnd(runDir: string, ended: { state: string; reason: string; message: string }): boolean {
  const record = readSchedulerRecord(runDir);
  const summary = readSummary(runDir, { raw: true });
  if (!record || !summary) return false;
  if (!record.ended) writeSchedulerRecord(runDir, { ...record, state: ended.state, reason: ended.reason, ended: { state: ended.state, reason: ended.reason, at: new Date().toISOString() } });
  if (summary.status === 'completed' || summary.status === 'diverged') return true;
  const updated: RunSummary = { ...summary, status: summary.status === 'running' ? 'failed' : summary.status, message: ended.message };
  if (summary.status === 'running') {
    updated.endedAt = new Date().toISOString();
    delete updated.pid;
  }
  writeFileAtomic(path.join(runDir, RUN_FILES.summary), JSON.stringify(updated, null, 2) + '\n', { inPlaceWhenFull: true });
  return true;
}
