/**
 * Finding runs: lists the run and sweep folders under a runs folder, newest first, with their
 * summaries read through src/runs/runFolder.ts (so `crashed` shows everywhere alike). Used by the
 * runs view, the CLI and the report. No engine, no vscode.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary, SchedulerTask, SweepSummary } from '../protocol/records';
import { readSummary } from './runFolder';
import { readSchedulerRecord } from './schedulerRecord';
import { SWEEP_FILE, sweepMemberDir } from './layout';
import { RunSearchScope } from './searchScope';
import { isSweepFolder, readSweepSummary } from './sweepFolder';

export interface FoundRun {
  runDir: string;
  summary: RunSummary;
  /** The sweep folder holding the run, if any. */
  sweepDir?: string;
  /** The batch-system task that trains or trained it (scheduler.json), for runs of a sweep submitted to Slurm. */
  scheduler?: SchedulerTask;
}

export interface FoundSweep {
  sweepDir: string;
  sweep: SweepSummary;
  runs: FoundRun[];
  /** Members without a run folder yet: queued on a batch system, waiting for a slot, or never started. */
  unstarted: SweepSummary['runs'];
}

/** Sorts runs and sweeps in place, newest start first, and returns them. */
function newestFirst(runs: FoundRun[], sweeps: FoundSweep[]): { runs: FoundRun[]; sweeps: FoundSweep[] } {
  const byStart = (a: { startedAt: string }, b: { startedAt: string }) => b.startedAt.localeCompare(a.startedAt);
  runs.sort((a, b) => byStart(a.summary, b.summary));
  sweeps.sort((a, b) => byStart(a.sweep, b.sweep));
  return { runs, sweeps };
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
      const unstarted: SweepSummary['runs'] = [];
      for (const r of sweep.runs) {
        const runDir = sweepMemberDir(dir, r.runId);
        const summary = readSummary(runDir);
        if (!summary) {
          unstarted.push(r);
          continue;
        }
        const scheduler = readSchedulerRecord(runDir) ?? r.scheduler;
        members.push(scheduler ? { runDir, summary, sweepDir: dir, scheduler } : { runDir, summary, sweepDir: dir });
      }
      sweeps.push({ sweepDir: dir, sweep, runs: members, unstarted });
    } else {
      const summary = readSummary(dir);
      if (summary) runs.push({ runDir: dir, summary });
    }
  }
  return newestFirst(runs, sweeps);
}

/**
 * The runs folder that holds the run or sweep whose summary.json / sweep.json is `file`: the folder
 * above the run (or sweep); for a sweep member, the folder above its sweep. What a watcher that sees
 * summary files appear anywhere needs to list them with discoverRuns.
 */
export function runsRootOf(file: string): string {
  const owner = path.dirname(file);
  const above = path.dirname(owner);
  return path.basename(file) !== SWEEP_FILE && isSweepFolder(above) ? path.dirname(above) : above;
}

export interface DiscoverUnderOptions {
  /** Which folders are skipped (default: DEFAULT_RUN_SEARCH_EXCLUDE, dependencies, build output, hidden folders). */
  scope?: RunSearchScope;
  /** How many folder levels below the root to look (a run folder counts as one level). Default 6. */
  maxDepth?: number;
  /** Stop after this many folders read (a huge tree must not stall the caller). Default 20000. */
  maxFolders?: number;
}

/**
 * Every run and sweep folder anywhere below `root` (the workspace, a shared cluster folder): a folder
 * with summary.json is a run, one with sweep.json a sweep; neither is searched further. Folders the
 * scope excludes (by default hidden, dependency and build folders) are skipped. Newest first.
 */
export function discoverRunsUnder(root: string, options: DiscoverUnderOptions = {}): { runs: FoundRun[]; sweeps: FoundSweep[] } {
  const maxDepth = options.maxDepth ?? 6;
  const scope = options.scope ?? new RunSearchScope();
  let budget = options.maxFolders ?? 20000;
  const runs: FoundRun[] = [];
  const sweeps: FoundSweep[] = [];
  const seenSweeps = new Set<string>();
  const visit = (dir: string, depth: number) => {
    if (budget-- <= 0) return;
    // The folder's own listing tells what it holds; discoverRuns reads its direct children.
    const found = discoverRuns(dir);
    runs.push(...found.runs);
    for (const s of found.sweeps) {
      if (seenSweeps.has(s.sweepDir)) continue;
      seenSweeps.add(s.sweepDir);
      sweeps.push(s);
    }
    if (depth >= maxDepth) return;
    const taken = new Set([...found.runs.map((r) => r.runDir), ...found.sweeps.map((s) => s.sweepDir)]);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const child = path.join(dir, e.name);
      if (scope.isExcluded(path.relative(root, child))) continue;
      if (taken.has(child) || isSweepFolder(child)) continue;
      visit(child, depth + 1);
    }
  };
  if (isSweepFolder(root) || readSummary(root)) {
    // The root itself is a run or a sweep: list it through its parent's view of it.
    const parent = discoverRuns(path.dirname(root));
    return { runs: parent.runs.filter((r) => r.runDir === root), sweeps: parent.sweeps.filter((s) => s.sweepDir === root) };
  }
  visit(root, 0);
  return newestFirst(runs, sweeps);
}
