/**
 * Reducing a long series to what a chart can draw: min-max per bucket. The x range is cut into
 * equal buckets (a bucket is about a pixel column); per bucket and per value column the index of
 * the smallest and of the largest finite value is kept, and the first non-finite one (drawn as a
 * gap), so spikes and blow-ups survive. The first and the last point are always kept. Reducing a
 * reduced series again keeps the extremes of every new bucket, so the webview can shrink what it
 * holds as a live run grows.
 *
 * Smoothing is not done here: callers smooth the full series first (src/protocol/smoothing.ts) and
 * pick the smoothed values at the kept indices. Pure: shared by the extension host and the webview.
 */

/** Defaults of the plots panel: about one bucket per pixel column of a wide chart. */
export const REDUCTION_DEFAULTS = {
  /** Buckets per series when the host reduces a run's train records (up to 4 points each: min and max of loss and of gradNorm). */
  buckets: 500,
  /** A train series is reduced only when it holds more than this many buckets' worth of points. */
  reduceAboveFactor: 8,
} as const;

/**
 * How many buckets a panel with `maxPointsPerLine` (a user setting) uses: a train record is kept
 * for the min and the max of loss and of gradNorm, so up to 4 records per bucket.
 */
export function bucketsFor(maxPointsPerLine: number): number {
  return Math.max(50, Math.floor((Number.isFinite(maxPointsPerLine) ? maxPointsPerLine : 4 * REDUCTION_DEFAULTS.buckets) / 4));
}

/** Whether a series of `n` points is worth reducing to `buckets` buckets. */
export function shouldReduce(n: number, buckets: number): boolean {
  return n > buckets * REDUCTION_DEFAULTS.reduceAboveFactor;
}

/**
 * Indices to keep, ascending, from [lo, hi). `xs` should be ascending (steps); where it is not, the
 * buckets are cut by index instead. Returns every index when the range holds no more than
 * `2 * buckets` points.
 */
export function minMaxIndices(xs: ArrayLike<number>, columns: ReadonlyArray<ArrayLike<number>>, buckets: number, lo = 0, hi = xs.length): number[] {
  const n = hi - lo;
  if (n <= 0) return [];
  if (n <= 2 * Math.max(1, buckets) || n <= 2) return range(lo, hi);
  const byX = isAscending(xs, lo, hi) && xs[hi - 1] > xs[lo];
  const x0 = xs[lo];
  const span = byX ? xs[hi - 1] - x0 : n;
  const bucketOf = (i: number) => Math.min(buckets - 1, Math.floor(((byX ? xs[i] - x0 : i - lo) / span) * buckets));
  const out: number[] = [lo];
  const c = columns.length;
  const iMin = new Array<number>(c);
  const iMax = new Array<number>(c);
  let iGap = -1;
  let current = -1;
  const keep = new Array<number>(2 * c + 1).fill(0);
  const flush = () => {
    let m = 0;
    for (let k = 0; k < c; k++) {
      if (iMin[k] >= 0) keep[m++] = iMin[k];
      if (iMax[k] >= 0) keep[m++] = iMax[k];
    }
    if (iGap >= 0) keep[m++] = iGap;
    // A handful of indices: insertion sort (Array.prototype.sort with a comparator costs far more per bucket).
    for (let a = 1; a < m; a++) {
      const v = keep[a];
      let b = a - 1;
      for (; b >= 0 && keep[b] > v; b--) keep[b + 1] = keep[b];
      keep[b + 1] = v;
    }
    for (let a = 0; a < m; a++) if (a === 0 || keep[a] !== keep[a - 1]) out.push(keep[a]);
  };
  const reset = () => {
    iMin.fill(-1);
    iMax.fill(-1);
    iGap = -1;
  };
  reset();
  // The first and last points are kept on their own; the buckets cover what lies between.
  for (let i = lo + 1; i < hi - 1; i++) {
    const b = bucketOf(i);
    if (b !== current) {
      if (current >= 0) flush();
      reset();
      current = b;
    }
    let gap = false;
    for (let k = 0; k < c; k++) {
      const v = columns[k][i];
      if (!Number.isFinite(v)) {
        gap = true;
        continue;
      }
      if (iMin[k] < 0 || v < columns[k][iMin[k]]) iMin[k] = i;
      if (iMax[k] < 0 || v > columns[k][iMax[k]]) iMax[k] = i;
    }
    if (gap && iGap < 0) iGap = i;
  }
  if (current >= 0) flush();
  out.push(hi - 1);
  return out;
}

/** `values` at `indices`. */
export function pick<T>(values: ArrayLike<T>, indices: readonly number[]): T[] {
  const out = new Array<T>(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]];
  return out;
}

/** First index in [lo, hi) with xs[i] >= x (xs ascending). */
export function lowerBound(xs: ArrayLike<number>, x: number, lo = 0, hi = xs.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isAscending(xs: ArrayLike<number>, lo: number, hi: number): boolean {
  for (let i = lo + 1; i < hi; i++) if (!(xs[i] >= xs[i - 1])) return false;
  return true;
}

function range(lo: number, hi: number): number[] {
  const out = new Array<number>(Math.max(0, hi - lo));
  for (let i = lo; i < hi; i++) out[i - lo] = i;
  return out;
}
