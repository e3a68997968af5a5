/**
 * The HTML report in headless Chromium: every chart holds the expected number of points, canvases
 * are not blank, the controls work, nothing is fetched, no CSP violation; screenshots in light and
 * dark go to test-output/webview/ (look at them).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHART_IDS, type HostToWebview } from '../../src/protocol/webview';
import { renderReportHtml } from '../../src/report/renderReport';
import { writeFixtureRuns, writeLargeRun, type FixtureRuns } from '../fixtures/runs/fixtureRuns';
import { chartInfo, colouredPixels, launchChromium, OUTPUT_DIR, requestChartData, settle, waitForPosted, watchPage } from './chromium';
import type { PageDocument, PageEventConstructor, PageWindow } from './pageTypes';

// Page globals for the `page.evaluate` callbacks (see pageTypes.ts).
declare const document: PageDocument;
declare const window: PageWindow;
declare const Event: PageEventConstructor;

describe('webview in the HTML report (headless Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let dir: string;
  let fx: FixtureRuns;
  let reportFile: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-browser-'));
    fx = writeFixtureRuns(dir);
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    reportFile = path.join(OUTPUT_DIR, 'report.html');
    fs.writeFileSync(reportFile, renderReportHtml([fx.hamiltonian, fx.tanh, fx.sweep]));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(colorScheme: 'light' | 'dark' = 'light', file = reportFile): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme, acceptDownloads: true });
    const watched = await watchPage(page);
    await page.goto(`file://${file}`);
    await waitForPosted(page, 'rendered');
    return { page, ...watched };
  }

  it('draws every chart with the points of metrics.jsonl, fetching nothing, without CSP violations', async () => {
    const { page, errors, requests } = await open('light');
    const { charts } = await waitForPosted(page, 'rendered');
    assert.deepEqual(Object.keys(charts), [...CHART_IDS], 'all eight charts are shown');
    for (const [runId, c] of Object.entries(fx.counts)) {
      const find = (chart: string, series: string) => charts[chart]?.find((e) => e.runId === runId && e.series === series);
      assert.equal(find('loss', 'train')?.points, c.train, `${runId} train loss`);
      assert.equal(find('gradNorm', 'train')?.points, c.train);
      for (const split of ['validation', 'test'] as const) {
        assert.equal(find('loss', split)?.points, c.eval[split] || undefined, `${runId} ${split} loss`);
      }
      assert.equal(find('gradientOverTime', 'gradient')?.points, c.probeLength);
      assert.equal(find('stateNorm', 'stateNorm')?.points, c.probeLength);
      const drawn = find('loss', 'train')?.drawn ?? 0;
      assert.ok(drawn > 0 && drawn <= c.train, 'drawn after decimation is within the points');
    }
    assert.equal(charts.mse.length, 2);
    assert.equal(charts.accuracy.length, 2 * fx.sweepRuns.length);
    assert.equal(charts.energy.filter((e) => e.runId === 'fixture-tanh-1').length, 0);
    assert.equal(charts.sweep[0].points, fx.sweepRuns.length);
    for (const id of CHART_IDS) assert.ok((await colouredPixels(page, id)) > 50, `chart ${id} has drawn lines`);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file://')),
      [],
      'no network requests',
    );
    assert.equal(requests.length, 1, 'only the page itself was loaded');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'report-light.png'), fullPage: true });
    await page.close();
  });

  it('toggles log y and smoothing, keeps the counts, and remembers the choice', async () => {
    const { page, errors } = await open('light');
    assert.equal((await chartInfo(page, 'loss')).yType, 'linear');
    await page.click('#hrnn-logy');
    await settle(page);
    assert.equal((await chartInfo(page, 'loss')).yType, 'logarithmic');
    assert.equal((await chartInfo(page, 'accuracy')).yType, 'linear', 'accuracy stays linear');
    const legend = await page.evaluate(() => {
      const chart = document.querySelector('[data-chart="gradientOverTime"] canvas')?.hrnnChart;
      return chart ? chart.legend.legendItems.map((i) => i.text) : [];
    });
    assert.ok(
      legend.some((t) => /tanh-adding-T100.*values ≤ 0 not drawn/.test(t)),
      `legend says zeros are hidden: ${legend}`,
    );
    for (const id of ['loss', 'gradNorm', 'gradientOverTime']) assert.ok((await colouredPixels(page, id)) > 50, `${id} drawn in log`);

    // Smoothing 0.6 (default): raw + smoothed per training series; 0: one line per series.
    const withSmoothing = (await chartInfo(page, 'gradNorm')).datasets;
    await page.evaluate(() => {
      const s = document.getElementById('hrnn-smoothing');
      if (!s) throw new Error('no smoothing slider');
      s.value = '0';
      s.dispatchEvent(new Event('input'));
    });
    await settle(page);
    const without = (await chartInfo(page, 'gradNorm')).datasets;
    assert.equal(withSmoothing, 2 * without);
    const report = await requestChartData(page, 1);
    assert.equal(report.loss.find((e) => e.runId === 'fixture-ham-1' && e.series === 'train')?.points, fx.counts['fixture-ham-1'].train);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'report-log-unsmoothed.png'), fullPage: true });

    await page.reload();
    await waitForPosted(page, 'rendered');
    assert.equal(await page.isChecked('#hrnn-logy'), true, 'log y survives a reload (setState)');
    assert.equal(await page.inputValue('#hrnn-smoothing'), '0');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('moves the probe slider to an earlier probe and switches x to wall time', async () => {
    const { page } = await open('light');
    await page.evaluate(() => {
      const s = document.getElementById('hrnn-probe');
      if (!s) throw new Error('no probe slider');
      s.value = '0';
      s.dispatchEvent(new Event('input'));
    });
    await settle(page);
    let report = await requestChartData(page, 2);
    assert.equal(report.gradientOverTime.find((e) => e.runId === 'fixture-ham-1')?.probeStep, 100, 'first probe');
    await page.selectOption('#hrnn-xaxis', 'wallTime');
    await settle(page);
    const info = await chartInfo(page, 'loss');
    assert.ok(info.xMax < 60, `wall time in seconds (fixture runs last ~17 s), got ${info.xMax}`);
    report = await requestChartData(page, 3);
    assert.equal(report.loss.find((e) => e.runId === 'fixture-ham-1' && e.series === 'train')?.points, fx.counts['fixture-ham-1'].train);
    await page.close();
  });

  it('keeps the zoom when points are appended, asks for a snapshot on a seq gap', async () => {
    const { page } = await open('light');
    await page.evaluate(() => {
      document.querySelector('[data-chart="loss"] canvas')?.hrnnChart?.zoomScale('x', { min: 100, max: 200 });
    });
    await settle(page);
    const before = await chartInfo(page, 'loss');
    assert.equal(before.zoomed, true);
    const append = (seq: number, from: number, n: number): HostToWebview => ({
      type: 'append',
      seq,
      runId: 'fixture-ham-1',
      records: Array.from({ length: n }, (_, i) => ({
        type: 'train',
        step: from + i,
        epoch: 4,
        loss: 0.01,
        gradNorm: 0.5,
        lr: 0.003,
        wallMs: (from + i) * 42,
      })),
    });
    // A burst of messages in one task: applied at once, drawn once.
    await page.evaluate((msgs) => msgs.forEach((m) => window.postMessage(m, '*')), [append(1, 401, 50), append(2, 451, 50)]);
    await settle(page);
    const after = await chartInfo(page, 'loss');
    assert.deepEqual([after.xMin, after.xMax, after.zoomed], [before.xMin, before.xMax, true], 'zoom window kept');
    let report = await requestChartData(page, 4);
    const train = () => report.loss.find((e) => e.runId === 'fixture-ham-1' && e.series === 'train')?.points;
    assert.equal(train(), fx.counts['fixture-ham-1'].train + 100);
    // seq 3 is missing: the app asks for a snapshot (the report answers with its own).
    await page.evaluate((m) => window.postMessage(m, '*'), append(4, 501, 10));
    await waitForPosted(page, 'requestSnapshot');
    await waitForPosted(page, 'rendered', 2);
    report = await requestChartData(page, 5);
    assert.equal(train(), fx.counts['fixture-ham-1'].train, 'back to the snapshot');
    await page.click('[data-chart="loss"] .card-action:has-text("Reset zoom")');
    await settle(page);
    assert.equal((await chartInfo(page, 'loss')).zoomed, false);
    await page.close();
  });

  it('exports CSV and PNG as downloads', async () => {
    const { page } = await open('light');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
    const csvText = fs.readFileSync(await csv.path(), 'utf8');
    const lines = csvText.trim().split('\n');
    assert.equal(lines[0], 'chart,run_id,series,label,x_name,x,y,y_smoothed');
    const hamTrain = lines.filter((l) => l.startsWith('loss,fixture-ham-1,train,'));
    assert.equal(hamTrain.length, fx.counts['fixture-ham-1'].train);
    assert.match(csv.suggestedFilename(), /\.csv$/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('text=Export PNG')]);
    const bytes = fs.readFileSync(await png.path());
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
    assert.ok(bytes.length > 20_000, `a real picture, ${bytes.length} bytes`);
    fs.writeFileSync(path.join(OUTPUT_DIR, 'export-all.png'), bytes);
    await page.close();
  });

  it('follows the colour scheme: dark theme colours re-read when it changes', async () => {
    const { page, errors } = await open('light');
    const light = await chartInfo(page, 'loss');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.body.classList.contains('vscode-dark'));
    await settle(page);
    await settle(page);
    const dark = await chartInfo(page, 'loss');
    assert.notEqual(dark.color, light.color, 'text colour changed with the theme');
    for (const id of CHART_IDS) assert.ok((await colouredPixels(page, id)) > 50, `chart ${id} drawn in dark`);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'report-dark.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('stays fast on a long run: 50k steps decimated to the budget', async () => {
    const bigDir = path.join(dir, 'large');
    writeLargeRun(bigDir, 50_000);
    const file = path.join(OUTPUT_DIR, 'report-large.html');
    fs.writeFileSync(file, renderReportHtml([bigDir], { maxPointsPerLine: 1500 }));
    const started = Date.now();
    const { page } = await open('light', file);
    const elapsed = Date.now() - started;
    const { charts } = await waitForPosted(page, 'rendered');
    const train = charts.loss.find((e) => e.series === 'train');
    assert.equal(train?.points, 50_000);
    assert.ok(train?.drawn !== undefined && train.drawn <= 1500, `decimated: ${train?.drawn}`);
    assert.ok((await colouredPixels(page, 'loss')) > 50);
    // Generous bound for a shared 2-core machine; typically ~1 s.
    assert.ok(elapsed < 20_000, `rendered in ${elapsed} ms`);
    await page.close();
  });
});
