/**
 * `hrnn train <experiment.yaml>`: validates, then trains one run (or every run of a sweep) and
 * writes run folders. Progress on stderr; `--json` prints the metric records as JSON lines on
 * stdout; `--ipc` (used by the extension's trainer process) sends typed TrainerEvents to the parent.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { trainExperiment, type TrainHooks, type TrainOutcome } from '../../engine/train/trainer';
import { makeRunId, writeFileAtomic } from '../../engine/train/runFolderWriter';
import { formatProblem, loadExperimentFile, type ExpandedRun, type LoadSuccess } from '../../experiment';
import type { ResolvedExperiment } from '../../experiment/schema';
import { RUN_FORMAT_VERSION, type RunStatus, type SweepSummary } from '../../protocol/records';
import { isTrainerEvent, type TrainerCommand, type TrainerEvent } from '../../protocol/trainer';
import { readSummary } from '../../runs/runFolder';
import { parseArgs, positiveInt, single, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';
import { ProgressReporter } from '../progressBar';

export const TRAIN_USAGE = `usage: hrnn train <experiment.yaml> [options]
  --runs-dir DIR      where run folders go (default: runs/ beside the experiment file)
  --set path=value    override a key, e.g. --set training.steps=60 (repeatable)
  --backend NAME      auto | tensorflow-gpu | tensorflow | wasm | cpu (same as --set backend=NAME)
  --parallel N        sweeps: run N runs at a time, each in its own process (default 1)
  --json              print metric records as JSON lines on stdout instead of a progress bar
  --ipc               talk to a parent process over the Node IPC channel (used by the VS Code extension)`;

const SPEC = {
  'runs-dir': { value: true },
  set: { value: true, repeatable: true },
  backend: { value: true },
  parallel: { value: true },
  json: { value: false },
  ipc: { value: false },
  // Internal: one run of a sweep, started by the sweep's parent process.
  'sweep-dir': { value: true },
  'sweep-index': { value: true },
} as const;

type Send = (event: TrainerEvent) => void;

/**
 * The IPC channel to the parent (the extension's supervisor). Sends never throw: once the parent
 * is gone (window reload, crash) events are dropped, and the run stops gracefully so its folder
 * ends `stopped` with a checkpoint rather than a stale `running`. `flush` waits until every sent
 * event has left the process, so the last ones are not lost to an early exit.
 */
class IpcChannel {
  private connected = true;
  private pending = new Set<Promise<void>>();

  constructor(onDisconnect: () => void) {
    process.on('disconnect', () => {
      this.connected = false;
      onDisconnect();
    });
  }

  readonly send: Send = (event) => {
    if (!this.connected || !process.send) return;
    const done = new Promise<void>((resolve) => {
      try {
        process.send!(event, undefined, {}, () => resolve());
      } catch {
        this.connected = false;
        resolve();
      }
    });
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  };

  async flush(timeoutMs = 5000): Promise<void> {
    if (!this.pending.size) return;
    await Promise.race([Promise.all(this.pending), new Promise((r) => setTimeout(r, timeoutMs))]);
  }
}

/** Stop requests: Ctrl-C / SIGTERM or `{type: 'stop'}` over IPC. A second Ctrl-C exits at once. */
class StopSignal {
  requested = false;
  reason = 'stopped by the user';
  private listeners: Array<() => void> = [];

  constructor(io: CliIo, ipc: boolean) {
    const onSignal = (sig: NodeJS.Signals) => {
      if (this.requested && sig === 'SIGINT') {
        io.err('\nhrnn: second interrupt, exiting without a final checkpoint\n');
        process.exit(130);
      }
      if (!this.requested) io.err(`\nhrnn: ${sig}: stopping after the current step (Ctrl-C again to exit now)\n`);
      this.request(sig === 'SIGINT' ? 'stopped by the user (Ctrl-C)' : `stopped by ${sig}`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (ipc) {
      process.on('message', (m: unknown) => {
        if ((m as TrainerCommand | null)?.type === 'stop') this.request('stopped by the user');
      });
    }
  }

  request(reason: string): void {
    if (this.requested) return;
    this.requested = true;
    this.reason = reason;
    for (const l of this.listeners) l();
  }

  onRequest(listener: () => void): void {
    this.listeners.push(listener);
  }
}

function exitCodeFor(status: RunStatus): number {
  if (status === 'completed' || status === 'stopped') return EXIT.ok;
  return status === 'diverged' ? EXIT.diverged : EXIT.failed;
}

function describeBest(outcome: TrainOutcome): string {
  const best = outcome.summary.best;
  if (!best) return 'no evaluation';
  const test = best.test;
  if (test?.accuracy !== undefined) return `best validation accuracy ${(best.accuracy! * 100).toFixed(2)}% at step ${best.step}, test accuracy ${(test.accuracy * 100).toFixed(2)}%`;
  if (best.mse !== undefined) return `best ${best.split} MSE ${best.mse.toPrecision(4)} at step ${best.step}`;
  if (best.accuracy !== undefined) return `best ${best.split} accuracy ${(best.accuracy * 100).toFixed(2)}% at step ${best.step}`;
  return `best ${best.split} loss ${best.loss.toPrecision(4)} at step ${best.step}`;
}

interface RunContext {
  io: CliIo;
  json: boolean;
  send: Send | null;
  stop: StopSignal;
  experimentFile: string;
}

async function runOne(
  exp: ResolvedExperiment,
  runsDir: string,
  ctx: RunContext,
  extra: { runId?: string; sweep?: { id: string; index: number; parameters: Record<string, unknown>; sweepDir: string; count: number } } = {},
): Promise<TrainOutcome> {
  const progress = ctx.json || ctx.send ? null : new ProgressReporter(process.stderr);
  let runDir = '';
  let runId = extra.runId ?? '';
  const hooks: TrainHooks = {
    shouldStop: () => ctx.stop.requested,
    stopReason: () => ctx.stop.reason,
    onStart: (info) => {
      runDir = info.runDir;
      runId = info.runId;
      if (!ctx.json && !ctx.send) {
        ctx.io.err(
          `hrnn: run ${info.runId}\n  folder      ${info.runDir}\n  backend     ${info.backend.description}\n  recurrence  ${info.implementation}: ${info.implementationDetail}\n`,
        );
      }
      ctx.send?.({
        type: 'runStarted',
        runId: info.runId,
        runDir: info.runDir,
        experimentFile: ctx.experimentFile,
        backend: info.backend.name,
        implementation: info.implementation,
        totalSteps: info.totalSteps,
        ...(extra.sweep ? { sweep: { sweepDir: extra.sweep.sweepDir, index: extra.sweep.index, count: extra.sweep.count } } : {}),
      });
    },
    onRecord: (record) => {
      if (ctx.json) ctx.io.out(JSON.stringify(record) + '\n');
      ctx.send?.({ type: 'record', runId, runDir, record });
    },
    onProgress: (p) =>
      progress?.update({ label: exp.name, step: p.step, total: p.totalSteps, loss: p.loss, stepsPerSecond: p.stepsPerSecond }),
    onLog: (level, message) => {
      if (ctx.send) ctx.send({ type: 'log', level, message });
      else if (level !== 'info' || !ctx.json) {
        progress?.clear();
        ctx.io.err(`hrnn: ${level === 'info' ? '' : level + ': '}${message}\n`);
      }
    },
  };
  const outcome = await trainExperiment(exp, {
    runsDir,
    experimentFile: ctx.experimentFile,
    runId: extra.runId,
    sweep: extra.sweep ? { id: extra.sweep.id, index: extra.sweep.index, parameters: extra.sweep.parameters } : undefined,
    hooks,
  });
  progress?.clear();
  ctx.send?.({ type: 'runEnded', runId: outcome.runId, runDir: outcome.runDir, status: outcome.status, summary: outcome.summary });
  if (!ctx.send) {
    const line = `hrnn: ${outcome.status} after ${outcome.summary.stepsDone} steps (${(outcome.summary.durationMs / 1000).toFixed(1)} s); ${describeBest(outcome)}${outcome.summary.message && outcome.status !== 'completed' ? `\n  ${outcome.summary.message}` : ''}\n`;
    ctx.io.err(line);
    if (!ctx.json) ctx.io.out(`${outcome.runDir}\n`);
  }
  return outcome;
}

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

async function runSweep(loaded: LoadSuccess & { runs: ExpandedRun[] }, runsDir: string, parallel: number, ctx: RunContext, argv: readonly string[]): Promise<number> {
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
    worst = await runSweepInChildren(runs, summary, sweepDir, parallel, ctx, argv, settle);
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
  argv: readonly string[],
  settle: (index: number) => void,
): Promise<number> {
  const passThrough: string[] = [];
  const parsed = parseArgs(argv, SPEC);
  for (const s of parsed.values.get('set') ?? []) passThrough.push('--set', s);
  const backend = single(parsed, 'backend');
  if (backend) passThrough.push('--backend', backend);
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

export async function runTrain(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (args.positionals.length !== 1) throw new UsageError(`hrnn train takes one experiment file\n${TRAIN_USAGE}`);
  const ipc = args.flags.has('ipc') && typeof process.send === 'function';
  const stop = new StopSignal(io, ipc);
  const channel = ipc ? new IpcChannel(() => stop.request('stopped: the controlling process (the VS Code window) went away')) : null;
  const send: Send | null = channel ? channel.send : null;
  try {
    return await trainCommand(args, io, send, stop, argv);
  } finally {
    await channel?.flush();
  }
}

async function trainCommand(
  args: ReturnType<typeof parseArgs>,
  io: CliIo,
  send: Send | null,
  stop: StopSignal,
  argv: readonly string[],
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
      runId: sweepRunId(run, loaded.runs!.length),
      sweep: { id: path.basename(sweepDir), index, parameters: run.parameters, sweepDir, count: loaded.runs!.length },
    });
    return exitCodeFor(outcome.status);
  }

  const runsDir = path.resolve(single(args, 'runs-dir') ?? path.join(path.dirname(file), 'runs'));
  try {
    if (loaded.runs) return await runSweep({ ...loaded, runs: loaded.runs }, runsDir, parallel, ctx, argv);
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
