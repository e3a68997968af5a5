/**
 * A run's overview, kept as it trains so a reader never has to parse the whole metrics.jsonl to draw
 * it: the train records reduced to a fixed number of step buckets (min and max of loss and of
 * gradNorm per bucket, the first non-finite one, the first and last record), buckets twice as wide
 * once they are all used (neighbours merge; the extremes of a merged bucket are among the extremes of
 * its halves), the debiased EMA of loss and gradNorm for a few smoothing weights computed on the full
 * series as records arrive (src/protocol/smoothing.ts), every eval and probe record, and the byte
 * offset of metrics.jsonl each bucket starts at and the overview covers up to (a reader goes on from
 * there, or reads one step range's bytes for detail).
 *
 * The run writer (src/runs/runWriter.ts) feeds it and stores it as `overview.json`; the plots panel
 * loads that and keeps feeding the records it reads after it. Pure: no files, no vscode.
 */
import type { EvalRecord, MetricRecord, ProbeRecord, TrainRecord } from '../protocol/records';
import { minMaxIndices } from '../protocol/seriesReduction';
import { StreamingEma, clampSmoothingWeight, type EmaState } from '../protocol/smoothing';
import type { TrainReduction, TrainSmoothing } from '../protocol/webview';

/** The overview's file in a run folder. */
export const OVERVIEW_FILE = 'overview.json';
export const OVERVIEW_FORMAT = 1;
/** Buckets: between half and all of them are in use, so a long run keeps 512 to 1024 step ranges (up to 5 records each). */
export const OVERVIEW_BUCKETS = 1024;
/**
 * Smoothing weights computed as the run trains: the panel's default (0.6) and two heavier ones. Any
 * other weight needs the full series (src/runs/overviewReader.ts computes it off the host's thread).
 */
export const OVERVIEW_WEIGHTS: readonly number[] = [0.6, 0.9, 0.99];

/** A kept train record: index, step, epoch, loss, gradNorm, lr, wallMs, then smoothed loss and gradNorm per weight. */
/** One kept train record: its index, step, epoch, loss, gradNorm, lr, wallMs, then the smoothed pairs. */
export type Row = number[];
const INDEX = 0;
const STEP = 1;
const LOSS = 3;
const GRAD = 4;
const SMOOTHED = 7;

interface Bucket {
  /** Position: the bucket covers steps [origin + index * width, origin + (index + 1) * width). */
  index: number;
  /** Byte offset in metrics.jsonl of its first train record's line; -1 when not known (fed without offsets). */
  byte: number;
  count: number;
  rows: Row[];
}

/** overview.json (NaN and infinities, which JSON lacks, as null). */
export interface OverviewJson {
  format: typeof OVERVIEW_FORMAT;
  capacity: number;
  weights: number[];
  /** Bytes of metrics.jsonl (from its start) the overview covers. */
  bytes: number;
  /** The inode of metrics.jsonl those bytes belong to (a rewritten file is another one). */
  inode?: number;
  origin: number;
  width: number;
  count: number;
  buckets: Array<{ index: number; byte: number; count: number; rows: Array<Array<number | null>> }>;
  first: Array<number | null> | null;
  last: Array<number | null> | null;
  /** The running averages at the end, per weight, to go on with the records after `bytes`. */
  ema: Array<{ loss: EmaState; gradNorm: EmaState }>;
  eval: EvalRecord[];
  probes: ProbeRecord[];
}

export interface OverviewOptions {
  capacity?: number;
  weights?: readonly number[];
}

export class SeriesOverview {
  readonly capacity: number;
  readonly weights: readonly number[];
  readonly eval: EvalRecord[] = [];
  readonly probes: ProbeRecord[] = [];
  /** Bytes of metrics.jsonl covered (what `push` was told). */
  bytes = 0;
  inode: number | undefined;
  private buckets: Bucket[] = [];
  private origin = 0;
  private width = 1;
  private n = 0;
  private first: Row | null = null;
  private last: Row | null = null;
  private emas: Array<{ loss: StreamingEma; gradNorm: StreamingEma }>;

  constructor(options: OverviewOptions = {}) {
    this.capacity = Math.max(2, Math.floor(options.capacity ?? OVERVIEW_BUCKETS));
    this.weights = [...(options.weights ?? OVERVIEW_WEIGHTS)].map(clampSmoothingWeight).filter((w) => w > 0);
    this.emas = this.weights.map((w) => ({ loss: new StreamingEma(w), gradNorm: new StreamingEma(w) }));
  }

  /** Train records seen. */
  get count(): number {
    return this.n;
  }

  /** Steps per bucket now. */
  get bucketWidth(): number {
    return this.width;
  }

  get bucketsInUse(): number {
    return this.buckets.length;
  }

  /** Whether smoothing with `weight` is known on the full series (0: off, always). */
  hasWeight(weight: number): boolean {
    return clampSmoothingWeight(weight) === 0 || this.weightIndex(weight) >= 0;
  }

  /**
   * Takes the next record of metrics.jsonl. `lineBytes`: the length of its line in bytes, newline
   * included (0 when the caller does not track bytes: a bucket it starts has no known offset).
   */
  push(record: MetricRecord, lineBytes = 0): void {
    const byte = lineBytes > 0 ? this.bytes : -1;
    this.bytes += lineBytes;
    if (record.type === 'eval') this.eval.push(record);
    else if (record.type === 'probe') this.probes.push(record);
    else this.pushTrain(record, byte);
  }

  /** Takes a train record (`byte`: where its line starts, -1 unknown); returns its kept form, for `smoothingOf`. */
  pushTrain(record: TrainRecord, byte = -1): Row {
    const row: Row = [this.n, record.step, record.epoch, num(record.loss), num(record.gradNorm), record.lr, record.wallMs];
    for (const e of this.emas) row.push(e.loss.push(row[LOSS]), e.gradNorm.push(row[GRAD]));
    if (this.n === 0) {
      this.origin = record.step;
      this.first = row;
    }
    this.n++;
    this.last = row;
    let index = this.indexOf(record.step);
    while (index >= this.capacity) {
      this.widen();
      index = this.indexOf(record.step);
    }
    const tail = this.buckets[this.buckets.length - 1];
    if (tail && tail.index === index) {
      tail.count++;
      if (tail.byte < 0) tail.byte = byte;
      tail.rows.push(row);
      if (tail.rows.length > 5) tail.rows = extremes(tail.rows);
    } else this.buckets.push({ index, byte, count: 1, rows: [row] });
    return row;
  }

  /** Smoothed values of freshly pushed rows at `weight`, for an append message; undefined when off or not known. */
  smoothingOf(rows: readonly Row[], weight: number): TrainSmoothing | undefined {
    const k = this.weightIndex(weight);
    if (k < 0 || clampSmoothingWeight(weight) === 0 || rows.length === 0) return undefined;
    return { weight: this.weights[k], loss: rows.map((r) => r[SMOOTHED + 2 * k]), gradNorm: rows.map((r) => r[SMOOTHED + 2 * k + 1]) };
  }

  /**
   * What the panel draws: the kept records in step order, reduced further to `buckets` min-max
   * buckets when they hold more, with the smoothed values at `weight` when the overview has them.
   */
  reduce(buckets: number, weight = 0): { records: TrainRecord[]; reduction: TrainReduction } {
    return this.recordsOf(this.keptRows(buckets), weight);
  }

  /** The first half of `reduce`: the rows it keeps (every held row, or a min-max selection of them). */
  keptRows(buckets: number): readonly Row[] {
    const rows = this.rows();
    if (rows.length <= 2 * buckets + 2) return rows;
    const steps = rows.map((r) => r[STEP]);
    const keep = minMaxIndices(
      steps,
      [rows.map((r) => r[LOSS]), rows.map((r) => r[GRAD])],
      buckets,
    );
    return keep.map((i) => rows[i]);
  }

  /** The second half of `reduce`: `rows` (from keptRows) as records, with their smoothing at `weight`. */
  recordsOf(rows: readonly Row[], weight = 0): { records: TrainRecord[]; reduction: TrainReduction } {
    const reduction: TrainReduction = { total: this.n };
    const smoothing = this.smoothingOf(rows, weight);
    if (smoothing) reduction.smoothing = smoothing;
    return { records: rows.map(toRecord), reduction };
  }

  /**
   * The bytes of metrics.jsonl to read for the train records in [minStep, maxStep], starting at least
   * `warmup` records earlier (so a running average started there has forgotten its start). `end`
   * undefined: up to the end of the file.
   */
  byteRange(minStep: number, maxStep: number, warmup = 0): { start: number; end?: number } {
    let i = this.buckets.length - 1;
    while (i > 0 && this.stepOf(this.buckets[i]) > minStep) i--;
    let before = 0;
    while (i > 0 && before < warmup) before += this.buckets[--i].count;
    while (i > 0 && this.buckets[i].byte < 0) i--;
    const start = Math.max(0, this.buckets[i]?.byte ?? 0);
    let end: number | undefined;
    for (let j = i + 1; j < this.buckets.length; j++) {
      const b = this.buckets[j];
      if (this.stepOf(b) > maxStep && b.byte >= 0) {
        end = b.byte;
        break;
      }
    }
    return { start, ...(end !== undefined ? { end } : {}) };
  }

  toJSON(): OverviewJson {
    return {
      format: OVERVIEW_FORMAT,
      capacity: this.capacity,
      weights: [...this.weights],
      bytes: this.bytes,
      ...(this.inode !== undefined ? { inode: this.inode } : {}),
      origin: this.origin,
      width: this.width,
      count: this.n,
      buckets: this.buckets.map((b) => ({ index: b.index, byte: b.byte, count: b.count, rows: b.rows.map(rowJson) })),
      first: this.first && rowJson(this.first),
      last: this.last && rowJson(this.last),
      ema: this.emas.map((e) => ({ loss: e.loss.state(), gradNorm: e.gradNorm.state() })),
      eval: this.eval,
      probes: this.probes,
    };
  }

  /** The overview `toJSON` wrote, or null when `json` is not one (another format, torn). */
  static fromJSON(json: unknown): SeriesOverview | null {
    if (!isOverviewJson(json)) return null;
    const o = new SeriesOverview({ capacity: json.capacity, weights: json.weights });
    if (o.weights.length !== json.weights.length || json.ema.length !== o.weights.length) return null;
    o.bytes = json.bytes;
    o.inode = json.inode;
    o.origin = json.origin;
    o.width = json.width;
    o.n = json.count;
    o.buckets = json.buckets.map((b) => ({ index: b.index, byte: b.byte, count: b.count, rows: b.rows.map(rowOf) }));
    o.first = json.first && rowOf(json.first);
    o.last = json.last && rowOf(json.last);
    o.emas = json.ema.map((e, k) => ({ loss: StreamingEma.restore(o.weights[k], e.loss), gradNorm: StreamingEma.restore(o.weights[k], e.gradNorm) }));
    o.eval.push(...json.eval);
    o.probes.push(...json.probes);
    return o;
  }

  /** First, every bucket's kept rows, last: ascending, each once. */
  private rows(): Row[] {
    const out: Row[] = [];
    const add = (r: Row | null) => {
      if (r && (out.length === 0 || out[out.length - 1][INDEX] < r[INDEX])) out.push(r);
    };
    add(this.first);
    for (const b of this.buckets) for (const r of b.rows) add(r);
    add(this.last);
    return out;
  }

  private indexOf(step: number): number {
    const tail = this.buckets[this.buckets.length - 1];
    const index = Math.floor((step - this.origin) / this.width);
    // Steps that go back (or are not numbers) stay in the last bucket: buckets are in file order.
    return Number.isFinite(index) && index >= (tail?.index ?? 0) ? index : (tail?.index ?? 0);
  }

  private stepOf(b: Bucket): number {
    return this.origin + b.index * this.width;
  }

  /** Twice as wide: neighbours merge, keeping the extremes of both. */
  private widen(): void {
    this.width *= 2;
    const merged: Bucket[] = [];
    for (const b of this.buckets) {
      const index = Math.floor(b.index / 2);
      const prev = merged[merged.length - 1];
      if (prev && prev.index === index) {
        prev.count += b.count;
        if (prev.byte < 0) prev.byte = b.byte;
        prev.rows = extremes(prev.rows.concat(b.rows));
      } else merged.push({ index, byte: b.byte, count: b.count, rows: b.rows });
    }
    this.buckets = merged;
  }

  private weightIndex(weight: number): number {
    const w = clampSmoothingWeight(weight);
    return this.weights.findIndex((x) => Math.abs(x - w) < 1e-9);
  }
}

/** The rows holding the smallest and largest finite loss and gradNorm and the first non-finite one, in order. */
function extremes(rows: readonly Row[]): Row[] {
  let minL = -1;
  let maxL = -1;
  let minG = -1;
  let maxG = -1;
  let gap = -1;
  for (let i = 0; i < rows.length; i++) {
    const l = rows[i][LOSS];
    const g = rows[i][GRAD];
    if (Number.isFinite(l)) {
      if (minL < 0 || l < rows[minL][LOSS]) minL = i;
      if (maxL < 0 || l > rows[maxL][LOSS]) maxL = i;
    }
    if (Number.isFinite(g)) {
      if (minG < 0 || g < rows[minG][GRAD]) minG = i;
      if (maxG < 0 || g > rows[maxG][GRAD]) maxG = i;
    }
    if (gap < 0 && !(Number.isFinite(l) && Number.isFinite(g))) gap = i;
  }
  const keep = [minL, maxL, minG, maxG, gap].filter((i) => i >= 0).sort((a, b) => a - b);
  return keep.filter((i, k) => k === 0 || i !== keep[k - 1]).map((i) => rows[i]);
}

function toRecord(r: Row): TrainRecord {
  return { type: 'train', step: r[1], epoch: r[2], loss: r[3], gradNorm: r[4], lr: r[5], wallMs: r[6] };
}

function rowJson(r: Row): Array<number | null> {
  return r.map((v) => (Number.isFinite(v) ? v : null));
}

/** A row read from JSON, nulls made NaN in place (the parsed arrays are ours: no copy to allocate). */
function rowOf(r: Array<number | null>): Row {
  for (let i = 0; i < r.length; i++) if (typeof r[i] !== 'number') r[i] = NaN;
  return r as Row;
}

/** JSON has no NaN: a diverged step may be written as null. */
function num(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

function isOverviewJson(x: unknown): x is OverviewJson {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<OverviewJson>;
  return (
    o.format === OVERVIEW_FORMAT &&
    typeof o.capacity === 'number' &&
    Array.isArray(o.weights) &&
    typeof o.bytes === 'number' &&
    typeof o.origin === 'number' &&
    typeof o.width === 'number' &&
    typeof o.count === 'number' &&
    Array.isArray(o.buckets) &&
    Array.isArray(o.ema) &&
    Array.isArray(o.eval) &&
    Array.isArray(o.probes)
  );
}
