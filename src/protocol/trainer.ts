/**
 * Messages between the extension host and the trainer process it starts (Node IPC channel of
 * `child_process.fork`). The trainer process runs the same engine as `hrnn train`; the run folder
 * on disk stays the source of truth, these messages only make the UI live.
 */
import type { MetricRecord, RunStatus, RunSummary } from './records';

export type TrainerEvent =
  | {
      type: 'runStarted';
      runId: string;
      runDir: string;
      experimentFile: string;
      backend: string;
      implementation: string;
      /** When the WebAssembly kernel runs: why the native one does not (no prebuilt, load error). */
      nativeKernelUnavailable?: string;
      totalSteps: number;
      sweep?: { sweepDir: string; index: number; count: number };
    }
  | { type: 'record'; runId: string; runDir: string; record: MetricRecord }
  | { type: 'runEnded'; runId: string; runDir: string; status: RunStatus; summary: RunSummary }
  | { type: 'sweepStarted'; sweepDir: string; count: number }
  | { type: 'sweepEnded'; sweepDir: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** The experiment was refused before anything ran (invalid file, missing backend, ...). */
  | { type: 'refused'; problems: string[] }
  | { type: 'exit'; code: number };

export type TrainerCommand =
  /** Graceful stop: finish the current step, write a checkpoint, status `stopped`. */
  { type: 'stop' };

export function isTrainerEvent(x: unknown): x is TrainerEvent {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}
