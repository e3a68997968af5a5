/**
 * Supervises trainer processes: starts them within the concurrency limit, folds their events into
 * per-run progress, stops them gracefully (then by force) and repairs the run folder of a process
 * that died without saying how its run ended. Free of `vscode`; the commands and the status bar
 * listen to its events.
 */
import type { TrainerEvent } from '../../protocol/trainer';
import { Emitter, type Event } from '../../process/emitter';
import { trainArguments, type TrainArgumentsInput } from '../../process/trainerArguments';
import { TrainerProcess, type TrainerExit } from '../../process/trainerProcess';
import { readSummary } from '../../runs/runFolder';
import { markRunInterrupted } from '../../runs/runWriter';
import { RunProgressTracker, type RunProgress } from './runProgress';

/** What "Train" starts: the experiment, where its runs go, and the trainer process to run it in. */
export interface TrainerLaunch extends TrainArgumentsInput {
  /** The bundled CLI, `<extension>/dist/cli.js`. */
  cliPath: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export function startTrainerProcess(launch: TrainerLaunch): TrainerProcess {
  return new TrainerProcess({ script: launch.cliPath, args: trainArguments(launch), cwd: launch.cwd, env: launch.env });
}

export type SessionState = 'running' | 'stopping' | 'ended';

/** How a training session ended, as the user should hear it. */
export type SessionOutcome =
  | { kind: 'finished'; runs: RunProgress[] }
  | { kind: 'refused'; problems: string[] }
  | { kind: 'crashed'; code: number | null; signal: string | null; runs: RunProgress[] };

export class ConcurrencyLimitError extends Error {
  constructor(readonly limit: number) {
    super(`${limit} training run${limit === 1 ? ' is' : 's are'} already running (the maximum set by hamiltonianRnn.maxConcurrentRuns)`);
  }
}

export class TrainingSession {
  private static nextId = 1;
  readonly id = TrainingSession.nextId++;
  readonly startedAt = Date.now();
  state: SessionState = 'running';
  readonly runs = new Map<string, RunProgressTracker>();
  currentRunId: string | undefined;
  sweep: { sweepDir: string; count: number } | undefined;
  refusedProblems: string[] | undefined;
  exit: TrainerExit | undefined;
  outcome: SessionOutcome | undefined;
  /** Last lines of stderr, kept for the message when the process crashes. */
  readonly stderrTail: string[] = [];
  private resolveEnded!: () => void;
  /** Resolves once the process has exited and `outcome` is set. */
  readonly ended: Promise<void> = new Promise((resolve) => (this.resolveEnded = resolve));

  constructor(
    readonly process: TrainerProcess,
    readonly experimentFile: string,
    readonly runsDir: string,
  ) {}

  get currentRun(): RunProgress | undefined {
    return this.currentRunId ? this.runs.get(this.currentRunId)?.progress : undefined;
  }

  /** @internal Called by the supervisor when the process is gone. */
  markEnded(): void {
    this.resolveEnded();
  }

  get runList(): RunProgress[] {
    return [...this.runs.values()].map((t) => t.progress);
  }
}

export interface SupervisorOptions {
  maxConcurrentRuns: () => number;
  stopTimeoutMs: () => number;
  /** Creates the process; replaced in tests. */
  spawn?: (launch: TrainerLaunch) => TrainerProcess;
}

export interface SessionEvent {
  session: TrainingSession;
  event: TrainerEvent;
}

export class TrainingSupervisor {
  private readonly sessions = new Set<TrainingSession>();
  private readonly startedEmitter = new Emitter<TrainingSession>();
  private readonly eventEmitter = new Emitter<SessionEvent>();
  private readonly endedEmitter = new Emitter<TrainingSession>();
  private readonly outputEmitter = new Emitter<{ session: TrainingSession; stream: 'stdout' | 'stderr'; line: string }>();

  readonly onDidStartSession: Event<TrainingSession> = this.startedEmitter.event;
  /** Every trainer event, after the session's progress has been updated. */
  readonly onDidReceiveEvent: Event<SessionEvent> = this.eventEmitter.event;
  readonly onDidEndSession: Event<TrainingSession> = this.endedEmitter.event;
  readonly onDidOutput = this.outputEmitter.event;

  constructor(private readonly options: SupervisorOptions) {}

  get activeSessions(): TrainingSession[] {
    return [...this.sessions].filter((s) => s.state !== 'ended');
  }

  /** Runs being trained now, across sessions, newest session first. */
  get activeRuns(): RunProgress[] {
    return this.activeSessions.reverse().flatMap((s) => (s.currentRun && s.currentRun.status === 'running' ? [s.currentRun] : []));
  }

  start(launch: TrainerLaunch): TrainingSession {
    const limit = Math.max(1, Math.floor(this.options.maxConcurrentRuns()));
    if (this.activeSessions.length >= limit) throw new ConcurrencyLimitError(limit);
    const proc = (this.options.spawn ?? startTrainerProcess)(launch);
    const session = new TrainingSession(proc, launch.experimentFile, launch.runsDir);
    this.sessions.add(session);
    proc.onEvent((event) => {
      this.apply(session, event);
      this.eventEmitter.fire({ session, event });
    });
    proc.onOutput(({ stream, line }) => {
      if (stream === 'stderr') {
        session.stderrTail.push(line);
        if (session.stderrTail.length > 20) session.stderrTail.shift();
      }
      this.outputEmitter.fire({ session, stream, line });
    });
    void proc.exited.then((exit) => this.finish(session, exit));
    this.startedEmitter.fire(session);
    return session;
  }

  /** Graceful stop of one session (all sessions when none is given). */
  async stop(session?: TrainingSession): Promise<void> {
    const targets = session ? [session] : this.activeSessions;
    await Promise.all(
      targets.map((s) => {
        if (s.state === 'running') s.state = 'stopping';
        return s.process.stop(this.options.stopTimeoutMs());
      }),
    );
  }

  /** The session training `runDir`, if any. */
  sessionForRun(runDir: string): TrainingSession | undefined {
    return this.activeSessions.find((s) => s.runList.some((r) => r.runDir === runDir));
  }

  dispose(): void {
    for (const s of this.activeSessions) s.process.kill();
    this.startedEmitter.dispose();
    this.eventEmitter.dispose();
    this.endedEmitter.dispose();
    this.outputEmitter.dispose();
  }

  private apply(session: TrainingSession, event: TrainerEvent): void {
    switch (event.type) {
      case 'runStarted':
        session.runs.set(event.runId, new RunProgressTracker({ runId: event.runId, runDir: event.runDir, totalSteps: event.totalSteps, sweep: event.sweep }));
        session.currentRunId = event.runId;
        break;
      case 'record':
        session.runs.get(event.runId)?.addRecord(event.record);
        break;
      case 'runEnded':
        session.runs.get(event.runId)?.end(event.status, event.summary);
        break;
      case 'sweepStarted':
        session.sweep = { sweepDir: event.sweepDir, count: event.count };
        break;
      case 'refused':
        session.refusedProblems = event.problems;
        break;
      case 'sweepEnded':
      case 'log':
      case 'exit':
        break;
    }
  }

  private finish(session: TrainingSession, exit: TrainerExit): void {
    session.exit = exit;
    session.state = 'ended';
    // A run the process left as `running` (killed, crashed) must not look alive forever on disk.
    let interrupted = false;
    for (const run of session.runList) {
      if (run.status !== 'running') continue;
      const onDisk = readSummary(run.runDir);
      if (onDisk && onDisk.status !== 'running') {
        // The process wrote the end but its last message did not arrive: the folder is the truth.
        run.status = onDisk.status;
        run.summary = onDisk;
        continue;
      }
      const message = exit.forced
        ? 'the trainer did not stop in time and was killed; no final checkpoint'
        : `the trainer process ended unexpectedly (${exit.signal ?? `exit code ${exit.code}`})`;
      interrupted = true;
      run.status = 'failed';
      markRunInterrupted(run.runDir, 'failed', message);
      run.summary = readSummary(run.runDir) ?? run.summary;
    }
    // The trainer reported the end of every run it started (completed, stopped, failed, diverged):
    // its exit code only repeats that. Otherwise the process died on its own.
    const sweepCutShort = session.sweep !== undefined && session.runs.size < session.sweep.count && !session.process.stopping;
    if (session.refusedProblems) session.outcome = { kind: 'refused', problems: session.refusedProblems };
    else if (!interrupted && (exit.code === 0 || (session.runs.size > 0 && !sweepCutShort))) session.outcome = { kind: 'finished', runs: session.runList };
    else session.outcome = { kind: 'crashed', code: exit.code, signal: exit.signal, runs: session.runList };
    this.sessions.delete(session);
    session.markEnded();
    this.endedEmitter.fire(session);
  }
}
