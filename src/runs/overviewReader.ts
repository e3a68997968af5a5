/**
 * Reading metrics.jsonl in bulk for the plots panel, where no overview.json covers it: a whole file
 * into a run overview (src/runs/seriesOverview.ts: an older run, or a smoothing weight the overview
 * lacks), or one byte range into the train records of a step window, reduced for a zoomed chart
 * with its smoothing warmed up on the records before the window. Also a finished run's
 * overview.json straight into what its first snapshot draws (`openOverview`). Runs in the overview worker
 * (src/runs/overviewWorker.ts) so the extension host never parses a long run itself; also usable in
 * process (it yields to the event loop every few milliseconds). No vscode.
 */
import fs from 'node:fs';
import { packTrain, type PackedTrain } from '../protocol/packedTrain';
import { isMetricRecord, type EvalRecord, type MetricRecord, type ProbeRecord, type TrainRecord } from '../protocol/records';
import type { TrainReduction } from '../protocol/webview';
import { yieldToEventLoop } from './metricsStream';
import { SeriesOverview, type OverviewJson } from './seriesOverview';
import { TrainSeries } from './trainSeries';

const CHUNK = 1 << 20;
const SLICE_MS = 8;

/** Calls `each` for every whole line of `file` in [start, end) with its length in bytes (newline included). */
async function forEachLine(file: string, start: number, end: number | undefined, each: (line: string, bytes: number) => void): Promise<number> {
  const handle = await fs.promises.open(file, 'r');
  let offset = start;
  try {
    const size = end ?? (await handle.stat()).size;
    let pending = Buffer.alloc(0);
    let sliceStart = Date.now();
    while (offset < size) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      if (bytesRead <= 0) break;
      const got = chunk.subarray(0, bytesRead);
      const buf = pending.length ? Buffer.concat([pending, got]) : got;
      const lastNl = buf.lastIndexOf(0x0a);
      offset += bytesRead;
      if (lastNl < 0) {
        pending = Buffer.from(buf);
        continue;
      }
      pending = Buffer.from(buf.subarray(lastNl + 1));
      const text = buf.toString('utf8', 0, lastNl + 1);
      // Plain ASCII (the usual case): a line's bytes are its characters.
      const ascii = text.length === lastNl + 1;
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        if (nl < 0) break;
        const line = text.slice(from, nl);
        each(line, ascii ? nl - from + 1 : Buffer.byteLength(line) + 1);
        from = nl + 1;
      }
      if (Date.now() - sliceStart >= SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = Date.now();
      }
    }
    // A last line without its newline is mid-append: not covered.
    return offset - pending.length;
  } finally {
    await handle.close();
  }
}

function parse(line: string): MetricRecord | null {
  try {
    const value: unknown = JSON.parse(line);
    return isMetricRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** The overview of a whole metrics.jsonl (what the run writer would have kept), with smoothing at `weights`. */
export async function buildOverview(file: string, weights?: readonly number[]): Promise<OverviewJson> {
  const inode = (await fs.promises.stat(file)).ino;
  const overview = new SeriesOverview(weights ? { weights } : {});
  overview.inode = inode;
  await forEachLine(file, 0, undefined, (line, bytes) => {
    const record = parse(line);
    if (record) overview.push(record, bytes);
    else overview.bytes += bytes;
  });
  return overview.toJSON();
}

export interface RangeRequest {
  file: string;
  /** Byte range to read (SeriesOverview.byteRange). */
  start: number;
  end?: number;
  minStep: number;
  maxStep: number;
  buckets: number;
  /** Smoothing weight (0: off); the average starts at `start`, which lies well before `minStep`. */
  weight: number;
}

/** The train records of [minStep, maxStep] (one beyond each edge), min-max reduced to `buckets`, smoothed. */
export async function reduceRange(req: RangeRequest): Promise<{ records: TrainRecord[]; reduction?: TrainReduction }> {
  const series = new TrainSeries();
  series.setSmoothing(req.weight);
  await forEachLine(req.file, req.start, req.end, (line) => {
    const r = parse(line);
    if (r?.type === 'train') series.push(r);
  });
  return series.reduce(req.buckets, { minStep: req.minStep, maxStep: req.maxStep });
}

export interface OpenRequest {
  /** The run's overview.json. */
  file: string;
  /** metrics.jsonl as it is now: the overview must cover this file (inode) and no more than its size. */
  inode: number;
  size: number;
  buckets: number;
  /** Smoothing weight (0: off); the overview must have it. */
  weight: number;
}

/** A run's overview reduced as the panel draws it, without the overview itself. */
export interface OpenedOverview {
  packedTrain: PackedTrain;
  trainReduction?: TrainReduction;
  eval: EvalRecord[];
  probes: ProbeRecord[];
  /** What the overview covers of metrics.jsonl (where reading new records would start). */
  bytes: number;
  inode: number;
  /** What it was reduced for. */
  buckets: number;
  weight: number;
}

/**
 * A run's overview.json reduced to `buckets` with smoothing at `weight`, train records as columns
 * (what a finished run's first snapshot needs, nothing more). Null when the file is missing or torn,
 * covers another metrics.jsonl, lacks the weight or holds records the columns cannot carry.
 */
export async function openOverview(req: OpenRequest): Promise<OpenedOverview | null> {
  let overview: SeriesOverview | null;
  try {
    overview = SeriesOverview.fromJSON(JSON.parse(await fs.promises.readFile(req.file, 'utf8')));
  } catch {
    return null;
  }
  if (!overview || overview.inode !== req.inode || overview.bytes > req.size || !overview.hasWeight(req.weight)) return null;
  const { records, reduction } = overview.reduce(req.buckets, req.weight);
  const packed = packTrain(records, reduction);
  if (!packed) return null;
  return { ...packed, eval: overview.eval, probes: overview.probes, bytes: overview.bytes, inode: req.inode, buckets: req.buckets, weight: req.weight };
}
