/**
 * Reading run folders: the one place that knows how to turn what the engine wrote on disk into
 * data for the runs view, the plots panel, the CLI and `hrnn report`. A `running` run whose trainer
 * is gone reads as `crashed` (src/runs/liveness.ts). Never imports the engine or vscode.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  RUN_FILES,
  RUN_FORMAT_VERSION,
  isMetricRecord,
  type EvalRecord,
  type MetricRecord,
  type ProbeRecord,
  type RunSummary,
  type TrainRecord,
} from '../protocol/records';
import { withLiveness } from './liveness';

export interface RunRecords {
  train: TrainRecord[];
  eval: EvalRecord[];
  probes: ProbeRecord[];
}

/** Splits records by type, keeping file order. */
export function groupRecords(records: readonly MetricRecord[], into?: RunRecords): RunRecords {
  const out = into ?? { train: [], eval: [], probes: [] };
  for (const r of records) {
    if (r.type === 'train') out.train.push(r);
    else if (r.type === 'eval') out.eval.push(r);
    else out.probes.push(r);
  }
  return out;
}

/**
 * Parses JSON lines; a last line without its newline is left for later (the writer may be
 * mid-append), and lines that are not metric records are skipped rather than fatal.
 */
export function parseMetricLines(text: string): { records: MetricRecord[]; consumed: number } {
  const records: MetricRecord[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const line = text.slice(start, nl).trim();
    start = nl + 1;
    if (!line) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isMetricRecord(value)) records.push(value);
    } catch {
      // A torn or foreign line: skip it, keep the rest.
    }
  }
  return { records, consumed: start };
}

/** Follows a growing metrics.jsonl by byte offset: each call returns only the new records. */
export class MetricsTail {
  private offset = 0;
  private pending = Buffer.alloc(0);
  private inode: number | null = null;
  /**
   * Set by readNew when the file was replaced or truncated since the previous call (a resumed run
   * rewrites it without the records past its checkpoint): what was read before no longer holds.
   */
  restarted = false;

  constructor(readonly file: string) {}

  readNew(): MetricRecord[] {
    this.restarted = false;
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const stat = fs.fstatSync(fd);
      const size = stat.size;
      if (size < this.offset || (this.inode !== null && stat.ino !== this.inode)) {
        // The file was replaced (an atomic rewrite gives a new inode) or truncated: start over.
        this.offset = 0;
        this.pending = Buffer.alloc(0);
        this.restarted = true;
      }
      this.inode = stat.ino;
      if (size === this.offset) return [];
      const chunk = Buffer.alloc(size - this.offset);
      fs.readSync(fd, chunk, 0, chunk.length, this.offset);
      this.offset = size;
      const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      // Cut at the last newline on the byte level so multi-byte characters are never split.
      const lastNl = buf.lastIndexOf(0x0a);
      if (lastNl < 0) {
        this.pending = buf;
        return [];
      }
      this.pending = buf.subarray(lastNl + 1);
      return parseMetricLines(buf.subarray(0, lastNl + 1).toString('utf8')).records;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * Reads summary.json; null when missing or unreadable. `raw` returns it as written, without the
 * liveness check (for the writers that repair it).
 */
export function readSummary(runDir: string, options: { raw?: boolean } = {}): RunSummary | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.summary), 'utf8')) as RunSummary;
    if (typeof s !== 'object' || s === null || typeof s.runId !== 'string') return null;
    if (typeof s.formatVersion === 'number' && s.formatVersion > RUN_FORMAT_VERSION) {
      // Written by a newer version: still readable field by field, but say so to callers via message.
      s.message ??= `run folder format ${s.formatVersion} is newer than this version (${RUN_FORMAT_VERSION})`;
    }
    return options.raw ? s : withLiveness(s);
  } catch {
    return null;
  }
}

export function readRecords(runDir: string): MetricRecord[] {
  try {
    const text = fs.readFileSync(path.join(runDir, RUN_FILES.metrics), 'utf8');
    return parseMetricLines(text.endsWith('\n') ? text : text + '\n').records;
  } catch {
    return [];
  }
}

export interface RunFolder {
  runDir: string;
  summary: RunSummary;
  records: RunRecords;
}

export function readRunFolder(runDir: string): RunFolder | null {
  const summary = readSummary(runDir);
  if (!summary) return null;
  return { runDir, summary, records: groupRecords(readRecords(runDir)) };
}

export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, RUN_FILES.summary));
}

export { headlineMetric } from '../protocol/records';
