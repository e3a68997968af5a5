/**
 * One run as the plots panel follows it: everything read so far from its folder, and what is new
 * since the last look. The run folder on disk is the source of truth; this only reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, type MetricRecord, type RunSummary } from '../../protocol/records';
import { MetricsTail, groupRecords, readSummary, type RunRecords } from '../../runs/runFolder';

export interface RunChanges {
  records: MetricRecord[];
  /** The summary, when it changed since the last poll. */
  summary: RunSummary | null;
  /** metrics.jsonl was rewritten (a resumed run drops records past its checkpoint): `records` holds all of it again. */
  restarted: boolean;
}

export class RunSource {
  private readonly tail: MetricsTail;
  readonly records: RunRecords = { train: [], eval: [], probes: [] };
  summary: RunSummary | null = null;
  private summaryStamp = '';

  constructor(readonly runDir: string) {
    this.tail = new MetricsTail(path.join(runDir, RUN_FILES.metrics));
  }

  /** Reads what was appended or rewritten since the last call (everything on the first call). */
  poll(): RunChanges {
    const records = this.tail.readNew();
    const restarted = this.tail.restarted;
    if (restarted) {
      this.records.train.length = 0;
      this.records.eval.length = 0;
      this.records.probes.length = 0;
    }
    groupRecords(records, this.records);
    let summary: RunSummary | null = null;
    const stamp = fileStamp(path.join(this.runDir, RUN_FILES.summary));
    if (stamp !== this.summaryStamp) {
      const read = readSummary(this.runDir);
      if (read) {
        this.summaryStamp = stamp;
        this.summary = read;
        summary = read;
      }
    }
    return { records, summary, restarted };
  }

  get running(): boolean {
    return this.summary?.status === 'running';
  }

  get pointCount(): number {
    return this.records.train.length + this.records.eval.length + this.records.probes.length;
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
