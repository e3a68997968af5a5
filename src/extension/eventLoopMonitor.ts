/**
 * Watches the extension host's event loop: the longest pause since the last reset (how long the
 * host could not answer anything). The plots panel's tests check with it that reading long runs
 * never froze the host. Uses Node's own histogram (perf_hooks), cheap enough to leave on; no vscode.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;

  constructor(resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** The longest pause (ms) since the last reset, beyond the sampling interval. */
  longestPauseMs(): number {
    return this.histogram.max / 1e6;
  }

  reset(): void {
    this.histogram.reset();
  }

  dispose(): void {
    this.histogram.disable();
  }
}
