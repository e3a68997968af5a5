/**
 * Sweeps: every run of the sweep (grid, random draws, seeds) as an ordinary run folder inside one sweep folder with
 * sweep.json; sequential, or `--parallel N` child processes (`hrnn train --sweep-index i --ipc`).
 */
import path from 'node:path';
import YAML from 'yaml';
import { sweepPlan, type ExpandedRun, type ExperimentInput, type LoadSuccess } from '../experiment';
import { sweepMemberArguments } from '../process/trainerArguments';
import { TrainerProcess } from '../process/trainerProcess';
import { makeRunId, sweepMemberId } from '../runs/layout';
import { markRunInterrupted } from '../runs/runWriter';
import { readSummary } from '../runs/runFolder';
import { SweepFolderWriter } from '../runs/sweepFolder';
import type { SweepSummary } from '../protocol/records';
import { EXIT } from './io';
import { exitCodeFor, runOne, type RunContext } from './runOne';
import { sweepResultsTable } from './sweepResults';

/**
 * Creates `<runsDir>/<name>-sweep-<stamp>/` with sweep.json (every member pending) and the frozen copy
 * of the experiment the members train from (overrides applied): the start of a sweep on any executor.
 */
export function createSweepFolder(loaded: LoadSuccess & { runs: ExpandedRun[] }, runsDir: string, experimentFile: string): SweepFolderWriter {
  const runs = loaded.runs;
  const name = runs[0].resolved.name;
  return SweepFolderWriter.create(runsDir, {
    sweepId: makeRunId(`${name}-sweep`),
    name,
    experimentFile,
    grid: loaded.input.sweep?.grid ?? {},
    ...sweepRecordOf(loaded.input),
    members: runs.map((r) => ({ index: r.index, runId: sweepMemberId(r.index, r.parameters, runs.length), parameters: r.parameters })),
    frozenExperiment: `# Frozen copy of ${experimentFile} as this sweep was started (command-line overrides applied).\n# The sweep's members train from this file, so editing the original does not change a running sweep.\n${YAML.stringify(loaded.input)}`,
  });
}

/**
 * Runs every combination of a sweep into `<runsDir>/<name>-sweep-<stamp>/`, keeping sweep.json up to
 * date. `passThrough` are the options each child process of `--parallel` gets (`--backend`); the
 * children read the experiment from the sweep folder's frozen copy, with the overrides already in it.
 */
export async function runSweep(
  loaded: LoadSuccess & { runs: ExpandedRun[] },
  runsDir: string,
  parallel: number,
  ctx: RunContext,
  passThrough: readonly string[],
): Promise<number> {
  const runs = loaded.runs;
  const sweep = createSweepFolder(loaded, runsDir, ctx.experimentFile);
  const sweepId = sweep.summary.sweepId;
  const sweepDir = sweep.sweepDir;
  ctx.send?.({ type: 'sweepStarted', sweepDir, count: runs.length });
  if (!ctx.send) ctx.io.err(`hrnn: sweep of ${runs.length} runs in ${sweepDir}${parallel > 1 ? ` (${parallel} at a time)` : ''}\n`);

  let worst: number = EXIT.ok;
  if (parallel <= 1) {
    for (const run of runs) {
      if (ctx.stop.requested) break;
      const runId = sweep.summary.runs[run.index].runId;
      sweep.setStatus(run.index, 'running');
      const outcome = await runOne(run.resolved, sweepDir, ctx, {
        runId,
        sweep: { id: sweepId, index: run.index, parameters: run.parameters, sweepDir, count: runs.length },
      });
      sweep.settle(run.index);
      worst = Math.max(worst, exitCodeFor(outcome.status));
    }
  } else {
    worst = await runSweepInChildren(runs, sweep, parallel, ctx, passThrough);
  }
  sweep.end();
  ctx.send?.({ type: 'sweepEnded', sweepDir });
  if (!ctx.send && !ctx.json) {
    // The answer first (on stderr, with the progress), then the folder on stdout for scripts.
    const members = sweep.summary.runs.map((r, i) => ({
      runId: r.runId,
      parameters: r.parameters,
      status: r.status,
      summary: readSummary(sweep.memberDir(i)),
    }));
    ctx.io.err(`hrnn: sweep results, best first:\n${sweepResultsTable(members)}`);
    ctx.io.out(`${sweepDir}\n`);
  }
  return worst;
}

/** What sweep.json records of `sweep.random` and `sweep.seeds` (the seeds resolved from a count). */
export function sweepRecordOf(input: ExperimentInput): Pick<SweepSummary, 'random' | 'seeds'> {
  const plan = sweepPlan(input);
  const record: Pick<SweepSummary, 'random' | 'seeds'> = {};
  if (plan.random) record.random = { count: plan.random.count, seed: plan.random.seed, parameters: Object.fromEntries(plan.random.parameters) };
  if (plan.seeds) record.seeds = plan.seeds;
  return record;
}

/** How long a child of `--parallel` gets to stop (finish its step, write a checkpoint) before it is killed. */
export const SWEEP_CHILD_STOP_TIMEOUT_MS = 30_000;

export interface ChildSweepOptions {
  /** Default SWEEP_CHILD_STOP_TIMEOUT_MS. */
  stopTimeoutMs?: number;
}

/** `--parallel N`: each run in its own process (`hrnn train <file> --sweep-dir D --sweep-index i --ipc`). */
async function runSweepInChildren(
  runs: ExpandedRun[],
  sweep: SweepFolderWriter,
  parallel: number,
  ctx: RunContext,
  passThrough: readonly string[],
  options: ChildSweepOptions = {},
): Promise<number> {
  const sweepDir = sweep.sweepDir;
  const script = process.argv[1];
  const stopTimeoutMs = options.stopTimeoutMs ?? SWEEP_CHILD_STOP_TIMEOUT_MS;
  const children = new Set<TrainerProcess>();
  // Ctrl-C / SIGTERM / a stop message: every child stops gracefully, and is killed if that takes
  // longer than stopTimeoutMs. (Should this process exit at once instead, on a second Ctrl-C, each
  // child sees its IPC channel close and stops on its own.)
  ctx.stop.onRequest(() => children.forEach((c) => void c.stop(stopTimeoutMs)));
  let next = 0;
  let worst: number = EXIT.ok;
  const startNext = (): Promise<void> | null => {
    if (next >= runs.length || ctx.stop.requested) return null;
    const run = runs[next++];
    sweep.setStatus(run.index, 'running');
    const child = new TrainerProcess({
      script,
      args: sweepMemberArguments({ experimentFile: sweep.frozenExperimentFile, sweepDir, index: run.index, passThrough }),
    });
    children.add(child);
    const stderr: string[] = [];
    let runDir: string | undefined;
    child.onOutput(({ stream, line }) => stream === 'stderr' && stderr.push(line));
    child.onEvent((m) => {
      if (m.type === 'runStarted') runDir = m.runDir;
      if (ctx.send) ctx.send(m);
      else if (m.type === 'runEnded') ctx.io.err(`hrnn: [${run.index + 1}/${runs.length}] ${m.runId}: ${m.status}\n`);
      else if (m.type === 'log' && m.level !== 'info') ctx.io.err(`hrnn: [${m.level}] ${m.message}\n`);
    });
    return child.exited.then((exit) => {
      children.delete(child);
      if (exit.code !== 0 && stderr.length && !ctx.send) ctx.io.err(stderr.join('\n') + '\n');
      // A child killed (or crashed) mid-run did not write how its run ended: say it in the folder.
      const message = exit.forced
        ? `the trainer did not stop within ${stopTimeoutMs / 1000} s and was killed; no final checkpoint`
        : `the trainer process ended unexpectedly (${exit.signal ?? `exit code ${exit.code}`})`;
      const status = exit.forced ? 'failed' : 'crashed';
      if (runDir && markRunInterrupted(runDir, status, message) && !ctx.send) {
        ctx.io.err(`hrnn: [${run.index + 1}/${runs.length}] ${path.basename(runDir)}: ${status}: ${message}\n`);
      }
      worst = Math.max(worst, exit.code ?? EXIT.failed);
      sweep.settle(run.index);
    });
  };
  const lanes: Array<Promise<void>> = [];
  for (let lane = 0; lane < parallel; lane++) {
    lanes.push(
      (async () => {
        for (let p = startNext(); p; p = startNext()) await p;
      })(),
    );
  }
  await Promise.all(lanes);
  return worst;
}
