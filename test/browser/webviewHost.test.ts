/**
 * The bundle as the extension host serves it: the HTML of `buildWebviewHtml` (strict CSP with a
 * nonce, script and stylesheet as resources), a stub `acquireVsCodeApi`, and the host's side of
 * the message contract played by the test.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TrainRecord } from '../../src/protocol/records';
import type { HostToWebview, RunSeries, WebviewToHost } from '../../src/protocol/webview';
import { colouredPixels, launchChromium, OUTPUT_DIR, posted, requestChartData, settle, waitForPosted, watchPage, writeWebviewPage } from './chromium';
import type { PageWindow } from './pageTypes';

// Page globals for the `page.evaluate` callbacks (see pageTypes.ts).
declare const window: PageWindow;

function train(step: number): TrainRecord {
  return { type: 'train', step, epoch: 0, loss: 1 / Math.sqrt(step), gradNorm: 1, lr: 1e-3, wallMs: step * 5 };
}

function run(runId: string, steps: number, colorIndex: number): RunSeries {
  return {
    runId,
    runDir: `/runs/${runId}`,
    label: runId,
    colorIndex,
    summary: {
      formatVersion: 1,
      runId,
      name: runId,
      status: 'running',
      stepsDone: steps,
      totalSteps: 1000,
      best: null,
      final: {},
      backend: 'cpu',
      implementation: 'tfjs',
      durationMs: 0,
      packageVersion: '0.1.0',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: null,
      experimentFile: '/e.hrnn.yaml',
      tags: { model: 'hamiltonian', task: 'adding', hidden: 8, length: 10, tau: 0.5 },
    },
    train: Array.from({ length: steps }, (_, i) => train(i + 1)),
    eval: [],
    probes: [],
  };
}

describe('webview under the host HTML and CSP (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;
  let watched: { errors: string[]; requests: string[] };

  before(async () => {
    const file = writeWebviewPage('host-page.html', 'dGVzdG5vbmNlMTIzNDU2Nzg5');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    watched = await watchPage(page);
    // What VS Code provides inside a webview, recording what the app posts.
    await page.addInitScript(() => {
      const outbox: WebviewToHost[] = (window.__posted = []);
      window.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => outbox.push(m as WebviewToHost),
        getState: () => window.__state,
        setState: (s: unknown) => (window.__state = s),
      });
    });
    await page.goto(`file://${file}`);
  });
  after(async () => browser?.close());

  const send = (msgs: HostToWebview[]) => page.evaluate((m) => m.forEach((x) => window.postMessage(x, '*')), msgs);

  it('posts ready, draws a snapshot and posts rendered with the counts', async () => {
    await waitForPosted(page, 'ready');
    await send([
      { type: 'snapshot', seq: 10, runs: [run('a', 300, 0), run('b', 120, 1)], sweep: [], settings: { updateHz: 10, maxPointsPerLine: 2000 }, title: 'Live' },
    ]);
    const { charts } = await waitForPosted(page, 'rendered');
    assert.deepEqual(Object.keys(charts), ['loss', 'gradNorm']);
    assert.deepEqual(
      charts.loss.map((e) => [e.runId, e.points]),
      [
        ['a', 300],
        ['b', 120],
      ],
    );
    assert.ok((await colouredPixels(page, 'loss')) > 50);
    assert.equal(await page.locator('.link-button').count(), 2, 'run folders can be opened from the panel');
  });

  it('applies appends in order, coalescing a burst, and ignores stale ones', async () => {
    const msgs: HostToWebview[] = [];
    for (let i = 0; i < 40; i++) msgs.push({ type: 'append', seq: 11 + i, runId: 'a', records: [train(301 + i)] });
    msgs.push({ type: 'append', seq: 30, runId: 'a', records: [train(9999)] }); // stale duplicate
    msgs.push({ type: 'runStatus', seq: 51, runId: 'b', summary: { ...run('b', 120, 1).summary, status: 'completed' } });
    await send(msgs);
    await settle(page);
    const report = await requestChartData(page, 1);
    assert.equal(report.loss.find((e) => e.runId === 'a')?.points, 340);
    assert.equal(await page.locator('tr[data-run-id="b"] .status').textContent(), 'completed');
    assert.equal((await posted(page)).filter((m) => m.type === 'requestSnapshot').length, 0);
  });

  it('asks for a snapshot on a gap, hides runs and saves files through the host', async () => {
    await send([{ type: 'append', seq: 60, runId: 'a', records: [train(400)] }]);
    await waitForPosted(page, 'requestSnapshot');
    await page.uncheck('tr[data-run-id="b"] input[type="checkbox"]');
    await settle(page);
    const report = await requestChartData(page, 2);
    assert.deepEqual(
      report.loss.map((e) => e.runId),
      ['a'],
    );
    const state = (await page.evaluate(() => window.__state)) as { view?: { hiddenRuns?: string[] } } | undefined;
    assert.deepEqual(state?.view?.hiddenRuns, ['b'], 'persisted with setState');
    await page.click('[data-chart="loss"] .card-action:has-text("CSV")');
    const save = await waitForPosted(page, 'saveFile');
    assert.equal(save.format, 'csv');
    assert.match(save.suggestedName, /^live-loss\.csv$/);
    assert.equal(save.data.trim().split('\n').length, 1 + 340);
    await page.click('[data-chart="loss"] .card-action:has-text("PNG")');
    const png = await waitForPosted(page, 'saveFile', 2);
    assert.equal(png.format, 'png');
    assert.ok(Buffer.from(png.data, 'base64').subarray(1, 4).toString() === 'PNG');
  });

  it('ran without CSP violations, errors or network access', async () => {
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'host-page.png'), fullPage: true });
    assert.deepEqual(watched.errors, []);
    assert.deepEqual(
      watched.requests.filter((u) => !u.startsWith('file://')),
      [],
    );
    assert.equal((await posted(page)).filter((m) => m.type === 'error').length, 0);
  });
});
