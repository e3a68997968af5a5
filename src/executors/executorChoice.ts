/**
 * Which executor runs a sweep: from `--executor`, else the experiment's `executor.kind`, else local;
 * and, for an existing sweep folder, the one that ran it (sweep.json's `executor`). The one place that
 * maps an experiment's `executor` section to an executor's options. No vscode, no engine.
 */
import type { ExecutorConfig } from '../experiment/schema';
import type { SweepSummary } from '../protocol/records';
import type { ExecutorKind, SweepExecutor } from './executor';
import { LocalExecutor } from './localExecutor';
import { DEFAULT_SLURM_POLL_MS, SlurmExecutor } from './slurmExecutor';
import type { SlurmResources } from './slurmCommands';

export const EXECUTOR_KINDS: readonly ExecutorKind[] = ['local', 'slurm'];

export function isExecutorKind(value: string): value is ExecutorKind {
  return (EXECUTOR_KINDS as readonly string[]).includes(value);
}

export function slurmResourcesOf(config: ExecutorConfig | undefined): SlurmResources {
  return {
    partition: config?.partition ?? null,
    cpusPerTask: config?.cpusPerTask ?? 1,
    memory: config?.memory ?? null,
    time: config?.time != null ? String(config.time) : null,
    maxConcurrent: config?.maxConcurrent ?? null,
    sbatchOptions: config?.sbatchOptions ?? [],
  };
}

/** How often the submitter looks at Slurm's queue: HRNN_SLURM_POLL_MS (tests, impatient users) or the default. */
export function slurmPollMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.HRNN_SLURM_POLL_MS);
  return Number.isFinite(ms) && ms >= 200 ? ms : DEFAULT_SLURM_POLL_MS;
}

export function slurmExecutor(config: ExecutorConfig | undefined, options: { detach?: boolean } = {}): SlurmExecutor {
  return new SlurmExecutor({ resources: slurmResourcesOf(config), detach: options.detach, pollMs: slurmPollMs(), hrnnScript: process.argv[1] });
}

/** The executor that ran an existing sweep, for cancelling it. */
export function executorOfSweep(sweep: SweepSummary): SweepExecutor {
  return sweep.executor?.kind === 'slurm' ? slurmExecutor(undefined) : new LocalExecutor(1);
}
