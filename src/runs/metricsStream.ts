/**
 * Follows a growing metrics.jsonl without blocking the thread that reads it: asynchronous reads in
 * chunks, parsed chunk by chunk, with a yield to the event loop whenever a slice of work has taken
 * a few milliseconds. The extension host reads run files through this (a run of 1M steps is about
 * 100 MB of JSON lines); `MetricsTail` (runFolder.ts) is the synchronous twin for the CLI. Same
 * rules: only whole lines are parsed, a replaced or truncated file starts over. Never imports vscode.
 */
import fs from 'node:fs';
import type { MetricRecord } from '../protocol/records';
import { parseMetricLines } from './runFolder';

export interface StreamOptions {
  /** Bytes per read. */
  chunkBytes?: number;
  /** Yield to the event loop after this much work (ms). */
  sliceMs?: number;
}

const DEFAULT_CHUNK = 256 * 1024;
const DEFAULT_SLICE_MS = 8;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let turns: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` (a piece of a few milliseconds: parsing an overview, reducing a series) in an
 * event-loop turn of its own, after every piece queued before it, in this whole thread. Pieces
 * that each yield on their own still pile up when several runs reach them together (their
 * callbacks then run in one phase of the loop, one pause); queued here, the longest pause is the
 * longest piece.
 */
export function inOwnTurn<T>(work: () => T): Promise<T> {
  const run = turns.then(
    () =>
      new Promise<T>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(work());
          } catch (err) {
            reject(err as Error);
          }
        }),
      ),
  );
  turns = run.catch(() => undefined);
  return run;
}

export class AsyncMetricsTail {
  private offset = 0;
  private pending = Buffer.alloc(0);
  private inode: number | null = null;
  private reading: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /**
   * Goes on from byte `offset` of the file with inode `inode` (what a run's overview covers): the
   * records before it are not read. Call before the first `readNew`.
   */
  seek(offset: number, inode: number | undefined): void {
    this.offset = offset;
    this.pending = Buffer.alloc(0);
    this.inode = inode ?? null;
  }

  /**
   * Hands every new record to `sink`, a chunk at a time, in file order. `restarted`: the file was
   * replaced or truncated since the previous call (what the sink got before no longer holds; the
   * caller clears it before this call's records arrive: `onRestart` runs first). Calls are queued,
   * never interleaved.
   */
  readNew(sink: (records: MetricRecord[]) => void, onRestart: () => void, options: StreamOptions = {}): Promise<{ restarted: boolean; records: number }> {
    const next = this.reading.then(() => this.read(sink, onRestart, options));
    this.reading = next.catch(() => undefined);
    return next;
  }

  private async read(sink: (records: MetricRecord[]) => void, onRestart: () => void, options: StreamOptions): Promise<{ restarted: boolean; records: number }> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
    const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch {
      return { restarted: false, records: 0 };
    }
    let restarted = false;
    let count = 0;
    try {
      const stat = await handle.stat();
      const size = stat.size;
      if (size < this.offset || (this.inode !== null && stat.ino !== this.inode)) {
        // Replaced (an atomic rewrite gives a new inode) or truncated: start over.
        this.offset = 0;
        this.pending = Buffer.alloc(0);
        restarted = true;
        onRestart();
      }
      this.inode = stat.ino;
      let sliceStart = Date.now();
      while (this.offset < size) {
        const length = Math.min(chunkBytes, size - this.offset);
        const chunk = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(chunk, 0, length, this.offset);
        if (bytesRead <= 0) break;
        this.offset += bytesRead;
        const got = chunk.subarray(0, bytesRead);
        const buf = this.pending.length ? Buffer.concat([this.pending, got]) : got;
        // Cut at the last newline on the byte level so multi-byte characters are never split.
        const lastNl = buf.lastIndexOf(0x0a);
        if (lastNl < 0) {
          this.pending = Buffer.from(buf);
          continue;
        }
        this.pending = Buffer.from(buf.subarray(lastNl + 1));
        const { records } = parseMetricLines(buf.toString('utf8', 0, lastNl + 1));
        count += records.length;
        if (records.length) sink(records);
        if (Date.now() - sliceStart >= sliceMs) {
          await yieldToEventLoop();
          sliceStart = Date.now();
        }
      }
    } finally {
      await handle.close();
    }
    return { restarted, records: count };
  }
}
