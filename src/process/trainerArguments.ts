/**
 * The command lines of the two kinds of trainer process, kept side by side so that both stay in
 * step with the flags of `hrnn train` (src/cli/commands/train.ts): one experiment started by the
 * extension, and one member of a `--parallel` sweep started by the CLI. Pure; depends on nothing.
 */

export interface TrainArgumentsInput {
  experimentFile: string;
  runsDir: string;
  /** Passed as `--backend`; undefined: the experiment file decides. */
  backend?: string;
  /** A run folder to continue from its checkpoint (`--resume`) instead of a new run of experimentFile. */
  resumeFrom?: string;
}

/**
 * `train <file> --ipc --runs-dir <dir> [--backend B]`: what the extension runs for "Train";
 * `train --resume <run> --ipc [--backend B]` for "Resume".
 */
export function trainArguments(input: TrainArgumentsInput): string[] {
  const args = input.resumeFrom ? ['train', '--resume', input.resumeFrom, '--ipc'] : ['train', input.experimentFile, '--ipc', '--runs-dir', input.runsDir];
  if (input.backend) args.push('--backend', input.backend);
  return args;
}

export interface SweepMemberArgumentsInput {
  experimentFile: string;
  sweepDir: string;
  /** The run's index in the expanded sweep. */
  index: number;
  /** Options every member gets from the parent's command line (`--set`, `--backend`). */
  passThrough: readonly string[];
}

/** `train <file> --sweep-dir D --sweep-index i --ipc ...`: one run of a `--parallel` sweep. */
export function sweepMemberArguments(input: SweepMemberArgumentsInput): string[] {
  return ['train', input.experimentFile, '--sweep-dir', input.sweepDir, '--sweep-index', String(input.index), '--ipc', ...input.passThrough];
}

export interface BatchTaskArgumentsInput {
  experimentFile: string;
  sweepDir: string;
  /** Stands in for the task's index: the batch system fills it in (`$SLURM_ARRAY_TASK_ID`). */
  indexPlaceholder: string;
  /** The batch system the task runs under. */
  executor: 'slurm';
  passThrough: readonly string[];
}

/**
 * `train <file> --sweep-dir D --sweep-index <i> --executor-task slurm ...`: one member of a sweep as a
 * batch-system task (no IPC: nobody is listening; a member that already has a run folder resumes).
 */
export function batchTaskArguments(input: BatchTaskArgumentsInput): string[] {
  return [
    'train',
    input.experimentFile,
    '--sweep-dir',
    input.sweepDir,
    '--sweep-index',
    input.indexPlaceholder,
    '--executor-task',
    input.executor,
    ...input.passThrough,
  ];
}
