/**
 * The table a finished sweep prints: one line per member, best first by the headline metric
 * (accuracy high to low; MSE or loss low to high), with its status and parameters, so a terminal
 * user sees the answer to the sweep's question without opening a report. Pure; no engine.
 */
import { formatMetric } from '../protocol/format';
import { headlineMetric, type RunSummary, type SweepSummary } from '../protocol/records';

export interface SweepMemberResult {
  runId: string;
  parameters: Record<string, unknown>;
  /** The member's own summary; null when it never started. */
  summary: RunSummary | null;
  /** Its status as sweep.json tells it (a member that never started is `pending` or `failed`). */
  status: SweepSummary['runs'][number]['status'];
}

/** Better first: higher accuracy, lower MSE or loss; members without a metric last, in sweep order. */
export function rankMembers(members: readonly SweepMemberResult[]): SweepMemberResult[] {
  const score = (m: SweepMemberResult): number => {
    const h = m.summary ? headlineMetric(m.summary) : null;
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
    (m.summary && formatMetric(m.summary)) ?? '-',
    formatParameters(m.parameters) || '(no parameters)',
    m.runId,
  ]);
  const header = ['#', 'status', 'metric', 'parameters', 'run'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]) : cell)).join('  ')).join('\n') + '\n';
}
