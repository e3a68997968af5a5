/**
 * CSV of the charts on screen, at full resolution (not decimated, not cut to the zoom window), one
 * row per point in long format so that every chart fits one table.
 */
import type { ChartSpec } from './chartModel';
import { toCsv } from './csv';

export const CSV_HEADER = ['chart', 'run_id', 'series', 'label', 'x_name', 'x', 'y', 'y_smoothed'] as const;

export function chartsToCsv(charts: readonly ChartSpec[]): string {
  const rows: Array<Array<string | number | null>> = [];
  for (const chart of charts) {
    for (const s of chart.series) {
      for (let i = 0; i < s.ys.length; i++) {
        const y = s.ys[i];
        const sm = s.smoothed?.[i];
        rows.push([
          chart.id,
          s.runId ?? '',
          s.series,
          s.label,
          chart.xName,
          s.xs[i],
          Number.isFinite(y) ? y : null,
          sm !== undefined && Number.isFinite(sm) ? sm : null,
        ]);
      }
    }
  }
  return toCsv(CSV_HEADER, rows);
}
