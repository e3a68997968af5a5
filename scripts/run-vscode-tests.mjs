#!/usr/bin/env node
// Runs the extension's integration suite in a real VS Code (code-server 1.100.3, installed by
// scripts/setup-vscode-host.sh) and exits with its result (0 = all passed).
//
//   code-server      VS Code's server, web workbench and Node extension host, on 127.0.0.1;
//   chromium         opens the workbench headless (playwright-core) with the `payload` URL parameter
//                    asking for extensionDevelopmentPath (this repository) + extensionTestsPath;
//   the suite        out/test/integration/index.js runs mocha inside the extension host; when its
//                    run() settles, the workbench calls window.codeAutomationExit(code) -> our exit code.
//
// UI driver. Tests run inside the extension host and cannot touch the workbench's DOM, so this
// launcher serves a small HTTP API on 127.0.0.1 (its URL reaches the extension host through the
// environment variable HRNN_UI_DRIVER) that performs UI steps with playwright as a person would:
//   POST /palette       {text, label?}  F1 (or Ctrl+Shift+P), type `text`, pick the row `label` (default `text`)
//   POST /notifications                 texts of the notification toasts on screen
//   POST /query         {selector}      text and aria-label of workbench elements (e.g. runs view rows)
//   POST /webview       {}              the plots webview frame: canvases and their painted pixels
//   POST /webviewClick  {text}          clicks the button labelled `text` in the plots webview
//   POST /screenshot    {name, target}  PNG of the page or the plots webview into the output folder,
//                                       with pixel statistics measured on the image (the suite takes
//                                       failed-<test>.png of each failed test this way)
//   POST /reload        {data}          "Developer: Reload Window" from the palette; `data` is kept
//   POST /state                         {phase, data}: phase 1 before the reload, 2 after it
//   POST /log           {message}       prints a line (test progress in this process's output)
// The reload kills the extension host running the suite; VS Code then reloads the same URL, so the
// suite starts again, asks /state, and runs its after-reload part (test/integration/index.ts).
//
// Environment: CODE_SERVER_DIR, CHROMIUM_PATH (default /usr/bin/chromium), VSCODE_TEST_TIMEOUT_MS
// (default 600000), HRNN_TEST_OUTPUT (default test-output/integration), HRNN_TEST_GREP (mocha grep),
// VERBOSE=1 (code-server log and every console line), KEEP_WORKSPACE=1 (keep the temporary workspace),
// EXT_DEV_PATH (the extension to load; default this repository; e.g. an unpacked .vsix's extension/
// folder, to test what `vsce package` ships).
//
// `--vsix FILE` (or HRNN_VSIX=FILE): test a package as users get it. The launcher installs FILE with
// `code-server --install-extension` into the fresh extensions folder, loads a stub development
// extension in place of this repository (VS Code runs a test module only with one), and tells the
// suite through HRNN_TEST_VSIX, so that it asserts what a platform package must do (the prebuilt
// native kernel runs: test/integration/packaging.test.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testsPath = path.join(root, 'out/test/integration/index.js');
const vsixArg = process.argv.indexOf('--vsix');
const vsix = vsixArg > 0 ? path.resolve(process.argv[vsixArg + 1]) : process.env.HRNN_VSIX ? path.resolve(process.env.HRNN_VSIX) : null;
let extensionDir = path.resolve(process.env.EXT_DEV_PATH || root);
const fixtureWorkspace = path.join(root, 'test/fixtures/workspace');
const outputDir = path.resolve(process.env.HRNN_TEST_OUTPUT || path.join(root, 'test-output/integration'));
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const timeoutMs = Number(process.env.VSCODE_TEST_TIMEOUT_MS || 600000);
const verbose = !!process.env.VERBOSE;

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg) => console.log(`[harness ${since()}] ${msg}`);

function fail(message) {
  console.error(`[harness] ${message}`);
  process.exit(1);
}

// ---- prerequisites -------------------------------------------------------------------------
for (const f of ['dist/extension.js', 'dist/cli.js', 'media/webview/plots.js', 'out/test/integration/index.js']) {
  if (!fs.existsSync(path.join(root, f))) fail(`${f} is missing: run \`npm run build\` first`);
}
let codeServerDir;
try {
  codeServerDir = process.env.CODE_SERVER_DIR
    ? path.resolve(process.env.CODE_SERVER_DIR)
    : path.dirname(require.resolve('code-server/package.json', { paths: [path.join(root, '.vscode-test/host')] }));
} catch {
  fail('code-server is not installed: run `bash scripts/setup-vscode-host.sh`');
}
if (!fs.existsSync(chromiumPath)) fail(`no browser at ${chromiumPath}: run \`bash scripts/setup-vscode-host.sh\` (installs Debian chromium)`);

// ---- a fresh workspace and output folder -----------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-vscode-test-'));
const workspace = path.join(tmp, 'workspace');
fs.cpSync(fixtureWorkspace, workspace, { recursive: true });
// The fixture's modelines point at the schema relative to the repository; point them at it here.
for (const f of fs.readdirSync(path.join(workspace, 'experiments'))) {
  const file = path.join(workspace, 'experiments', f);
  fs.writeFileSync(
    file,
    fs.readFileSync(file, 'utf8').replace(/\$schema=\S*experiment\.schema\.json/, `$schema=${path.join(root, 'media/experiment.schema.json')}`),
  );
}
fs.rmSync(outputDir, { recursive: true, force: true });
fs.mkdirSync(outputDir, { recursive: true });

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// ---- the UI driver ---------------------------------------------------------------------------
let page; // the workbench page
let scratchPage; // a blank page for decoding screenshots (the workbench's CSP would get in the way)
let phase = 1;
let phaseData = null;
let reloading = false;

async function closeWidgets() {
  for (let i = 0; i < 2; i++) await page.keyboard.press('Escape');
}

const QUICK_INPUT = '.quick-input-widget .quick-input-box input';

/**
 * Moves keyboard focus back to the workbench page, out of a webview frame (which may keep a key to
 * itself) or a stray widget, without clicking anything: a click lands on whatever is there (the
 * status bar's corner is code-server's remote indicator, whose menu is a quick pick too).
 */
async function focusWorkbench() {
  await page.bringToFront().catch(() => {});
  await page
    .evaluate(() => {
      const active = document.activeElement;
      if (active instanceof HTMLElement && active !== document.body) active.blur();
      window.focus();
    })
    .catch(() => {});
}

/**
 * Opens the command palette with the keyboard (F1, then Ctrl+Shift+P), recovering focus between
 * tries; each try waits longer, since a busy machine can take seconds to show the widget.
 */
async function openPalette() {
  const keys = ['F1', 'Control+Shift+P'];
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt > 0) {
      await closeWidgets();
      await focusWorkbench();
    }
    await page.keyboard.press(keys[attempt % keys.length]);
    try {
      await page.waitForSelector(QUICK_INPUT, { state: 'visible', timeout: 3000 + 3000 * attempt });
      // The command palette's input starts with '>'; any other quick pick is not ours.
      const value = await page.inputValue(QUICK_INPUT);
      if (value.startsWith('>')) {
        if (attempt > 0) say(`command palette opened on try ${attempt + 1} (${keys[attempt % keys.length]})`);
        return;
      }
    } catch {
      // not open (yet): try again
    }
  }
  throw new Error('the command palette did not open (F1 / Ctrl+Shift+P)');
}

/** Types into the command palette as a person would, and picks the row whose label contains `label`. */
async function runPaletteCommand(text, label = text) {
  const row = `.quick-input-list .monaco-list-row:has-text(${JSON.stringify(label)})`;
  // The development extension's commands may not be registered when the palette first opens: retry.
  for (let attempt = 1; ; attempt++) {
    await closeWidgets();
    await openPalette();
    await page.keyboard.type(text, { delay: 15 });
    // Keys typed before the input had focus are lost on a slow machine: then set the text outright.
    if ((await page.inputValue(QUICK_INPUT).catch(() => '')) !== `>${text}`) await page.fill(QUICK_INPUT, `>${text}`).catch(() => {});
    try {
      await page.waitForSelector(row, { timeout: Math.min(3000 * attempt, 15000) });
    } catch (e) {
      if (attempt >= 15) throw new Error(`"${label}" never appeared in the command palette after typing "${text}"`, { cause: e });
      await page.waitForTimeout(1000);
      continue;
    }
    const focused = await page.$eval('.quick-input-list .monaco-list-row.focused', (el) => el.textContent || '').catch(() => '');
    if (focused.includes(label)) await page.keyboard.press('Enter');
    else await page.click(row);
    return { attempts: attempt };
  }
}

/** The inner frame of our plots webview (the element the webview app renders into). */
async function plotsFrame() {
  for (const frame of page.frames()) {
    try {
      if (await frame.evaluate(() => !!document.getElementById('hrnn-plots'))) return frame;
    } catch {
      // frames come and go (detached while we look)
    }
  }
  return null;
}

async function webviewInfo() {
  const frame = await plotsFrame();
  if (!frame) return { found: false, canvases: [] };
  const canvases = await frame.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c) => {
      const rect = c.getBoundingClientRect();
      let painted = 0;
      const colors = new Set();
      try {
        const ctx = c.getContext('2d');
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          painted++;
          colors.add(((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4));
        }
      } catch {
        painted = -1;
      }
      const chart = c.closest('[data-chart-id]')?.getAttribute('data-chart-id') ?? c.id ?? '';
      return { chart, width: c.width, height: c.height, visible: rect.width > 0 && rect.height > 0, painted, colors: colors.size };
    }),
  );
  const text = await frame.evaluate(() => document.body.innerText.slice(0, 2000));
  return { found: true, canvases, text };
}

/** Pixel statistics of a PNG, measured by the browser's decoder (no image library needed here). */
async function pngStats(buffer) {
  return scratchPage.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = ((data[i] >> 3) << 10) | ((data[i + 1] >> 3) << 5) | (data[i + 2] >> 3);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const total = data.length / 4;
    const background = Math.max(...counts.values());
    return { width: bitmap.width, height: bitmap.height, distinctColors: counts.size, nonBackgroundFraction: (total - background) / total };
  }, buffer.toString('base64'));
}

async function webviewClick({ text }) {
  const frame = await plotsFrame();
  if (!frame) throw new Error('no plots webview on screen');
  await frame
    .getByRole('button', { name: String(text), exact: true })
    .first()
    .click();
  return {};
}

async function screenshot({ name, target }) {
  const safe = String(name || 'screenshot').replace(/[^\w.-]+/g, '_');
  const file = path.join(outputDir, safe.endsWith('.png') ? safe : `${safe}.png`);
  let buffer;
  if (target === 'webview') {
    const frame = await plotsFrame();
    if (!frame) throw new Error('no plots webview on screen');
    // The inner frame sits in the webview's outer iframe, whose element is in the workbench page.
    const outer = frame.parentFrame() ?? frame;
    const element = await outer.frameElement();
    buffer = await element.screenshot({ path: file });
  } else {
    buffer = await page.screenshot({ path: file });
  }
  return { file, ...(await pngStats(buffer)) };
}

async function notifications() {
  const messages = await page.$$eval('.notifications-toasts .notification-list-item-message', (els) => els.map((e) => e.textContent || ''));
  return { messages };
}

async function reloadWindow(data) {
  phaseData = data ?? null;
  phase = 2;
  reloading = true;
  say('reloading the window (Developer: Reload Window)');
  await runPaletteCommand('Developer: Reload Window');
}

async function query({ selector }) {
  const elements = await page.$$eval(String(selector), (els) =>
    els.map((e) => ({ text: (e.textContent || '').trim(), ariaLabel: e.getAttribute('aria-label') || '' })),
  );
  return { elements };
}

const handlers = {
  state: async () => ({ phase, data: phaseData, outputDir }),
  query: async (body) => query(body),
  palette: async (body) => runPaletteCommand(body.text, body.label),
  notifications: async () => notifications(),
  webview: async () => webviewInfo(),
  webviewClick: async (body) => webviewClick(body),
  screenshot: async (body) => screenshot(body),
  log: async (body) => (say(body.message), {}),
  reload: async (body) => {
    // Answer first: the caller's extension host is about to go away.
    setTimeout(() => reloadWindow(body.data).catch((e) => say(`reload failed: ${e.message}`)), 200);
    return { accepted: true };
  },
};

const driver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    const name = (req.url || '').replace(/^\/+/, '').split('?')[0];
    const handler = handlers[name];
    const reply = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (!handler || req.method !== 'POST') return reply(404, { error: `unknown driver call ${req.method} /${name}` });
    if (!page) return reply(503, { error: 'the workbench page is not open yet' });
    try {
      reply(200, await handler(body ? JSON.parse(body) : {}));
    } catch (e) {
      reply(500, { error: e instanceof Error ? e.message : String(e) });
    }
  });
});
const driverPort = await new Promise((resolve) => driver.listen(0, '127.0.0.1', () => resolve(driver.address().port)));

// ---- code-server -----------------------------------------------------------------------------
const port = await freePort();
fs.writeFileSync(path.join(tmp, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
fs.mkdirSync(path.join(tmp, 'user-data/User'), { recursive: true });
fs.writeFileSync(
  path.join(tmp, 'user-data/User/settings.json'),
  JSON.stringify({
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false,
    'security.workspace.trust.enabled': false,
    'window.commandCenter': false,
    'git.enabled': false,
    'workbench.tips.enabled': false,
  }),
);
const env = {
  ...process.env,
  HRNN_UI_DRIVER: `http://127.0.0.1:${driverPort}`,
  HRNN_TEST_OUTPUT: outputDir,
  HRNN_TEST_WORKSPACE: workspace,
};
if (vsix) {
  if (!fs.existsSync(vsix)) fail(`${vsix} does not exist (npm run package)`);
  const install = spawnSync(
    process.execPath,
    [
      path.join(codeServerDir, 'out/node/entry.js'),
      '--user-data-dir',
      path.join(tmp, 'user-data'),
      '--extensions-dir',
      path.join(tmp, 'extensions'),
      '--install-extension',
      vsix,
    ],
    { encoding: 'utf8', env: process.env },
  );
  if (install.status !== 0 || !/successfully installed/.test(install.stdout)) fail(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
  const installed = fs.readdirSync(path.join(tmp, 'extensions')).filter((d) => d.startsWith('hamiltonian-rnn-lab.'));
  say(`installed ${path.basename(vsix)}: extensions/${installed.join(', ')}`);
  // The stub development extension: no code, it only lets VS Code run the test module.
  extensionDir = path.join(tmp, 'test-runner-extension');
  fs.mkdirSync(extensionDir, { recursive: true });
  fs.writeFileSync(
    path.join(extensionDir, 'package.json'),
    JSON.stringify({ name: 'hrnn-test-runner', publisher: 'hrnn-tests', version: '0.0.0', engines: { vscode: '^1.100.0' } }),
  );
  env.HRNN_TEST_VSIX = path.basename(vsix);
}
const server = spawn(
  process.execPath,
  [
    path.join(codeServerDir, 'out/node/entry.js'),
    '--config',
    path.join(tmp, 'config.yaml'),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    path.join(tmp, 'user-data'),
    '--extensions-dir',
    path.join(tmp, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    workspace,
  ],
  // Its own process group, so the extension host and the trainers it forks end with it.
  { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
);
const serverLog = [];
const onServerOutput = (d) => {
  const s = d.toString();
  serverLog.push(s);
  if (verbose) process.stderr.write(`[code-server] ${s}`);
};
server.stdout.on('data', onServerOutput);
server.stderr.on('data', onServerOutput);

let browser;
async function cleanup() {
  try {
    await browser?.close();
  } catch {}
  const signalGroup = (sig) => {
    try {
      process.kill(-server.pid, sig);
    } catch {}
  };
  signalGroup('SIGTERM');
  if (server.exitCode === null) await new Promise((r) => (server.once('exit', r), setTimeout(r, 5000)));
  await new Promise((r) => setTimeout(r, 300));
  signalGroup('SIGKILL');
  driver.close();
  if (process.env.KEEP_WORKSPACE) say(`workspace kept: ${workspace}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

const timer = setTimeout(async () => {
  console.error(`[harness] TIMEOUT after ${timeoutMs} ms (phase ${phase}); code-server log:\n${serverLog.join('').slice(-8000)}`);
  try {
    await page?.screenshot({ path: path.join(outputDir, 'timeout.png') });
  } catch {}
  await cleanup();
  process.exit(1);
}, timeoutMs);

let exitCode;
try {
  for (let i = 0; ; i++) {
    if (server.exitCode !== null) throw new Error(`code-server exited early:\n${serverLog.join('')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('code-server did not start within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`code-server ${require(path.join(codeServerDir, 'package.json')).version} up on 127.0.0.1:${port}; extension ${extensionDir}`);

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  scratchPage = await context.newPage();
  page = await context.newPage();

  let resolveExit;
  const finished = new Promise((r) => (resolveExit = r));
  // The workbench calls this when the suite's run() settles. It survives the reload (playwright
  // re-installs exposed functions on every navigation).
  await page.exposeFunction('codeAutomationExit', async (code) => resolveExit(code));

  // Extension-host console output (mocha's reporter included) arrives in the page console as
  // ('%c INFO', 'color: ...', fmt, ...args): print it in order, without the workbench's chatter.
  const noise =
    /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|\[Service Worker\]|ChatSessionStore|getaddrinfo ENOTFOUND)/;
  let consoleQueue = Promise.resolve();
  page.on('console', (msg) => {
    consoleQueue = consoleQueue.then(async () => {
      let args;
      try {
        args = await Promise.all(msg.args().map((a) => a.jsonValue()));
      } catch {
        args = [msg.text()];
      }
      let level = 'log';
      let line;
      if (typeof args[0] === 'string' && /^%c\s*(INFO|ERR|WARN|DEBUG|TRACE)/.test(args[0])) {
        level = args[0].replace('%c', '').trim();
        line = format(...args.slice(2));
      } else line = format(...args);
      if (verbose || (level !== 'log' && !noise.test(line))) console.log((level === 'ERR' ? '[ERR] ' : '') + line);
    });
  });
  page.on('load', () => reloading && say('workbench reloaded'));

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  say(`workbench loading; UI driver on 127.0.0.1:${driverPort}; output in ${path.relative(root, outputDir) || outputDir}`);
  exitCode = await finished;
  await consoleQueue;
  if (phase === 1) say('note: the suite ended before its reload step (failures, or no driver)');
  say(`integration suite finished with exit code ${exitCode}`);
  // No screenshot here: the extension host has shut down by now (an empty runs view). Each failed
  // test took its own, failed-<test>.png, while it was still on screen (test/integration/rootHooks.ts).
} catch (e) {
  console.error('[harness] error:', e);
  exitCode = 1;
}
clearTimeout(timer);
await cleanup();
process.exit(exitCode);
