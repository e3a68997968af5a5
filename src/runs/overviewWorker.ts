/**
 * The plots panel's worker thread: reads a long run's metrics.jsonl (src/runs/overviewReader.ts)
 * where no overview.json covers it, a finished run's overview.json into what the panel draws
 * first, and runs' experiment.yaml, so the extension host parses none of them. Started from its own
 * file, `overviewWorker.js` beside the code that starts it (src/runs/overviewWorkerClient.ts); never
 * imported. Depends on node:worker_threads only.
 */
import { parentPort } from 'node:worker_threads';
import { buildOverview, openOverview, reduceRange } from './overviewReader';
import { parseExperimentFile } from './runExperiment';
import type { OverviewJob, OverviewJobResult } from './overviewWorkerClient';

/** The answer, and the buffers that move to the host with it (typed columns: no copy). */
async function run(job: OverviewJob): Promise<{ result: OverviewJobResult; transfer: ArrayBuffer[] }> {
  try {
    // As JSON text: a string crosses threads as one copy, an object graph of thousands of rows costs the host a long deserialisation.
    if (job.kind === 'overview') return { result: { id: job.id, ok: true, value: JSON.stringify(await buildOverview(job.file, job.weights)) }, transfer: [] };
    if (job.kind === 'open') {
      const opened = await openOverview(job.open);
      const transfer = opened ? Object.values(opened.packedTrain).map((column: Float64Array) => column.buffer as ArrayBuffer) : [];
      return { result: { id: job.id, ok: true, value: opened }, transfer };
    }
    if (job.kind === 'experiment') return { result: { id: job.id, ok: true, value: parseExperimentFile(job.file) }, transfer: [] };
    return { result: { id: job.id, ok: true, value: await reduceRange(job.range) }, transfer: [] };
  } catch (e) {
    return { result: { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}

parentPort?.on('message', (job: OverviewJob) => {
  void run(job).then(({ result, transfer }) => parentPort?.postMessage(result, transfer));
});
