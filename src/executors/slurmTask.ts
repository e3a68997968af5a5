/**
 * The task's side of the Slurm executor: one array task trains one member of the sweep, records its
 * Slurm ids (from Slurm's environment) in the member's run folder, and, when the member already has a
 * run folder (a resubmission after a time limit or a cancel), continues it from its checkpoint
 * instead. No vscode; the engine only through the CLI's runOne and resumeRun.
 */
import type { ExpandedRun } from '../experiment';
import type { SchedulerTask } from '../protocol/records';
import { sweepMemberDir, sweepMemberId } from '../runs/layout';
import { readSummary } from '../runs/runFolder';
import { writeSchedulerRecord } from '../runs/schedulerRecord';
import { EXIT } from '../cli/io';
import { resumeRun } from '../cli/resumeRun';
import { exitCodeFor, runOne, type RunContext } from '../cli/runOne';

/** Who runs this process, from Slurm's environment of a batch task; null outside Slurm. */
export function slurmTaskIdentity(env: NodeJS.ProcessEnv = process.env): SchedulerTask | null {
  const jobId = env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID;
  if (!jobId) return null;
  const task: SchedulerTask = { scheduler: 'slurm', jobId, taskId: Number(env.SLURM_ARRAY_TASK_ID ?? 0), state: 'RUNNING', reason: 'None' };
  if (env.SLURM_JOB_ID) task.taskJobId = env.SLURM_JOB_ID;
  if (env.SLURMD_NODENAME) task.node = env.SLURMD_NODENAME;
  return task;
}

export interface BatchTaskInput {
  run: ExpandedRun;
  count: number;
  sweepDir: string;
  ctx: RunContext;
  /** `--set` overrides of a resubmission: they apply to a resumed member too (training.steps). */
  overrides: readonly string[];
}

export async function runBatchTask(input: BatchTaskInput): Promise<number> {
  const { run, count, sweepDir, ctx } = input;
  const runId = sweepMemberId(run.index, run.parameters, count);
  const runDir = sweepMemberDir(sweepDir, runId);
  const identity = slurmTaskIdentity() ?? { scheduler: 'slurm', jobId: 'unknown', taskId: run.index };
  const existing = readSummary(runDir, { raw: true });
  if (existing) {
    if (existing.status === 'completed') {
      ctx.io.err(`hrnn: ${runDir} has already completed; nothing to do\n`);
      return EXIT.ok;
    }
    writeSchedulerRecord(runDir, identity);
    return resumeRun(
      runDir,
      input.overrides.filter((o) => !o.startsWith('executor.')),
      ctx,
    );
  }
  const outcome = await runOne(run.resolved, sweepDir, ctx, {
    runId,
    sweep: { id: sweepDir.split(/[\\/]/).pop()!, index: run.index, parameters: run.parameters, sweepDir, count },
    onRunFolder: (dir) => writeSchedulerRecord(dir, identity),
  });
  return exitCodeFor(outcome.status);
}
