/**
 * The Slurm executor: a sweep as one Slurm job array, one task per member, each training its member
 * from the sweep's frozen experiment into the shared sweep folder (src/executors/slurmTask.ts is the
 * task's side). The submitting command follows the tasks from Slurm's queue (squeue, then scontrol for
 * how a task ended) and the run folders, keeps sweep.json current, records in each run folder how
 * Slurm ended it (cancelled, time limit, out of memory, node failure) so the reason survives the job
 * leaving the queue, and exits when every member has ended. Resubmission (`hrnn train --resume
 * <sweep>`) sends the members that did not complete again; those with a checkpoint continue from it.
 * Slurm's commands run through src/process/commandRunner.ts; what they say is parsed in
 * slurmCommands.ts. No vscode, no engine.
 */
import path from 'node:path';
import type { SchedulerTask } from '../protocol/records';
import { runCommand, type CommandResult } from '../process/commandRunner';
import { batchTaskArguments } from '../process/trainerArguments';
import { readSummary } from '../runs/runFolder';
import { recordSchedulerEnd } from '../runs/schedulerRecord';
import { SweepFolderWriter } from '../runs/sweepFolder';
import { EXIT } from '../cli/io';
import { exitCodeFor, type RunContext } from '../cli/runOne';
import { createSweepFolder } from '../cli/sweepRunner';
import { sweepResultsTable } from '../cli/sweepResults';
import type { SweepExecutor, SweepLaunch } from './executor';
import {
  batchScript,
  memberStatusOf,
  parseSbatchJobId,
  parseScontrolJobs,
  parseSqueue,
  sbatchArguments,
  scontrolArguments,
  slurmEnding,
  squeueArguments,
  TASK_ID,
  type SlurmResources,
  type SlurmTaskState,
} from './slurmCommands';

/** Default seconds between two looks at Slurm's queue: often enough to follow, rare enough for a busy controller. */
export const DEFAULT_SLURM_POLL_MS = 10_000;

/** The Slurm commands, run with the environment that names the cluster (SLURM_CONF). */
export class SlurmCli {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private run(command: string, args: string[]): Promise<CommandResult> {
    return runCommand(command, args, { env: this.env, timeoutMs: 60_000 });
  }

  async sbatch(args: string[]): Promise<string> {
    const r = await this.run('sbatch', args);
    const id = r.code === 0 ? parseSbatchJobId(r.stdout) : null;
    if (id === null) throw new Error(`sbatch failed: ${(r.error ?? r.stderr.trim()) || r.stdout.trim() || `exit code ${r.code}`}`);
    return id;
  }

  /** The tasks of the array still in the queue; null when squeue could not answer (try again later). */
  async squeue(jobId: string): Promise<SlurmTaskState[] | null> {
    const r = await this.run('squeue', squeueArguments(jobId));
    if (r.code === 0) return parseSqueue(r.stdout, jobId);
    // A job that has left the controller's memory altogether: nothing of it is queued.
    return /Invalid job id/i.test(r.stderr) ? [] : null;
  }

  /** The tasks as the controller remembers them (for a while after they end); [] when it has forgotten the job. */
  async scontrol(jobId: string): Promise<SlurmTaskState[]> {
    const r = await this.run('scontrol', scontrolArguments(jobId));
    return r.code === 0 ? parseScontrolJobs(r.stdout, jobId) : [];
  }

  async scancel(jobId: string): Promise<CommandResult> {
    return this.run('scancel', [jobId]);
  }
}

export interface SlurmExecutorOptions {
  resources: SlurmResources;
  /** Return after submission instead of following the tasks. */
  detach?: boolean;
  pollMs?: number;
  /** The CLI script the tasks run (`process.argv[1]` of hrnn) and the node that runs it. */
  hrnnScript: string;
  nodePath?: string;
  cli?: SlurmCli;
}

/**
 * Looks at Slurm once and brings sweep.json (and the run folders of members Slurm ended) up to date.
 * Returns how many members are still queued or running. Members are array tasks whose task id is their index.
 */
export async function reconcileSlurmSweep(sweep: SweepFolderWriter, cli: SlurmCli): Promise<number> {
  const open = sweep.summary.runs.filter((r) => r.scheduler && !r.scheduler.ended && (r.status === 'pending' || r.status === 'running'));
  const byJob = new Map<string, typeof open>();
  for (const m of open) byJob.set(m.scheduler!.jobId, [...(byJob.get(m.scheduler!.jobId) ?? []), m]);
  let queued = 0;
  for (const [jobId, members] of byJob) {
    const inQueue = await cli.squeue(jobId);
    if (inQueue === null) {
      queued += members.length;
      continue;
    }
    const queuedTasks = new Map(inQueue.map((t) => [t.taskId, t]));
    const gone = members.filter((m) => !queuedTasks.has(m.index));
    const remembered = new Map(gone.length ? (await cli.scontrol(jobId)).map((t) => [t.taskId, t]) : []);
    for (const m of members) {
      const previous = m.scheduler!;
      const now = queuedTasks.get(m.index);
      if (now) {
        queued++;
        sweep.setScheduler(m.index, withState(previous, now), memberStatusOf(now.state));
        continue;
      }
      const dir = sweep.memberDir(m.index);
      const started = readSummary(dir, { raw: true }) !== null;
      // Forgotten by the controller: a member with a run folder ended by itself (its folder says how);
      // one without never started, which on Slurm means it was cancelled while it waited.
      const last = remembered.get(m.index) ?? {
        taskId: m.index,
        state: started ? 'COMPLETED' : 'CANCELLED',
        reason: started ? 'None' : 'left the queue before it started',
      };
      const ending = slurmEnding(last.state, last.reason);
      const task: SchedulerTask = {
        ...withState(previous, last),
        ...(ending ? { ended: { state: last.state, reason: last.reason, at: new Date().toISOString() } } : {}),
      };
      if (started) {
        if (ending) recordSchedulerEnd(dir, { state: last.state, reason: last.reason, message: ending.message });
        sweep.setScheduler(m.index, task);
        sweep.settle(m.index);
      } else {
        sweep.setScheduler(m.index, task, ending ? 'stopped' : 'failed');
      }
    }
  }
  return queued;
}

function withState(previous: SchedulerTask, now: SlurmTaskState): SchedulerTask {
  const task: SchedulerTask = { ...previous, state: now.state, reason: now.reason };
  if (now.taskJobId) task.taskJobId = now.taskJobId;
  if (now.node) task.node = now.node;
  return task;
}

export class SlurmExecutor implements SweepExecutor {
  readonly kind = 'slurm';
  private readonly cli: SlurmCli;

  constructor(private readonly options: SlurmExecutorOptions) {
    this.cli = options.cli ?? new SlurmCli();
  }

  async run(launch: SweepLaunch): Promise<number> {
    const sweep = createSweepFolder(launch.loaded, launch.runsDir, launch.ctx.experimentFile);
    const indices = sweep.summary.runs.map((r) => r.index);
    return this.submitAndFollow(sweep, indices, launch.passThrough, launch.ctx);
  }

  /**
   * Submits again the members of an existing sweep that did not complete and are not queued: a member
   * with a run folder continues from its checkpoint, one without starts. `passThrough` reaches each task
   * (`--set training.steps=N` extends them).
   */
  async resubmit(sweepDir: string, passThrough: readonly string[], ctx: RunContext): Promise<number> {
    const sweep = SweepFolderWriter.open(sweepDir);
    if (!sweep) throw new Error(`${sweepDir}: not a sweep folder (no readable sweep.json)`);
    await reconcileSlurmSweep(sweep, this.cli);
    const indices = sweep.summary.runs.filter((r) => r.status !== 'completed' && r.status !== 'pending' && r.status !== 'running').map((r) => r.index);
    if (!indices.length) {
      ctx.io.err(`hrnn: every member of ${sweepDir} has completed or is still queued; nothing to resubmit\n`);
      return EXIT.ok;
    }
    sweep.reopen();
    return this.submitAndFollow(sweep, indices, passThrough, ctx);
  }

  async cancel(sweepDir: string): Promise<string[]> {
    const sweep = SweepFolderWriter.open(sweepDir);
    if (!sweep) return [`${sweepDir}: not a sweep folder (no readable sweep.json)`];
    const jobIds = sweep.summary.executor?.jobIds ?? [];
    const lines: string[] = [];
    for (const jobId of jobIds) {
      const r = await this.cli.scancel(jobId);
      lines.push(
        r.code === 0 ? `scancel ${jobId}: cancelled job array ${jobId}` : `scancel ${jobId}: ${(r.error ?? r.stderr.trim()) || `exit code ${r.code}`}`,
      );
    }
    // Running tasks get SIGTERM and stop with a checkpoint; wait (a little longer than Slurm's
    // KillWait) for them to leave the queue so that how they ended is recorded now.
    const t0 = Date.now();
    while ((await reconcileSlurmSweep(sweep, this.cli)) > 0 && Date.now() - t0 < 120_000) await sleep(1000);
    if (sweep.summary.runs.every((r) => r.status !== 'pending' && r.status !== 'running')) sweep.end();
    return lines;
  }

  private async submitAndFollow(sweep: SweepFolderWriter, indices: number[], passThrough: readonly string[], ctx: RunContext): Promise<number> {
    const sweepDir = sweep.sweepDir;
    const command = [
      this.options.nodePath ?? process.execPath,
      this.options.hrnnScript,
      ...batchTaskArguments({ experimentFile: sweep.frozenExperimentFile, sweepDir, indexPlaceholder: TASK_ID, executor: 'slurm', passThrough }),
    ];
    const args = sbatchArguments({
      jobName: sweep.summary.name,
      indices,
      output: path.join(sweepDir, 'slurm-%A_%a.out'),
      workDir: sweepDir,
      resources: this.options.resources,
      script: path.join(sweepDir, 'slurm-job.sh'),
    });
    sweep.writeExecutorFile(
      'slurm-job.sh',
      batchScript(command, [`One member of sweep ${sweep.summary.sweepId} per array task (task id = member index).`, `Submitted as: sbatch ${args.join(' ')}`]),
      0o755,
    );
    let jobId: string;
    try {
      jobId = await this.cli.sbatch(args);
    } catch (e) {
      for (const i of indices) sweep.setStatus(i, 'failed');
      sweep.end();
      const message = `hrnn: ${(e as Error).message}`;
      ctx.send?.({ type: 'refused', problems: [message] });
      ctx.io.err(message + '\n');
      return EXIT.failed;
    }
    sweep.setExecutor({ kind: 'slurm', jobIds: [...(sweep.summary.executor?.jobIds ?? []), jobId] });
    for (const i of indices) sweep.setScheduler(i, { scheduler: 'slurm', jobId, taskId: i, state: 'PENDING', reason: 'None' }, 'pending');
    ctx.send?.({ type: 'sweepStarted', sweepDir, count: sweep.summary.runs.length });
    ctx.io.err(`hrnn: ${indices.length} run${indices.length === 1 ? '' : 's'} of ${sweepDir} submitted to Slurm as job array ${jobId}\n`);
    if (this.options.detach) {
      ctx.io.out(`${jobId}\n${sweepDir}\n`);
      return EXIT.ok;
    }
    return this.follow(sweep, indices, ctx);
  }

  /** Follows the tasks until none is queued or running; the exit code says whether all completed. */
  private async follow(sweep: SweepFolderWriter, indices: number[], ctx: RunContext): Promise<number> {
    const pollMs = this.options.pollMs ?? DEFAULT_SLURM_POLL_MS;
    const said = new Map<number, string>();
    let wake: () => void = () => undefined;
    ctx.stop.onRequest(() => wake());
    for (;;) {
      const queued = await reconcileSlurmSweep(sweep, this.cli);
      for (const i of indices) {
        const m = sweep.summary.runs[i];
        const line = `${m.status}${m.scheduler ? ` (Slurm ${m.scheduler.jobId}_${m.scheduler.taskId}: ${m.scheduler.state}${m.scheduler.reason && m.scheduler.reason !== 'None' ? `, ${m.scheduler.reason}` : ''})` : ''}`;
        if (said.get(i) === line) continue;
        said.set(i, line);
        if (!ctx.send) ctx.io.err(`hrnn: [${i + 1}/${sweep.summary.runs.length}] ${m.runId}: ${line}\n`);
      }
      if (queued === 0) break;
      if (ctx.stop.requested) {
        ctx.io.err(
          `hrnn: no longer following; the job array keeps running in Slurm (hrnn runs ${sweep.sweepDir} shows it, hrnn cancel ${sweep.sweepDir} cancels it)\n`,
        );
        return EXIT.failed;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    sweep.end();
    ctx.send?.({ type: 'sweepEnded', sweepDir: sweep.sweepDir });
    const members = sweep.summary.runs.map((r, i) => ({
      runId: r.runId,
      parameters: r.parameters,
      status: r.status,
      summary: readSummary(sweep.memberDir(i)),
    }));
    if (!ctx.send && !ctx.json) {
      ctx.io.err(`hrnn: sweep results, best first:\n${sweepResultsTable(members)}`);
      ctx.io.out(`${sweep.sweepDir}\n`);
    }
    let worst: number = EXIT.ok;
    for (const i of indices) {
      const m = sweep.summary.runs[i];
      const code =
        m.status === 'completed' ? EXIT.ok : m.status === 'pending' || m.status === 'running' || m.status === 'stopped' ? EXIT.failed : exitCodeFor(m.status);
      worst = Math.max(worst, code);
    }
    return worst;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
