/**
 * The evaluations of a run: when they are due, their eval records, and what the summary says about
 * them (`final` per split, `best`); where the task has a validation split, the best-validation
 * weights are kept and the test split is measured with them at the end (what a resume must measure
 * again: isEndOfRunRecord, standingEvaluations). Does not write files: records go to a sink, the
 * summary through the summary book.
 */
import type { BestEval, EvalRecord, EvalSplit, MetricRecord, RunSummary } from '../../protocol/records';
import type { SequenceModel } from '../model/sequenceModel';
import type { Task } from '../tasks/task';
import type { BestWeights } from './bestWeights';
import { evaluate, type Evaluation } from './evaluate';
import type { SummaryBook } from './summaryBook';

/** Where metric records go (the run folder and the hooks). */
export type RecordSink = (record: MetricRecord) => void;

export function evalRecord(e: Evaluation, step: number, wallMs: number): EvalRecord {
  const r: EvalRecord = { type: 'eval', step, split: e.split, loss: e.loss, wallMs };
  if (e.accuracy !== undefined) r.accuracy = e.accuracy;
  if (e.mse !== undefined) r.mse = e.mse;
  return r;
}

function bestEval(e: Evaluation, step: number): BestEval {
  const best: BestEval = { step, split: e.split, loss: e.loss };
  if (e.accuracy !== undefined) best.accuracy = e.accuracy;
  if (e.mse !== undefined) best.mse = e.mse;
  return best;
}

/**
 * Measurements a run makes once, when it ends (the final test of the splits it does not monitor):
 * a resumed run drops them from its records and makes them again at its own end.
 */
export function isEndOfRunRecord(record: MetricRecord, monitorSplit: EvalSplit): boolean {
  return record.type === 'eval' && record.split !== monitorSplit;
}

/** The summary's evaluations as they stand during training: without what the end of the run adds. */
export function standingEvaluations(summary: RunSummary, monitorSplit: EvalSplit): { best: RunSummary['best']; final: RunSummary['final'] } {
  const best = summary.best ? structuredClone(summary.best) : null;
  if (best) delete best.test;
  const monitored = summary.final[monitorSplit];
  return { best, final: monitored ? { [monitorSplit]: structuredClone(monitored) } : {} };
}

export interface EvaluationSchedule {
  evalEvery: number;
  totalSteps: number;
}

export class EvaluationRecorder {
  /** Whether the monitored split's last evaluation was at `step`. */
  evaluatedAt(step: number): boolean {
    return this.book.summary.final[this.task.monitorSplit]?.step === step;
  }

  /**
   * `best` keeps the best-validation weights; pass it only when the task monitors a validation
   * split (without one there is nothing to measure the test split against).
   */
  constructor(
    private readonly model: SequenceModel,
    private readonly task: Task,
    private readonly book: SummaryBook,
    private readonly emit: RecordSink,
    private readonly schedule: EvaluationSchedule,
    private readonly best: BestWeights | null,
  ) {}

  /** Every `evalEvery` steps, and at the last step. */
  isDue(step: number): boolean {
    return step % this.schedule.evalEvery === 0 || step === this.schedule.totalSteps;
  }

  /**
   * A stopped run with a validation split that was never evaluated after step 0 is evaluated once at
   * the stop, so that it has a best step and its test split is measured (with those weights).
   */
  needsEvaluationAtStop(step: number): boolean {
    if (!this.best || step === 0) return false;
    // The summary's last evaluation of the monitored split (a resumed run's included).
    const last = this.book.summary.final[this.task.monitorSplit]?.step ?? 0;
    return last === 0;
  }

  /** Evaluates the monitored split, records it, and rewrites the summary at once. */
  record(step: number): void {
    const e = evaluate(this.model, this.task, this.task.monitorSplit);
    this.emit(evalRecord(e, step, this.book.elapsedMs()));
    const summary = this.book.summary;
    summary.final[e.split] = { step, split: e.split, loss: e.loss, accuracy: e.accuracy, mse: e.mse };
    if (!summary.best || e.loss < summary.best.loss) {
      summary.best = bestEval(e, step);
      this.best?.keep(this.model, step);
    }
    this.book.write(true);
  }

  /** MNIST protocol (and synthetic tasks with a validation split): test metrics measured with the best-validation weights, recorded at that step. */
  recordFinalTest(): void {
    const best = this.book.summary.best;
    if (!this.best || !best) return;
    const e = this.best.evaluateAtBest(this.model, this.task, 'test');
    if (!e) return;
    this.emit(evalRecord(e, best.step, this.book.elapsedMs()));
    this.book.summary.final.test = { step: best.step, split: 'test', loss: e.loss, accuracy: e.accuracy };
    best.test = { loss: e.loss, accuracy: e.accuracy };
    // Regression with a validation split (adding): the test MSE is the headline.
    if (e.mse !== undefined) {
      this.book.summary.final.test.mse = e.mse;
      best.test.mse = e.mse;
    }
  }
}
