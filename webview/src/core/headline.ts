import type { RunSummary } from '../../../src/protocol/records';

/**
 * The metric a run is judged by: test metrics at the best step when present, accuracy for
 * classification, MSE for regression, else loss. The same rule as `headlineMetric` in
 * src/runs/runFolder.ts (which the webview cannot import: it reads files); a unit test keeps the
 * two in agreement.
 */
export function headlineOf(summary: RunSummary): { name: 'mse' | 'accuracy' | 'loss'; value: number } | null {
  const best = summary.best;
  if (!best) return null;
  const src = best.test ?? best;
  if (src.accuracy !== undefined) return { name: 'accuracy', value: src.accuracy };
  if (src.mse !== undefined) return { name: 'mse', value: src.mse };
  return { name: 'loss', value: src.loss };
}
