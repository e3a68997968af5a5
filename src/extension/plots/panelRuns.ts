/**
 * The set of runs one plots panel shows, with their stable colours, turned into the messages of
 * `src/protocol/webview.ts`: a full snapshot (built by `src/runs/snapshot.ts`, as `hrnn report`
 * builds its own), or the increments since the last look. Free of `vscode`.
 */
import fs from 'node:fs';
import type { HostToWebview } from '../../protocol/webview';
import { readRunExperiment } from '../../runs/runExperiment';
import { buildSnapshot, freeColorIndex, snapshotRunId, type RunsSnapshot, type SnapshotRun } from '../../runs/snapshot';
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
    if (!this.colors.has(runDir)) this.colors.set(runDir, freeColorIndex(this.colors.values()));
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
      const runId = snapshotRunId(source.summary);
      // A rewritten metrics file cannot be told as an append: the webview gets everything again.
      if (changes.restarted) snapshotNeeded = true;
      else if (changes.records.length > 0) updates.push({ type: 'append', runId, records: changes.records });
      if (changes.summary) {
        updates.push({ type: 'runStatus', runId, summary: changes.summary });
        if (changes.summary.sweep && changes.summary.status !== before) snapshotNeeded = true;
      }
    }
    return { updates, snapshotNeeded };
  }

  /** Everything read so far, for a full snapshot. Polls first so the snapshot is current. */
  snapshot(): RunsSnapshot {
    const shown: SnapshotRun[] = [];
    for (const source of this.sources.values()) {
      source.poll();
      if (source.summary) {
        shown.push({
          runDir: source.runDir,
          summary: source.summary,
          records: source.records,
          colorIndex: this.colors.get(source.runDir) ?? 0,
          experiment: readRunExperiment(source.runDir),
        });
      }
    }
    return buildSnapshot(shown);
  }
}
