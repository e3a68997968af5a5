/**
 * The learning-rate schedule: the factor both learning rates are multiplied by at a step, from the
 * training config alone (a pure function of the step, so a resumed run continues the schedule
 * exactly). Linear warm-up, then constant, step decay or cosine decay. No tfjs.
 */
import type { TrainingConfig } from '../../experiment/schema';

export type ScheduleConfig = Pick<TrainingConfig, 'lrSchedule' | 'warmupSteps' | 'lrDecayEvery' | 'lrDecayFactor' | 'lrMinFactor' | 'steps'>;

/**
 * The factor at 1-based training step `step` (the step about to be taken): warm-up k/w for
 * k = step <= w, then the decay over the remaining steps.
 */
export function learningRateFactor(config: ScheduleConfig, step: number): number {
  const warmup = config.warmupSteps ?? 0;
  if (warmup > 0 && step <= warmup) return step / warmup;
  const after = step - warmup; // 1-based step after the warm-up
  const length = Math.max(1, config.steps - warmup);
  switch (config.lrSchedule ?? 'constant') {
    case 'constant':
      return 1;
    case 'step': {
      const every = config.lrDecayEvery ?? Math.max(1, Math.round(length / 10));
      return Math.pow(config.lrDecayFactor ?? 0.1, Math.floor((after - 1) / every));
    }
    case 'cosine': {
      const min = config.lrMinFactor ?? 0;
      // From the full rate at the first step after warm-up to `min` at the last step.
      const progress = length > 1 ? Math.min(1, (after - 1) / (length - 1)) : 1;
      return min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}
