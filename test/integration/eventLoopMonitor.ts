/**
 * Watches the extension host's event loop while a test measures something (the integration tests
 * run in the extension host itself): the longest interval between two turns of a repeating timer
 * of `resolutionMs`, from Node's own histogram (perf_hooks). A pause of p ms reads as p to
 * p + resolutionMs (the timer may have just fired, or have been about to), so a measurement uses a
 * fine resolution for as long as it lasts, then disposes the monitor. No vscode.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;

  constructor(readonly resolutionMs = 1) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** The longest interval (ms) between the timer's turns since the last reset: an upper bound of the longest pause, within the resolution. */
  longestPauseMs(): number {
    return this.histogram.max / 1e6;
  }

  /** Forgets what was seen. The first interval after a reset is not recorded: call it a turn before the measured part starts. */
  reset(): void {
    this.histogram.reset();
  }

  dispose(): void {
    this.histogram.disable();
  }
}
