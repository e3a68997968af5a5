/**
 * Runs a task at most once per interval, however often it is asked for: the plots panel's updates
 * are batched through this so the webview sees at most `updateHz` messages bursts per second.
 * The clock is injectable for tests.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class Throttle {
  private handle: unknown;
  private lastRun = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(
    private readonly task: () => void,
    private readonly intervalMs: () => number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Asks for a run: now if the last one is at least an interval ago, else at the end of the interval. */
  schedule(): void {
    if (this.disposed || this.handle !== undefined) return;
    const wait = Math.max(0, this.lastRun + this.intervalMs() - this.clock.now());
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      this.lastRun = this.clock.now();
      this.task();
    }, wait);
  }

  get pending(): boolean {
    return this.handle !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
