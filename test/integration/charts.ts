/** Reading back what the plots webview draws, and what it must draw for a run (from metrics.jsonl). */
import assert from 'node:assert/strict';
import type { PlotsPanel } from '../../src/extension/plots/plotsPanel';
import type { MetricRecord } from '../../src/protocol/records';
import type { ChartDataReport, SeriesReport } from '../../src/protocol/webview';
import { SLOW_MS, getApi, until } from './helpers';

/** What the charts must hold for one run, counted from metrics.jsonl (rules in src/protocol/webview.ts). */
export function expectedSeries(records: MetricRecord[]): Record<string, Record<string, number>> {
  const train = records.filter((r) => r.type === 'train');
  const evals = records.filter((r) => r.type === 'eval');
  const probes = records.filter((r) => r.type === 'probe');
  const last = probes[probes.length - 1];
  const test = evals.filter((r) => r.split === 'test');
  return {
    loss: { train: train.length, test: test.length },
    gradNorm: { train: train.length },
    mse: { test: test.filter((r) => r.mse !== undefined).length },
    gradientOverTime: { gradient: last?.gradientOverTime.length ?? 0 },
    energy: { energy: last?.energy?.length ?? 0, modifiedEnergy: last?.modifiedEnergy?.length ?? 0 },
    stateNorm: { stateNorm: last?.stateNorm.length ?? 0 },
  };
}

export function seriesOf(report: ChartDataReport, chart: string, runId: string, series: string): SeriesReport | undefined {
  return (report[chart] ?? []).find((s) => s.runId === runId && s.series === series);
}

export function assertChartsMatch(report: ChartDataReport, runId: string, records: MetricRecord[]): void {
  const expected = expectedSeries(records);
  for (const [chart, series] of Object.entries(expected))
    for (const [name, points] of Object.entries(series)) {
      if (points === 0) continue;
      const got = seriesOf(report, chart, runId, name);
      assert.ok(got, `chart ${chart} has a ${name} series for ${runId}; charts: ${JSON.stringify(report)}`);
      assert.equal(got.points, points, `chart ${chart} / ${name} of ${runId}: points drawn vs metrics.jsonl`);
    }
}

/** The plots panel once its webview page has loaded and said `ready` (a page load: slow on a busy machine). */
export async function panelReady(): Promise<PlotsPanel> {
  const api = await getApi();
  const panel = await until([api.plots.onDidOpenPanel], () => api.plots.current, 'the plots panel');
  await until([panel.onDidBecomeReady], () => panel.isReady, 'the plots webview ready handshake', SLOW_MS);
  return panel;
}
