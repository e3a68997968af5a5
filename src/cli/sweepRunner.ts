/**
 * Sweeps: every combination of the grid as an ordinary run folder inside one sweep folder with
 * sweep.json; sequential, or `--parallel N` child processes (`hrnn train --sweep-index i --ipc`).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRunId, writeFileAtomic } from '../engine/train/runFolderWriter';
import type { ExpandedRun, LoadSuccess } from '../experiment';
import { RUN_FORMAT_VERSION, type SweepSummary } from '../protocol/records';
import { isTrainerEvent, type TrainerCommand } from '../protocol/trainer';
import { readSummary } from '../runs/runFolder';
import { EXIT } from './io';
import { exitCodeFor, runOne, type RunContext } from './runOne';

/** A readable, filesystem-safe folder name for one sweep run: `03-tau-0.001_kind-tanh-rnn`. */
export function sweepRunId(run: ExpandedRun, count: number): string {
  const digits = String(Math.max(1, count - 1)).length;
  const parts = Object.entries(run.parameters).map(([k, v]) => `${k.split('.').pop()}-${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const label = parts.join('_').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80);
  return `${String(run.index).padStart(digits, '0')}${label ? '-' + label : ''}`;
}

function writeSweepSummary(sweepDir: string, summary: SweepSummary): void {
  writeFileAtomic(path.join(sweepDir, 'sweep.json'), JSON.stringify(summary, null, 2) + '\n');
}

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
  const sweepDir = path.join(runsDir, sweepId);
  fs.mkdirSync(sweepDir, { recursive: true });
  const summary: SweepSummary = {
    formatVersion: RUN_FORMAT_VERSION,
    sweepId,
    name,
    experimentFile: ctx.experimentFile,
    grid: loaded.input.sweep?.grid ?? {},
    runs: runs.map((r) => ({ index: r.index, runId: sweepRunId(r, runs.length), parameters: r.parameters, status: 'pending', best: null })),
    startedAt: new Date().toISOString(),
    endedAt: null,
  };
  writeSweepSummary(sweepDir, summary);
  ctx.send?.({ type: 'sweepStarted', sweepDir, count: runs.length });
  if (!ctx.send) ctx.io.err(`hrnn: sweep of ${runs.length} runs in ${sweepDir}${parallel > 1 ? ` (${parallel} at a time)` : ''}\n`);

  const settle = (index: number) => {
    const entry = summary.runs[index];
    const s = readSummary(path.join(sweepDir, entry.runId));
    entry.status = s?.status ?? 'failed';
    entry.best = s?.best ?? null;
    if (s) {
      entry.final = s.final;
      entry.stepsDone = s.stepsDone;
    }
    writeSweepSummary(sweepDir, summary);
  };

  let worst: number = EXIT.ok;
  if (parallel <= 1) {
    for (const run of runs) {
      if (ctx.stop.requested) break;
      const runId = summary.runs[run.index].runId;
      summary.runs[run.index].status = 'running';
      writeSweepSummary(sweepDir, summary);
      const outcome = await runOne(run.resolved, sweepDir, ctx, {
        runId,
        sweep: { id: sweepId, index: run.index, parameters: run.parameters, sweepDir, count: runs.length },
      });
      settle(run.index);
      worst = Math.max(worst, exitCodeFor(outcome.status));
    }
  } else {
    worst = await runSweepInChildren(runs, summary, sweepDir, parallel, ctx, passThrough, settle);
  }
  summary.endedAt = new Date().toISOString();
  writeSweepSummary(sweepDir, summary);
  ctx.send?.({ type: 'sweepEnded', sweepDir });
  if (!ctx.send && !ctx.json) ctx.io.out(`${sweepDir}\n`);
  return worst;
}

/** `--parallel N`: each run in its own process (`hrnn train <file> --sweep-dir D --sweep-index i --ipc`). */
async function runSweepInChildren(
  runs: ExpandedRun[],
  summary: SweepSummary,
  sweepDir: string,
  parallel: number,
  ctx: RunContext,
  passThrough: readonly string[],
  settle: (index: number) => void,
): Promise<number> {
  const script = process.argv[1];
  const children = new Set<ReturnType<typeof fork>>();
  ctx.stop.onRequest(() => children.forEach((c) => c.connected && c.send({ type: 'stop' } satisfies TrainerCommand)));
  let next = 0;
  let worst: number = EXIT.ok;
  const startNext = (): Promise<void> | null => {
    if (next >= runs.length || ctx.stop.requested) return null;
    const run = runs[next++];
    summary.runs[run.index].status = 'running';
    writeSweepSummary(sweepDir, summary);
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
        settle(run.index);
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
