/**
 * The set of runs one plots panel shows, with their stable colours, turned into the messages of
 * `src/protocol/webview.ts`: a full snapshot (built by `src/runs/snapshot.ts`, as `hrnn report`
 * builds its own), or the increments since the last look. Long runs go out reduced (min-max per
 * bucket, smoothed on the full series first: src/runs/runSource.ts), a step window of one in detail
 * when a chart is zoomed; run files are read asynchronously or by a worker thread, so reading never
 * blocks the extension host. Free of `vscode`.
 */
import fs from 'node:fs';
import type { TrainRecord } from '../../protocol/records';
import type { HostToWebview, RunSeries, TrainReduction } from '../../protocol/webview';
import { REDUCTION_DEFAULTS } from '../../protocol/seriesReduction';
import { readRunExperimentOffThread } from '../../runs/overviewWorkerClient';
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

/** More new records than this in one poll go out as a snapshot (reduced) rather than as an append. */
const MAX_APPEND_RECORDS = 20_000;

export class PanelRuns {
  private readonly sources = new Map<string, RunSource>();
  private readonly colors = new Map<string, number>();
  /** The webview's EMA weight: long runs are smoothed here, on their full series, before reducing. */
  private smoothing = 0;
  /** Buckets of a reduced train series (about one per pixel column). */
  buckets: number = REDUCTION_DEFAULTS.buckets;
  /** Called when a long run's smoothing at the panel's weight became known (a new snapshot is due). */
  onRefined: (() => void) | undefined;

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
    const source = new RunSource(runDir, () => this.buckets);
    // Only the small summary now; metrics.jsonl is read asynchronously, starting at once so the
    // records (a long run's overview) are at hand when the webview says it is ready.
    source.pollSummary();
    source.setSmoothing(this.smoothing);
    void source.poll().catch(() => undefined);
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

  /** The EMA weight the runs are smoothed with (what the webview last said). */
  get smoothingWeight(): number {
    return this.smoothing;
  }

  /** Sets the EMA weight long runs are smoothed with; returns whether it changed (a new snapshot is then due). */
  setSmoothing(weight: number): boolean {
    if (!Number.isFinite(weight) || weight === this.smoothing) return false;
    this.smoothing = weight;
    for (const source of this.sources.values()) source.setSmoothing(weight);
    return true;
  }

  /** The folder of the run the webview calls `runId`. */
  runDirOf(runId: string): string | undefined {
    for (const source of this.sources.values()) if (source.summary && snapshotRunId(source.summary) === runId) return source.runDir;
    return undefined;
  }

  /** The panel's title from the summaries alone (no metrics read). */
  title(): string {
    const shown: SnapshotRun[] = [];
    for (const source of this.sources.values()) {
      source.pollSummary();
      if (source.summary) shown.push({ runDir: source.runDir, summary: source.summary, records: { train: [], eval: [], probes: [] } });
    }
    return buildSnapshot(shown).title;
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
  async collectUpdates(): Promise<{ updates: PanelUpdate[]; snapshotNeeded: boolean }> {
    const updates: PanelUpdate[] = [];
    let snapshotNeeded = false;
    for (const source of this.sources.values()) {
      const hadSummary = source.summary !== null;
      const before = source.summary?.status;
      const changes = await source.poll({ collect: true });
      if (!source.summary) continue;
      if (!hadSummary) {
        // The folder got its summary only now: the webview has never heard of this run.
        snapshotNeeded = true;
        continue;
      }
      const runId = snapshotRunId(source.summary);
      // A rewritten metrics file cannot be told as an append: the webview gets everything again.
      if (changes.restarted || changes.count > MAX_APPEND_RECORDS) snapshotNeeded = true;
      else if (changes.records.length > 0)
        updates.push({ type: 'append', runId, records: changes.records, ...(changes.trainSmoothing ? { trainSmoothing: changes.trainSmoothing } : {}) });
      if (changes.summary) {
        updates.push({ type: 'runStatus', runId, summary: changes.summary });
        if (changes.summary.sweep && changes.summary.status !== before) snapshotNeeded = true;
      }
    }
    return { updates, snapshotNeeded };
  }

  /**
   * The train records of one run in a step window, reduced to `buckets` (what a zoomed chart asks
   * for); undefined when the run is not shown.
   */
  async trainWindow(
    runId: string,
    minStep: number,
    maxStep: number,
    buckets: number,
  ): Promise<{ records: TrainRecord[]; reduction?: TrainReduction } | undefined> {
    for (const source of this.sources.values())
      if (source.summary && snapshotRunId(source.summary) === runId) return source.trainWindow(minStep, maxStep, Math.max(1, Math.min(buckets, 4000)));
    return undefined;
  }

  /**
   * Everything read so far, for a full snapshot; long runs' train records reduced. Reads what is
   * new on disk first (all runs at once, asynchronously) so the snapshot is current.
   */
  async snapshot(): Promise<RunsSnapshot> {
    const sources = [...this.sources.values()];
    await Promise.all(sources.map((s) => s.poll()));
    const shown: SnapshotRun[] = [];
    const reductions: Array<RunSeries['trainReduction']> = [];
    const packs: Array<RunSeries['packedTrain']> = [];
    for (const source of sources) {
      if (!source.summary) continue;
      // Reducing a long run takes milliseconds (tens for 1M records held here, or a cold start): in turns of the host's own.
      const { records, reduction, packedTrain } =
        source.train.length > 100_000 || source.overview || source.isOpened
          ? await source.reduceTrainInTurns(this.buckets)
          : { ...source.reduceTrain(this.buckets), packedTrain: undefined };
      // A weight the overview lacks: this snapshot goes without the host's smoothing (the webview
      // smooths what it holds meanwhile), and the worker reads the run for it.
      if (source.smoothingPending)
        void source
          .refineSmoothing()
          .then((refined) => refined && this.onRefined?.())
          .catch(() => undefined);
      reductions.push(reduction);
      packs.push(packedTrain);
      shown.push({
        runDir: source.runDir,
        summary: source.summary,
        records: { train: records, eval: source.eval.slice(), probes: source.probes.slice() },
        colorIndex: this.colors.get(source.runDir) ?? 0,
        experiment: await readRunExperimentOffThread(source.runDir),
      });
    }
    const snap = buildSnapshot(shown);
    snap.runs.forEach((run, i) => {
      const reduction = reductions[i];
      if (reduction) run.trainReduction = reduction;
      // A finished long run's records come as columns already (the wire form, src/protocol/packedTrain.ts).
      const packed = packs[i];
      if (packed) run.packedTrain = packed;
    });
    return snap;
  }
}
