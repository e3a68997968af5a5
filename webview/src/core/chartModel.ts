/**
 * Turns the panel data and the view options into chart specifications: which lines each chart
 * draws, at full resolution, smoothed where smoothing applies. Pure (no DOM, no Chart.js), so the
 * counts the host's tests rely on (see `SeriesReport` in src/protocol/webview.ts) are unit-tested
 * here. Decimation happens later, in the view, because it depends on the zoom window.
 */
import type { ProbeRecord } from '../../../src/protocol/records';
import type { ChartDataReport, ChartId, RunSeries, SeriesKind, SweepPoint } from '../../../src/protocol/webview';
import { chooseAxisScale } from './axisScale';
import { energyDriftChart } from './energyDriftChart';
import { runColor } from './palette';
import type { PanelData } from './panelState';
import { debiasedEma } from './smoothing';
import type { ViewOptions } from './viewOptions';

export interface SeriesSpec {
  /** Unique within its chart. */
  key: string;
  label: string;
  /** Legend entry this line belongs to: one per run (all its lines) or per sweep. */
  group: string;
  groupLabel: string;
  runId?: string;
  series: SeriesKind;
  color: string;
  /** Canvas line dash ([] = solid). */
  dash: number[];
  xs: number[];
  /** Raw values; NaN where the record had no finite value. */
  ys: number[];
  /** Smoothed values (same length), present only when smoothing applies to this line. */
  smoothed?: number[];
  /** The EMA weight `smoothed` was computed with. */
  smoothingWeight?: number;
  /** Points of the full series when `xs`/`ys` hold a reduction of it (a long run): what `points` reports. */
  total?: number;
  probeStep?: number;
  /** Values <= 0 that a log axis cannot draw (shown as gaps, and said in the legend). */
  nonPositive: number;
  /** Draw a marker at every point (sparse lines: evaluations, sweeps). */
  markers: boolean;
  /** Per-point colours (sweep points take their run's colour). */
  pointColors?: string[];
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  subtitle: string;
  xTitle: string;
  yTitle: string;
  /** Column name of x in CSV exports. */
  xName: string;
  xScale: 'linear' | 'logarithmic';
  yScale: 'linear' | 'logarithmic';
  xFormat: 'number' | 'duration';
  yFormat: 'number' | 'percent';
  /** Range the x axis should at least show (room around sparse points), when set. */
  xSuggested?: { min: number; max: number };
  series: SeriesSpec[];
}

const SPLIT_DASH: Record<'train' | 'validation' | 'test', number[]> = { train: [], validation: [6, 3], test: [2, 3] };
const SECOND_LINE_DASH = [6, 3];

export function buildCharts(data: PanelData, view: ViewOptions): ChartSpec[] {
  const hidden = new Set(view.hiddenRuns);
  const runs = data.runs.filter((r) => !hidden.has(r.runId));
  const charts: ChartSpec[] = [
    lossChart(runs, view),
    evalMetricChart(runs, view, 'accuracy'),
    evalMetricChart(runs, view, 'mse'),
    gradNormChart(runs, view),
    gradientChart(runs, view),
    energyChart(runs, view),
    stateNormChart(runs, view),
    sweepChart(
      data.sweep.filter((p) => !hidden.has(p.runId)),
      view,
    ),
    energyDriftChart(runs, view),
  ];
  return charts.map((c) => ({ ...c, series: c.series.filter((s) => s.ys.length > 0) })).filter((c) => c.series.length > 0);
}

/** The per-chart, per-line counts of `chartDataReport` / `rendered`. */
export function chartReport(charts: readonly ChartSpec[], drawn?: ReadonlyMap<string, number>): ChartDataReport {
  const out: ChartDataReport = {};
  for (const c of charts) {
    out[c.id] = c.series.map((s) => {
      const entry: ChartDataReport[string][number] = { label: s.label, points: s.total ?? s.ys.length, series: s.series };
      if (s.runId !== undefined) entry.runId = s.runId;
      if (s.probeStep !== undefined) entry.probeStep = s.probeStep;
      const d = drawn?.get(`${c.id}/${s.key}`);
      if (d !== undefined) entry.drawn = d;
      return entry;
    });
  }
  return out;
}

/** Sorted, distinct probe steps of the given runs: the stops of the probe slider. */
export function probeSteps(runs: readonly RunSeries[]): number[] {
  const steps = new Set<number>();
  for (const r of runs) for (const p of r.probes) steps.add(p.step);
  return [...steps].sort((a, b) => a - b);
}

/** The probe at or before `step` (the earliest one if all are later); the latest when `step` is null. */
export function selectProbe(probes: readonly ProbeRecord[], step: number | null): ProbeRecord | undefined {
  if (probes.length === 0) return undefined;
  let latest = probes[0];
  for (const p of probes) if (p.step >= latest.step) latest = p;
  if (step === null) return latest;
  let best: ProbeRecord | undefined;
  for (const p of probes) if (p.step <= step && (!best || p.step > best.step)) best = p;
  if (best) return best;
  let earliest = probes[0];
  for (const p of probes) if (p.step < earliest.step) earliest = p;
  return earliest;
}

function timeAxis(view: ViewOptions): Pick<ChartSpec, 'xTitle' | 'xName' | 'xFormat'> {
  return view.xAxis === 'wallTime'
    ? { xTitle: 'wall time since start', xName: 'wall_time_s', xFormat: 'duration' }
    : { xTitle: 'training step', xName: 'step', xFormat: 'number' };
}

function xOf(rec: { step: number; wallMs: number }, view: ViewOptions): number {
  return view.xAxis === 'wallTime' ? rec.wallMs / 1000 : rec.step;
}

function finite(v: number | undefined | null): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

function countNonPositive(ys: readonly number[]): number {
  let n = 0;
  for (const y of ys) if (y <= 0) n++;
  return n;
}

/**
 * `hostSmoothed`: the host's smoothing of the full series at these points (a reduced long run);
 * used when it was made with the weight asked for, else the points held are smoothed here.
 */
function line(
  partial: Omit<SeriesSpec, 'nonPositive' | 'markers' | 'smoothed'> & { markers?: boolean },
  smoothing = 0,
  hostSmoothed?: { weight: number; values: number[] },
): SeriesSpec {
  const spec: SeriesSpec = { ...partial, markers: partial.markers ?? false, nonPositive: countNonPositive(partial.ys) };
  if (spec.total === undefined) delete spec.total;
  if (smoothing > 0) {
    const fromHost = hostSmoothed && hostSmoothed.weight === smoothing && hostSmoothed.values.length === partial.ys.length;
    spec.smoothed = fromHost ? hostSmoothed.values.slice() : debiasedEma(partial.ys, smoothing);
    spec.smoothingWeight = smoothing;
  }
  return spec;
}

/** The host's smoothed `field` of a reduced run, for `line`. */
function hostSmoothing(run: RunSeries, field: 'loss' | 'gradNorm'): { weight: number; values: number[] } | undefined {
  const s = run.trainReduction?.smoothing;
  return s ? { weight: s.weight, values: s[field] } : undefined;
}

function lossChart(runs: readonly RunSeries[], view: ViewOptions): ChartSpec {
  const series: SeriesSpec[] = [];
  for (const run of runs) {
    const color = runColor(run.colorIndex);
    series.push(
      line(
        {
          key: `${run.runId}:train`,
          label: `${run.label} · train`,
          group: run.runId,
          groupLabel: run.label,
          runId: run.runId,
          series: 'train',
          color,
          dash: SPLIT_DASH.train,
          xs: run.train.map((r) => xOf(r, view)),
          ys: run.train.map((r) => finite(r.loss)),
          total: run.trainReduction?.total,
        },
        view.smoothing,
        hostSmoothing(run, 'loss'),
      ),
    );
    for (const split of ['validation', 'test'] as const) {
      const recs = run.eval.filter((e) => e.split === split);
      series.push(
        line({
          key: `${run.runId}:${split}`,
          label: `${run.label} · ${split}`,
          group: run.runId,
          groupLabel: run.label,
          runId: run.runId,
          series: split,
          color,
          dash: SPLIT_DASH[split],
          xs: recs.map((r) => xOf(r, view)),
          ys: recs.map((r) => finite(r.loss)),
          markers: true,
        }),
      );
    }
  }
  return {
    id: 'loss',
    title: 'Loss',
    subtitle: `training batches (solid), validation (dashed), test (dotted)${view.logY ? ' · log scale' : ''}`,
    yTitle: 'loss',
    ...timeAxis(view),
    xScale: 'linear',
    yScale: view.logY ? 'logarithmic' : 'linear',
    yFormat: 'number',
    series,
  };
}

function evalMetricChart(runs: readonly RunSeries[], view: ViewOptions, metric: 'accuracy' | 'mse'): ChartSpec {
  const series: SeriesSpec[] = [];
  for (const run of runs) {
    for (const split of ['validation', 'test'] as const) {
      const recs = run.eval.filter((e) => e.split === split && e[metric] !== undefined);
      series.push(
        line({
          key: `${run.runId}:${split}`,
          label: `${run.label} · ${split}`,
          group: run.runId,
          groupLabel: run.label,
          runId: run.runId,
          series: split,
          color: runColor(run.colorIndex),
          dash: SPLIT_DASH[split],
          xs: recs.map((r) => xOf(r, view)),
          ys: recs.map((r) => finite(r[metric])),
          markers: true,
        }),
      );
    }
  }
  const isAcc = metric === 'accuracy';
  const logY = view.logY && !isAcc;
  return {
    id: metric,
    title: isAcc ? 'Accuracy' : 'Mean squared error',
    subtitle: isAcc
      ? 'on held-out data: validation (dashed), test (dotted)'
      : `on held-out data: validation (dashed), test (dotted)${logY ? ' · log scale' : ''}`,
    yTitle: isAcc ? 'accuracy' : 'MSE',
    ...timeAxis(view),
    xScale: 'linear',
    yScale: logY ? 'logarithmic' : 'linear',
    yFormat: isAcc ? 'percent' : 'number',
    series,
  };
}

function gradNormChart(runs: readonly RunSeries[], view: ViewOptions): ChartSpec {
  const series = runs.map((run) =>
    line(
      {
        key: `${run.runId}:train`,
        label: run.label,
        group: run.runId,
        groupLabel: run.label,
        runId: run.runId,
        series: 'train',
        color: runColor(run.colorIndex),
        dash: [],
        xs: run.train.map((r) => xOf(r, view)),
        ys: run.train.map((r) => finite(r.gradNorm)),
        total: run.trainReduction?.total,
      },
      view.smoothing,
      hostSmoothing(run, 'gradNorm'),
    ),
  );
  return {
    id: 'gradNorm',
    title: 'Global gradient norm',
    subtitle: `‖∇L‖ over all parameters, before clipping${view.logY ? ' · log scale' : ''}`,
    yTitle: '‖∇L‖',
    ...timeAxis(view),
    xScale: 'linear',
    yScale: view.logY ? 'logarithmic' : 'linear',
    yFormat: 'number',
    series,
  };
}

/** Time steps 1..T of a probe array (index i is step i + 1, see ProbeRecord). */
function timeSteps(n: number): number[] {
  const xs = new Array<number>(n);
  for (let i = 0; i < n; i++) xs[i] = i + 1;
  return xs;
}

export function probeLines(
  runs: readonly RunSeries[],
  view: ViewOptions,
  pick: (p: ProbeRecord) => Array<{ series: SeriesKind; values: number[] | undefined; suffix: string; dash: number[] }>,
  labelStep: boolean,
): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  for (const run of runs) {
    const probe = selectProbe(run.probes, view.probeStep);
    if (!probe) continue;
    for (const part of pick(probe)) {
      if (!part.values) continue;
      out.push(
        line({
          key: `${run.runId}:${part.series}`,
          label: `${run.label}${part.suffix}${labelStep ? ` (step ${probe.step})` : ''}`,
          group: run.runId,
          groupLabel: `${run.label}${labelStep ? ` (step ${probe.step})` : ''}`,
          runId: run.runId,
          series: part.series,
          color: runColor(run.colorIndex),
          dash: part.dash,
          xs: timeSteps(part.values.length),
          ys: part.values.map(finite),
          probeStep: probe.step,
        }),
      );
    }
  }
  return out;
}

export function probeSubtitle(view: ViewOptions, runs: readonly RunSeries[]): string {
  const steps = new Set<number>();
  for (const r of runs) {
    const p = selectProbe(r.probes, view.probeStep);
    if (p) steps.add(p.step);
  }
  const which = steps.size === 1 ? `probe at step ${[...steps][0]}` : 'latest probe of each run';
  return view.probeStep === null ? which : which.replace('latest', 'selected');
}

function gradientChart(runs: readonly RunSeries[], view: ViewOptions): ChartSpec {
  return {
    id: 'gradientOverTime',
    title: 'Hidden-state gradient ‖∂L/∂yₖ‖',
    subtitle: `${probeSubtitle(view, runs)} · log scale · flat = neither vanishing nor exploding`,
    xTitle: 'time step k',
    xName: 'k',
    yTitle: '‖∂L/∂yₖ‖',
    xScale: 'linear',
    yScale: 'logarithmic',
    xFormat: 'number',
    yFormat: 'number',
    series: probeLines(runs, view, (p) => [{ series: 'gradient', values: p.gradientOverTime, suffix: '', dash: [] }], true),
  };
}

function energyChart(runs: readonly RunSeries[], view: ViewOptions): ChartSpec {
  return {
    id: 'energy',
    title: 'Energy Hₙ and modified energy H̃ₙ',
    subtitle: `${probeSubtitle(view, runs)} · mean over the probe batch · H (solid), H̃ (dashed)`,
    xTitle: 'time step n',
    xName: 'n',
    yTitle: 'energy',
    xScale: 'linear',
    yScale: 'linear',
    xFormat: 'number',
    yFormat: 'number',
    series: probeLines(
      runs,
      view,
      (p) => [
        { series: 'energy', values: p.energy, suffix: ' · H', dash: [] },
        { series: 'modifiedEnergy', values: p.modifiedEnergy, suffix: ' · H̃', dash: SECOND_LINE_DASH },
      ],
      false,
    ),
  };
}

function stateNormChart(runs: readonly RunSeries[], view: ViewOptions): ChartSpec {
  return {
    id: 'stateNorm',
    title: 'Hidden-state norms ‖yₙ‖, ‖zₙ‖',
    subtitle: `${probeSubtitle(view, runs)} · mean over the probe batch · ‖y‖ (solid), ‖z‖ (dashed)${view.logY ? ' · log scale' : ''}`,
    xTitle: 'time step n',
    xName: 'n',
    yTitle: 'norm',
    xScale: 'linear',
    yScale: view.logY ? 'logarithmic' : 'linear',
    xFormat: 'number',
    yFormat: 'number',
    series: probeLines(
      runs,
      view,
      (p) => [
        { series: 'stateNorm', values: p.stateNorm, suffix: ' · ‖y‖', dash: [] },
        { series: 'momentumNorm', values: p.momentumNorm, suffix: ' · ‖z‖', dash: SECOND_LINE_DASH },
      ],
      false,
    ),
  };
}

const METRIC_TITLE: Record<SweepPoint['metricName'], string> = { mse: 'MSE', accuracy: 'accuracy', loss: 'loss' };

function sweepChart(points: readonly SweepPoint[], view: ViewOptions): ChartSpec {
  const bySweep = new Map<string, SweepPoint[]>();
  for (const p of points) {
    const id = p.sweepId ?? 'sweep';
    let list = bySweep.get(id);
    if (!list) bySweep.set(id, (list = []));
    list.push(p);
  }
  const metricNames = new Set(points.map((p) => p.metricName));
  const metricName = metricNames.size === 1 ? [...metricNames][0] : undefined;
  const series: SeriesSpec[] = [];
  for (const [id, list] of bySweep) {
    const known = list.filter((p): p is SweepPoint & { tau: number; metric: number } => p.tau !== null && p.metric !== null).sort((a, b) => a.tau - b.tau);
    const names = [...new Set(list.map((p) => METRIC_TITLE[p.metricName]))].join(' / ');
    const name = list.find((p) => p.sweepName)?.sweepName ?? id;
    series.push(
      line({
        key: `sweep:${id}`,
        label: `${name} · ${names}`,
        group: `sweep:${id}`,
        groupLabel: `${name} · ${names}`,
        series: 'sweep',
        color: runColor(known[0]?.colorIndex ?? 0),
        dash: [],
        xs: known.map((p) => p.tau),
        ys: known.map((p) => finite(p.metric)),
        markers: true,
        pointColors: known.map((p) => runColor(p.colorIndex)),
      }),
    );
  }
  const isAcc = metricName === 'accuracy';
  // Log y also when the metrics span decades (MSE from 0.16 down to 5e-4): linear would put the best runs on 0.
  const logY = !isAcc && (view.logY || chooseAxisScale(series.flatMap((s) => s.ys)) === 'logarithmic');
  const taus = series.flatMap((s) => s.xs).filter((t) => t > 0);
  return {
    id: 'sweep',
    // Half a step of a factor-3 grid on each side, so the end points are not on the frame.
    ...(taus.length ? { xSuggested: { min: Math.min(...taus) / 1.7, max: Math.max(...taus) * 1.7 } } : {}),
    title: 'Final metric against τ',
    subtitle: `each run's ${metricName ? METRIC_TITLE[metricName] : 'metric'} (test, at its best evaluation) · log τ${logY ? ' · log scale' : ''}`,
    xTitle: 'τ (step size)',
    xName: 'tau',
    yTitle: metricName ? `final ${METRIC_TITLE[metricName]}` : 'final metric',
    xScale: 'logarithmic',
    yScale: logY ? 'logarithmic' : 'linear',
    xFormat: 'number',
    yFormat: isAcc ? 'percent' : 'number',
    series,
  };
}
