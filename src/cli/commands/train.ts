/**
 * `hrnn train <experiment.yaml>`: validates, then trains one run (or every run of a sweep) and
 * writes run folders. Progress on stderr; `--json` prints the metric records as JSON lines on
 * stdout; `--ipc` (used by the extension's trainer process) sends typed TrainerEvents to the parent.
 */
import path from 'node:path';
import { formatProblem, loadExperimentFile } from '../../experiment';
import { parseArgs, positiveInt, single, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { resumeRun } from '../resumeRun';
import { exitCodeFor, runOne, type RunContext } from '../runOne';
import { sweepMemberId } from '../../runs/layout';
import { runSweep } from '../sweepRunner';
import { IpcChannel, StopSignal, type Send } from '../trainerControl';

export const TRAIN_USAGE = `usage: hrnn train <experiment.yaml> [options]
       hrnn train --resume <run-folder> [--set training.steps=N] [options]
  --resume DIR        continue a stopped or crashed run from its checkpoint (or extend a completed one)
  --runs-dir DIR      where run folders go (default: runs/ beside the experiment file)
  --set path=value    override a key, e.g. --set training.steps=60 (repeatable)
  --backend NAME      auto | tensorflow-gpu | tensorflow | wasm | cpu (same as --set backend=NAME)
  --parallel N        sweeps: run N runs at a time, each in its own process (default 1)
  --json              print metric records as JSON lines on stdout instead of a progress bar
  --ipc               talk to a parent process over the Node IPC channel (used by the VS Code extension)`;

const SPEC = {
  'runs-dir': { value: true },
  resume: { value: true },
  set: { value: true, repeatable: true },
  backend: { value: true },
  parallel: { value: true },
  json: { value: false },
  ipc: { value: false },
  // Internal: one run of a sweep, started by the sweep's parent process.
  'sweep-dir': { value: true },
  'sweep-index': { value: true },
} as const;

export async function runTrain(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const resume = single(args, 'resume');
  if (resume !== undefined && args.positionals.length) throw new UsageError(`hrnn train --resume takes a run folder instead of an experiment file\n${TRAIN_USAGE}`);
  if (resume === undefined && args.positionals.length !== 1) throw new UsageError(`hrnn train takes one experiment file\n${TRAIN_USAGE}`);
  const ipc = args.flags.has('ipc') && typeof process.send === 'function';
  const stop = new StopSignal(io, ipc);
  const channel = ipc ? new IpcChannel(() => stop.request('stopped: the controlling process (the VS Code window) went away')) : null;
  const send: Send | null = channel ? channel.send : null;
  try {
    if (resume !== undefined) {
      const backend = single(args, 'backend');
      const overrides = [...(args.values.get('set') ?? []), ...(backend !== undefined ? [`backend=${backend}`] : [])];
      return await resumeRun(resume, overrides, { io, json: args.flags.has('json'), send, stop });
    }
    return await trainCommand(args, io, send, stop);
  } finally {
    await channel?.flush();
  }
}

async function trainCommand(
  args: ReturnType<typeof parseArgs>,
  io: CliIo,
  send: Send | null,
  stop: StopSignal,
): Promise<number> {
  const file = path.resolve(args.positionals[0]);
  const overrides = [...(args.values.get('set') ?? [])];
  const backend = single(args, 'backend');
  if (backend !== undefined) overrides.push(`backend=${backend}`);
  const parallel = positiveInt(args, 'parallel') ?? 1;

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
    const outcome = await runOne(run.resolved, sweepDir, ctx, {
      runId: sweepMemberId(run.index, run.parameters, loaded.runs!.length),
      sweep: { id: path.basename(sweepDir), index, parameters: run.parameters, sweepDir, count: loaded.runs!.length },
    });
    return exitCodeFor(outcome.status);
  }

  const runsDir = path.resolve(single(args, 'runs-dir') ?? path.join(path.dirname(file), 'runs'));
  try {
    if (loaded.runs) {
      // Each child of --parallel gets the same overrides and backend.
      const passThrough = [...(args.values.get('set') ?? []).flatMap((s) => ['--set', s]), ...(backend ? ['--backend', backend] : [])];
      return await runSweep({ ...loaded, runs: loaded.runs }, runsDir, parallel, ctx, passThrough);
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
