/**
 * What a packaged extension must do (issue 12): the kernel implementation a run used is recorded
 * (its summary's `implementation`); run against an installed platform .vsix (the launcher's --vsix
 * mode sets HRNN_TEST_VSIX), it must be the prebuilt native kernel. And `hrnn` runs from the
 * launchers the extension puts on the terminals' PATH.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readSummary } from '../../src/runs/runFolder';
import { completedTinyRun, getApi } from './helpers';

describe('Packaging', () => {
  it('records the kernel implementation of a run (fused-native from an installed platform .vsix)', async () => {
    const api = await getApi();
    const { runDir } = await completedTinyRun(api);
    const implementation = readSummary(runDir)?.implementation ?? '';
    console.log(`      kernel implementation of the run: ${implementation}${process.env.HRNN_TEST_VSIX ? ` (installed ${process.env.HRNN_TEST_VSIX})` : ''}`);
    if (process.env.HRNN_TEST_OUTPUT) fs.writeFileSync(path.join(process.env.HRNN_TEST_OUTPUT, 'implementation.txt'), implementation + '\n');
    if (process.env.HRNN_TEST_VSIX) assert.equal(implementation, 'fused-native');
    else assert.match(implementation, /^(fused-native|fused-wasm|tfjs)$/);
  });

  it('puts an hrnn launcher on the terminals’ PATH that runs the bundled CLI', async function () {
    if (process.platform === 'win32') this.skip();
    const api = await getApi();
    const launcher = path.join(api.terminalBinDir, 'hrnn');
    assert.ok(fs.existsSync(launcher), launcher);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${api.terminalBinDir}${path.delimiter}${process.env.PATH ?? ''}` };
    delete env.ELECTRON_RUN_AS_NODE;
    const version = execFileSync('sh', ['-c', 'hrnn --version'], { env, encoding: 'utf8' }).trim();
    assert.match(version, /\d+\.\d+\.\d+/);
  });
});
