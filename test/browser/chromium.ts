/**
 * Headless Chromium for the webview's browser tests (Debian's /usr/bin/chromium driven by
 * playwright-core), and page helpers: what the app posted, canvas pixels, CSP violations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWebviewHtml, type ChartDataReport, type WebviewToHost } from '../../src/protocol/webview';
import type { PageDocument, PageWindow } from './pageTypes';

// Page globals for the `page.evaluate` callbacks (see pageTypes.ts).
declare const document: PageDocument;
declare const window: PageWindow;
declare function requestAnimationFrame(callback: () => void): number;

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUTPUT_DIR = path.resolve(__dirname, '../../../test-output/webview');

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The panel's page as the extension serves it (buildWebviewHtml: its strict CSP, a nonce) loading
 * the built bundle and styles from disk, written to test-output/webview/<name>; returns the file.
 */
export function writeWebviewPage(name: string, nonce: string): string {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const html = buildWebviewHtml({
    scriptUri: `file://${path.join(ROOT, 'media/webview/plots.js')}`,
    styleUri: `file://${path.join(ROOT, 'media/webview/plots.css')}`,
    cspSource: 'file:',
    nonce,
    title: 'Plots',
  });
  const file = path.join(OUTPUT_DIR, name);
  fs.writeFileSync(file, html);
  return file;
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Records CSP violations and page errors from the first script on. */
export async function watchPage(page: Page): Promise<{ errors: string[]; requests: string[] }> {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return { errors, requests };
}

/** Messages the app posted, in the standalone report (window.hrnnOutbox) or to a stub host (window.__posted). */
export function posted(page: Page): Promise<WebviewToHost[]> {
  return page.evaluate(() => {
    return window.__posted ?? window.hrnnOutbox ?? [];
  });
}

export async function waitForPosted<T extends WebviewToHost['type']>(page: Page, type: T, count = 1): Promise<Extract<WebviewToHost, { type: T }>> {
  await page.waitForFunction(
    ([t, n]) => {
      return (window.__posted ?? window.hrnnOutbox ?? []).filter((m) => m.type === t).length >= n;
    },
    [type, count] as const,
    { timeout: 20_000 },
  );
  const all = (await posted(page)).filter((m) => m.type === type);
  return all[all.length - 1] as Extract<WebviewToHost, { type: T }>;
}

/** Asks the app what it draws, the way the host does (`requestChartData`). */
export async function requestChartData(page: Page, requestId: number): Promise<ChartDataReport> {
  await page.evaluate((id) => window.postMessage({ type: 'requestChartData', requestId: id }, '*'), requestId);
  await page.waitForFunction(
    (id) => {
      return (window.__posted ?? window.hrnnOutbox ?? []).some((m) => m.type === 'chartDataReport' && m.requestId === id);
    },
    requestId,
    { timeout: 10_000 },
  );
  const answer = (await posted(page)).find((m) => m.type === 'chartDataReport' && m.requestId === requestId);
  if (!answer || answer.type !== 'chartDataReport') throw new Error('no chartDataReport');
  return answer.charts;
}

/** Waits until the app has drawn what it was sent (two animation frames). */
export function settle(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/**
 * Pixels inside a chart's plot area that carry a strong colour (the run palette; grid lines and
 * text are grey): > 0 means lines were drawn.
 */
export function colouredPixels(page: Page, chartId: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-chart="${id}"] canvas`);
    if (!canvas?.hrnnChart) return -1;
    const a = canvas.hrnnChart.chartArea;
    const ctx = canvas.getContext('2d');
    if (!ctx) return -1;
    const scale = canvas.width / canvas.clientWidth;
    const img = ctx.getImageData(a.left * scale, a.top * scale, Math.max(1, a.width * scale), Math.max(1, a.height * scale)).data;
    let n = 0;
    for (let i = 0; i < img.length; i += 4) {
      const [r, g, b, al] = [img[i], img[i + 1], img[i + 2], img[i + 3]];
      if (al > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  }, chartId);
}

/** Reads a property of a chart (through the canvas' test hook). */
export function chartInfo(
  page: Page,
  chartId: string,
): Promise<{ yType: string; xMin: number; xMax: number; zoomed: boolean; datasets: number; color: string }> {
  return page.evaluate((id) => {
    const ch = document.querySelector(`[data-chart="${id}"] canvas`)?.hrnnChart;
    if (!ch) throw new Error(`no chart ${id}`);
    return {
      yType: ch.scales.y.type,
      xMin: ch.scales.x.min,
      xMax: ch.scales.x.max,
      zoomed: ch.isZoomedOrPanned(),
      datasets: ch.data.datasets.length,
      color: String(ch.options.color),
    };
  }, chartId);
}
