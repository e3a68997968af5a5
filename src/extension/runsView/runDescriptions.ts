/**
 * How a run or a sweep reads in the runs view: label, status icon, final metric, tau. Pure (no
 * `vscode`): icons are codicon ids and theme colour ids, turned into objects by the tree provider.
 */
import { formatMetric, formatProgress, formatTau } from '../../protocol/format';
import type { RunStatus, RunSummary, SweepSummary } from '../../protocol/records';
import type { RunProgress } from '../training/runProgress';

export interface ItemView {
  label: string;
  description: string;
  tooltip: string;
  /** Codicon id, e.g. `pass` or `sync~spin`. */
  icon: string;
  /** Theme colour id for the icon. */
  iconColor?: string;
}

const STATUS_ICONS: Record<RunStatus, { icon: string; color?: string }> = {
  running: { icon: 'sync~spin' },
  completed: { icon: 'pass', color: 'testing.iconPassed' },
  stopped: { icon: 'debug-stop', color: 'disabledForeground' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  diverged: { icon: 'warning', color: 'problemsWarningIcon.foreground' },
  crashed: { icon: 'debug-disconnect', color: 'testing.iconFailed' },
};

export function describeRun(summary: RunSummary, live?: RunProgress): ItemView {
  const status = live?.status === 'running' ? 'running' : summary.status;
  const { icon, color } = STATUS_ICONS[status] ?? STATUS_ICONS.failed;
  const parts: string[] = [];
  if (status === 'running') parts.push(live ? formatProgress(live) : `step ${summary.stepsDone}/${summary.totalSteps}`);
  else {
    const metric = formatMetric(summary);
    parts.push(metric ?? status);
  }
  const tau = formatTau(summary);
  if (tau) parts.push(tau);
  const label = summary.sweep
    ? Object.entries(summary.sweep.parameters)
        .map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ') || summary.runId
    : summary.runId;
  const tooltip = [
    `${summary.name} (${summary.runId})`,
    `status: ${status}${summary.message ? ` (${summary.message})` : ''}`,
    `steps: ${summary.stepsDone}/${summary.totalSteps}`,
    `model: ${summary.tags?.model ?? '?'} · hidden ${summary.tags?.hidden ?? '?'} · task ${summary.tags?.task ?? '?'} (T=${summary.tags?.length ?? '?'})`,
    tau ? tau.replace('τ ', 'tau: ') : undefined,
    formatMetric(summary),
    `backend: ${summary.backend} (${summary.implementation})`,
    `started: ${summary.startedAt}`,
  ]
    .filter((x): x is string => !!x)
    .join('\n');
  return { label, description: parts.join(' · '), tooltip, icon, iconColor: color };
}

export function describeSweep(sweep: SweepSummary, memberStatuses: RunStatus[]): ItemView {
  const done = sweep.runs.filter((r) => r.status !== 'pending' && r.status !== 'running').length;
  const running = memberStatuses.includes('running') || sweep.runs.some((r) => r.status === 'running');
  const failed = memberStatuses.some((s) => s === 'failed' || s === 'diverged');
  const icon = running ? 'sync~spin' : failed ? 'warning' : done === sweep.runs.length ? 'pass' : 'circle-outline';
  // What the sweep varies: the grid's paths, the randomly drawn ones, and the seed of a seeds axis.
  const grid = [...new Set([...Object.keys(sweep.grid), ...Object.keys(sweep.random?.parameters ?? {}), ...(sweep.seeds ? ['seed'] : [])])].join(', ');
  return {
    label: sweep.name,
    description: `sweep · ${done}/${sweep.runs.length} runs${grid ? ` · ${grid}` : ''}`,
    tooltip: `${sweep.sweepId}\nexperiment: ${sweep.experimentFile}\ngrid: ${JSON.stringify(sweep.grid)}${sweep.random ? `\nrandom: ${sweep.random.count} draws of ${Object.keys(sweep.random.parameters).join(', ')}` : ''}${sweep.seeds ? `\nseeds: ${sweep.seeds.join(', ')}` : ''}\nstarted: ${sweep.startedAt}`,
    icon,
    iconColor: running ? undefined : failed ? 'problemsWarningIcon.foreground' : done === sweep.runs.length ? 'testing.iconPassed' : undefined,
  };
}
