/**
 * CSV of the charts on screen, at the resolution the panel holds (not decimated for the canvas,
 * not cut to the zoom window), one row per point in long format so that every chart fits one table.
 * A long run's train lines are what the host sent: a min-max reduction of its records
 * (`RunSeries.trainReduction`); `reducedLines` names them so the export can say so.
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

/** The lines that hold fewer points than their run has (a reduced long run), as `chart/label`. */
export function reducedLines(charts: readonly ChartSpec[]): string[] {
  const out: string[] = [];
  for (const chart of charts) for (const s of chart.series) if (s.total !== undefined && s.total > s.ys.length) out.push(`${chart.id}/${s.label}`);
  return out;
}
