/**
 * Which steps measure the probes: step 0 (before any training), every `every` steps, and the last
 * step; none at all when `every` is null. Pure arithmetic: no tfjs, no model.
 */

export class ProbeSchedule {
  constructor(
    private readonly every: number | null,
    private readonly totalSteps: number,
  ) {}

  /** False when the experiment turns the probes off (then no probe batch is drawn either). */
  get enabled(): boolean {
    return this.every !== null;
  }

  isDue(step: number): boolean {
    if (this.every === null) return false;
    return step === 0 || step % this.every === 0 || step === this.totalSteps;
  }
}
