/**
 * Detail for a zoomed chart: a reduced long run (`RunSeries.trainReduction`) is drawn from the
 * host's overview; once the user zooms, the host sends the window's records at the chart's pixel
 * width (`detail` in src/protocol/webview.ts) and they replace the overview's records inside the
 * window. Pure: no DOM; imports only src/protocol.
 */
import type { HostAnswer, RunSeries, TrainSmoothing } from '../../../src/protocol/webview';

export type TrainDetail = Omit<HostAnswer, 'type' | 'requestId'>;

/** The runs with each one's detail spliced in (the overview's records outside the window, the detail's inside). */
export function withDetail(runs: readonly RunSeries[], details: ReadonlyMap<string, TrainDetail>): RunSeries[] {
  if (details.size === 0) return runs.slice();
  return runs.map((run) => {
    const d = details.get(run.runId);
    if (!d || !run.trainReduction || d.train.length === 0) return run;
    const first = d.train[0].step;
    const last = d.train[d.train.length - 1].step;
    let lo = 0;
    while (lo < run.train.length && run.train[lo].step < first) lo++;
    let hi = lo;
    while (hi < run.train.length && run.train[hi].step <= last) hi++;
    const train = [...run.train.slice(0, lo), ...d.train, ...run.train.slice(hi)];
    const outer = run.trainReduction.smoothing;
    const inner = d.trainReduction?.smoothing;
    let smoothing: TrainSmoothing | undefined;
    if (outer && inner && outer.weight === inner.weight)
      smoothing = {
        weight: outer.weight,
        loss: [...outer.loss.slice(0, lo), ...inner.loss, ...outer.loss.slice(hi)],
        gradNorm: [...outer.gradNorm.slice(0, lo), ...inner.gradNorm, ...outer.gradNorm.slice(hi)],
      };
    return { ...run, train, trainReduction: { total: run.trainReduction.total, ...(smoothing ? { smoothing } : {}) } };
  });
}
