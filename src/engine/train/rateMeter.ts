/**
 * Training speed for progress reports: an exponential moving average of steps per second, from the
 * time between consecutive ticks. No tfjs; the clock is injectable for tests.
 */

/** Weight of the newest measurement in the average. */
const SMOOTHING = 0.1;

export class RateMeter {
  private rate = 0;
  private lastTick: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastTick = now();
  }

  /** Records that one step ended now; returns the averaged steps per second. */
  tick(): number {
    const t = this.now();
    // At least 1 ms between ticks: a step faster than the clock must not divide by zero.
    const instant = 1000 / Math.max(1, t - this.lastTick);
    this.rate = this.rate === 0 ? instant : (1 - SMOOTHING) * this.rate + SMOOTHING * instant;
    this.lastTick = t;
    return this.rate;
  }
}
