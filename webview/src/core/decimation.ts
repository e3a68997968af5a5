/**
 * Min-max decimation: keeps, per bucket of consecutive points, the smallest and the largest value
 * (and one gap marker when the bucket holds a non-finite value), so spikes survive, which matters
 * for gradient norms and loss blow-ups. Runs after smoothing.
 */

export interface XWindow {
  min: number;
  max: number;
}

/**
 * Indices to keep, ascending, from the index range [lo, hi). Always keeps the first and the last
 * index of the range. At most `budget` indices when budget >= 4 (otherwise the whole range up to
 * 4 points).
 */
export function minMaxIndices(ys: ArrayLike<number>, budget: number, lo = 0, hi = ys.length): number[] {
  const n = hi - lo;
  if (n <= 0) return [];
  if (n <= Math.max(budget, 4)) return range(lo, hi);
  const hasGaps = anyNonFinite(ys, lo, hi);
  const perBucket = hasGaps ? 3 : 2;
  const buckets = Math.max(1, Math.floor((Math.max(budget, 4) - 2) / perBucket));
  const out: number[] = [lo];
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const start = lo + 1 + Math.floor((b * inner) / buckets);
    const end = lo + 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let iMin = -1;
    let iMax = -1;
    let iGap = -1;
    for (let i = start; i < end; i++) {
      const v = ys[i];
      if (!Number.isFinite(v)) {
        if (iGap < 0) iGap = i;
        continue;
      }
      if (iMin < 0 || v < ys[iMin]) iMin = i;
      if (iMax < 0 || v > ys[iMax]) iMax = i;
    }
    const keep = [iMin, iMax, iGap].filter((i) => i >= 0).sort((a, b2) => a - b2);
    for (let k = 0; k < keep.length; k++) if (k === 0 || keep[k] !== keep[k - 1]) out.push(keep[k]);
  }
  out.push(hi - 1);
  return out;
}

/**
 * Zoom-aware decimation: when the chart is zoomed to the x range `zoom`, the points inside it get
 * the full budget and those outside are kept at the density of the unzoomed view (so panning shows
 * a coarse line at once instead of a blank area). `xs` must be ascending for `zoom` to be used;
 * otherwise the whole series is decimated as one. At most about 2 * budget + 8 indices.
 */
export function decimateIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, budget: number, zoom?: XWindow): number[] {
  const n = ys.length;
  if (n <= budget) return range(0, n);
  if (!zoom || !isAscending(xs)) return minMaxIndices(ys, budget);
  // One point beyond each edge so the line reaches the border of the plot area.
  const first = Math.max(0, lowerBound(xs, zoom.min) - 1);
  const last = Math.min(n, upperBound(xs, zoom.max) + 1);
  const inside = minMaxIndices(ys, budget, first, last);
  const density = budget / n;
  const before = minMaxIndices(ys, Math.ceil(first * density) + 2, 0, first);
  const after = minMaxIndices(ys, Math.ceil((n - last) * density) + 2, last, n);
  return before.concat(inside, after);
}

function range(lo: number, hi: number): number[] {
  const out = new Array<number>(Math.max(0, hi - lo));
  for (let i = lo; i < hi; i++) out[i - lo] = i;
  return out;
}

function anyNonFinite(ys: ArrayLike<number>, lo: number, hi: number): boolean {
  for (let i = lo; i < hi; i++) if (!Number.isFinite(ys[i])) return true;
  return false;
}

export function isAscending(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) if (!(xs[i] >= xs[i - 1])) return false;
  return true;
}

/** First index with xs[i] >= x (xs ascending). */
function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with xs[i] > x (xs ascending). */
function upperBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
