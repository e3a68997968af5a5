/**
 * One run as the plots panel follows it: everything read so far from its folder (train records as
 * columns, see src/runs/trainSeries.ts), and what is new since the last look. The run folder on disk
 * is the source of truth; this only reads it, asynchronously and in slices (src/runs/metricsStream.ts),
 * so the extension host never blocks on a long run's metrics.jsonl.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type EvalRecord, type MetricRecord, type ProbeRecord, type RunSummary, type TrainRecord } from '../../protocol/records';
import type { TrainSmoothing } from '../../protocol/webview';
import { AsyncMetricsTail } from '../../runs/metricsStream';
import { readSummary } from '../../runs/runFolder';
import { TrainSeries } from '../../runs/trainSeries';

export interface RunChanges {
  /** New records in file order (only when `collect` was asked for). */
  records: MetricRecord[];
  /** Smoothed values of the train records among `records` (when smoothing is on). */
  trainSmoothing?: TrainSmoothing;
  /** How many records were read. */
  count: number;
  /** The summary, when it changed since the last poll. */
  summary: RunSummary | null;
  /** metrics.jsonl was rewritten (a resumed run drops records past its checkpoint): everything was read again. */
  restarted: boolean;
}

export class RunSource {
  private readonly tail: AsyncMetricsTail;
  readonly train = new TrainSeries();
  readonly eval: EvalRecord[] = [];
  readonly probes: ProbeRecord[] = [];
  summary: RunSummary | null = null;
  private summaryStamp = '';

  constructor(readonly runDir: string) {
    this.tail = new AsyncMetricsTail(path.join(runDir, RUN_FILES.metrics));
  }

  /** Reads summary.json when it changed (a small file); returns it then, else null. */
  pollSummary(): RunSummary | null {
    const stamp = fileStamp(path.join(this.runDir, RUN_FILES.summary));
    if (stamp === this.summaryStamp) return null;
    const read = readSummary(this.runDir);
    if (!read) return null;
    this.summaryStamp = stamp;
    this.summary = read;
    return read;
  }

  /**
   * Reads what was appended or rewritten since the last call (everything on the first call).
   * `collect`: also return the new records (for an append message); a snapshot needs only the totals.
   */
  async poll(options: { collect?: boolean } = {}): Promise<RunChanges> {
    const collected: MetricRecord[] = [];
    const newTrain: TrainRecord[] = [];
    const { restarted, records: count } = await this.tail.readNew(
      (records) => {
        for (const r of records) {
          if (r.type === 'train') {
            if (options.collect) newTrain.push(r);
            else this.train.push(r);
          } else if (r.type === 'eval') this.eval.push(r);
          else this.probes.push(r);
          if (options.collect) collected.push(r);
        }
      },
      () => {
        this.train.clear();
        this.eval.length = 0;
        this.probes.length = 0;
      },
    );
    const trainSmoothing = newTrain.length ? this.train.pushAll(newTrain) : undefined;
    const summary = this.pollSummary();
    return { records: collected, ...(trainSmoothing ? { trainSmoothing } : {}), count, summary, restarted };
  }

  get running(): boolean {
    return this.summary?.status === 'running';
  }

  get pointCount(): number {
    return this.train.length + this.eval.length + this.probes.length;
  }
}

function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}
