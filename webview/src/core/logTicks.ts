/**
 * Tick values for a logarithmic axis. Chart.js' own log ticks get irregular on ranges of many
 * decades (the vanishing gradient of a tanh RNN spans 30), so: powers of ten when the range
 * covers three decades or more (every k-th power so that at most `maxTicks` remain), else 1-2-5
 * or 1-3 steps if they fit, else 1..9 steps within one decade, else the two ends.
 */
export function logTicks(min: number, max: number, maxTicks = 7): number[] {
  if (!(min > 0) || !(max > min)) return min > 0 ? [min] : [];
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const eps = 1e-9;
  const powers = () => {
    const first = Math.ceil(lo - eps);
    const last = Math.floor(hi + eps);
    const step = Math.max(1, Math.ceil((last - first + 1) / maxTicks));
    const out: number[] = [];
    for (let e = first; e <= last; e += step) out.push(pow10(e));
    return out;
  };
  if (hi - lo >= 3) return powers();
  const withMantissas = (mantissas: readonly number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) {
      for (const m of mantissas) {
        const v = m * pow10(e);
        if (v >= min * (1 - eps) && v <= max * (1 + eps)) out.push(v);
      }
    }
    return out;
  };
  for (const mantissas of [
    [1, 2, 5],
    [1, 3],
  ]) {
    const out = withMantissas(mantissas);
    if (out.length >= 2 && out.length <= maxTicks) return out;
  }
  if (hi - lo >= 1) return powers();
  const fine = withMantissas([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (fine.length >= 2) return fine.filter((_, i) => i % Math.ceil(fine.length / maxTicks) === 0);
  return [min, max];
}

/** 10^e without the rounding noise of Math.pow for negative e (1e-7, not 9.999999999999999e-8). */
function pow10(e: number): number {
  return e >= 0 ? Math.pow(10, e) : Number(`1e${e}`);
}
