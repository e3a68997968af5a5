/**
 * A run's train records kept as columns (a run of 1M steps as objects would take about a gigabyte;
 * as typed arrays about 40 MB), with the EMA of loss and gradNorm kept up to date as records
 * arrive, and the reduction the plots panel sends: min-max per bucket (src/protocol/seriesReduction.ts)
 * with the smoothed values, computed on the full series, at the kept records. Pure: no vscode, no files.
 */
import type { TrainRecord } from '../protocol/records';
import { StreamingEma, clampSmoothingWeight } from '../protocol/smoothing';
import { lowerBound, minMaxIndices, shouldReduce } from '../protocol/seriesReduction';
import type { TrainReduction, TrainSmoothing } from '../protocol/webview';

type Column = 'step' | 'epoch' | 'loss' | 'gradNorm' | 'lr' | 'wallMs';
const COLUMNS: readonly Column[] = ['step', 'epoch', 'loss', 'gradNorm', 'lr', 'wallMs'];

export interface ReducedTrain {
  records: TrainRecord[];
  /** Absent when every record is sent. */
  reduction?: TrainReduction;
}

export class TrainSeries {
  private cols: Record<Column, Float64Array>;
  private n = 0;
  private weight = 0;
  private emaLoss = new StreamingEma(0);
  private emaGrad = new StreamingEma(0);

  constructor(capacity = 1024) {
    this.cols = allocate(capacity);
  }

  get length(): number {
    return this.n;
  }

  get smoothingWeight(): number {
    return this.weight;
  }

  clear(): void {
    this.n = 0;
    this.emaLoss = new StreamingEma(this.weight);
    this.emaGrad = new StreamingEma(this.weight);
  }

  /** Sets the EMA weight; recomputes the smoothed columns when it changed. */
  setSmoothing(weight: number): void {
    const w = clampSmoothingWeight(weight);
    if (w === this.weight) return;
    this.weight = w;
    // Bring the running averages to the end of what is held (a pass over the columns: milliseconds for 1M points).
    this.emaLoss = new StreamingEma(w);
    this.emaGrad = new StreamingEma(w);
    for (let i = 0; i < this.n; i++) {
      this.emaLoss.push(this.cols.loss[i]);
      this.emaGrad.push(this.cols.gradNorm[i]);
    }
  }

  /** Appends a record; returns its smoothed loss and gradNorm (the running averages move on). */
  push(r: TrainRecord): { loss: number; gradNorm: number } {
    if (this.n === this.cols.step.length) this.grow();
    const c = this.cols;
    const i = this.n++;
    c.step[i] = r.step;
    c.epoch[i] = r.epoch;
    c.loss[i] = num(r.loss);
    c.gradNorm[i] = num(r.gradNorm);
    c.lr[i] = r.lr;
    c.wallMs[i] = r.wallMs;
    return { loss: this.emaLoss.push(c.loss[i]), gradNorm: this.emaGrad.push(c.gradNorm[i]) };
  }

  record(i: number): TrainRecord {
    const c = this.cols;
    return { type: 'train', step: c.step[i], epoch: c.epoch[i], loss: c.loss[i], gradNorm: c.gradNorm[i], lr: c.lr[i], wallMs: c.wallMs[i] };
  }

  /** Every record (small runs, tests). */
  records(): TrainRecord[] {
    const out = new Array<TrainRecord>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.record(i);
    return out;
  }

  /** Appends records and returns their smoothed values (what goes with an append), or undefined when smoothing is off. */
  pushAll(records: readonly TrainRecord[]): TrainSmoothing | undefined {
    const smoothing: TrainSmoothing = { weight: this.weight, loss: [], gradNorm: [] };
    for (const r of records) {
      const s = this.push(r);
      smoothing.loss.push(s.loss);
      smoothing.gradNorm.push(s.gradNorm);
    }
    return this.weight > 0 && records.length > 0 ? smoothing : undefined;
  }

  /**
   * What the panel sends: every record while the series is short, else a min-max reduction to
   * `buckets` buckets over [minStep, maxStep] (the whole run when absent) with the smoothed values.
   */
  reduce(buckets: number, window?: { minStep: number; maxStep: number }): ReducedTrain {
    const c = this.cols;
    let lo = 0;
    let hi = this.n;
    if (window) {
      // One record beyond each edge so the line reaches the border of the plot.
      lo = Math.max(0, lowerBound(c.step, window.minStep, 0, this.n) - 1);
      hi = Math.min(this.n, lowerBound(c.step, window.maxStep, 0, this.n) + 2);
    }
    if (!window && !shouldReduce(this.n, buckets)) return { records: this.records() };
    const keep = minMaxIndices(c.step, [c.loss, c.gradNorm], buckets, lo, hi);
    const records = keep.map((i) => this.record(i));
    const reduction: TrainReduction = { total: this.n };
    if (this.weight > 0) reduction.smoothing = { weight: this.weight, loss: this.smoothedAt(c.loss, keep), gradNorm: this.smoothedAt(c.gradNorm, keep) };
    return { records, reduction };
  }

  /** The EMA of the whole column (from the first record, also for a window), at the ascending indices `keep`. */
  private smoothedAt(column: Float64Array, keep: readonly number[]): number[] {
    const ema = new StreamingEma(this.weight);
    const out = new Array<number>(keep.length);
    let k = 0;
    const last = keep.length ? keep[keep.length - 1] : -1;
    for (let i = 0; i <= last; i++) {
      const v = ema.push(column[i]);
      if (i === keep[k]) out[k++] = v;
    }
    return out;
  }

  private grow(): void {
    const next = allocate(this.cols.step.length * 2);
    for (const k of COLUMNS) next[k].set(this.cols[k]);
    this.cols = next;
  }
}

function allocate(capacity: number): Record<Column, Float64Array> {
  const out = {} as Record<Column, Float64Array>;
  for (const k of COLUMNS) out[k] = new Float64Array(capacity);
  return out;
}

/** JSON has no NaN: a diverged step may be written as null. */
function num(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}
