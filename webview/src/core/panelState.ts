/**
 * The webview's copy of the host's data and the rules for applying host messages to it (see the
 * `seq` rules in src/protocol/webview.ts). Pure: no DOM, so it runs under mocha.
 */
import type { HostToWebview, PanelSettings, RunSeries, SweepPoint } from '../../../src/protocol/webview';
import { headlineMetric } from '../../../src/protocol/records';

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
    data.runs = msg.runs.slice();
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
        for (const rec of msg.records) {
          if (rec.type === 'train') run.train.push(rec);
          else if (rec.type === 'eval') run.eval.push(rec);
          else if (rec.type === 'probe') run.probes.push(rec);
          else continue;
          changed.add(rec.type);
        }
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
