/**
 * One run as the plots panel follows it: everything read so far from its folder, and what is new
 * since the last look. The run folder on disk is the source of truth; this only reads it. A run with
 * an overview.json (written by the run writer: src/runs/seriesOverview.ts) and a long metrics.jsonl starts from that
 * small file and reads only the metrics.jsonl bytes after what it covers; a long run without one (written
 * before overviews existed) has its overview built by the worker thread (src/runs/overviewWorkerClient.ts);
 * a short one is read here as train columns (src/runs/trainSeries.ts). A finished long run is
 * opened from its overview reduced by the worker thread, as the panel draws it, and its overview is
 * read here only when needed. Reads are asynchronous and in slices (src/runs/metricsStream.ts), so
 * the extension host never blocks on a long run's metrics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type EvalRecord, type MetricRecord, type ProbeRecord, type RunSummary, type TrainRecord } from '../../protocol/records';
import type { TrainReduction, TrainSmoothing } from '../../protocol/webview';
import { AsyncMetricsTail, inOwnTurn } from '../../runs/metricsStream';
import type { PackedTrain } from '../../protocol/packedTrain';
import type { OpenedOverview } from '../../runs/overviewReader';
import { openOverviewOffThread, readOverviewOffThread, readRangeOffThread } from '../../runs/overviewWorkerClient';
import { readSummary } from '../../runs/runFolder';
import { OVERVIEW_FILE, OVERVIEW_WEIGHTS, SeriesOverview } from '../../runs/seriesOverview';
import { TrainSeries } from '../../runs/trainSeries';
import { REDUCTION_DEFAULTS } from '../../protocol/seriesReduction';

/**
 * From this size on, metrics.jsonl is not read here from its start: the run's overview is used (or
 * built by the worker thread when the run has none). Below it (about 30k records) every record is
 * read here and kept, which is cheap.
 */
export const OVERVIEW_FROM_BYTES = 4 << 20;
/** Records read before a zoomed window so its smoothing has forgotten where reading started (0.99^3000 < 1e-13). */
const SMOOTHING_WARMUP = 3000;

export interface RunChanges {
  /** New records in file order (only when `collect` was asked for). */
  records: MetricRecord[];
  /** Smoothed values of the train records among `records` (when smoothing is on). */
  trainSmoothing?: TrainSmoothing;
  /** How many records were read. */
  count: number;
  /** The summary, when it changed since the last poll. */
  summary: RunSummary | null;
  /** metrics.jsonl was rewritten (a resumed run drops records past its checkpoint): everything was read again. */
  restarted: boolean;
}

export class RunSource {
  private tail: AsyncMetricsTail;
  /** Train records read here (no overview). */
  readonly train = new TrainSeries();
  /** The run's overview and the train records read after it; null: `train` holds them (or `opened`). */
  overview: SeriesOverview | null = null;
  /**
   * A finished long run as its first snapshot draws it, reduced off this thread from overview.json
   * (the overview itself is read here only when something needs it: another reduction, a zoom,
   * records written after it).
   */
  private opened: OpenedOverview | null = null;
  readonly eval: EvalRecord[] = [];
  readonly probes: ProbeRecord[] = [];
  summary: RunSummary | null = null;
  private summaryStamp = '';
  /** The inode of metrics.jsonl once its start was read (null: not yet). */
  private inode: number | null = null;
  private weight = 0;
  private polling: Promise<unknown> = Promise.resolve();
  /** The weight a refinement is reading for. */
  private refining: number | undefined;

  /** @param buckets how many buckets the panel reduces long runs to now (what a finished run is opened with). */
  constructor(
    readonly runDir: string,
    private readonly buckets: () => number = () => REDUCTION_DEFAULTS.buckets,
  ) {
    this.tail = new AsyncMetricsTail(this.metricsFile);
  }

  get metricsFile(): string {
    return path.join(this.runDir, RUN_FILES.metrics);
  }

  /** Reads summary.json when it changed (a small file); returns it then, else null. */
  pollSummary(): RunSummary | null {
    const stamp = fileStamp(path.join(this.runDir, RUN_FILES.summary));
    if (stamp === this.summaryStamp) return null;
    const read = readSummary(this.runDir);
    if (!read) return null;
    this.summaryStamp = stamp;
    this.summary = read;
    return read;
  }

  /** The panel's EMA weight: train records are smoothed with it on the full series. */
  setSmoothing(weight: number): void {
    this.weight = weight;
    this.train.setSmoothing(weight);
  }

  /**
   * Reads what was appended or rewritten since the last call (everything on the first call).
   * `collect`: also return the new records (for an append message); a snapshot needs only the totals.
   */
  poll(options: { collect?: boolean } = {}): Promise<RunChanges> {
    return this.queued(() => this.pollNow(options));
  }

  /** Whether the train records' smoothing at the panel's weight awaits `refineSmoothing` (the overview lacks that weight). */
  get smoothingPending(): boolean {
    return !!this.overview && !this.overview.hasWeight(this.weight);
  }

  /**
   * Rebuilds the overview with the panel's weight (a full read by the worker thread) when the one in
   * use lacks it: smoothing is only ever computed on the full series. Resolves true when the new
   * overview took over (a new snapshot is then due).
   */
  async refineSmoothing(): Promise<boolean> {
    const weight = this.weight;
    if (!this.smoothingPending || this.refining === weight) return false;
    this.refining = weight;
    try {
      const weights = [...OVERVIEW_WEIGHTS, weight];
      const json = await readOverviewOffThread(this.metricsFile, weights);
      return await this.queued(async () => {
        const overview = SeriesOverview.fromJSON(json);
        // The weight moved on, or the file was replaced meanwhile: this read no longer applies.
        if (!overview || this.weight !== weight || !this.overview || overview.inode !== this.inode) return false;
        this.useOverview(overview);
        return true;
      });
    } finally {
      this.refining = undefined;
    }
  }

  /** One read at a time: a read started early (the panel opening), a snapshot's and a refinement must not interleave. */
  private queued<T>(task: () => Promise<T>): Promise<T> {
    const next = this.polling.then(task);
    this.polling = next.catch(() => undefined);
    return next;
  }

  private useOverview(overview: SeriesOverview): void {
    this.overview = overview;
    this.continueAfter(overview);
  }

  /** Takes the evaluations and probes of an overview (held or opened) and reads on after the bytes it covers. */
  private continueAfter(from: { eval: readonly EvalRecord[]; probes: readonly ProbeRecord[]; bytes: number; inode?: number }): void {
    this.eval.length = 0;
    this.probes.length = 0;
    this.eval.push(...from.eval);
    this.probes.push(...from.probes);
    this.tail = new AsyncMetricsTail(this.metricsFile);
    this.tail.seek(from.bytes, from.inode);
  }

  private async pollNow(options: { collect?: boolean }): Promise<RunChanges> {
    const restartedHere = await this.start();
    // Records written after an opened run's overview go into the overview: read it first.
    if (this.opened && !this.overview && (await fileSize(this.metricsFile)) > this.opened.bytes) await this.loadOverview();
    const collected: MetricRecord[] = [];
    const newTrain: TrainRecord[] = [];
    const { restarted, records: count } = await this.tail.readNew(
      (records) => {
        for (const r of records) {
          if (r.type === 'train') {
            if (options.collect) newTrain.push(r);
            else this.pushTrain(r);
          } else if (r.type === 'eval') this.eval.push(r);
          else this.probes.push(r);
          if (options.collect) collected.push(r);
        }
      },
      () => this.clear(),
    );
    let trainSmoothing: TrainSmoothing | undefined;
    if (newTrain.length && this.overview) {
      const overview = this.overview;
      trainSmoothing = overview.smoothingOf(
        newTrain.map((r) => overview.pushTrain(r)),
        this.weight,
      );
    } else if (newTrain.length) trainSmoothing = this.train.pushAll(newTrain);
    const summary = this.pollSummary();
    return { records: collected, ...(trainSmoothing ? { trainSmoothing } : {}), count, summary, restarted: restarted || restartedHere };
  }

  /** The train records to draw: every one while few, else a min-max reduction to `buckets`. */
  reduceTrain(buckets: number): { records: TrainRecord[]; reduction?: TrainReduction } {
    return this.overview ? this.overview.reduce(buckets, this.weight) : this.train.reduce(buckets);
  }

  /**
   * `reduceTrain` in turns of the host's event loop of their own (src/runs/metricsStream.ts): a long
   * run's min-max selection in one, making records of it in the next. A finished run opened for
   * these buckets and weight answers with its columns (`packedTrain`, `records` empty) at once.
   */
  async reduceTrainInTurns(buckets: number): Promise<{ records: TrainRecord[]; reduction?: TrainReduction; packedTrain?: PackedTrain }> {
    const opened = this.overview ? null : this.opened;
    if (opened && opened.buckets === buckets && opened.weight === this.weight) {
      return { records: [], packedTrain: opened.packedTrain, ...(opened.trainReduction ? { reduction: opened.trainReduction } : {}) };
    }
    if (opened) await this.queued(() => this.loadOverview());
    const overview = this.overview;
    if (!overview) return inOwnTurn(() => this.train.reduce(buckets));
    const rows = await inOwnTurn(() => overview.keptRows(buckets));
    return inOwnTurn(() => overview.recordsOf(rows, this.weight));
  }

  /** The train records of a step window, reduced to `buckets` (detail for a zoomed chart). */
  async trainWindow(minStep: number, maxStep: number, buckets: number): Promise<{ records: TrainRecord[]; reduction?: TrainReduction }> {
    if (!this.overview && this.opened) await this.queued(() => this.loadOverview());
    if (!this.overview) return this.train.reduce(buckets, { minStep, maxStep });
    const { start, end } = this.overview.byteRange(minStep, maxStep, this.weight > 0 ? SMOOTHING_WARMUP : 0);
    const window = await readRangeOffThread({
      file: this.metricsFile,
      start,
      ...(end !== undefined ? { end } : {}),
      minStep,
      maxStep,
      buckets,
      weight: this.weight,
    });
    // The window's reduction counts what was read; the run's total is the overview's.
    return { records: window.records, reduction: { ...window.reduction, total: this.overview.count } };
  }

  /** Whether the run was opened from its overview's reduction (a finished long run) and holds no overview. */
  get isOpened(): boolean {
    return this.opened !== null && this.overview === null;
  }

  get running(): boolean {
    return this.summary?.status === 'running';
  }

  get pointCount(): number {
    const train = this.overview
      ? this.overview.count
      : this.opened
        ? (this.opened.trainReduction?.total ?? this.opened.packedTrain.step.length)
        : this.train.length;
    return train + this.eval.length + this.probes.length;
  }

  private pushTrain(r: TrainRecord): void {
    if (this.overview) this.overview.pushTrain(r);
    else this.train.push(r);
  }

  private clear(): void {
    this.train.clear();
    this.overview = null;
    this.opened = null;
    this.eval.length = 0;
    this.probes.length = 0;
  }

  /**
   * Decides where reading starts, once per metrics.jsonl (again when it was replaced: a resumed run
   * rewrites it): after its overview when one covers it, else from the start (by the worker for a
   * long file). Returns whether what was read before was dropped.
   */
  private async start(): Promise<boolean> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(this.metricsFile);
    } catch {
      return false;
    }
    if (this.inode === stat.ino) return false;
    const restarted = this.inode !== null;
    if (restarted) {
      this.clear();
      this.tail = new AsyncMetricsTail(this.metricsFile);
    }
    this.inode = stat.ino;
    // A short file is read here whole: every record stays at hand, as before overviews.
    if (stat.size < OVERVIEW_FROM_BYTES) return restarted;
    // A finished run only needs drawing: its overview is reduced off this thread.
    if (this.summary && this.summary.status !== 'running') {
      const request = { file: path.join(this.runDir, OVERVIEW_FILE), inode: stat.ino, size: stat.size, buckets: this.buckets(), weight: this.weight };
      const opened = await openOverviewOffThread(request).catch(() => null);
      if (opened) {
        this.useOpened(opened);
        return restarted;
      }
    }
    const overview = await this.readOverview(stat);
    if (overview) this.useOverview(overview);
    return restarted;
  }

  /** The run's overview: overview.json when it covers metrics.jsonl as `stat` describes it, else built by the worker from metrics.jsonl. */
  private async readOverview(stat: { ino: number; size: number }): Promise<SeriesOverview | null> {
    let overview = await readOverviewFile(path.join(this.runDir, OVERVIEW_FILE));
    if (overview && (overview.inode !== stat.ino || overview.bytes > stat.size)) overview = null;
    if (overview) return overview;
    const weights = OVERVIEW_WEIGHTS.includes(this.weight) || this.weight <= 0 ? OVERVIEW_WEIGHTS : [...OVERVIEW_WEIGHTS, this.weight];
    try {
      return SeriesOverview.fromJSON(await readOverviewOffThread(this.metricsFile, weights));
    } catch {
      return null;
    }
  }

  private useOpened(opened: OpenedOverview): void {
    this.opened = opened;
    this.continueAfter(opened);
  }

  /** Replaces an opened run by its overview (run inside `queued`). Without one the run's train records are read again from the start. */
  private async loadOverview(): Promise<void> {
    const opened = this.opened;
    if (!opened || this.overview) return;
    const overview = await this.readOverview({ ino: opened.inode, size: await fileSize(this.metricsFile) });
    this.opened = null;
    if (overview) this.useOverview(overview);
    else {
      this.clear();
      this.tail = new AsyncMetricsTail(this.metricsFile);
    }
  }
}

async function readOverviewFile(file: string): Promise<SeriesOverview | null> {
  try {
    // Bytes, not text: several runs' reads finish in one phase of the event loop, and decoding in
    // each read's callback would add up to one pause. Decoding, parsing (about 1 MB) and rebuilding
    // are a few milliseconds each: each in a turn of its own.
    const bytes = await fs.promises.readFile(file);
    const text = await inOwnTurn(() => bytes.toString('utf8'));
    const json: unknown = await inOwnTurn(() => JSON.parse(text));
    return await inOwnTurn(() => SeriesOverview.fromJSON(json));
  } catch {
    return null;
  }
}

function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return 0;
  }
}
