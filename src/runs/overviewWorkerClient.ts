/**
 * Hands bulk reads of metrics.jsonl (src/runs/overviewReader.ts), finished runs' overview.json and
 * runs' experiment.yaml to a few worker threads, started on first use from `overviewWorker.js`
 * beside this code (dist/ in the bundle, out/src/runs in tests), so the extension host's event loop
 * only waits for the answer. Where that file is missing, the read runs in process (asynchronously,
 * in slices). No vscode.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainRecord } from '../protocol/records';
import type { TrainReduction } from '../protocol/webview';
import { buildOverview, openOverview, reduceRange, type OpenedOverview, type OpenRequest, type RangeRequest } from './overviewReader';
import { parseExperimentFile, readRunExperimentWith } from './runExperiment';
import type { OverviewJson } from './seriesOverview';

type Job =
  | { kind: 'overview'; file: string; weights?: number[] }
  | { kind: 'range'; range: RangeRequest }
  | { kind: 'open'; open: OpenRequest }
  | { kind: 'experiment'; file: string };
export type OverviewJob = Job & { id: number };
export type OverviewJobResult = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
export type RangeResult = { records: TrainRecord[]; reduction?: TrainReduction };

class OverviewWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly file: string) {}

  /** Jobs posted and not answered yet. */
  get busy(): number {
    return this.pending.size;
  }

  run(job: Job): Promise<unknown> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...job, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.file);
    worker.on('message', (m: OverviewJobResult) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      // An idle worker must not keep the process alive.
      if (this.pending.size === 0) worker.unref();
      if (!p) return;
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', () => this.fail(new Error('the overview worker exited')));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(e: Error): void {
    this.worker = null;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

const workerFile = path.join(__dirname, 'overviewWorker.js');
/** Up to four threads, leaving a core to the host: several older runs opened at once are read side by side. */
const POOL_SIZE = Math.max(1, Math.min(4, os.availableParallelism() - 1));
let pool: OverviewWorker[] | null | undefined;

/** The least busy worker (threads start on first use); null where the worker's file is missing. */
function worker(): OverviewWorker | null {
  if (pool === undefined) pool = fs.existsSync(workerFile) ? Array.from({ length: POOL_SIZE }, () => new OverviewWorker(workerFile)) : null;
  if (!pool) return null;
  return pool.reduce((a, b) => (b.busy < a.busy ? b : a));
}

/** The overview of a whole metrics.jsonl, read off this thread. */
export async function readOverviewOffThread(file: string, weights?: readonly number[]): Promise<OverviewJson> {
  const w = worker();
  if (!w) return buildOverview(file, weights);
  return JSON.parse((await w.run({ kind: 'overview', file, ...(weights ? { weights: [...weights] } : {}) })) as string) as OverviewJson;
}

/** The reduced train records of a step window, read off this thread. */
export async function readRangeOffThread(range: RangeRequest): Promise<RangeResult> {
  const w = worker();
  if (!w) return reduceRange(range);
  return (await w.run({ kind: 'range', range })) as RangeResult;
}

/** A finished run's overview.json reduced as the panel draws it (openOverview), read off this thread. */
export async function openOverviewOffThread(open: OpenRequest): Promise<OpenedOverview | null> {
  const w = worker();
  if (!w) return openOverview(open);
  return (await w.run({ kind: 'open', open })) as OpenedOverview | null;
}

/** A run's parsed experiment.yaml (readRunExperiment), parsed off this thread. */
export function readRunExperimentOffThread(runDir: string): Promise<unknown> {
  return readRunExperimentWith(runDir, async (file) => {
    const w = worker();
    return w ? w.run({ kind: 'experiment', file }) : parseExperimentFile(file);
  });
}
