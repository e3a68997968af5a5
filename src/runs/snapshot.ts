/**
 * The one builder of the plots snapshot (runs, sweep points, title of `src/protocol/webview.ts`)
 * from run folders, shared by the editor's plots panel and `hrnn report` so both show the same run
 * under the same id, label, colour and tau. Pure: reads no files (callers hand in what they read)
 * and never imports vscode or the engine.
 */
import type { RunSummary } from '../protocol/records';
import type { HostToWebview, RunSeries, SweepPoint } from '../protocol/webview';
import { headlineMetric } from '../protocol/records';
import { differingParameters } from './experimentRows';
import type { RunFolder } from './runFolder';

/** A run to show; sweep membership is what its summary says (`summary.sweep`). */
export interface SnapshotRun extends RunFolder {
  /** Colour chosen by the caller (the panel keeps one per run folder). Absent: `freeColorIndex` of those before. */
  colorIndex?: number;
  /** The parsed resolved experiment (experiment.yaml); absent or null: unknown, no `parameters`. */
  experiment?: unknown;
}

export type RunsSnapshot = Pick<Extract<HostToWebview, { type: 'snapshot' }>, 'runs' | 'sweep' | 'title'>;

/** Titles longer than this give way to "N runs" (a panel tab and a page title stay readable). */
const MAX_TITLE_PARTS_LENGTH = 90;

/** Builds the snapshot of `runs`, in the order given. */
export function buildSnapshot(runs: readonly SnapshotRun[]): RunsSnapshot {
  const labels = uniqueLabels(runs.map((r) => r.summary));
  const usedColors: number[] = [];
  const parameters = differingParameters(runs.map((r) => r.experiment));
  const series: RunSeries[] = runs.map((r, i) => {
    const colorIndex = r.colorIndex ?? freeColorIndex(usedColors);
    usedColors.push(colorIndex);
    return {
      runId: snapshotRunId(r.summary),
      runDir: r.runDir,
      label: labels[i],
      colorIndex,
      summary: r.summary,
      train: r.records.train,
      eval: r.records.eval,
      probes: r.records.probes,
      ...(parameters[i] ? { parameters: parameters[i] } : {}),
    };
  });
  const sweep = series.filter((r) => r.summary.sweep).map(sweepPoint);
  return { runs: series, sweep, title: snapshotTitle(runs.map((r) => r.summary)) };
}

/**
 * The run's id in the snapshot (and in every increment after it). Sweep members are named by
 * their index and parameters (`0-tau-0.05`), the same in every sweep of one grid: the sweep id in
 * front keeps two sweeps apart.
 */
export function snapshotRunId(summary: RunSummary): string {
  return summary.sweep ? `${summary.sweep.id}/${summary.runId}` : summary.runId;
}

/** The lowest colour index not in `used`: a new run never takes the colour of one shown. */
export function freeColorIndex(used: Iterable<number>): number {
  const taken = new Set(used);
  let i = 0;
  while (taken.has(i)) i++;
  return i;
}

/** What a run is called when no other run shares it: "adding-T50", "adding-sweep [model.tau=0.01]". */
function shortLabel(summary: RunSummary): string {
  const sweep = summary.sweep;
  if (!sweep) return summary.name;
  const params = Object.entries(sweep.parameters)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return params ? `${summary.name} [${params}]` : `${summary.name} #${sweep.index + 1}`;
}

/**
 * What a run is called when its short label is shared: its run id (which holds the name and the
 * start time), or for a sweep member the short label and its sweep (two sweeps of one grid).
 */
export function runLabel(summary: RunSummary): string {
  return summary.sweep ? `${shortLabel(summary)} (${summary.sweep.id})` : summary.runId;
}

/** `<name>-<yyyymmdd>-<hhmmss>-<hex>` (src/runs/layout.ts makeRunId): the parts a short label can use. */
const RUN_ID_PARTS = /^(.*)-(\d{8})-(\d{2})(\d{2})(\d{2})-([0-9a-f]{4})$/;

/**
 * Runs of one experiment told apart briefly: "adding-T50 · 10:15:00" (start time), or "adding-T50 ·
 * a3f9" (the id's random part) where the times are shared too; the full id where it has neither.
 * The full id stays on hover (run table, chart tooltips).
 */
function distinctLabels(summaries: readonly RunSummary[]): string[] {
  const parts = summaries.map((s) => (s.sweep ? null : RUN_ID_PARTS.exec(s.runId)));
  const times = parts.map((m, i) => (m ? `${summaries[i].name} · ${m[3]}:${m[4]}:${m[5]}` : null));
  return summaries.map((s, i) => {
    const m = parts[i];
    if (!m) return runLabel(s);
    const time = times[i] as string;
    return countOf(times as string[], time) === 1 ? time : `${s.name} · ${m[6]}`;
  });
}

/** Short labels where they are unique, `distinctLabels` where not, and a count where even that is shared (a copied folder). */
function uniqueLabels(summaries: readonly RunSummary[]): string[] {
  const short = summaries.map(shortLabel);
  const clashing = summaries.filter((_, i) => countOf(short, short[i]) > 1);
  const distinct = distinctLabels(clashing);
  let next = 0;
  const labels = short.map((l) => (countOf(short, l) > 1 ? distinct[next++] : l));
  const seen = new Map<string, number>();
  return labels.map((l) => {
    if (countOf(labels, l) === 1) return l;
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    return n === 1 ? l : `${l} (${n})`;
  });
}

const countOf = (list: readonly string[], item: string) => list.filter((x) => x === item).length;

/** tau of a run: its tag, else the sweep parameter named `tau` (any prefix: `model.tau`). */
function runTau(summary: RunSummary): number | null {
  if (typeof summary.tags?.tau === 'number') return summary.tags.tau;
  const param = Object.entries(summary.sweep?.parameters ?? {}).find(([k]) => k === 'tau' || k.endsWith('.tau'))?.[1];
  return typeof param === 'number' ? param : null;
}

/** The name of the run's headline metric, also before it has one: what its task is judged by. */
function headlineMetricName(summary: RunSummary): SweepPoint['metricName'] {
  return headlineMetric(summary)?.name ?? (summary.tags?.task === 'adding' ? 'mse' : 'accuracy');
}

function sweepPoint(run: RunSeries): SweepPoint {
  return {
    runId: run.runId,
    tau: runTau(run.summary),
    label: run.label,
    metric: headlineMetric(run.summary)?.value ?? null,
    metricName: headlineMetricName(run.summary),
    colorIndex: run.colorIndex,
    sweepId: run.summary.sweep?.id,
    sweepName: run.summary.name,
  };
}

/**
 * "Plots: adding-T50", "Plots: a, b and sweep s" (each sweep named once; a name shared by several
 * sweeps gets a count), "Plots: N runs" when that gets long, "Hamiltonian RNN Plots" when empty.
 */
function snapshotTitle(summaries: readonly RunSummary[]): string {
  if (summaries.length === 0) return 'Hamiltonian RNN Plots';
  const sweepIds = new Set<string>();
  const parts: string[] = [];
  for (const s of summaries) {
    if (!s.sweep) parts.push(s.name);
    else if (!sweepIds.has(s.sweep.id)) {
      sweepIds.add(s.sweep.id);
      parts.push(`sweep ${s.name}`);
    }
  }
  const distinct = [...new Set(parts)].map((p) => {
    const n = countOf(parts, p);
    return n > 1 ? `${p} ×${n}` : p;
  });
  const text = distinct.length === 1 ? distinct[0] : `${distinct.slice(0, -1).join(', ')} and ${distinct[distinct.length - 1]}`;
  return text.length <= MAX_TITLE_PARTS_LENGTH ? `Plots: ${text}` : `Plots: ${summaries.length} runs`;
}
