/**
 * The run's summary.json while it trains: the one RunSummary of the run, its clock (durationMs),
 * throttled rewrites between steps and forced ones at the moments that matter (start, each
 * evaluation, the end), and the summary a resumed run starts from. Knows nothing of tfjs or of the
 * model; the writing itself is the run folder writer's.
 */
import type { ResolvedExperiment } from '../../experiment/schema';
import { RUN_FORMAT_VERSION, type RunStatus, type RunSummary } from '../../protocol/records';
import { currentOwner } from '../../runs/liveness';
import { packageVersion } from '../packageInfo';

/** Minimum time between two rewrites of summary.json while running. */
export const SUMMARY_INTERVAL_MS = 2000;

/** Where the summary goes (RunFolderWriter in a run; a fake in tests). */
export interface SummarySink {
  /** `final`: the last write of the run, which must land even on a full disk. */
  writeSummary(summary: RunSummary, options?: { final?: boolean }): void;
}

/** What the summary records about the run besides the experiment itself. */
export interface SummaryFacts {
  runId: string;
  backend: string;
  implementation: string;
  experimentFile: string;
  sweep?: RunSummary['sweep'];
}

/** The summary of a run that has just started: status `running`, nothing measured yet. */
export function startingSummary(exp: ResolvedExperiment, facts: SummaryFacts, startedAtMs: number): RunSummary {
  const summary: RunSummary = {
    formatVersion: RUN_FORMAT_VERSION,
    runId: facts.runId,
    name: exp.name,
    status: 'running',
    stepsDone: 0,
    totalSteps: exp.training.steps,
    best: null,
    final: {},
    backend: facts.backend,
    implementation: facts.implementation,
    durationMs: 0,
    packageVersion: packageVersion(),
    startedAt: new Date(startedAtMs).toISOString(),
    endedAt: null,
    experimentFile: facts.experimentFile,
    pid: process.pid,
    owner: currentOwner(),
    heartbeatAt: new Date(startedAtMs).toISOString(),
    heartbeatTimeoutMs: SUMMARY_INTERVAL_MS,
    tags: {
      model: exp.model.kind,
      task: exp.task.kind,
      hidden: exp.model.hidden,
      length: exp.task.length,
      ...(exp.model.kind === 'hamiltonian' ? { tau: exp.model.tau } : {}),
      ...((exp.model.layers ?? 1) > 1 ? { layers: exp.model.layers } : {}),
    },
  };
  if (facts.sweep) summary.sweep = facts.sweep;
  return summary;
}

/** Where a resumed run stands, from its checkpoint. */
export interface ResumedProgress {
  step: number;
  elapsedMs: number;
  best: RunSummary['best'];
  final: RunSummary['final'];
}

/**
 * The summary of a run resumed from its checkpoint: `running` again under this process, the run's
 * identity and start time kept, steps, evaluations and training time as they were at the checkpoint
 * (anything recorded after it is gone), and the resume counted.
 */
export function resumedSummary(
  previous: RunSummary,
  exp: ResolvedExperiment,
  facts: Pick<SummaryFacts, 'backend' | 'implementation'>,
  at: ResumedProgress,
  nowMs: number,
): RunSummary {
  const summary = startingSummary(exp, { ...facts, runId: previous.runId, experimentFile: previous.experimentFile, sweep: previous.sweep }, nowMs);
  summary.startedAt = previous.startedAt;
  summary.stepsDone = at.step;
  summary.best = at.best;
  summary.final = at.final;
  summary.durationMs = at.elapsedMs;
  summary.resumes = (previous.resumes ?? 0) + 1;
  summary.resumedAt = new Date(nowMs).toISOString();
  summary.resumedFromStep = at.step;
  return summary;
}

export class SummaryBook {
  private lastWrite = 0;
  private lastCall: number | null = null;
  /** The longest time between two calls of write() (about one training step): the heartbeat's promise grows with it. */
  private longestGapMs = 0;

  /** `now` is injectable so tests can drive the throttle without waiting. */
  constructor(
    readonly summary: RunSummary,
    private readonly sink: SummarySink,
    private readonly startedAtMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds since the run started (the records' wallMs, the summary's durationMs). */
  elapsedMs(): number {
    return this.now() - this.startedAtMs;
  }

  /** Rewrites summary.json, at most every SUMMARY_INTERVAL_MS unless forced. */
  write(force = false, final = false): void {
    const now = this.now();
    if (this.lastCall !== null) this.longestGapMs = Math.max(this.longestGapMs, now - this.lastCall);
    this.lastCall = now;
    if (!force && now - this.lastWrite < SUMMARY_INTERVAL_MS) return;
    this.summary.durationMs = this.elapsedMs();
    // The heartbeat: readers on other hosts judge liveness by its age against the promised gap.
    this.summary.heartbeatAt = new Date(now).toISOString();
    this.summary.heartbeatTimeoutMs = SUMMARY_INTERVAL_MS + this.longestGapMs;
    this.sink.writeSummary(this.summary, { final });
    this.lastWrite = now;
  }

  /** Why the run ended other than by completing (stop, divergence, failure). */
  setMessage(message: string): void {
    this.summary.message = message;
  }

  setStepsDone(step: number): void {
    this.summary.stepsDone = step;
  }

  /** The final state: status, steps, end time; the pid goes (it is only there while running). */
  finish(status: RunStatus, stepsDone: number): void {
    this.summary.status = status;
    this.summary.stepsDone = stepsDone;
    this.summary.endedAt = new Date(this.now()).toISOString();
    delete this.summary.pid;
    this.write(true, true);
  }
}
