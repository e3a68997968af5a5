/**
 * The experiments table as data: one row per run (or per group of runs that differ only in seed),
 * a column for every hyperparameter in which the shown runs differ, the best and final metrics,
 * status, duration and speed; sorting, text filtering. Pure: no DOM, so it runs under mocha. The
 * DOM side is ui/experimentsTable.ts.
 */
import type { RunSummary } from '../../../src/protocol/records';
import type { RunSeries } from '../../../src/protocol/webview';
import { groupBySeed, isSeedPath, statOf, type Stat } from './seedGroups';

export type TableRun = Pick<RunSeries, 'runId' | 'runDir' | 'label' | 'colorIndex' | 'summary' | 'parameters'>;

export type CellValue = number | string | null;

export type ColumnFormat = 'text' | 'parameter' | 'metric' | 'duration' | 'speed' | 'steps';

export interface TableColumn {
  id: string;
  title: string;
  format: ColumnFormat;
  /** Longer explanation (header tooltip). */
  description: string;
}

export interface ExperimentRow {
  /** The run id, or the seed group's id. */
  id: string;
  runs: TableRun[];
  label: string;
  colorIndex: number;
  /** The value each column sorts by (the mean for a group's numbers). */
  cells: Record<string, CellValue>;
  /** For a group's numeric columns: mean, min and max over its runs. */
  stats: Record<string, Stat>;
  /** Of metric columns: which metric the value is (formats accuracy as percent). */
  metricName: 'accuracy' | 'mse' | 'loss' | null;
  /** Lower-case text the filter searches. */
  search: string;
}

/** Metric columns: where in the summary each comes from. */
const METRIC_COLUMNS: ReadonlyArray<{ id: string; title: string; description: string; pick(s: RunSummary): MetricLike | undefined }> = [
  {
    id: 'bestValidation',
    title: 'Best val',
    description: 'Best evaluation: lowest validation loss (lowest test loss where the task has no validation split)',
    pick: (s) => s.best ?? undefined,
  },
  { id: 'testAtBest', title: 'Test @ best', description: 'Test metric at the step of the best validation loss', pick: (s) => s.best?.test },
  { id: 'finalValidation', title: 'Final val', description: 'Last validation evaluation', pick: (s) => s.final?.validation },
  { id: 'finalTest', title: 'Final test', description: 'Last test evaluation', pick: (s) => s.final?.test },
];

interface MetricLike {
  loss: number;
  accuracy?: number;
  mse?: number;
}

export const METRIC_COLUMN_IDS = METRIC_COLUMNS.map((c) => c.id);

/** Accuracy for classification, MSE for regression, else loss: the number a run is judged by. */
export function metricValue(m: MetricLike | undefined): { name: 'accuracy' | 'mse' | 'loss'; value: number } | null {
  if (!m) return null;
  if (typeof m.accuracy === 'number') return { name: 'accuracy', value: m.accuracy };
  if (typeof m.mse === 'number') return { name: 'mse', value: m.mse };
  return typeof m.loss === 'number' ? { name: 'loss', value: m.loss } : null;
}

export const parameterColumnId = (path: string) => `param:${path}`;

/** The parameter paths of the runs, in the order they first appear (the host sends only those that differ). */
export function parameterPaths(runs: readonly TableRun[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of runs) {
    for (const p of Object.keys(r.parameters ?? {})) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(p);
    }
  }
  return out;
}

/** One run's own cells. */
function runCells(run: TableRun): { cells: Record<string, CellValue>; metricName: ExperimentRow['metricName'] } {
  const s = run.summary;
  const cells: Record<string, CellValue> = { run: run.label, status: s.status ?? null };
  for (const [p, v] of Object.entries(run.parameters ?? {})) cells[parameterColumnId(p)] = v === null || typeof v === 'boolean' ? String(v) : v;
  let metricName: ExperimentRow['metricName'] = null;
  for (const c of METRIC_COLUMNS) {
    const m = metricValue(c.pick(s));
    cells[c.id] = m?.value ?? null;
    if (m && !metricName) metricName = m.name;
  }
  const seconds = typeof s.durationMs === 'number' && s.durationMs > 0 ? s.durationMs / 1000 : null;
  cells.duration = seconds;
  cells.speed = seconds && typeof s.stepsDone === 'number' ? s.stepsDone / seconds : null;
  cells.steps = typeof s.stepsDone === 'number' ? s.stepsDone : null;
  return { cells, metricName };
}

function searchText(run: TableRun): string {
  const s = run.summary;
  const parts = [run.label, run.runId, s.status, s.name, s.tags?.model, s.tags?.task];
  for (const [p, v] of Object.entries(run.parameters ?? {})) parts.push(`${p}=${String(v)}`);
  return parts.filter(Boolean).join(' ').toLowerCase();
}

/** The columns for `runs`: parameters that differ, then metrics that any run has, then status and speed. */
export function tableColumns(runs: readonly TableRun[]): TableColumn[] {
  const cols: TableColumn[] = [{ id: 'run', title: 'Run', format: 'text', description: 'Run (or runs that differ only in seed)' }];
  for (const p of parameterPaths(runs)) cols.push({ id: parameterColumnId(p), title: p, format: 'parameter', description: `${p} of the resolved experiment` });
  cols.push({ id: 'status', title: 'Status', format: 'text', description: 'How the run stands or ended' });
  for (const c of METRIC_COLUMNS) {
    if (runs.some((r) => metricValue(c.pick(r.summary)) !== null)) cols.push({ id: c.id, title: c.title, format: 'metric', description: c.description });
  }
  cols.push({ id: 'duration', title: 'Duration', format: 'duration', description: 'Training time' });
  cols.push({ id: 'speed', title: 'Steps/s', format: 'speed', description: 'Steps done per second of training' });
  cols.push({ id: 'steps', title: 'Steps', format: 'steps', description: 'Steps done of the steps planned' });
  return cols;
}

/**
 * The rows: one per run, or with `groupSeeds` one per group of runs that differ only in seed
 * (numbers: the mean, with min and max in `stats`; a seed column lists the seeds).
 */
export function buildRows(runs: readonly TableRun[], options: { groupSeeds: boolean }): ExperimentRow[] {
  const single = (run: TableRun): ExperimentRow => {
    const { cells, metricName } = runCells(run);
    return { id: run.runId, runs: [run], label: run.label, colorIndex: run.colorIndex, cells, stats: {}, metricName, search: searchText(run) };
  };
  if (!options.groupSeeds) return runs.map(single);
  return groupBySeed(runs).map((g) => (g.runs.length === 1 ? single(g.runs[0]) : groupRow(g.id, g.runs)));
}

function groupRow(id: string, runs: TableRun[]): ExperimentRow {
  const each = runs.map(runCells);
  const first = runs[0];
  const cells: Record<string, CellValue> = {};
  const stats: Record<string, Stat> = {};
  const columnIds = new Set(each.flatMap((e) => Object.keys(e.cells)));
  for (const col of columnIds) {
    const values = each.map((e) => e.cells[col] ?? null);
    if (col.startsWith('param:') && isSeedPath(col.slice('param:'.length))) {
      cells[col] = values.map(String).join(', ');
      continue;
    }
    const numbers = values.filter((v): v is number => typeof v === 'number');
    const distinct = new Set(values.map(String));
    if (numbers.length > 0 && numbers.length === values.filter((v) => v !== null).length && distinct.size > 1) {
      const s = statOf(numbers);
      if (s) {
        stats[col] = s;
        cells[col] = s.mean;
        continue;
      }
    }
    cells[col] = distinct.size === 1 ? values[0] : [...distinct].join(', ');
  }
  cells.status = statusText(runs.map((r) => r.summary.status));
  const label = groupLabel(first, runs.length);
  cells.run = label;
  return {
    id,
    runs,
    label,
    colorIndex: first.colorIndex,
    cells,
    stats,
    metricName: each.find((e) => e.metricName)?.metricName ?? null,
    search: [label, ...runs.map(searchText)].join(' ').toLowerCase(),
  };
}

/** "completed" when all agree, else "2 completed, 1 running". */
function statusText(statuses: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  if (counts.size === 1) return statuses[0];
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** "tau-seed-sweep [model.tau=0.001] × 3 seeds": the name and the non-seed parameters it was swept over. */
function groupLabel(first: TableRun, n: number): string {
  const params = Object.entries(first.summary.sweep?.parameters ?? {})
    .filter(([k]) => !isSeedPath(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return `${first.summary.name}${params ? ` [${params}]` : ''} × ${n} seeds`;
}

export type SortDirection = 'asc' | 'desc';

/**
 * Rows sorted by a column: numbers by value, text by natural order (`run-2` before `run-10`),
 * numbers before text; empty cells last in either direction. Stable.
 */
export function sortRows(rows: readonly ExperimentRow[], columnId: string, direction: SortDirection): ExperimentRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const va = a.row.cells[columnId] ?? null;
      const vb = b.row.cells[columnId] ?? null;
      if (va === null || vb === null) return va === vb ? a.i - b.i : va === null ? 1 : -1;
      let c: number;
      if (typeof va === 'number' && typeof vb === 'number') c = va - vb;
      else if (typeof va === 'number') c = -1;
      else if (typeof vb === 'number') c = 1;
      else c = collator.compare(va, vb);
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.row);
}

/** Rows whose text holds every whitespace-separated term of `query` (case-insensitive; `tau=0.01` matches `model.tau=0.01`). */
export function filterRows(rows: readonly ExperimentRow[], query: string): ExperimentRow[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return rows.slice();
  return rows.filter((r) => terms.every((t) => r.search.includes(t)));
}

/** Parameter paths whose known values are all numbers, at least two distinct: the x axes a metric can be plotted against. */
export function numericParameterPaths(runs: readonly TableRun[]): string[] {
  return parameterPaths(runs).filter((p) => {
    const values = runs.map((r) => r.parameters?.[p]).filter((v) => v !== undefined);
    return values.length > 0 && values.every((v) => typeof v === 'number') && new Set(values).size > 1;
  });
}
