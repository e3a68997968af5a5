/**
 * The webview's side of long runs in headless Chromium: after a drag-zoom on the loss chart settles
 * it asks the host for the window's records of each reduced run (`requestDetail`), draws the
 * answer (`detail`) inside the window, and goes back to the overview on reset; a live update that
 * only adds points appends them to the chart's datasets instead of rebuilding them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TrainRecord } from '../../src/protocol/records';
import { type HostAnswer, type HostToWebview, type RunSeries, type WebviewToHost } from '../../src/protocol/webview';
import { fixtureSummary } from '../fixtures/runs/summary';
import { launchChromium, OUTPUT_DIR, waitForPosted, watchPage, writeWebviewPage } from './chromium';
import type { PageDocument, PageWindow } from './pageTypes';

declare const window: PageWindow;
declare const document: PageDocument;

const train = (step: number): TrainRecord => ({ type: 'train', step, epoch: 0, loss: 1 / Math.sqrt(step), gradNorm: 1, lr: 1e-3, wallMs: step });

function run(runId: string, steps: number[], total?: number): RunSeries {
  return {
    runId,
    runDir: `/runs/${runId}`,
    label: runId,
    colorIndex: 0,
    summary: fixtureSummary(runId, {
      name: runId,
      stepsDone: 0,
      totalSteps: 100_000,
      tags: { model: 'hamiltonian', task: 'adding', hidden: 8, length: 10, tau: 0.5 },
    }),
    train: steps.map(train),
    eval: [],
    probes: [],
    ...(total !== undefined ? { trainReduction: { total } } : {}),
  };
}

type LossData = { lengths: number[]; steps: number[] };

describe('webview: detail on zoom and appended points (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  before(async () => {
    writeWebviewPage('zoom-detail.html', 'em9vbWRldGFpbDEyMzQ1Njc4');
    browser = await launchChromium();
  });
  after(async () => browser?.close());

  async function open(snapshot: HostToWebview): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const { errors } = await watchPage(page);
    await page.addInitScript(() => {
      const outbox: WebviewToHost[] = (window.__posted = []);
      window.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => outbox.push(m as WebviewToHost), getState: () => undefined, setState: () => undefined });
    });
    await page.goto(`file://${path.join(OUTPUT_DIR, 'zoom-detail.html')}`);
    await waitForPosted(page, 'ready');
    await page.evaluate((m) => window.postMessage(m, '*'), snapshot);
    await waitForPosted(page, 'rendered');
    return { page, errors };
  }

  /** The first dataset of the loss chart: its length and steps. */
  const lossData = (page: Page): Promise<LossData> =>
    page.evaluate(() => {
      const ds = document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.data.datasets as Array<{ data: Array<{ x: number }> }>;
      return { lengths: ds.map((d) => d.data.length), steps: ds[0].data.map((p) => p.x) };
    });

  it('asks for the zoomed window of a reduced run, draws the answer in it, and the overview again on reset', async () => {
    // A reduced run: 101 records standing for 100k steps.
    const overview = Array.from({ length: 101 }, (_, i) => 1 + i * 1000);
    const { page, errors } = await open({
      type: 'snapshot',
      seq: 1,
      runs: [run('long', overview, 100_001)],
      sweep: [],
      settings: { updateHz: 10, maxPointsPerLine: 2000 },
      title: 'Z',
    });
    const area = await page.evaluate(() => {
      const c = document.querySelector('[data-chart="loss"] canvas') as unknown as { getBoundingClientRect(): { left: number; top: number } } & {
        hrnnChart: { chartArea: { left: number; top: number; width: number; height: number } };
      };
      const r = c.getBoundingClientRect();
      const a = c.hrnnChart.chartArea;
      return { x: r.left + a.left, y: r.top + a.top, w: a.width, h: a.height };
    });
    // Drag across the middle fifth of the plot: a zoom the user makes.
    await page.mouse.move(area.x + area.w * 0.4, area.y + area.h * 0.2);
    await page.mouse.down();
    await page.mouse.move(area.x + area.w * 0.5, area.y + area.h * 0.6, { steps: 5 });
    await page.mouse.move(area.x + area.w * 0.6, area.y + area.h * 0.9, { steps: 5 });
    await page.mouse.up();
    const request = await waitForPosted(page, 'requestDetail');
    assert.equal(request.runId, 'long');
    assert.ok(request.minStep > 20_000 && request.maxStep < 90_000 && request.minStep < request.maxStep, JSON.stringify(request));
    assert.ok(request.buckets >= 50, `${request.buckets} buckets`);

    const inside = Array.from({ length: 500 }, (_, i) => request.minStep + Math.floor(((request.maxStep - request.minStep) * i) / 499));
    const detail: HostAnswer = {
      type: 'detail',
      requestId: request.requestId,
      runId: 'long',
      minStep: request.minStep,
      maxStep: request.maxStep,
      train: inside.map(train),
    };
    await page.evaluate((m) => window.postMessage(m, '*'), detail);
    await page.waitForFunction((n) => {
      const ds = document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.data.datasets as Array<{ data: unknown[] }> | undefined;
      return !!ds && ds[0].data.length >= n;
    }, 400);
    const zoomed = await lossData(page);
    assert.ok(zoomed.steps.filter((s) => s >= request.minStep && s <= request.maxStep).length >= 400, 'the window drawn from the detail');

    await page.evaluate(() =>
      document
        .querySelector('[data-chart="loss"] canvas')
        ?.dispatchEvent(new (globalThis as unknown as { MouseEvent: new (t: string, o: object) => unknown }).MouseEvent('dblclick', { bubbles: true })),
    );
    await page.waitForFunction(() => {
      const ds = document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.data.datasets as Array<{ data: unknown[] }> | undefined;
      return !!ds && ds[0].data.length === 101;
    });
    assert.equal((await waitForPosted(page, 'requestDetail')).requestId, request.requestId, 'no request after a reset');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('appends the points of a live update to the datasets it drew', async () => {
    const { page, errors } = await open({
      type: 'snapshot',
      seq: 1,
      runs: [run('live', [1, 2, 3, 4, 5])],
      sweep: [],
      settings: { updateHz: 10, maxPointsPerLine: 2000 },
      title: 'A',
    });
    // Mark the arrays drawn now: an append must grow these very arrays.
    await page.evaluate(() => {
      const ds = document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.data.datasets as Array<{ data: { marked?: boolean } }>;
      ds.forEach((d) => (d.data.marked = true));
    });
    await page.evaluate((m) => window.postMessage(m, '*'), { type: 'append', seq: 2, runId: 'live', records: [6, 7, 8].map(train) } as HostToWebview);
    await page.waitForFunction(() => {
      const ds = document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.data.datasets as Array<{ data: unknown[] }> | undefined;
      return !!ds && ds[0].data.length === 8;
    });
    const marked = await page.evaluate(() =>
      (document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.data.datasets as Array<{ data: { marked?: boolean } }>).map(
        (d) => d.data.marked === true,
      ),
    );
    assert.ok(marked.length > 0 && marked.every(Boolean), `appended in place: ${JSON.stringify(marked)}`);
    assert.deepEqual((await lossData(page)).steps, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
