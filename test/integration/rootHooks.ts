/**
 * Hooks around every integration test (mocha root hooks, installed by index.ts): when a test failed,
 * a screenshot of the workbench named after it, taken while VS Code still shows what went wrong
 * (the launcher's own screenshot comes after the extension host has shut down); and after every
 * test, any training it left running is ended, so that one failure does not starve the tests after it.
 */
import type Mocha from 'mocha';
import { endTraining, getApi } from './helpers';
import { driver } from './uiDriver';

/** A file name for the test's screenshots: its full title, shortened. */
function shotName(test: Mocha.Test): string {
  return `failed-${test.fullTitle()}`.replace(/[^\w.-]+/g, '_').slice(0, 120);
}

const shotTests = new WeakSet<Mocha.Test>();

/**
 * When `test` failed: screenshots of the workbench (and of the plots webview, when one is on
 * screen) named after it. Once per test, so a test's own afterEach may take them before its cleanup.
 */
export async function screenshotIfFailed(test: Mocha.Test | undefined): Promise<void> {
  if (!driver || !test || test.state !== 'failed' || shotTests.has(test)) return;
  shotTests.add(test);
  for (const target of ['page', 'webview'] as const) {
    try {
      const shot = await driver.screenshot(`${shotName(test)}${target === 'webview' ? '-plots' : ''}`, target);
      console.log(`screenshot of the failure: ${shot.file}`);
    } catch (e) {
      // No plots webview on screen is normal; a failing page screenshot is worth a line.
      if (target === 'page') console.log(`no screenshot of the failure: ${String(e)}`);
    }
  }
}

async function endLeftoverTraining(test: Mocha.Test | undefined): Promise<void> {
  const ended = await endTraining(await getApi());
  if (ended.length) console.log(`after "${test?.title}": ended training it left running (${ended.join(', ')})`);
}

export const rootHooks: Mocha.RootHookObject = {
  async afterEach(this: Mocha.Context) {
    await screenshotIfFailed(this.currentTest);
    await endLeftoverTraining(this.currentTest);
  },
};
