/**
 * "Final metric against any hyperparameter" as data: for a chosen numeric parameter and metric
 * column, one line per combination of the other parameters, with the mean over seeds at each
 * value and the min-max band, and the axis types that suit the values (core/axisScale.ts). Pure:
 * no DOM, so it runs under mocha.
 */
import { chooseAxisScale } from './axisScale';
import { metricValue, parameterPaths, type TableRun } from './experimentsTable';
import { isSeedPath, seedlessKey, statOf, type Stat } from './seedGroups';
import type { RunSummary } from '../../../src/protocol/records';

/** The metrics a run can be plotted by, as in the table's metric columns. */
export const PLOTTABLE_METRICS: ReadonlyArray<{ id: string; title: string; pick(s: RunSummary): ReturnType<typeof metricValue> }> = [
  { id: 'testAtBest', title: 'test @ best', pick: (s) => metricValue(s.best?.test) },
  { id: 'bestValidation', title: 'best validation', pick: (s) => metricValue(s.best ?? undefined) },
  { id: 'finalValidation', title: 'final validation', pick: (s) => metricValue(s.final?.validation) },
  { id: 'finalTest', title: 'final test', pick: (s) => metricValue(s.final?.test) },
];

export interface ParameterPoint {
  x: number;
  stat: Stat;
  runIds: string[];
}

export interface ParameterLine {
  key: string;
  /** The other parameters this line holds fixed ("model.kind=tanh-rnn"), empty when none. */
  label: string;
  colorIndex: number;
  /** Ascending in x. */
  points: ParameterPoint[];
}

export interface MetricVsParameter {
  lines: ParameterLine[];
  /** Every run's own value (drawn faint behind the means). */
  runs: Array<{ runId: string; x: number; y: number; colorIndex: number }>;
  metricName: 'accuracy' | 'mse' | 'loss' | null;
  xScale: 'linear' | 'logarithmic';
  yScale: 'linear' | 'logarithmic';
}

/**
 * The metric `metricId` against parameter `xPath`: runs without a numeric value of either are left
 * out; runs that differ only in seed (and in x) share a line; runs at the same x on a line are
 * averaged (mean, min, max).
 */
export function metricVsParameter(runs: readonly TableRun[], xPath: string, metricId: string): MetricVsParameter {
  const metric = PLOTTABLE_METRICS.find((m) => m.id === metricId) ?? PLOTTABLE_METRICS[0];
  const otherPaths = parameterPaths(runs).filter((p) => p !== xPath && !isSeedPath(p));
  const lines = new Map<string, { line: ParameterLine; byX: Map<number, { values: number[]; runIds: string[] }> }>();
  const points: MetricVsParameter['runs'] = [];
  let metricName: MetricVsParameter['metricName'] = null;
  for (const run of runs) {
    const x = run.parameters?.[xPath];
    const m = metric.pick(run.summary);
    if (typeof x !== 'number' || !Number.isFinite(x) || !m || !Number.isFinite(m.value)) continue;
    metricName ??= m.name;
    points.push({ runId: run.runId, x, y: m.value, colorIndex: run.colorIndex });
    const key = seedlessKey(run.parameters, (p) => p === xPath) ?? run.runId;
    let entry = lines.get(key);
    if (!entry) {
      const label = otherPaths
        .filter((p) => run.parameters && p in run.parameters)
        .map((p) => `${p}=${String(run.parameters?.[p])}`)
        .join(', ');
      entry = { line: { key, label, colorIndex: run.colorIndex, points: [] }, byX: new Map() };
      lines.set(key, entry);
    }
    const at = entry.byX.get(x) ?? { values: [], runIds: [] };
    at.values.push(m.value);
    at.runIds.push(run.runId);
    entry.byX.set(x, at);
  }
  const out: ParameterLine[] = [];
  for (const { line, byX } of lines.values()) {
    for (const [x, at] of [...byX].sort((a, b) => a[0] - b[0])) {
      const stat = statOf(at.values);
      if (stat) line.points.push({ x, stat, runIds: at.runIds });
    }
    out.push(line);
  }
  return {
    lines: out,
    runs: points,
    metricName,
    xScale: chooseAxisScale(points.map((p) => p.x)),
    yScale: chooseAxisScale(points.map((p) => p.y)),
  };
}
