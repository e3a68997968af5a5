/**
 * Reads the run and sweep folders the user gave `hrnn report` into the snapshot the plots webview
 * draws, built by `src/runs/snapshot.ts` as the editor's panel builds its own. Bad input gets a
 * one-line `ReportError` naming the folder. Free of vscode.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HostToWebview } from '../protocol/webview';
import { discoverRuns } from '../runs/discovery';
import { SWEEP_FILE, sweepMemberDir } from '../runs/layout';
import { isRunFolder, readRunFolder, type RunFolder } from '../runs/runFolder';
import { readRunExperiment } from '../runs/runExperiment';
import { buildSnapshot } from '../runs/snapshot';
import { TrainSeries } from '../runs/trainSeries';
import { bucketsFor } from '../protocol/seriesReduction';
import { DEFAULT_SMOOTHING } from '../protocol/smoothing';
import { isSweepFolder, readSweepSummary } from '../runs/sweepFolder';
import { RUN_FILES } from '../protocol/records';

export class ReportError extends Error {}

export type Snapshot = Extract<HostToWebview, { type: 'snapshot' }>;

export interface ReportDataOptions {
  title?: string;
  /** Decimation threshold per line (points drawn per line at most, about). Default 2000. */
  maxPointsPerLine?: number;
}

export function loadReportSnapshot(dirs: readonly string[], options: ReportDataOptions = {}): Snapshot {
  if (dirs.length === 0) throw new ReportError('no run or sweep folder given');
  const folders: RunFolder[] = [];
  const seen = new Set<string>();
  const add = (folder: RunFolder) => {
    const key = path.resolve(folder.runDir);
    if (seen.has(key)) return;
    seen.add(key);
    folders.push(folder);
  };
  for (const given of dirs) {
    const dir = path.resolve(given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch {
      throw new ReportError(`${given}: no such folder`);
    }
    if (!stat.isDirectory()) throw new ReportError(`${given}: not a folder (give a run folder or a sweep folder)`);
    if (isSweepFolder(dir)) {
      const sweep = readSweepSummary(dir);
      if (!sweep || !Array.isArray(sweep.runs)) throw new ReportError(`${path.join(given, SWEEP_FILE)}: not a valid sweep summary`);
      let found = 0;
      for (const r of sweep.runs) {
        const folder = readRunFolder(sweepMemberDir(dir, r.runId));
        if (!folder) continue; // pending or never started: nothing to plot
        found++;
        add(folder);
      }
      if (found === 0) throw new ReportError(`${given}: sweep "${sweep.name}" has no run folders with a ${RUN_FILES.summary} yet`);
    } else if (isRunFolder(dir)) {
      const folder = readRunFolder(dir);
      if (!folder) throw new ReportError(`${path.join(given, RUN_FILES.summary)}: not a valid run summary`);
      add(folder);
    } else {
      const inside = discoverRuns(dir);
      const count = inside.runs.length + inside.sweeps.length;
      const hint = count > 0 ? `; it holds ${count} run or sweep folder${count === 1 ? '' : 's'}: pass those instead` : '';
      throw new ReportError(`${given}: not a run folder (no ${RUN_FILES.summary}) or a sweep folder (no ${SWEEP_FILE})${hint}`);
    }
  }

  // Colours numbered in order: the report has no earlier colours to keep.
  const { runs, sweep, title } = buildSnapshot(folders.map((f) => ({ ...f, experiment: readRunExperiment(f.runDir) })));
  // A long run goes in reduced as the panel gets it (min-max buckets, smoothed on the full series at
  // the panel's default weight): a report of a million steps stays a few megabytes.
  const buckets = bucketsFor(options.maxPointsPerLine ?? 2000);
  for (const run of runs) {
    const series = new TrainSeries();
    series.setSmoothing(DEFAULT_SMOOTHING);
    for (const r of run.train) series.push(r);
    const { records, reduction } = series.reduce(buckets);
    run.train = records;
    if (reduction) run.trainReduction = reduction;
  }
  return {
    type: 'snapshot',
    seq: 0,
    runs,
    sweep,
    settings: { updateHz: 0, maxPointsPerLine: options.maxPointsPerLine ?? 2000 },
    title: options.title ?? title,
  };
}
