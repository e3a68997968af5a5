/**
 * The plots panel's worker thread: reads a long run's metrics.jsonl (src/runs/overviewReader.ts)
 * where no overview.json covers it, so the extension host never parses it. Started from its own
 * file, `overviewWorker.js` beside the code that starts it (src/runs/overviewWorkerClient.ts); never
 * imported. Depends on node:worker_threads only.
 */
import { parentPort } from 'node:worker_threads';
import { buildOverview, reduceRange } from './overviewReader';
import type { OverviewJob, OverviewJobResult } from './overviewWorkerClient';

async function run(job: OverviewJob): Promise<OverviewJobResult> {
  try {
    // As JSON text: a string crosses threads as one copy, an object graph of thousands of rows costs the host a long deserialisation.
    if (job.kind === 'overview') return { id: job.id, ok: true, value: JSON.stringify(await buildOverview(job.file, job.weights)) };
    return { id: job.id, ok: true, value: await reduceRange(job.range) };
  } catch (e) {
    return { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

parentPort?.on('message', (job: OverviewJob) => {
  void run(job).then((result) => parentPort?.postMessage(result));
});
