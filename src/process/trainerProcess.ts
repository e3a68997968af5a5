/**
 * One trainer child process: a fork of the CLI script (`train ... --ipc`) so that training never
 * runs on the caller's thread. Used by the extension's supervisor (one experiment) and by the CLI's
 * `--parallel` sweeps (one run each). Speaks the typed protocol of `src/protocol/trainer.ts` over the
 * Node IPC channel, reports stdout/stderr lines, stops gracefully and kills after a timeout. Free of
 * `vscode` and of the engine (unit-tested in Node); the command lines live in `trainerArguments.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { isTrainerEvent, type TrainerCommand, type TrainerEvent } from '../protocol/trainer';
import { Emitter, type Event } from './emitter';

export interface TrainerStart {
  /** The CLI script to fork: the extension's bundled `dist/cli.js`, or the CLI's own `process.argv[1]`. */
  script: string;
  /** From `trainArguments` or `sweepMemberArguments`. */
  args: readonly string[];
  /** Default: the parent's. */
  cwd?: string;
  /** Default: the parent's. */
  env?: NodeJS.ProcessEnv;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the process had to be killed (`kill()`, or it did not stop in time). */
  forced: boolean;
}

export interface TrainerOutput {
  stream: 'stdout' | 'stderr';
  line: string;
}

export class TrainerProcess {
  private readonly child: ChildProcess;
  private readonly eventEmitter = new Emitter<TrainerEvent>();
  private readonly outputEmitter = new Emitter<TrainerOutput>();
  private stopRequested = false;
  /** Whether the trainer has sent an event: it then listens for signals (the CLI's StopSignal comes first). */
  private heard = false;
  private forced = false;
  private ended = false;
  private killTimer: NodeJS.Timeout | undefined;

  readonly onEvent: Event<TrainerEvent> = this.eventEmitter.event;
  /** Lines the process printed (the CLI prints little with --ipc; errors go to stderr). */
  readonly onOutput: Event<TrainerOutput> = this.outputEmitter.event;
  readonly exited: Promise<TrainerExit>;

  constructor(readonly start: TrainerStart) {
    this.child = fork(start.script, [...start.args], {
      cwd: start.cwd,
      env: start.env ?? process.env,
      // The parent's own flags (--inspect, --max-old-space-size, ...) must not leak into the trainer.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.on('message', (message: unknown) => {
      if (!isTrainerEvent(message)) return;
      this.heard = true;
      this.eventEmitter.fire(message);
    });
    this.pipeLines(this.child.stdout, 'stdout');
    this.pipeLines(this.child.stderr, 'stderr');
    this.exited = new Promise((resolve) => {
      const settle = (exit: TrainerExit) => {
        if (this.ended) return;
        this.ended = true;
        if (this.killTimer) clearTimeout(this.killTimer);
        resolve(exit);
      };
      // 'close' (not 'exit'): it comes after the stdio pipes drained, so no late message or line is lost.
      this.child.on('close', (code, signal) => settle({ code, signal, forced: this.forced }));
      // A fork that cannot start (missing node binary, bad cwd) emits 'error'; its 'close' would
      // carry a negative errno as the exit code, which reads like success to `Math.max`.
      this.child.on('error', (err) => {
        this.outputEmitter.fire({ stream: 'stderr', line: `trainer process error: ${err.message}` });
        if (this.child.pid === undefined) settle({ code: 1, signal: null, forced: false });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /**
   * Graceful stop: the trainer ends its step (or interrupts a long one), writes a checkpoint and
   * ends with status `stopped`. If it has not exited after `timeoutMs`, it is killed.
   */
  stop(timeoutMs: number): Promise<TrainerExit> {
    if (!this.stopRequested && this.running) {
      this.stopRequested = true;
      const command: TrainerCommand = { type: 'stop' };
      if (this.child.connected && this.heard && process.platform !== 'win32') {
        // A signal reaches the trainer inside a long kernel call too (the CLI's C handler sets the
        // kernel's cancel word); the IPC message is read only when its thread is free. SIGTERM, not
        // SIGINT: the CLI takes SIGTERM as the same graceful stop however often it comes, while a
        // SIGINT after a stop request means "exit now, no checkpoint" (so no SIGINT fallback here).
        // Only once the trainer has spoken: before its listeners exist, SIGTERM would simply end it.
        // The signal alone, no message beside it: a trainer that stopped on the message could be
        // exiting when the signal lands, and Node lets a signal kill a process that is tearing down
        // its handlers (seen: 3 of 200 children ended by SIGTERM after a graceful stop).
        this.child.kill('SIGTERM');
      } else if (this.child.connected) {
        // Still starting, or Windows (no SIGTERM: kill() ends the process at once): the message alone asks.
        this.child.send(command, (err) => err && this.child.kill('SIGINT'));
      } else {
        // Without an IPC channel SIGINT is the same graceful stop (the CLI handles Ctrl-C).
        this.child.kill('SIGINT');
      }
      this.killTimer = setTimeout(() => this.kill(), timeoutMs);
    }
    return this.exited;
  }

  /** Ends the process now (no checkpoint). */
  kill(): void {
    if (!this.running) return;
    this.forced = true;
    this.child.kill('SIGKILL');
  }

  /**
   * Started and not yet exited. Without a pid (a fork that is failing to start) there is nothing to
   * signal: Node would pass pid 0 to kill(2), which signals the caller's whole process group.
   */
  private get running(): boolean {
    return !this.ended && this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private pipeLines(stream: NodeJS.ReadableStream | null, name: TrainerOutput['stream']): void {
    if (!stream) return;
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split(/\r?\n/);
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.outputEmitter.fire({ stream: name, line });
    });
    stream.on('end', () => {
      if (rest.trim()) this.outputEmitter.fire({ stream: name, line: rest });
      rest = '';
    });
  }
}
