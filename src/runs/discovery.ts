/**
 * Finding runs: lists the run and sweep folders under a runs folder, newest first, with their
 * summaries read through src/runs/runFolder.ts (so `crashed` shows everywhere alike). Used by the
 * runs view, the CLI and the report. No engine, no vscode.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary, SweepSummary } from '../protocol/records';
import { readSummary } from './runFolder';
import { sweepMemberDir } from './layout';
import { isSweepFolder, readSweepSummary } from './sweepFolder';

export interface FoundRun {
  runDir: string;
  summary: RunSummary;
  /** The sweep folder holding the run, if any. */
  sweepDir?: string;
}

export interface FoundSweep {
  sweepDir: string;
  sweep: SweepSummary;
  runs: FoundRun[];
}

/**
 * Lists the runs and sweeps directly under a runs folder (sweeps hold their runs one level down).
 * Sorted newest first by start time.
 */
export function discoverRuns(runsRoot: string): { runs: FoundRun[]; sweeps: FoundSweep[] } {
  const runs: FoundRun[] = [];
  const sweeps: FoundSweep[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runsRoot, { withFileTypes: true });
  } catch {
    return { runs, sweeps };
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = path.join(runsRoot, e.name);
    if (isSweepFolder(dir)) {
      const sweep = readSweepSummary(dir);
      if (!sweep) continue;
      const members: FoundRun[] = [];
      for (const r of sweep.runs) {
        const runDir = sweepMemberDir(dir, r.runId);
        const summary = readSummary(runDir);
        if (summary) members.push({ runDir, summary, sweepDir: dir });
      }
      sweeps.push({ sweepDir: dir, sweep, runs: members });
    } else {
      const summary = readSummary(dir);
      if (summary) runs.push({ runDir: dir, summary });
    }
  }
  const byStart = (a: { startedAt: string }, b: { startedAt: string }) => b.startedAt.localeCompare(a.startedAt);
  runs.sort((a, b) => byStart(a.summary, b.summary));
  sweeps.sort((a, b) => byStart(a.sweep, b.sweep));
  return { runs, sweeps };
}
