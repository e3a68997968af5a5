/**
 * How a run or a sweep reads in the runs view: label, status icon, final metric, tau; for sweeps on
 * Slurm, the members still queued (with Slurm's reason) and how Slurm ended a member. Pure (no
 * `vscode`): icons are codicon ids and theme colour ids, turned into objects by the tree provider.
 */
import { slurmEnding, slurmReasonText } from '../../executors/slurmCommands';
import { formatMetric, formatProgress, formatTau } from '../../protocol/format';
import type { RunStatus, RunSummary, SchedulerTask, SweepSummary } from '../../protocol/records';
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

/** A sweep member's label: its parameters, short (`tau=0.1 seed=2`). */
function parameterLabel(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** `Slurm: job 123_4 on node1 · PENDING (Priority: waiting for ...)`, the tooltip line of a member on Slurm. */
function slurmLine(task: SchedulerTask): string {
  const state = task.ended?.state ?? task.state;
  const reason = task.ended?.reason ?? task.reason;
  const why = reason && reason !== 'None' ? ` (${reason}${slurmReasonText(reason) ? `: ${slurmReasonText(reason)}` : ''})` : '';
  return `Slurm: job ${task.jobId}_${task.taskId}${task.node ? ` on ${task.node}` : ''}${state ? ` · ${state}${why}` : ''}`;
}

/** `scheduler`: the Slurm task that trains or trained the run (scheduler.json); an ending Slurm decided leads the description. */
export function describeRun(summary: RunSummary, live?: RunProgress, scheduler?: SchedulerTask): ItemView {
  const status = live?.status === 'running' ? 'running' : summary.status;
  const { icon, color } = STATUS_ICONS[status] ?? STATUS_ICONS.failed;
  const parts: string[] = [];
  const ending = scheduler?.ended && status !== 'running' ? slurmEnding(scheduler.ended.state, scheduler.ended.reason) : null;
  if (ending) parts.push(ending.word);
  if (status === 'running') parts.push(live ? formatProgress(live) : `step ${summary.stepsDone}/${summary.totalSteps}`);
  else {
    const metric = formatMetric(summary);
    parts.push(metric ?? status);
  }
  const tau = formatTau(summary);
  if (tau) parts.push(tau);
  const label = summary.sweep ? parameterLabel(summary.sweep.parameters) || summary.runId : summary.runId;
  const tooltip = [
    `${summary.name} (${summary.runId})`,
    `status: ${status}${summary.message ? ` (${summary.message})` : ''}`,
    `steps: ${summary.stepsDone}/${summary.totalSteps}`,
    `model: ${summary.tags?.model ?? '?'} · hidden ${summary.tags?.hidden ?? '?'} · task ${summary.tags?.task ?? '?'} (T=${summary.tags?.length ?? '?'})`,
    tau ? tau.replace('τ ', 'tau: ') : undefined,
    formatMetric(summary),
    `backend: ${summary.backend} (${summary.implementation})`,
    scheduler ? slurmLine(scheduler) : undefined,
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
  // On Slurm, members wait in the queue: the sweep says how many, and waits with a clock while none runs.
  const slurm = sweep.executor?.kind === 'slurm' ? sweep.executor : undefined;
  const queued = slurm && sweep.endedAt === null ? sweep.runs.filter((r) => r.status === 'pending').length : 0;
  const icon = running ? 'sync~spin' : failed ? 'warning' : done === sweep.runs.length ? 'pass' : queued ? 'clock' : 'circle-outline';
  // What the sweep varies: the grid's paths, the randomly drawn ones, and the seed of a seeds axis.
  const grid = [...new Set([...Object.keys(sweep.grid), ...Object.keys(sweep.random?.parameters ?? {}), ...(sweep.seeds ? ['seed'] : [])])].join(', ');
  const tooltip = `${sweep.sweepId}\nexperiment: ${sweep.experimentFile}\ngrid: ${JSON.stringify(sweep.grid)}${sweep.random ? `\nrandom: ${sweep.random.count} draws of ${Object.keys(sweep.random.parameters).join(', ')}` : ''}${sweep.seeds ? `\nseeds: ${sweep.seeds.join(', ')}` : ''}\nstarted: ${sweep.startedAt}`;
  return {
    label: sweep.name,
    description: `sweep · ${done}/${sweep.runs.length} runs${queued ? ` · ${queued} queued` : ''}${grid ? ` · ${grid}` : ''}`,
    tooltip: slurm ? `${tooltip}\nSlurm job array ${slurm.jobIds.join(', ')}` : tooltip,
    icon,
    iconColor: running ? undefined : failed ? 'problemsWarningIcon.foreground' : done === sweep.runs.length ? 'testing.iconPassed' : undefined,
  };
}

/**
 * A sweep member without a run folder: queued on Slurm (with Slurm's reason), waiting for its turn
 * among this machine's processes, ended by Slurm before it started, never submitted, or left behind
 * by a sweep that ended without it (`sweepEnded`: a local sweep that was stopped).
 */
export function describeUnstartedMember(member: SweepSummary['runs'][number], sweepEnded = false): ItemView {
  const label = parameterLabel(member.parameters) || member.runId;
  const task = member.scheduler;
  const ending = task?.ended ? slurmEnding(task.ended.state, task.ended.reason) : null;
  const lines = [member.runId, task ? slurmLine(task) : undefined];
  if (ending) {
    lines.splice(1, 0, `status: ${member.status}, ${ending.word} before it started (${ending.message})`);
    return {
      label,
      description: `${ending.word} before it started`,
      tooltip: lines.filter(Boolean).join('\n'),
      icon: 'debug-stop',
      iconColor: 'disabledForeground',
    };
  }
  if (member.status === 'pending' && sweepEnded) {
    lines.splice(1, 0, 'the sweep ended before this member started');
    return { label, description: 'not started', tooltip: lines.filter(Boolean).join('\n'), icon: 'circle-slash', iconColor: 'disabledForeground' };
  }
  if (member.status !== 'pending') {
    lines.splice(1, 0, `status: ${member.status}, without a run folder (it never started)`);
    return { label, description: `${member.status}, never started`, tooltip: lines.filter(Boolean).join('\n'), icon: 'error', iconColor: 'testing.iconFailed' };
  }
  const reason = task?.reason && task.reason !== 'None' ? task.reason : null;
  lines.splice(1, 0, task ? 'status: queued on Slurm, not started yet' : 'status: pending, waiting for its turn');
  return {
    label,
    description: task ? `queued${reason ? ` (${reason})` : ''}` : 'pending',
    tooltip: lines.filter(Boolean).join('\n'),
    icon: 'clock',
  };
}
