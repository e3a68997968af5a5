/**
 * Linear or logarithmic, chosen from the values an axis shows: logarithmic when they are all
 * positive and span more than ~1.5 decades (so 4.6e-4 and 0.16 do not both sit on zero), else
 * linear. Used by the metric-against-parameter chart, the parallel coordinates and the tau chart.
 * Pure: no DOM.
 */

/** Positive values spanning more than this many decades get a logarithmic axis. */
export const LOG_AXIS_MIN_DECADES = 1.5;

export function chooseAxisScale(values: readonly number[]): 'linear' | 'logarithmic' {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2 || finite.some((v) => v <= 0)) return 'linear';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return Math.log10(max / min) > LOG_AXIS_MIN_DECADES ? 'logarithmic' : 'linear';
}
