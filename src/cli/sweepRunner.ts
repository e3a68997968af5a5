/**
 * Sweeps: every combination of the grid as an ordinary run folder inside one sweep folder with
 * sweep.json; sequential, or `--parallel N` child processes (`hrnn train --sweep-index i --ipc`).
 */
import { fork } from 'node:child_process';
import type { ExpandedRun, LoadSuccess } from '../experiment';
import { isTrainerEvent, type TrainerCommand } from '../protocol/trainer';
import { makeRunId, sweepMemberId } from '../runs/layout';
import { SweepFolderWriter } from '../runs/sweepFolder';
import { EXIT } from './io';
import { exitCodeFor, runOne, type RunContext } from './runOne';

/**
 * Runs every combination of a sweep into `<runsDir>/<name>-sweep-<stamp>/`, keeping sweep.json up to
 * date. `passThrough` are the options each child process of `--parallel` gets (`--set`, `--backend`).
 */
export async function runSweep(
  loaded: LoadSuccess & { runs: ExpandedRun[] },
  runsDir: string,
  parallel: number,
  ctx: RunContext,
  passThrough: readonly string[],
): Promise<number> {
  const runs = loaded.runs;
  const name = runs[0].resolved.name;
  const sweepId = makeRunId(`${name}-sweep`);
  const sweep = SweepFolderWriter.create(runsDir, {
    sweepId,
    name,
    experimentFile: ctx.experimentFile,
    grid: loaded.input.sweep?.grid ?? {},
    members: runs.map((r) => ({ index: r.index, runId: sweepMemberId(r.index, r.parameters, runs.length), parameters: r.parameters })),
  });
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
  if (!ctx.send && !ctx.json) ctx.io.out(`${sweepDir}\n`);
  return worst;
}

/** `--parallel N`: each run in its own process (`hrnn train <file> --sweep-dir D --sweep-index i --ipc`). */
async function runSweepInChildren(
  runs: ExpandedRun[],
  sweep: SweepFolderWriter,
  parallel: number,
  ctx: RunContext,
  passThrough: readonly string[],
): Promise<number> {
  const sweepDir = sweep.sweepDir;
  const script = process.argv[1];
  const children = new Set<ReturnType<typeof fork>>();
  ctx.stop.onRequest(() => children.forEach((c) => c.connected && c.send({ type: 'stop' } satisfies TrainerCommand)));
  let next = 0;
  let worst: number = EXIT.ok;
  const startNext = (): Promise<void> | null => {
    if (next >= runs.length || ctx.stop.requested) return null;
    const run = runs[next++];
    sweep.setStatus(run.index, 'running');
    return new Promise<void>((resolve) => {
      const child = fork(script, ['train', ctx.experimentFile, '--sweep-dir', sweepDir, '--sweep-index', String(run.index), '--ipc', ...passThrough], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        execArgv: [],
      });
      children.add(child);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('message', (m: unknown) => {
        if (!isTrainerEvent(m)) return;
        if (ctx.send) ctx.send(m);
        else if (m.type === 'runEnded') ctx.io.err(`hrnn: [${run.index + 1}/${runs.length}] ${m.runId}: ${m.status}\n`);
        else if (m.type === 'log' && m.level !== 'info') ctx.io.err(`hrnn: [${m.level}] ${m.message}\n`);
      });
      child.on('exit', (code) => {
        children.delete(child);
        if (code !== 0 && stderr.trim() && !ctx.send) ctx.io.err(stderr);
        worst = Math.max(worst, code ?? EXIT.failed);
        sweep.settle(run.index);
        resolve();
      });
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
