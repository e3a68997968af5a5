/**
 * The table a finished sweep prints: one line per member, best first by the metric the run was
 * selected on (validation accuracy high to low where the task has a validation split, else test MSE
 * or loss low to high), showing the test metric at that best step beside it, with its status and
 * parameters, so a terminal user sees the answer to the sweep's question without opening a report.
 * Ranking on validation keeps the test set out of the choice. Pure; no engine.
 */
import { formatNumber, formatPercent } from '../protocol/format';
import type { BestEval, RunSummary, SweepSummary } from '../protocol/records';

export interface SweepMemberResult {
  runId: string;
  parameters: Record<string, unknown>;
  /** The member's own summary; null when it never started. */
  summary: RunSummary | null;
  /** Its status as sweep.json tells it (a member that never started is `pending` or `failed`). */
  status: SweepSummary['runs'][number]['status'];
}

type Metric = { name: 'accuracy' | 'mse' | 'loss'; value: number };

function metricOf(evaluation: { loss: number; accuracy?: number; mse?: number }): Metric {
  if (evaluation.accuracy !== undefined) return { name: 'accuracy', value: evaluation.accuracy };
  if (evaluation.mse !== undefined) return { name: 'mse', value: evaluation.mse };
  return { name: 'loss', value: evaluation.loss };
}

/** The metric a member is ranked on: its best evaluation's own (validation where there is one), not the test at that step. */
export function selectionMetric(best: BestEval | null | undefined): Metric | null {
  return best ? metricOf(best) : null;
}

function showMetric(m: Metric): string {
  return m.name === 'accuracy' ? `acc ${formatPercent(m.value)}` : `${m.name} ${formatNumber(m.value)}`;
}

/** `mse 0.02` (no validation split), or `val acc 91.0%, test acc 90.2%` (test at the best validation step). */
export function describeBest(best: BestEval | null | undefined): string | undefined {
  const selected = selectionMetric(best);
  if (!best || !selected) return undefined;
  if (best.split === 'test') return showMetric(selected);
  const test = best.test ? `, test ${showMetric(metricOf(best.test))}` : '';
  return `val ${showMetric(selected)}${test}`;
}

/** Better first: higher accuracy, lower MSE or loss, on the selection metric; members without one last, in sweep order. */
export function rankMembers(members: readonly SweepMemberResult[]): SweepMemberResult[] {
  const score = (m: SweepMemberResult): number => {
    const h = selectionMetric(m.summary?.best);
    if (!h || !Number.isFinite(h.value)) return Number.POSITIVE_INFINITY;
    return h.name === 'accuracy' ? -h.value : h.value;
  };
  return members
    .map((m, i) => ({ m, i, s: score(m) }))
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.m);
}

function formatParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** The ranked table as text lines, columns aligned. */
export function sweepResultsTable(members: readonly SweepMemberResult[]): string {
  const rows = rankMembers(members).map((m, i) => [
    String(i + 1),
    m.summary?.status ?? m.status,
    describeBest(m.summary?.best) ?? '-',
    formatParameters(m.parameters) || '(no parameters)',
    m.runId,
  ]);
  const header = ['#', 'status', 'metric', 'parameters', 'run'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]) : cell)).join('  ')).join('\n') + '\n';
}
