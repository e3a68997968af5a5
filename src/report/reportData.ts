/**
 * Reads run and sweep folders into the snapshot the plots webview draws (the same message the
 * extension host sends the panel). Bad input gets a one-line `ReportError` naming the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HostToWebview, RunSeries, SweepPoint } from '../protocol/webview';
import { discoverRuns } from '../runs/discovery';
import { SWEEP_FILE } from '../runs/layout';
import { headlineMetric, isRunFolder, readRunFolder, type RunFolder } from '../runs/runFolder';
import { isSweepFolder, readSweepSummary } from '../runs/sweepFolder';
import { RUN_FILES } from '../protocol/records';

export class ReportError extends Error {}

export type Snapshot = Extract<HostToWebview, { type: 'snapshot' }>;

export interface ReportDataOptions {
  title?: string;
  /** Decimation threshold per line (points drawn per line at most, about). Default 2000. */
  maxPointsPerLine?: number;
}

interface Member {
  folder: RunFolder;
  /** Set for runs read through a sweep folder. */
  sweep?: { id: string; name: string; parameters: Record<string, unknown> };
}

export function loadReportSnapshot(dirs: readonly string[], options: ReportDataOptions = {}): Snapshot {
  if (dirs.length === 0) throw new ReportError('no run or sweep folder given');
  const members: Member[] = [];
  const seen = new Set<string>();
  const sweepNames: string[] = [];
  const add = (m: Member) => {
    const key = path.resolve(m.folder.runDir);
    if (seen.has(key)) return;
    seen.add(key);
    members.push(m);
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
      sweepNames.push(sweep.name);
      let found = 0;
      for (const r of sweep.runs) {
        const folder = readRunFolder(path.join(dir, r.runId));
        if (!folder) continue; // pending or never started: nothing to plot
        found++;
        add({ folder, sweep: { id: sweep.sweepId, name: sweep.name, parameters: r.parameters ?? {} } });
      }
      if (found === 0) throw new ReportError(`${given}: sweep "${sweep.name}" has no run folders with a ${RUN_FILES.summary} yet`);
    } else if (isRunFolder(dir)) {
      const folder = readRunFolder(dir);
      if (!folder) throw new ReportError(`${path.join(given, RUN_FILES.summary)}: not a valid run summary`);
      add({ folder });
    } else {
      const inside = discoverRuns(dir);
      const count = inside.runs.length + inside.sweeps.length;
      const hint = count > 0 ? `; it holds ${count} run or sweep folder${count === 1 ? '' : 's'}: pass those instead` : '';
      throw new ReportError(`${given}: not a run folder (no ${RUN_FILES.summary}) or a sweep folder (no ${SWEEP_FILE})${hint}`);
    }
  }

  const runs: RunSeries[] = members.map((m, i) => ({
    runId: m.folder.summary.runId,
    runDir: m.folder.runDir,
    label: m.sweep ? `${m.folder.summary.name} · ${formatParameters(m.sweep.parameters)}` : m.folder.summary.name,
    colorIndex: i,
    summary: m.folder.summary,
    train: m.folder.records.train,
    eval: m.folder.records.eval,
    probes: m.folder.records.probes,
  }));
  disambiguateLabels(runs);

  const sweep: SweepPoint[] = [];
  members.forEach((m, i) => {
    if (!m.sweep) return;
    const s = m.folder.summary;
    const headline = headlineMetric(s);
    const tauParam = Object.entries(m.sweep.parameters).find(([k]) => k === 'tau' || k.endsWith('.tau'))?.[1];
    sweep.push({
      runId: s.runId,
      tau: s.tags?.tau ?? (typeof tauParam === 'number' ? tauParam : null),
      label: runs[i].label,
      metric: headline ? headline.value : null,
      metricName: headline ? headline.name : 'loss',
      colorIndex: runs[i].colorIndex,
      sweepId: m.sweep.id,
      sweepName: m.sweep.name,
    });
  });

  const title = options.title ?? defaultTitle(members, sweepNames);
  return {
    type: 'snapshot',
    seq: 0,
    runs,
    sweep,
    settings: { updateHz: 0, maxPointsPerLine: options.maxPointsPerLine ?? 2000 },
    title,
  };
}

/** `Run a`, `Sweep s`, or `a, b and sweep s` (or `N runs` when that gets long). */
function defaultTitle(members: readonly Member[], sweepNames: readonly string[]): string {
  const single = members.filter((m) => !m.sweep).map((m) => m.folder.summary.name);
  const parts = [...single, ...sweepNames.map((s) => `sweep ${s}`)];
  if (parts.length === 1) return single.length ? `Run ${single[0]}` : `Sweep ${sweepNames[0]}`;
  const text = `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  return text.length <= 90 ? text : `${members.length} runs`;
}

/** `{ 'model.tau': 0.01, seed: 2 }` -> `tau=0.01 seed=2` (the last path segment is enough in a legend). */
export function formatParameters(parameters: Record<string, unknown>): string {
  const parts = Object.entries(parameters).map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join(' ') : 'default';
}

function disambiguateLabels(runs: RunSeries[]): void {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  for (const r of runs) if ((counts.get(r.label) ?? 0) > 1) r.label = `${r.label} (${r.runId})`;
}
