/**
 * The typed contract between the extension host and the plots webview (also used by the
 * self-contained HTML report of `hrnn report`, which inlines one snapshot). The webview imports
 * this file and nothing of the engine.
 *
 * Flow: the webview posts `ready`; the host answers with a full `snapshot`; while training it
 * sends batched partial updates (`append`, `runStatus`) at most ~10 Hz, nothing while the panel is
 * hidden, and a new full `snapshot` when it becomes visible again. On a `seq` gap the webview asks
 * for a snapshot (`requestSnapshot`).
 */
import type { EvalRecord, MetricRecord, ProbeRecord, RunSummary, TrainRecord } from './records';

/** Everything the panel knows about one run. */
export interface RunSeries {
  runId: string;
  /** Absolute run folder: the identity that survives reloads. */
  runDir: string;
  /** Short label for legends (experiment name, and sweep parameters when in a sweep). */
  label: string;
  /** Stable colour index, assigned by the host (same run, same colour). */
  colorIndex: number;
  summary: RunSummary;
  train: TrainRecord[];
  eval: EvalRecord[];
  probes: ProbeRecord[];
}

/** One point of "final metric against tau" for sweeps. */
export interface SweepPoint {
  runId: string;
  tau: number | null;
  label: string;
  metric: number | null;
  metricName: 'mse' | 'accuracy' | 'loss';
  colorIndex: number;
}

export interface PanelSettings {
  /** Maximum updates per second the host sends. */
  updateHz: number;
  /** Decimation threshold: beyond this many points a line is decimated (min-max / LTTB). */
  maxPointsPerLine: number;
}

export type HostToWebview =
  | { type: 'snapshot'; seq: number; runs: RunSeries[]; sweep: SweepPoint[]; settings: PanelSettings; title: string }
  | { type: 'append'; seq: number; runId: string; records: MetricRecord[] }
  | { type: 'runStatus'; seq: number; runId: string; summary: RunSummary }
  | { type: 'addRun'; seq: number; run: RunSeries }
  | { type: 'removeRun'; seq: number; runId: string };

/** What each chart currently draws: for tests that compare counts with metrics.jsonl. */
export type ChartDataReport = Record<string, Array<{ label: string; points: number; runId?: string }>>;

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'requestSnapshot' }
  /** Save a file the webview produced (CSV text, or PNG as base64 data). */
  | { type: 'saveFile'; format: 'csv' | 'png'; suggestedName: string; data: string }
  | { type: 'openRunFolder'; runId: string }
  /** Answer to `requestChartData` (tests and diagnostics read what is drawn). */
  | { type: 'chartDataReport'; requestId: number; charts: ChartDataReport }
  | { type: 'rendered'; charts: ChartDataReport }
  | { type: 'error'; message: string };

/** Host -> webview request for what is drawn (separate so tests can await the answer). */
export type HostRequest = { type: 'requestChartData'; requestId: number };

export type HostMessage = HostToWebview | HostRequest;
