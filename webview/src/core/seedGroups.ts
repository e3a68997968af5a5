/**
 * Which runs differ only in their seed, and the mean and min-max band of such a group: of a
 * number (a final metric) or of a curve (a metric over steps, aligned by step). The experiments
 * table shows a group as one line; the metric-against-parameter chart and the seed-group chart draw
 * its mean with a band. Pure: no DOM, so it runs under mocha.
 */
import type { ParameterValue } from '../../../src/protocol/webview';

/** A parameter that only picks the random numbers: `seed`, or any `*.seed`. */
export function isSeedPath(path: string): boolean {
  return path === 'seed' || path.endsWith('.seed');
}

export interface GroupableRun {
  runId: string;
  parameters?: Readonly<Record<string, ParameterValue>>;
}

export interface SeedGroup<R extends GroupableRun> {
  /** Stable id: the first member's run id for a single run, `seeds:` and the shared parameters for a group. */
  id: string;
  runs: R[];
}

/** The parameters of a run that are not seeds, as one comparable text; null when unknown. */
export function seedlessKey(
  parameters: Readonly<Record<string, ParameterValue>> | undefined,
  leaveOut: (path: string) => boolean = () => false,
): string | null {
  if (!parameters) return null;
  const entries = Object.entries(parameters)
    .filter(([p]) => !isSeedPath(p) && !leaveOut(p))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/**
 * Groups runs whose parameters are equal except for seeds, in the order of each group's first run.
 * Runs without known parameters stay alone (nothing says what they share).
 */
export function groupBySeed<R extends GroupableRun>(runs: readonly R[]): SeedGroup<R>[] {
  const groups: SeedGroup<R>[] = [];
  const byKey = new Map<string, SeedGroup<R>>();
  for (const run of runs) {
    const key = seedlessKey(run.parameters);
    const existing = key === null ? undefined : byKey.get(key);
    if (existing) {
      existing.runs.push(run);
      existing.id = `seeds:${key}`;
      continue;
    }
    const group: SeedGroup<R> = { id: run.runId, runs: [run] };
    groups.push(group);
    if (key !== null) byKey.set(key, group);
  }
  return groups;
}

export interface Stat {
  mean: number;
  min: number;
  max: number;
  /** How many finite values went in. */
  n: number;
}

/** Mean, min and max of the finite values; null when there are none. */
export function statOf(values: ReadonlyArray<number | null | undefined>): Stat | null {
  let sum = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    sum += v;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return n === 0 ? null : { mean: sum / n, min, max, n };
}

export interface Curve {
  xs: readonly number[];
  ys: readonly number[];
}

export interface BandCurve {
  xs: number[];
  mean: number[];
  min: number[];
  max: number[];
}

/**
 * Mean and min-max band of several curves at the steps every curve has a finite value at (a
 * member still running, or one that logged less often, does not drag the mean by dropping out
 * half way). Steps ascending.
 */
export function bandOf(curves: readonly Curve[]): BandCurve {
  const out: BandCurve = { xs: [], mean: [], min: [], max: [] };
  if (curves.length === 0) return out;
  const maps = curves.map((c) => {
    const m = new Map<number, number>();
    c.xs.forEach((x, i) => {
      const y = c.ys[i];
      if (Number.isFinite(y)) m.set(x, y);
    });
    return m;
  });
  const common = [...maps[0].keys()].filter((x) => maps.every((m) => m.has(x))).sort((a, b) => a - b);
  for (const x of common) {
    const s = statOf(maps.map((m) => m.get(x)));
    if (!s) continue;
    out.xs.push(x);
    out.mean.push(s.mean);
    out.min.push(s.min);
    out.max.push(s.max);
  }
  return out;
}

/** What `groupEvalBands` needs of a run. */
export interface RunWithEvals extends GroupableRun {
  colorIndex: number;
  label: string;
  eval: ReadonlyArray<{ step: number; split: string; loss: number; accuracy?: number; mse?: number }>;
}

export interface GroupBand {
  id: string;
  label: string;
  colorIndex: number;
  runIds: string[];
  metricName: 'accuracy' | 'mse' | 'loss';
  split: 'validation' | 'test';
  band: BandCurve;
}

/**
 * For every group of at least two runs that differ only in seed: its held-out metric over steps
 * (validation where the runs have it, else test; accuracy, else MSE, else loss) as mean and
 * min-max band. `label` names the group (e.g. by its first run's label).
 */
export function groupEvalBands<R extends RunWithEvals>(runs: readonly R[], label: (group: SeedGroup<R>) => string): GroupBand[] {
  const out: GroupBand[] = [];
  for (const g of groupBySeed(runs)) {
    if (g.runs.length < 2) continue;
    const split = g.runs.every((r) => r.eval.some((e) => e.split === 'validation')) ? 'validation' : 'test';
    const evals = g.runs.map((r) => r.eval.filter((e) => e.split === split));
    const metricName = evals.every((list) => list.some((e) => e.accuracy !== undefined))
      ? 'accuracy'
      : evals.every((list) => list.some((e) => e.mse !== undefined))
        ? 'mse'
        : 'loss';
    const band = bandOf(evals.map((list) => ({ xs: list.map((e) => e.step), ys: list.map((e) => e[metricName] ?? NaN) })));
    if (band.xs.length === 0) continue;
    out.push({ id: g.id, label: label(g), colorIndex: g.runs[0].colorIndex, runIds: g.runs.map((r) => r.runId), metricName, split, band });
  }
  return out;
}
