/**
 * How a training process is controlled: stop requests (Ctrl-C, SIGTERM, a `stop` message over IPC,
 * the parent going away) and the IPC channel that carries TrainerEvents to the parent.
 */
import { installNativeSignalHandlers } from '../engine/kernels/nativeKernel';
import type { TrainerCommand, TrainerEvent } from '../protocol/trainer';
import type { CliIo } from './io';

export type Send = (event: TrainerEvent) => void;

/**
 * The IPC channel to the parent (the extension's supervisor). Sends never throw: once the parent
 * is gone (window reload, crash) events are dropped, and the run stops gracefully so its folder
 * ends `stopped` with a checkpoint rather than a stale `running`. `flush` waits until every sent
 * event has left the process, so the last ones are not lost to an early exit.
 */
export class IpcChannel {
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

/**
 * Stop requests: Ctrl-C / SIGTERM or `{type: 'stop'}` over IPC, all graceful (the run ends
 * `stopped` with a checkpoint). Only a second Ctrl-C exits at once: SIGTERM, the extension's way to
 * reach a trainer whose thread is busy, never does.
 *
 * The JS listeners run only while the main thread is free, so where the native kernel addon loads
 * its C handler is installed too: a signal then also sets the kernels' cancel word, which stops a
 * long kernel call within a time step (the step is discarded), and a second Ctrl-C ends the process
 * at once even while the thread is blocked.
 */
export class StopSignal {
  requested = false;
  reason = 'stopped by the user';
  /** Whether a signal also interrupts a kernel call in progress (the native addon's handler). */
  readonly interruptsKernels: boolean;
  private listeners: Array<() => void> = [];

  constructor(io: CliIo, ipc: boolean) {
    const onSignal = (sig: NodeJS.Signals) => {
      if (this.requested && sig === 'SIGINT') {
        io.err('\nhrnn: second interrupt, exiting without a final checkpoint\n');
        process.exit(130);
      }
      if (!this.requested) io.err(`\nhrnn: ${sig}: stopping (Ctrl-C again to exit now)\n`);
      this.request(sig === 'SIGINT' ? 'stopped by the user (Ctrl-C)' : `stopped by ${sig}`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // After the listeners: libuv's handler is then in place for the C handler to chain to.
    this.interruptsKernels = installNativeSignalHandlers();
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
