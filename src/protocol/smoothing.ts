/**
 * Debiased exponential moving average, as TensorBoard computes it since its bias fix
 * (tensorboard#610 / PR#639): the running average starts at 0 and is divided by 1 - w^k, so the
 * first smoothed value equals the first raw value instead of being pulled towards 0.
 *
 * Shared by the webview (which smooths what it holds) and the extension host (which smooths the
 * full series of a long run before reducing it, see `seriesReduction.ts`). Always run on the
 * full-resolution series, before any decimation: smoothing sampled data gives curves that change
 * with the sampling (tensorboard#1518, #6829). Pure: no DOM, no Node.
 */

/** The panel's smoothing weight until the user picks another (and what a report is reduced with). */
export const DEFAULT_SMOOTHING = 0.6;

/** Clamps a weight to [0, 0.999]; non-finite means 0 (off). */
export function clampSmoothingWeight(weight: number): number {
  return Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.999);
}

/**
 * @param values raw values in x order; non-finite values (NaN, +-Infinity) are gaps: they are
 *   passed through unchanged and do not enter the average.
 * @param weight smoothing weight in [0, 1): 0 = no smoothing; clamped to [0, 0.999].
 * @returns one smoothed value per input value.
 */
export function debiasedEma(values: ArrayLike<number>, weight: number): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  const w = clampSmoothingWeight(weight);
  if (w === 0 || isConstant(values)) {
    // A constant series must stay exactly constant (the debiasing division would add rounding noise).
    for (let i = 0; i < n; i++) out[i] = values[i];
    return out;
  }
  let last = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - Math.pow(w, count));
  }
  return out;
}

/**
 * The same average one value at a time, for a series that grows (a live run): feeding the values
 * of a series in order gives what `debiasedEma` gives for the whole series, except that a series
 * constant so far stays exactly constant only up to its first different value.
 */
export class StreamingEma {
  readonly weight: number;
  private last = 0;
  /** w^count, kept as a product: a Math.pow per value costs more than the average itself. */
  private wPow = 1;
  private first: number | undefined;
  private constantSoFar = true;

  constructor(weight: number) {
    this.weight = clampSmoothingWeight(weight);
  }

  /** Everything the average carries forward, as JSON (a run's overview stores it so a reader can go on from there). */
  state(): EmaState {
    return { last: this.last, wPow: this.wPow, first: this.first ?? null, constantSoFar: this.constantSoFar };
  }

  /** An average that goes on from `state` (what `state()` returned for the same weight). */
  static restore(weight: number, state: EmaState): StreamingEma {
    const ema = new StreamingEma(weight);
    ema.last = state.last;
    ema.wPow = state.wPow;
    ema.first = state.first ?? undefined;
    ema.constantSoFar = state.constantSoFar;
    return ema;
  }

  push(v: number): number {
    if (!Number.isFinite(v)) return v;
    if (this.first === undefined) this.first = v;
    else if (v !== this.first) this.constantSoFar = false;
    if (this.weight === 0) return v;
    this.last = this.last * this.weight + (1 - this.weight) * v;
    this.wPow *= this.weight;
    return this.constantSoFar ? v : this.last / (1 - this.wPow);
  }
}

/** The state of a `StreamingEma`, as JSON. */
export interface EmaState {
  last: number;
  wPow: number;
  first: number | null;
  constantSoFar: boolean;
}

function isConstant(values: ArrayLike<number>): boolean {
  let first: number | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (first === undefined) first = v;
    else if (v !== first) return false;
  }
  return true;
}
