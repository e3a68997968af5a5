/**
 * Writes a run folder as training goes: the resolved experiment, metrics.jsonl appended line by
 * line (each line reaches the OS before the next step, so a crash or a window reload loses nothing
 * written so far), summary.json replaced durably, and overview.json (src/runs/seriesOverview.ts: the
 * train series reduced, smoothed, with the byte offset it covers) replaced at most every few seconds
 * and when the writer closes, so a reader draws a long run without parsing all of metrics.jsonl. Reopens a run folder for a resume (its records cut
 * back to the checkpoint), and repairs the summary of a run whose trainer died. The only writer of run
 * folders; no engine, no vscode (the caller passes the experiment text).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES, isMetricRecord, type RunStatus, type RunSummary, type MetricRecord } from '../protocol/records';
import { createFolderExclusive, removeStaleTemps, writeFileAtomic } from './atomicFile';
import { checkpointDir } from './layout';
import { readSummary } from './runFolder';
import { OVERVIEW_FILE, SeriesOverview } from './seriesOverview';

/** How often overview.json is replaced while a run trains (it is rewritten whole: about 1 MB for a long run). */
export const OVERVIEW_INTERVAL_MS = 5000;

export class RunFolderWriter {
  private fd: number | null;
  private overviewWrittenAt = 0;

  private constructor(
    readonly runDir: string,
    readonly runId: string,
    private readonly overview = new SeriesOverview(),
  ) {
    this.fd = fs.openSync(path.join(runDir, RUN_FILES.metrics), 'a');
    this.overview.inode = fs.fstatSync(this.fd).ino;
    this.writeOverview();
  }

  /**
   * Creates `<runsDir>/<runId>/` with experiment.yaml and an empty metrics.jsonl. The folder is
   * created exclusively: two trainers never share one, even when they race for the same id.
   */
  static create(runsDir: string, runId: string, experimentText: string): RunFolderWriter {
    const runDir = path.join(runsDir, runId);
    createFolderExclusive(runDir, 'run folder');
    writeFileAtomic(path.join(runDir, RUN_FILES.experiment), experimentText);
    return new RunFolderWriter(runDir, runId);
  }

  /**
   * Reopens an existing run folder to continue it from a checkpoint taken at `checkpointStep`:
   * metrics.jsonl is rewritten (atomically) with the records up to that step only, less those
   * `isEndOfRun` names (measurements a run makes once it ends, such as the final test: the resumed run
   * makes them again), so the continued run appends no step twice. Lines that are not whole records (a
   * line torn by a kill) go too. `experimentText` replaces experiment.yaml (a resume that raised the
   * steps). The summary is the caller's to rewrite.
   */
  static reopen(
    runDir: string,
    checkpointStep: number,
    options: { isEndOfRun?: (record: MetricRecord) => boolean; experimentText?: string } = {},
  ): RunFolderWriter {
    const metrics = path.join(runDir, RUN_FILES.metrics);
    const text = fs.readFileSync(metrics, 'utf8');
    const kept: string[] = [];
    const overview = new SeriesOverview();
    for (const line of text.split('\n')) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isMetricRecord(record) || record.step > checkpointStep || options.isEndOfRun?.(record)) continue;
      // The line as written, not re-serialised: what stays is byte for byte what the run recorded.
      kept.push(line + '\n');
      overview.push(record, Buffer.byteLength(line) + 1);
    }
    removeStaleTemps(runDir);
    removeStaleTemps(checkpointDir(runDir));
    writeFileAtomic(metrics, kept.join(''));
    if (options.experimentText !== undefined) writeFileAtomic(path.join(runDir, RUN_FILES.experiment), options.experimentText);
    return new RunFolderWriter(runDir, path.basename(runDir), overview);
  }

  append(record: MetricRecord): void {
    if (this.fd === null) throw new Error('run folder writer is closed');
    const line = JSON.stringify(record) + '\n';
    fs.writeSync(this.fd, line);
    this.overview.push(record, Buffer.byteLength(line));
    if (Date.now() - this.overviewWrittenAt >= OVERVIEW_INTERVAL_MS) this.writeOverview();
  }

  /**
   * Replaces overview.json with what was appended so far. Best effort: readers that find none, or an
   * old one, read metrics.jsonl after the bytes it covers; a full disk must not stop training.
   */
  private writeOverview(): void {
    this.overviewWrittenAt = Date.now();
    try {
      writeFileAtomic(path.join(this.runDir, OVERVIEW_FILE), JSON.stringify(this.overview));
    } catch {
      // An older overview (or none) stays: it still describes a prefix of metrics.jsonl.
    }
  }

  /** The last summary of a run goes in place when the disk is full: its status must land. */
  writeSummary(summary: RunSummary, options: { final?: boolean } = {}): void {
    writeFileAtomic(path.join(this.runDir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n', { inPlaceWhenFull: options.final });
  }

  get checkpointDir(): string {
    return checkpointDir(this.runDir);
  }

  close(): void {
    if (this.fd !== null) {
      this.writeOverview();
      try {
        fs.fsyncSync(this.fd);
      } catch {
        // A full disk: what reached the OS is all there is.
      }
      fs.closeSync(this.fd);
      this.fd = null;
    }
    removeStaleTemps(this.runDir);
    removeStaleTemps(this.checkpointDir);
  }
}

/**
 * Records how a run ended when its trainer could not (killed after the stop timeout, crashed, out of
 * memory). Returns true when the summary was rewritten; false when it had already ended or cannot be
 * written.
 */
export function markRunInterrupted(runDir: string, status: Extract<RunStatus, 'stopped' | 'failed' | 'crashed'>, message: string): boolean {
  const summary = readSummary(runDir, { raw: true });
  if (!summary || summary.status !== 'running') return false;
  const updated: RunSummary = { ...summary, status, message, endedAt: new Date().toISOString() };
  delete updated.pid;
  try {
    writeFileAtomic(path.join(runDir, RUN_FILES.summary), JSON.stringify(updated, null, 2) + '\n', { inPlaceWhenFull: true });
    removeStaleTemps(runDir);
    return true;
  } catch {
    return false;
  }
}
