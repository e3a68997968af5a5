/**
 * The experiments table and the sweep views in headless Chromium, on a seed-grouped sweep (tau ×
 * seed): hyperparameter columns, seed groups with mean and range, sorting, filtering, the ticks
 * choosing what the charts plot, the metric-against-tau chart on log axes with its min-max band,
 * parallel coordinates. Both as the HTML report and as the editor's panel (host HTML and CSP);
 * screenshots go to test-output/webview/experiments-*.png (look at them).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type WebviewToHost } from '../../src/protocol/webview';
import { loadReportSnapshot } from '../../src/report/reportData';
import { renderReportHtml } from '../../src/report/renderReport';
import { writeSeedSweep, type SeedSweep } from '../fixtures/runs/seedSweep';
import { colouredPixels, launchChromium, OUTPUT_DIR, requestChartData, settle, waitForPosted, watchPage, writeWebviewPage } from './chromium';

// Page globals for the `page.evaluate` callbacks: only what these tests touch, typed narrowly.
interface ChartLike {
  chartArea: { left: number; top: number; width: number; height: number };
  scales: Record<string, { type: string }>;
  data: { datasets: Array<{ fill?: unknown; data: unknown[] }> };
}
interface ElementLike {
  width: number;
  clientWidth: number;
  hrnnChart?: ChartLike;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
declare const document: { querySelector(selector: string): ElementLike | null };
declare const window: {
  postMessage(message: unknown, targetOrigin: string): void;
  __posted?: WebviewToHost[];
  __state?: unknown;
  acquireVsCodeApi?: () => { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
};

describe('experiments table with a seed-grouped sweep (headless Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let dir: string;
  let sweep: SeedSweep;
  let reportFile: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-table-'));
    sweep = writeSeedSweep(path.join(dir, 'tau-seed-sweep'));
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    reportFile = path.join(OUTPUT_DIR, 'experiments-report.html');
    fs.writeFileSync(reportFile, renderReportHtml([sweep.sweepDir]));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function openReport(colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme });
    const { errors } = await watchPage(page);
    await page.goto(`file://${reportFile}`);
    await waitForPosted(page, 'rendered');
    await settle(page);
    return { page, errors };
  }

  const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
  const groupLabels = (page: Page) => texts(page, 'tr.group-row .run-name');

  /** Pixels in a chart's plot area that are faint colour: the min-max band's fill. */
  const bandPixels = (page: Page, chartId = 'metricVsParameter') =>
    page.evaluate((id) => {
      const canvas = document.querySelector(`[data-chart="${id}"] canvas`);
      const chart = canvas?.hrnnChart;
      const ctx = canvas?.getContext('2d');
      if (!canvas || !chart || !ctx) return -1;
      const a = chart.chartArea;
      const scale = canvas.width / canvas.clientWidth;
      const img = ctx.getImageData(a.left * scale, a.top * scale, a.width * scale, a.height * scale).data;
      let n = 0;
      for (let i = 0; i < img.length; i += 4) {
        const [r, g, b, al] = [img[i], img[i + 1], img[i + 2], img[i + 3]];
        if (al > 20 && al < 110 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
      }
      return n;
    }, chartId);

  it('shows one line per seed group, the differing hyperparameters as columns, mean and range', async () => {
    const { page, errors } = await openReport();
    const headers = await texts(page, 'table.experiments th .sort-button');
    assert.deepEqual(headers.slice(0, 3), ['Run', 'seed', 'model.tau'], 'only the parameters that differ');
    for (const h of ['Status', 'Best val', 'Test @ best', 'Final val', 'Final test', 'Duration', 'Steps/s', 'Steps'])
      assert.ok(headers.includes(h), `${h} in ${headers}`);
    const labels = await groupLabels(page);
    assert.equal(labels.length, 5, `five tau groups: ${labels}`);
    assert.match(labels[0], /model\.tau=0\.0005.*× 3 seeds/);
    assert.equal(await page.locator('tr.run-row').count(), 0, 'every run is in a group');
    const first = page.locator('tr.group-row').first();
    assert.equal(await first.locator('td').nth(2).textContent(), '1, 2, 3', 'the seeds of the group');
    assert.match((await first.locator('td.num .range').first().textContent()) ?? '', /–/, 'a min – max range under the mean');
    assert.match((await page.locator('.table-count').textContent()) ?? '', /15 of 15 runs · 5 lines/);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'experiments-report-light.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('sorts by a column both ways, filters by text, ungroups and expands a group', async () => {
    const { page, errors } = await openReport();
    await page.click('.sort-button[data-column="testAtBest"]');
    let labels = await groupLabels(page);
    assert.match(labels[0], /tau=0\.025/, `lowest test MSE first: ${labels}`);
    assert.match(labels[4], /tau=0\.0005/);
    await page.click('.sort-button[data-column="testAtBest"]');
    labels = await groupLabels(page);
    assert.match(labels[0], /tau=0\.0005/, 'descending');
    assert.equal(await page.locator('th[aria-sort="descending"]').count(), 1);

    await page.fill('#hrnn-table-filter', 'tau=0.1');
    assert.deepEqual(await groupLabels(page), ['tau-seed-sweep [model.tau=0.1] × 3 seeds']);
    await page.fill('#hrnn-table-filter', 'tau=0.1 seed=2');
    assert.match((await page.locator('.table-count').textContent()) ?? '', /3 of 15 runs/, 'a group shows when any of its runs matches');
    await page.fill('#hrnn-table-filter', '');

    await page.click('tr.group-row .expand-button >> nth=0');
    assert.equal(await page.locator('tr.member-row').count(), 3, 'expanded: the three runs under the group');
    await page.uncheck('#hrnn-group-seeds');
    assert.equal(await page.locator('tr.group-row').count(), 0);
    assert.equal(await page.locator('tr.run-row').count(), 15, 'ungrouped: one row per run');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('plots the metric against tau on log axes with the min-max band, and parallel coordinates', async () => {
    const { page, errors } = await openReport();
    const info = await page.evaluate(() => {
      const chart = document.querySelector('[data-chart="metricVsParameter"] canvas')?.hrnnChart;
      if (!chart) throw new Error('no metric chart');
      return {
        x: chart.scales.x.type,
        y: chart.scales.y.type,
        fills: chart.data.datasets.map((d) => d.fill ?? false),
        sizes: chart.data.datasets.map((d) => d.data.length),
      };
    });
    assert.equal(info.x, 'logarithmic', 'tau spans 2.3 decades');
    assert.equal(info.y, 'logarithmic', 'test MSE spans 2.5 decades');
    assert.deepEqual(info.fills, [false, '-1', false, false], 'min, max filled down to min, mean, runs');
    assert.deepEqual(info.sizes, [5, 5, 5, 15]);
    assert.ok((await colouredPixels(page, 'metricVsParameter')) > 50, 'mean line and dots drawn');
    assert.ok((await bandPixels(page)) > 500, 'the band is drawn');
    assert.equal(await page.locator('[data-panel="parallelCoordinates"] polyline').count(), 15, 'one line per run');
    assert.deepEqual(await texts(page, '.parallel-title'), ['seed', 'model.tau (log)', 'test @ best mse (log)']);
    await page.locator('[data-chart="metricVsParameter"]').screenshot({ path: path.join(OUTPUT_DIR, 'experiments-metric-vs-tau.png') });
    const groups = await page.evaluate(() => document.querySelector('[data-chart="seedGroups"] canvas')?.hrnnChart?.data.datasets.map((d) => d.fill ?? false));
    assert.equal(groups?.length, 5 * 3, 'each seed group: min, max (filled) and mean over steps');
    assert.ok((await bandPixels(page, 'seedGroups')) > 500, 'the seed groups’ bands are drawn');
    await page.locator('[data-chart="seedGroups"]').screenshot({ path: path.join(OUTPUT_DIR, 'experiments-seed-groups.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('in the panel: unticking a group hides its runs in every chart and view, under the host CSP', async () => {
    const file = writeWebviewPage('experiments-host-page.html', 'dGFibGVub25jZTEyMzQ1Njc4');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const { errors } = await watchPage(page);
    await page.addInitScript(() => {
      const outbox: WebviewToHost[] = (window.__posted = []);
      window.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => outbox.push(m as WebviewToHost),
        getState: () => window.__state,
        setState: (s: unknown) => (window.__state = s),
      });
    });
    await page.goto(`file://${file}`);
    await waitForPosted(page, 'ready');
    const snapshot = { ...loadReportSnapshot([sweep.sweepDir]), seq: 1 };
    await page.evaluate((m) => window.postMessage(m, '*'), snapshot);
    await waitForPosted(page, 'rendered');
    await settle(page);
    assert.equal(await page.locator('tr.group-row').count(), 5);
    assert.equal(await page.locator('.link-button').count(), 0, 'folders open from a run row (groups folded)');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'experiments-panel.png'), fullPage: true });

    const before = await requestChartData(page, 1);
    assert.equal(before.loss.length, 15 * 3, 'train, validation and test loss of every run');
    const group = page.locator('tr.group-row', { hasText: 'model.tau=0.1]' });
    await group.locator('input[type="checkbox"]').uncheck();
    await settle(page);
    const after = await requestChartData(page, 2);
    assert.equal(after.loss.length, 12 * 3, 'the group’s three runs left the charts');
    assert.ok(after.loss.every((e) => !/tau-0\.1-/.test(e.runId ?? '')));
    const state = (await page.evaluate(() => window.__state)) as { view?: { hiddenRuns?: string[] } } | undefined;
    assert.equal(state?.view?.hiddenRuns?.length, 3, 'persisted with setState');
    const sizes = await page.evaluate(() =>
      document.querySelector('[data-chart="metricVsParameter"] canvas')?.hrnnChart?.data.datasets.map((d) => d.data.length),
    );
    assert.deepEqual(sizes, [4, 4, 4, 12], 'the metric chart plots only the ticked runs');
    assert.equal(await page.locator('[data-panel="parallelCoordinates"] polyline').count(), 12);
    await page.check('table.experiments thead input[type="checkbox"]');
    await settle(page);
    assert.equal((await requestChartData(page, 3)).loss.length, 15 * 3, 'the header tick plots every shown run again');

    await page.click('tr.group-row .expand-button >> nth=0');
    assert.equal(await page.locator('tr.member-row .link-button').count(), 3, 'expanded runs open their folders');
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'experiments-panel-expanded.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('draws in the dark theme too', async () => {
    const { page, errors } = await openReport('dark');
    assert.ok((await colouredPixels(page, 'metricVsParameter')) > 50);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'experiments-report-dark.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
