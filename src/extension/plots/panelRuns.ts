/**
 * The set of runs one plots panel shows, with their stable colours, turned into the messages of
 * `src/protocol/webview.ts`: a full snapshot, or the increments since the last look. Free of `vscode`.
 */
import fs from 'node:fs';
import type { RunSummary } from '../../protocol/records';
import type { HostToWebview, RunSeries, SweepPoint } from '../../protocol/webview';
import { headlineMetric } from '../../runs/runFolder';
import { RunSource } from './runSource';

/** A message before the panel numbers it. */
export type Unsequenced<T> = T extends unknown ? Omit<T, 'seq'> : never;
export type PanelUpdate = Unsequenced<Extract<HostToWebview, { type: 'append' | 'runStatus' }>>;

/** What the panel remembers across window reloads: which runs, in which colours. */
export interface PanelRunsState {
  runDirs: string[];
  colors: Record<string, number>;
}

export function isPanelRunsState(x: unknown): x is PanelRunsState {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as { runDirs?: unknown; colors?: unknown };
  return Array.isArray(s.runDirs) && s.runDirs.every((d) => typeof d === 'string') && (s.colors === undefined || typeof s.colors === 'object');
}

export class PanelRuns {
  private readonly sources = new Map<string, RunSource>();
  private readonly colors = new Map<string, number>();

  constructor(state?: PanelRunsState) {
    if (state) {
      for (const [dir, color] of Object.entries(state.colors ?? {})) if (Number.isInteger(color)) this.colors.set(dir, color);
      // A restored panel may name runs deleted since: keep the ones still on disk.
      for (const dir of state.runDirs) if (fs.existsSync(dir)) this.add(dir);
    }
  }

  get runDirs(): string[] {
    return [...this.sources.keys()];
  }

  has(runDir: string): boolean {
    return this.sources.has(runDir);
  }

  /** Adds a run (no-op when present). The folder may not have its summary yet. Returns whether it was added. */
  add(runDir: string): boolean {
    if (this.sources.has(runDir)) return false;
    const source = new RunSource(runDir);
    source.poll();
    this.sources.set(runDir, source);
    if (!this.colors.has(runDir)) this.colors.set(runDir, this.freeColor());
    return true;
  }

  remove(runDir: string): boolean {
    this.colors.delete(runDir);
    return this.sources.delete(runDir);
  }

  /** Keeps at most `max` runs: drops the oldest that are not running. */
  trim(max: number): void {
    for (const [dir, source] of this.sources) {
      if (this.sources.size <= max) break;
      if (!source.running) this.remove(dir);
    }
  }

  get anyRunning(): boolean {
    return [...this.sources.values()].some((s) => s.running);
  }

  state(): PanelRunsState {
    const colors: Record<string, number> = {};
    for (const dir of this.sources.keys()) colors[dir] = this.colors.get(dir) ?? 0;
    return { runDirs: this.runDirs, colors };
  }

  /**
   * Reads what is new on disk for every run. `snapshotNeeded` is set when an update cannot be told
   * as an increment (a sweep member changed status: the tau plot depends on it).
   */
  collectUpdates(): { updates: PanelUpdate[]; snapshotNeeded: boolean } {
    const updates: PanelUpdate[] = [];
    let snapshotNeeded = false;
    for (const source of this.sources.values()) {
      const hadSummary = source.summary !== null;
      const before = source.summary?.status;
      const changes = source.poll();
      if (!source.summary) continue;
      if (!hadSummary) {
        // The folder got its summary only now: the webview has never heard of this run.
        snapshotNeeded = true;
        continue;
      }
      const runId = panelRunId(source.summary);
      if (changes.records.length > 0) updates.push({ type: 'append', runId, records: changes.records });
      if (changes.summary) {
        updates.push({ type: 'runStatus', runId, summary: changes.summary });
        if (changes.summary.sweep && changes.summary.status !== before) snapshotNeeded = true;
      }
    }
    return { updates, snapshotNeeded };
  }

  /** Everything read so far, for a full snapshot. Polls first so the snapshot is current. */
  snapshot(): { runs: RunSeries[]; sweep: SweepPoint[]; title: string } {
    for (const source of this.sources.values()) source.poll();
    const runs: RunSeries[] = [];
    for (const source of this.sources.values()) {
      if (!source.summary) continue;
      runs.push({
        runId: panelRunId(source.summary),
        runDir: source.runDir,
        label: runLabel(source.summary),
        colorIndex: this.colors.get(source.runDir) ?? 0,
        summary: source.summary,
        train: source.records.train,
        eval: source.records.eval,
        probes: source.records.probes,
      });
    }
    const sweep = runs.filter((r) => r.summary.sweep).map((r) => sweepPoint(r));
    return { runs, sweep, title: panelTitle(runs) };
  }

  private freeColor(): number {
    const used = new Set(this.colors.values());
    let i = 0;
    while (used.has(i)) i++;
    return i;
  }
}

/**
 * The run's key in the panel. Sweep members are named by their index and parameters
 * (`0-tau-0.05`), the same in every sweep of one grid: prefix the sweep id so two sweeps can be compared.
 */
export function panelRunId(summary: RunSummary): string {
  return summary.sweep ? `${summary.sweep.id}/${summary.runId}` : summary.runId;
}

/** "adding-T50" or, for a sweep member, "adding-sweep [model.tau=0.01]". */
export function runLabel(summary: RunSummary): string {
  if (summary.sweep) {
    const params = Object.entries(summary.sweep.parameters)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
    return params ? `${summary.name} [${params}]` : `${summary.name} #${summary.sweep.index + 1}`;
  }
  return summary.runId;
}

function sweepPoint(run: RunSeries): SweepPoint {
  const metric = headlineMetric(run.summary);
  const fallbackName: SweepPoint['metricName'] = run.summary.tags.task === 'adding' ? 'mse' : 'accuracy';
  return {
    runId: run.runId,
    tau: run.summary.tags.tau ?? null,
    label: run.label,
    metric: metric?.value ?? null,
    metricName: metric?.name ?? fallbackName,
    colorIndex: run.colorIndex,
    sweepId: run.summary.sweep?.id,
    sweepName: run.summary.name,
  };
}

export function panelTitle(runs: readonly RunSeries[]): string {
  if (runs.length === 0) return 'Hamiltonian RNN Plots';
  if (runs.length === 1) return `Plots: ${runs[0].summary.name}`;
  return `Plots: ${runs.length} runs`;
}
