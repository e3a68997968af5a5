/**
 * What the UI shows about a run while it trains (step, loss, speed), folded from trainer events.
 * Its text comes from src/protocol/format.ts (formatProgress). Free of `vscode`.
 */
import type { ProgressFigures } from '../../protocol/format';
import type { MetricRecord, RunStatus, RunSummary } from '../../protocol/records';

export interface RunProgress extends ProgressFigures {
  runId: string;
  runDir: string;
  /** Training steps per second over the last few seconds; null until two steps are known. */
  stepsPerSecond: number | null;
  status: RunStatus;
  summary?: RunSummary;
  sweep?: { sweepDir: string; index: number; count: number };
}

/** Speed over a sliding window of recent train records (wall time as the trainer measured it). */
export class SpeedMeter {
  private readonly samples: Array<{ step: number; wallMs: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  add(step: number, wallMs: number): void {
    this.samples.push({ step, wallMs });
    // Keep at least two samples so a slow run still has a speed.
    while (this.samples.length > 2 && wallMs - this.samples[0].wallMs > this.windowMs) this.samples.shift();
  }

  stepsPerSecond(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = last.wallMs - first.wallMs;
    if (dt <= 0) return null;
    return ((last.step - first.step) * 1000) / dt;
  }
}

export class RunProgressTracker {
  private readonly speed = new SpeedMeter();
  readonly progress: RunProgress;

  constructor(init: { runId: string; runDir: string; totalSteps: number; sweep?: RunProgress['sweep'] }) {
    this.progress = { ...init, step: 0, loss: null, stepsPerSecond: null, status: 'running' };
  }

  addRecord(record: MetricRecord): void {
    if (record.type !== 'train') return;
    this.progress.step = record.step;
    this.progress.loss = record.loss;
    this.speed.add(record.step, record.wallMs);
    this.progress.stepsPerSecond = this.speed.stepsPerSecond();
  }

  end(status: RunStatus, summary: RunSummary): void {
    this.progress.status = status;
    this.progress.summary = summary;
    this.progress.step = summary.stepsDone;
  }
}
