/**
 * One trainer child process: `node dist/cli.js train <file> --ipc --runs-dir <dir>`, forked so that
 * training never runs on the extension host's thread. Speaks the typed protocol of
 * `src/protocol/trainer.ts` over the Node IPC channel. Free of `vscode` (unit-tested in Node).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { isTrainerEvent, type TrainerCommand, type TrainerEvent } from '../../protocol/trainer';
import { Emitter, type Event } from '../util/emitter';

export interface TrainerLaunch {
  /** The bundled CLI, `<extension>/dist/cli.js`. */
  cliPath: string;
  experimentFile: string;
  runsDir: string;
  /** Passed as `--backend`; undefined: the experiment file decides. */
  backend?: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the process had to be killed because it did not stop in time. */
  forced: boolean;
}

export interface TrainerOutput {
  stream: 'stdout' | 'stderr';
  line: string;
}

export function trainerArguments(launch: TrainerLaunch): string[] {
  const args = ['train', launch.experimentFile, '--ipc', '--runs-dir', launch.runsDir];
  if (launch.backend) args.push('--backend', launch.backend);
  return args;
}

export class TrainerProcess {
  private readonly child: ChildProcess;
  private readonly eventEmitter = new Emitter<TrainerEvent>();
  private readonly outputEmitter = new Emitter<TrainerOutput>();
  private stopRequested = false;
  private forced = false;
  private killTimer: NodeJS.Timeout | undefined;

  readonly onEvent: Event<TrainerEvent> = this.eventEmitter.event;
  /** Lines the process printed (the CLI prints little with --ipc; errors go to stderr). */
  readonly onOutput: Event<TrainerOutput> = this.outputEmitter.event;
  readonly exited: Promise<TrainerExit>;

  constructor(readonly launch: TrainerLaunch) {
    this.child = fork(launch.cliPath, trainerArguments(launch), {
      cwd: launch.cwd,
      env: launch.env ?? process.env,
      // The extension host's own flags (--inspect, --max-old-space-size, ...) must not leak into the trainer.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.on('message', (message: unknown) => {
      if (isTrainerEvent(message)) this.eventEmitter.fire(message);
    });
    this.pipeLines(this.child.stdout, 'stdout');
    this.pipeLines(this.child.stderr, 'stderr');
    this.exited = new Promise((resolve) => {
      let settled = false;
      const settle = (exit: TrainerExit) => {
        if (settled) return;
        settled = true;
        if (this.killTimer) clearTimeout(this.killTimer);
        resolve(exit);
      };
      // 'close' (not 'exit'): it comes after the stdio pipes drained, so no late message or line is lost.
      this.child.on('close', (code, signal) => settle({ code, signal, forced: this.forced }));
      // A fork that cannot start (missing node binary, bad cwd) emits 'error' and maybe never 'exit'.
      this.child.on('error', (err) => {
        this.outputEmitter.fire({ stream: 'stderr', line: `trainer process error: ${err.message}` });
        if (this.child.exitCode === null && this.child.pid === undefined) settle({ code: 1, signal: null, forced: false });
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
   * Graceful stop: the trainer finishes its step, writes a checkpoint and ends with status
   * `stopped`. If it has not exited after `timeoutMs`, it is killed.
   */
  stop(timeoutMs: number): Promise<TrainerExit> {
    if (!this.stopRequested && this.child.exitCode === null && this.child.signalCode === null) {
      this.stopRequested = true;
      const command: TrainerCommand = { type: 'stop' };
      const sent = this.child.connected && this.child.send(command, (err) => err && this.child.kill('SIGINT'));
      // Without an IPC channel SIGINT is the same graceful stop (the CLI handles Ctrl-C).
      if (!sent) this.child.kill('SIGINT');
      this.killTimer = setTimeout(() => this.kill(), timeoutMs);
    }
    return this.exited;
  }

  /** Ends the process now (no checkpoint). */
  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.forced = true;
    this.child.kill('SIGKILL');
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
