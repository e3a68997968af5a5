/**
 * The webview's copy of the host's data and the rules for applying host messages to it (see the
 * `seq` rules in src/protocol/webview.ts). A live run's train records are shrunk again (min-max,
 * src/protocol/seriesReduction.ts) whenever they outgrow what the charts can draw, so the cost of an
 * update stays flat however long the run. Pure: no DOM, so it runs under mocha.
 */
import type { HostToWebview, PanelSettings, RunSeries, SweepPoint, TrainSmoothing } from '../../../src/protocol/webview';
import { unpackRun } from '../../../src/protocol/packedTrain';
import { headlineMetric } from '../../../src/protocol/records';
import { bucketsFor, minMaxIndices, pick, shouldReduce } from '../../../src/protocol/seriesReduction';
import { debiasedEma } from '../../../src/protocol/smoothing';

export const DEFAULT_SETTINGS: PanelSettings = { updateHz: 10, maxPointsPerLine: 2000 };

export interface PanelData {
  title: string;
  settings: PanelSettings;
  /** In display order (the host's order). */
  runs: RunSeries[];
  sweep: SweepPoint[];
  /** `seq` of the last message applied; null before the first snapshot. */
  seq: number | null;
  /** A gap was seen: partial messages are dropped until the next snapshot. */
  awaitingSnapshot: boolean;
}

/** Which kinds of data a message changed: the charts that depend on them redraw. */
export type DataPart = 'train' | 'eval' | 'probe' | 'runs' | 'sweep';

export interface ApplyOutcome {
  applied: boolean;
  /** The message was a snapshot (the app posts `rendered` after its first draw). */
  snapshot: boolean;
  /** Post `requestSnapshot` now (only on the first gap while not already waiting). */
  requestSnapshot: boolean;
  changed: Set<DataPart>;
  /** Why a message was not applied (for diagnostics). */
  ignoredBecause?: 'beforeSnapshot' | 'stale' | 'gap' | 'awaitingSnapshot';
}

export function emptyPanelData(): PanelData {
  return { title: '', settings: { ...DEFAULT_SETTINGS }, runs: [], sweep: [], seq: null, awaitingSnapshot: false };
}

/** Applies one host message to `data` in place. */
export function applyHostMessage(data: PanelData, msg: HostToWebview): ApplyOutcome {
  const changed = new Set<DataPart>();
  if (msg.type === 'snapshot') {
    data.title = msg.title;
    data.settings = { ...DEFAULT_SETTINGS, ...msg.settings };
    // Train records may come as typed columns (the host's wire form for long runs).
    data.runs = msg.runs.map(unpackRun);
    data.sweep = msg.sweep.slice();
    data.seq = msg.seq;
    data.awaitingSnapshot = false;
    for (const part of ['train', 'eval', 'probe', 'runs', 'sweep'] as const) changed.add(part);
    return { applied: true, snapshot: true, requestSnapshot: false, changed };
  }
  if (data.seq === null) return ignored('beforeSnapshot', false);
  if (data.awaitingSnapshot) return ignored('awaitingSnapshot', false);
  if (msg.seq <= data.seq) return ignored('stale', false);
  if (msg.seq > data.seq + 1) {
    data.awaitingSnapshot = true;
    return ignored('gap', true);
  }
  data.seq = msg.seq;
  switch (msg.type) {
    case 'append': {
      const run = data.runs.find((r) => r.runId === msg.runId);
      if (run) {
        const trainBefore = run.train.length;
        for (const rec of msg.records) {
          if (rec.type === 'train') run.train.push(rec);
          else if (rec.type === 'eval') run.eval.push(rec);
          else if (rec.type === 'probe') run.probes.push(rec);
          else continue;
          changed.add(rec.type);
        }
        if (run.train.length > trainBefore) appendedTrain(run, run.train.length - trainBefore, msg.trainSmoothing, bucketsFor(data.settings.maxPointsPerLine));
      }
      break;
    }
    case 'runStatus': {
      const run = data.runs.find((r) => r.runId === msg.runId);
      if (run) {
        run.summary = msg.summary;
        changed.add('runs');
      }
      const point = data.sweep.find((p) => p.runId === msg.runId);
      if (point) {
        const headline = headlineMetric(msg.summary);
        point.metric = headline ? headline.value : null;
        if (headline) point.metricName = headline.name;
        const tau = msg.summary.tags?.tau;
        if (tau !== undefined) point.tau = tau;
        changed.add('sweep');
      }
      break;
    }
  }
  return { applied: true, snapshot: false, requestSnapshot: false, changed };

  function ignored(reason: NonNullable<ApplyOutcome['ignoredBecause']>, request: boolean): ApplyOutcome {
    return { applied: false, snapshot: false, requestSnapshot: request, changed, ignoredBecause: reason };
  }
}

/**
 * Keeps `trainReduction` true after `added` train records were appended: the total grows, the
 * host's smoothed values follow (dropped when they do not fit: the charts then smooth locally until
 * the next snapshot), and the series is shrunk to `buckets` when it outgrew them.
 */
export function appendedTrain(run: RunSeries, added: number, smoothing: TrainSmoothing | undefined, buckets: number): void {
  const reduction = run.trainReduction;
  if (reduction) {
    reduction.total += added;
    const s = reduction.smoothing;
    if (s) {
      if (smoothing && smoothing.weight === s.weight && smoothing.loss.length === added && smoothing.gradNorm.length === added) {
        s.loss.push(...smoothing.loss);
        s.gradNorm.push(...smoothing.gradNorm);
      } else reduction.smoothing = undefined;
    }
  }
  if (shouldReduce(run.train.length, buckets)) shrinkTrain(run, buckets, smoothing?.weight ?? 0);
}

/**
 * Reduces `run.train` to `buckets` min-max buckets. A series held whole is smoothed first (with
 * `weight`, the host's weight), so the smoothed line stays that of the full series.
 */
export function shrinkTrain(run: RunSeries, buckets: number, weight: number): void {
  const xs = run.train.map((r) => r.step);
  const loss = run.train.map((r) => finiteOrNaN(r.loss));
  const gradNorm = run.train.map((r) => finiteOrNaN(r.gradNorm));
  const total = run.trainReduction?.total ?? run.train.length;
  let smoothing = run.trainReduction ? run.trainReduction.smoothing : undefined;
  if (!run.trainReduction && weight > 0) smoothing = { weight, loss: debiasedEma(loss, weight), gradNorm: debiasedEma(gradNorm, weight) };
  const keep = minMaxIndices(xs, [loss, gradNorm], buckets);
  run.train = pick(run.train, keep);
  run.trainReduction = { total };
  if (smoothing) run.trainReduction.smoothing = { weight: smoothing.weight, loss: pick(smoothing.loss, keep), gradNorm: pick(smoothing.gradNorm, keep) };
}

function finiteOrNaN(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}
