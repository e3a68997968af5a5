/**
 * The typed contract between the extension host and the plots webview (also used by the
 * self-contained HTML report of `hrnn report`, which inlines one snapshot). The webview imports
 * this file and nothing of the engine.
 *
 * Flow: the webview posts `ready`; the host answers with a full `snapshot`; while training it
 * sends batched partial updates (`append`, `runStatus`) at most ~10 Hz, nothing while the panel is
 * hidden, and a new full `snapshot` when it becomes visible again or its set of runs changes.
 *
 * Sequence numbers: `seq` is one counter per panel, incremented by the host for every
 * `HostToWebview` message it posts. A snapshot carries the counter's current value and resets the
 * webview's expectation: the next partial message must carry `snapshot.seq + 1`, the one after
 * `+ 2`, and so on. A partial message with `seq <= last` is a stale duplicate and is ignored; one
 * with `seq > last + 1` is a gap: the webview drops it (and every partial message after it), posts
 * `requestSnapshot` once, and waits for the snapshot. Partial messages before the first snapshot
 * are ignored. `requestChartData` carries no `seq`.
 *
 * Host HTML: use `buildWebviewHtml` below (or the same structure): the stylesheet
 * `media/webview/plots.css`, the script `media/webview/plots.js` with a nonce. The bundle needs no
 * inline scripts, no eval and no inline style attributes: the strict CSP it is tested under (in
 * headless Chromium, no violation reported) is
 *   default-src 'none'; script-src 'nonce-N'; style-src <cspSource>; img-src <cspSource> data:;
 * Chart.js sets canvas sizes through the CSSOM (`element.style.x = ...`), which CSP allows, so
 * `'unsafe-inline'` in `style-src` is not needed (harmless if the host adds it).
 *
 * Changes since the first version:
 * - `ChartDataReport` entries gained optional `series`, `drawn` and `probeStep`; the chart ids and
 *   exactly what `points` counts are defined by `CHART_IDS` and the comment on `SeriesReport`.
 * - `addRun` / `removeRun` were removed: no host ever sent them (a changed set of runs goes out as a
 *   new `snapshot`).
 * - `SweepPoint` gained optional `sweepId` / `sweepName` (several sweeps in one panel).
 * - `REPORT_DATA_ELEMENT_ID` / `ReportPayload`: how the HTML report inlines its snapshot.
 * - `buildWebviewHtml` / `webviewCsp`: the HTML skeleton and CSP the bundle is tested with.
 * - The `seq` rules above were made precise.
 * - `RunSeries` gained optional `parameters` (the experiments table): the hyperparameters in which
 *   the snapshot's runs differ.
 * - Long runs (issue 12): `RunSeries.trainReduction` (the host sends a min-max reduction of the train
 *   records, smoothed on the full series first), `append.trainSmoothing`, `ready.smoothing` and
 *   `viewOptions` (the webview tells the host its smoothing weight).
 * - Snapshots carry a run's train records as typed columns (`RunSeries.packedTrain`,
 *   src/protocol/packedTrain.ts), which VS Code moves as binary; the webview unpacks them.
 * - `rendered` gained optional `timing` (RenderTiming): where the first draw's time went; `ready`
 *   optional `loading` (PageLoading): when the page started and its script ran.
 * - Detail on zoom (issue 12): `requestDetail` (the webview asks for a step window of a reduced run
 *   at its pixel width once zoom or pan settles) and its answer `detail` (`HostAnswer`, no `seq`).
 */
import type { PackedTrain } from './packedTrain';
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
  /**
   * The hyperparameters of the run's resolved experiment (dotted paths such as `model.tau`, arrays
   * as JSON text) in which the runs of this snapshot differ; the same paths for every run (a path a
   * run lacks is left out of its record). Absent when the run folder has no readable experiment.
   */
  parameters?: Record<string, ParameterValue>;
  /**
   * Present when `train` is a reduction of the run's train records (a long run): min-max per
   * bucket of loss and gradNorm (src/protocol/seriesReduction.ts), first and last kept. Absent:
   * `train` holds every record.
   */
  trainReduction?: TrainReduction;
  /**
   * Only on the wire (src/protocol/packedTrain.ts): `train` (and `trainReduction.smoothing`'s
   * lines) as typed columns, which VS Code moves as binary. Then `train` is empty; the webview
   * unpacks it on receipt.
   */
  packedTrain?: PackedTrain;
}

/** EMA-smoothed loss and gradNorm, one value per train record they go with. */
export interface TrainSmoothing {
  /** The weight they were smoothed with (src/protocol/smoothing.ts). */
  weight: number;
  loss: number[];
  gradNorm: number[];
}

export interface TrainReduction {
  /** How many train records the run has: what the charts report as `points`. */
  total: number;
  /** Smoothed on the full series before reducing, at the records of `train`; absent when smoothing is off. */
  smoothing?: TrainSmoothing;
}

/** One hyperparameter value of a resolved experiment. */
export type ParameterValue = number | string | boolean | null;

/** One point of "final metric against tau" for sweeps. */
export interface SweepPoint {
  runId: string;
  tau: number | null;
  label: string;
  metric: number | null;
  metricName: 'mse' | 'accuracy' | 'loss';
  colorIndex: number;
  /** Which sweep the point belongs to (a panel may show several). Absent: one unnamed sweep. */
  sweepId?: string;
  /** Display name of that sweep (legend of the tau chart). Absent: `sweepId`. */
  sweepName?: string;
}

export interface PanelSettings {
  /** Maximum updates per second the host sends. */
  updateHz: number;
  /** Decimation threshold: beyond this many points a line is decimated (min-max, after smoothing). */
  maxPointsPerLine: number;
}

export type HostToWebview =
  | { type: 'snapshot'; seq: number; runs: RunSeries[]; sweep: SweepPoint[]; settings: PanelSettings; title: string }
  /** `trainSmoothing`: the train records of `records` smoothed on the host's full series (when smoothing is on). */
  | { type: 'append'; seq: number; runId: string; records: MetricRecord[]; trainSmoothing?: TrainSmoothing }
  | { type: 'runStatus'; seq: number; runId: string; summary: RunSummary };

/** The charts of the panel, in display order. */
export const CHART_IDS = ['loss', 'accuracy', 'mse', 'gradNorm', 'gradientOverTime', 'energy', 'stateNorm', 'sweep'] as const;
/**
 * Charts drawn only when a run recorded their data, after the main ones: the free-run energy drift
 * (`ProbeRecord.freeRun`, issue 11).
 */
export const OPTIONAL_CHART_IDS = ['energyDrift'] as const;
/** Every chart in display order. */
export const ALL_CHART_IDS = [...CHART_IDS, ...OPTIONAL_CHART_IDS] as const;
export type ChartId = (typeof ALL_CHART_IDS)[number];

/** Which line of a run a series is. */
export type SeriesKind =
  | 'train'
  | 'validation'
  | 'test'
  /** ||dL/dy_k|| of one probe. */
  | 'gradient'
  /** H_n and the modified energy H~_n. */
  | 'energy'
  | 'modifiedEnergy'
  /** ||y_n|| and ||z_n||. */
  | 'stateNorm'
  | 'momentumNorm'
  /** Final metric against tau, one series per sweep. */
  | 'sweep'
  /** Free-run relative energy errors: symplectic Euler's H and H~, forward Euler's H. */
  | 'symplecticEnergyError'
  | 'symplecticModifiedEnergyError'
  | 'eulerEnergyError';

/**
 * One line of one chart. `points` is the number of values handed to the chart for that line
 * BEFORE decimation (non-finite values, and values <= 0 on a log axis, are counted but drawn as
 * gaps). Per chart id:
 * - `loss`: per run, series `train` = number of `train` records; series `validation` / `test` =
 *   number of `eval` records of that split.
 * - `accuracy` / `mse`: per run and split, the number of `eval` records of that split that carry
 *   the field (`accuracy` resp. `mse`).
 * - `gradNorm`: per run, series `train` = number of `train` records.
 * - `gradientOverTime`: per run, series `gradient` = length of `gradientOverTime` of the selected
 *   probe (the latest one unless the user moved the probe slider; `probeStep` says which).
 * - `energy`: per run, `energy` = length of `energy`, `modifiedEnergy` = length of `modifiedEnergy`
 *   of the selected probe (Hamiltonian runs only).
 * - `stateNorm`: per run, `stateNorm` = length of `stateNorm`, `momentumNorm` = length of
 *   `momentumNorm` of the selected probe.
 * - `sweep`: one series per sweep (no `runId`): the number of sweep points whose tau and metric
 *   are both known.
 * A series with 0 points is left out, a chart with no series is not shown and not reported, and
 * runs the user hid (run table checkboxes) are left out. Smoothing does not add entries: the faint
 * raw line drawn behind a smoothed one belongs to the same entry.
 */
export interface SeriesReport {
  /** The legend text. */
  label: string;
  points: number;
  runId?: string;
  series?: SeriesKind;
  /** Points actually on the canvas after decimation (<= points). */
  drawn?: number;
  /** For probe charts: the `step` of the probe drawn. */
  probeStep?: number;
}

/** What each chart currently draws, keyed by `ChartId`: for tests that compare counts with metrics.jsonl. */
export type ChartDataReport = Record<string, SeriesReport[]>;

export type WebviewToHost =
  /** `smoothing`: the webview's EMA weight, so the first snapshot comes smoothed with it. */
  | { type: 'ready'; smoothing?: number; loading?: PageLoading }
  /** The user changed what the host computes for long runs (the smoothing weight). */
  | { type: 'viewOptions'; smoothing: number }
  | { type: 'requestSnapshot' }
  /** The train records of a reduced run in a step window, reduced to `buckets` (about the chart's pixel width). */
  | { type: 'requestDetail'; requestId: number; runId: string; minStep: number; maxStep: number; buckets: number }
  /** Save a file the webview produced (CSV text, or PNG as base64 data without the `data:` prefix). */
  | { type: 'saveFile'; format: 'csv' | 'png'; suggestedName: string; data: string }
  | { type: 'openRunFolder'; runId: string }
  /** Answer to `requestChartData` (tests and diagnostics read what is drawn). */
  | { type: 'chartDataReport'; requestId: number; charts: ChartDataReport }
  /** Posted once after the first draw that follows each `snapshot`, when the frame with it was painted. */
  | { type: 'rendered'; charts: ChartDataReport; timing?: RenderTiming }
  | { type: 'error'; message: string };

/** When the webview's page started, its script ran and it was ready (epoch ms, as the host's Date.now()). */
export interface PageLoading {
  pageStartAt: number;
  scriptAt: number;
  readyAt: number;
  /** The page's resources (file name) and when each was requested and received. */
  resources?: Array<{ name: string; startAt: number; endAt: number }>;
}

/** Where the webview's time went between a snapshot's arrival and its `rendered` (ms, performance.now). */
export interface RenderTiming {
  /** Unpacking and applying the snapshot. */
  applyMs: number;
  /** Waiting for the animation frame the draw runs in. */
  frameWaitMs: number;
  /** Building the charts' specs and drawing every card. */
  drawMs: number;
  /** From the draw to the next frame (the browser painting it). */
  paintMs: number;
  /** When the snapshot arrived and when `rendered` was posted (epoch ms, as the host's Date.now()): the transit each way. */
  arrivedAt: number;
  renderedAt: number;
}

/** Host -> webview request for what is drawn (separate so tests can await the answer). */
export type HostRequest = { type: 'requestChartData'; requestId: number };

/**
 * The answer to `requestDetail`: the run's train records in [minStep, maxStep] (one beyond each
 * edge), min-max reduced to the buckets asked for, smoothed on the full series. Not sequenced: the
 * webview drops an answer for a window it no longer shows, or that a later snapshot replaced.
 */
export type HostAnswer = {
  type: 'detail';
  requestId: number;
  runId: string;
  minStep: number;
  maxStep: number;
  train: TrainRecord[];
  trainReduction?: TrainReduction;
};

export type HostMessage = HostToWebview | HostRequest | HostAnswer;

/**
 * The standalone HTML report (`hrnn report`) inlines its data as
 * `<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">ReportPayload</script>` (never
 * executed); without `acquireVsCodeApi` the bundle reads it and plays the host's part itself.
 */
export const REPORT_DATA_ELEMENT_ID = 'hrnn-report-data';

export interface ReportPayload {
  snapshot: Extract<HostToWebview, { type: 'snapshot' }>;
  /** ISO time the report was written. */
  generatedAt: string;
  /** e.g. `hrnn report 0.1.0`. */
  generator: string;
  /** Colour scheme; `auto` (default) follows the browser's prefers-color-scheme. */
  theme?: 'auto' | 'light' | 'dark';
}

/** The id of the element the webview app renders into (created if the HTML lacks it). */
export const WEBVIEW_ROOT_ID = 'hrnn-plots';

/** The CSP the webview bundle needs (see the top of this file). */
export function webviewCsp(opts: { cspSource: string; nonce: string }): string {
  return ["default-src 'none'", `script-src 'nonce-${opts.nonce}'`, `style-src ${opts.cspSource}`, `img-src ${opts.cspSource} data:`].join('; ');
}

/**
 * The HTML of the plots panel. `scriptUri` / `styleUri` are what `webview.asWebviewUri` returns for
 * `media/webview/plots.js` and `media/webview/plots.css`; `cspSource` is `webview.cspSource`.
 */
export function buildWebviewHtml(opts: { scriptUri: string; styleUri: string; cspSource: string; nonce: string; title: string }): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(webviewCsp(opts))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(opts.styleUri)}">
<title>${esc(opts.title)}</title>
</head>
<body>
<div id="${WEBVIEW_ROOT_ID}"></div>
<script nonce="${esc(opts.nonce)}" src="${esc(opts.scriptUri)}"></script>
</body>
</html>
`;
}
