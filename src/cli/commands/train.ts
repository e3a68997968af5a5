/**
 * `hrnn train <experiment.yaml>`: validates, then trains one run (or every run of a sweep) and
 * writes run folders. Progress on stderr; `--json` prints the metric records as JSON lines on
 * stdout; `--ipc` (used by the extension's trainer process) sends typed TrainerEvents to the parent.
 */
import os from 'node:os';
import path from 'node:path';
import { formatProblem, loadExperimentFile } from '../../experiment';
import { parseCommandLine, positiveInt, single, usageText, UsageError, type ParsedArgs } from '../args';
import { TRAIN_COMMAND } from '../commandSpecs';
import { EXIT, type CliIo } from '../io';
import { memoryRefusal } from '../memoryGuard';
import { resumeRun } from '../resumeRun';
import { exitCodeFor, runOne, type RunContext } from '../runOne';
import { sweepMemberId } from '../../runs/layout';
import { isSweepFolder, readSweepSummary } from '../../runs/sweepFolder';
import { RUN_FILES } from '../../protocol/records';
import { LocalExecutor } from '../../executors/localExecutor';
import { isExecutorKind, slurmExecutor } from '../../executors/executorChoice';
import type { ExecutorKind } from '../../executors/executor';
import { runBatchTask } from '../../executors/slurmTask';
import { IpcChannel, StopSignal, type Send } from '../trainerControl';

export const TRAIN_USAGE = usageText(TRAIN_COMMAND);

export async function runTrain(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(argv, TRAIN_COMMAND);
  if (args.help) {
    io.out(TRAIN_USAGE + '\n');
    return EXIT.ok;
  }
  const resume = single(args, 'resume');
  if (resume !== undefined && args.positionals.length)
    throw new UsageError('--resume takes a run folder instead of an experiment file (see hrnn train --help)');
  for (const option of ['runs-dir', 'parallel', 'sweep-dir', 'sweep-index']) {
    // A resumed run stays in its own folder, alone: these would be silently meaningless.
    if (resume !== undefined && args.values.has(option)) throw new UsageError(`--${option} does not go with --resume (the run continues in its own folder)`);
  }
  if (resume === undefined && args.positionals.length === 0)
    throw new UsageError('give the experiment file to train, e.g. hrnn train examples/adding-T50.hrnn.yaml');
  if (args.positionals.length > 1) throw new UsageError(`takes one experiment file, not ${args.positionals.length} (${args.positionals.join(' ')})`);
  const ipc = args.flags.has('ipc') && typeof process.send === 'function';
  const stop = new StopSignal(io, ipc);
  const channel = ipc ? new IpcChannel(() => stop.request('stopped: the controlling process (the VS Code window) went away')) : null;
  const send: Send | null = channel ? channel.send : null;
  try {
    if (resume !== undefined) {
      const backend = single(args, 'backend');
      if (isSweepFolder(path.resolve(resume))) return await resubmitSweep(path.resolve(resume), args, io, send, stop);
      const overrides = [...(args.values.get('set') ?? []), ...(backend !== undefined ? [`backend=${backend}`] : [])];
      return await resumeRun(resume, overrides, { io, json: args.flags.has('json'), send, stop });
    }
    return await trainCommand(args, io, send, stop);
  } finally {
    await channel?.flush();
  }
}

async function trainCommand(args: ParsedArgs, io: CliIo, send: Send | null, stop: StopSignal): Promise<number> {
  const file = path.resolve(args.positionals[0]);
  const overrides = [...(args.values.get('set') ?? [])];
  const backend = single(args, 'backend');
  if (backend !== undefined) overrides.push(`backend=${backend}`);
  const parallel = parallelism(positiveInt(args, 'parallel') ?? 1, args.flags.has('force'), io);

  const loaded = loadExperimentFile(file, { overrides });
  if (!loaded.ok) {
    const lines = loaded.problems.map((p) => formatProblem(file, p));
    if (send) send({ type: 'refused', problems: lines });
    io.err(lines.join('\n') + '\n');
    return EXIT.failed;
  }
  for (const w of loaded.warnings) {
    const line = formatProblem(file, w);
    if (send) send({ type: 'log', level: 'warn', message: line });
    else io.err(line + '\n');
  }
  const ctx: RunContext = { io, json: args.flags.has('json'), send, stop, experimentFile: file };

  const sweepDir = single(args, 'sweep-dir');
  if (sweepDir !== undefined) {
    // One run of a sweep, started by the sweep's parent with --parallel.
    const index = Number(single(args, 'sweep-index'));
    const run = loaded.runs?.[index];
    if (!run) throw new UsageError(`--sweep-index ${single(args, 'sweep-index')} is not a run of the sweep in ${file}`);
    // The file is the sweep's frozen copy; the run records the experiment file the user started from.
    ctx.experimentFile = readSweepSummary(sweepDir)?.experimentFile || file;
    if (single(args, 'executor-task') !== undefined) {
      // One array task of a sweep on Slurm: records its ids in the run; a member with a folder resumes.
      return await runBatchTask({ run, count: loaded.runs!.length, sweepDir: path.resolve(sweepDir), ctx, overrides: args.values.get('set') ?? [] });
    }
    const outcome = await runOne(run.resolved, sweepDir, ctx, {
      runId: sweepMemberId(run.index, run.parameters, loaded.runs!.length),
      sweep: { id: path.basename(sweepDir), index, parameters: run.parameters, sweepDir, count: loaded.runs!.length },
    });
    return exitCodeFor(outcome.status);
  }

  const executorKind = chosenExecutor(single(args, 'executor'), loaded.input.executor?.kind);
  if (executorKind === 'slurm' && !loaded.runs)
    throw new UsageError('--executor slurm trains a sweep (an experiment with sweep.grid); train a single run here');
  if (args.flags.has('detach') && executorKind !== 'slurm') throw new UsageError('--detach goes with --executor slurm');

  // A run that cannot fit in memory is refused before it allocates anything (the children of a
  // --parallel sweep skip this: their parent checked the whole sweep; a Slurm sweep asks the cluster
  // for its memory with executor.memory instead).
  if (!args.flags.has('force') && executorKind === 'local') {
    const refusal = memoryRefusal(file, loaded, loaded.runs ? parallel : 1);
    if (refusal !== null) {
      if (send) send({ type: 'refused', problems: [refusal] });
      io.err(refusal + '\n');
      return EXIT.failed;
    }
  }

  const runsDir = path.resolve(single(args, 'runs-dir') ?? path.join(path.dirname(file), 'runs'));
  try {
    if (loaded.runs) {
      // Each child of --parallel gets the same overrides and backend.
      const passThrough = backend ? ['--backend', backend] : [];
      const executor = executorKind === 'slurm' ? slurmExecutor(loaded.input.executor, { detach: args.flags.has('detach') }) : new LocalExecutor(parallel);
      return await executor.run({ loaded: { ...loaded, runs: loaded.runs }, runsDir, ctx, passThrough });
    }
    const outcome = await runOne(loaded.resolved!, runsDir, ctx);
    return exitCodeFor(outcome.status);
  } catch (e) {
    // Refusals before the run folder exists (missing backend, unreadable data): one clear line.
    const message = `${file}: error: ${(e as Error).message}`;
    if (send) send({ type: 'refused', problems: [message] });
    io.err(message + '\n');
    return EXIT.failed;
  }
}

function chosenExecutor(flag: string | undefined, fromFile: string | undefined): ExecutorKind {
  const kind = flag ?? fromFile ?? 'local';
  if (!isExecutorKind(kind)) throw new UsageError(`--executor ${kind}: not an executor (local or slurm)`);
  return kind;
}

/**
 * `hrnn train --resume <sweep-folder>`: a sweep on Slurm gets its members that did not complete
 * submitted again (each continues from its checkpoint); `--set` reaches every resumed member, and
 * `--set executor.time=...` changes what the resubmission asks Slurm for.
 */
async function resubmitSweep(sweepDir: string, args: ParsedArgs, io: CliIo, send: Send | null, stop: StopSignal): Promise<number> {
  const sweep = readSweepSummary(sweepDir);
  const kind = chosenExecutor(single(args, 'executor'), sweep?.executor?.kind);
  if (kind !== 'slurm') {
    throw new UsageError(
      `${sweepDir} is a sweep folder: resume its members one by one (hrnn train --resume <run-folder>), or resubmit the sweep with --executor slurm`,
    );
  }
  const sets = args.values.get('set') ?? [];
  const frozen = path.join(sweepDir, RUN_FILES.experiment);
  const loaded = loadExperimentFile(frozen, { overrides: sets });
  if (!loaded.ok) {
    io.err(loaded.problems.map((p) => formatProblem(frozen, p)).join('\n') + '\n');
    return EXIT.failed;
  }
  const backend = single(args, 'backend');
  const passThrough = [...sets.flatMap((s) => ['--set', s]), ...(backend !== undefined ? ['--backend', backend] : [])];
  const ctx: RunContext = { io, json: args.flags.has('json'), send, stop, experimentFile: sweep?.experimentFile ?? frozen };
  return slurmExecutor(loaded.input.executor, { detach: args.flags.has('detach') }).resubmit(sweepDir, passThrough, ctx);
}

/**
 * More trainer processes than cores only make each slower (every trainer uses the cores it finds):
 * `--parallel` is capped at the core count unless `--force` says otherwise.
 */
function parallelism(asked: number, force: boolean, io: CliIo): number {
  const cores = os.availableParallelism();
  if (asked <= cores || force) return asked;
  io.err(`hrnn: --parallel ${asked} capped at ${cores}, the number of CPU cores here (--force runs ${asked} at a time anyway)\n`);
  return cores;
}
