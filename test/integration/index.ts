/**
 * Entry of the integration suite in the VS Code extension host (the `extensionTestsPath` that
 * scripts/run-vscode-tests.mjs passes): export run(): Promise<void>; resolving passes the run,
 * rejecting fails it (the workbench turns that into the launcher's exit code).
 *
 * Two phases. Phase 1 runs every test; its last test leaves the plots panel open and asks for a
 * reload. When phase 1 passed, run() asks the UI driver for "Developer: Reload Window" and never
 * settles: the reload ends this extension host, VS Code loads the same test entry again, and the
 * driver then says phase 2, which checks that the panel came back with the same runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import { reloadRequest, type ReloadData } from './helpers';
import { rootHooks } from './rootHooks';
import { driver } from './uiDriver';

// The scale test opens the first webview of the window. code-server serves every webview from one
// origin, and each later webview's page waits about a second while its service worker is
// registered again (the worker's URL names the webview; measured: the page's files requested ~1 s
// after it started, against ~150 ms for the first webview). Desktop VS Code and vscode.dev give
// each webview an origin of its own, so there every panel opens like the first one here.
const PHASE1_FILES = [
  'activation.test.js',
  'plotsScale.test.js',
  'train.test.js',
  'packaging.test.js',
  'plots.test.js',
  'refuse.test.js',
  'stop.test.js',
  'runsView.test.js',
  'reload.test.js',
];
const PHASE2_FILES = ['afterReload.suite.js'];

export async function run(): Promise<void> {
  const state = driver ? await driver.state<ReloadData>() : { phase: 1 as const, data: null };
  // Per-test limit: the tests' own waits (helpers.ts SLOW_MS) fail first, with a message saying what
  // they waited for; the whole run is bounded by the launcher's VSCODE_TEST_TIMEOUT_MS.
  const mocha = new Mocha({ ui: 'bdd', timeout: 240000, color: false, reporter: 'spec', rootHooks });
  if (process.env.HRNN_TEST_GREP) mocha.grep(process.env.HRNN_TEST_GREP);
  const files = state.phase === 2 ? PHASE2_FILES : PHASE1_FILES;
  for (const f of files) {
    const file = path.join(__dirname, f);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing (run the build)`);
    mocha.addFile(file);
  }
  const { passes, failures, pending } = await new Promise<{ passes: number; failures: number; pending: number }>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => resolve({ passes: runner.stats?.passes ?? 0, failures, pending: runner.stats?.pending ?? 0 }));
    } catch (e) {
      reject(e);
    }
  });

  if (state.phase === 1 && failures === 0 && driver && reloadRequest.data) {
    console.log(`phase 1: ${passes} passed, ${pending} skipped; reloading the window for the restore tests`);
    await driver.reload({ ...reloadRequest.data, phase1: { passes, failures } } satisfies ReloadData);
    return new Promise<void>(() => undefined);
  }
  const before = state.phase === 2 && state.data ? state.data.phase1 : { passes: 0, failures: 0 };
  // The closing line CI reads.
  console.log(`vscode-integration: ${before.passes + passes} passed, ${before.failures + failures} failed${pending ? `, ${pending} skipped` : ''}`);
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
