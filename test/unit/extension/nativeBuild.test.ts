/**
 * "Build Native Kernel" without VS Code: compiles the addon from the C sources and Node-API headers a
 * package carries into a storage folder (keyed by version and platform), checks that it loads, and
 * explains a missing compiler or missing headers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtAddonPath, compileNativeKernel, findCompiler, NativeBuildError } from '../../../src/extension/native/compileNativeKernel';

const repo = path.resolve(__dirname, '../../../..');
const nodeHeaders = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');

describe('Build Native Kernel (compile step)', function () {
  this.timeout(180000);
  let tmp: string;
  let extensionPath: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-nativebuild-'));
    // What a .vsix carries: native/*.c, native/*.h and native/include/ (scripts/package.mjs).
    extensionPath = path.join(tmp, 'extension');
    fs.mkdirSync(path.join(extensionPath, 'native', 'include'), { recursive: true });
    for (const f of fs.readdirSync(path.join(repo, 'native')).filter((f) => /\.[ch]$/.test(f))) {
      fs.copyFileSync(path.join(repo, 'native', f), path.join(extensionPath, 'native', f));
    }
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('compiles, loads and installs the addon under <storage>/native/<version>/<platform>-<arch>/', async function () {
    const cc = await findCompiler();
    if (!cc || !fs.existsSync(path.join(nodeHeaders, 'node_api.h')) || process.platform === 'win32') {
      if (process.env.CI && process.platform !== 'win32') assert.fail('a C compiler and the Node headers are needed');
      this.skip();
    }
    for (const h of ['node_api.h', 'node_api_types.h', 'js_native_api.h', 'js_native_api_types.h']) {
      fs.copyFileSync(path.join(nodeHeaders, h), path.join(extensionPath, 'native', 'include', h));
    }
    const target = { extensionPath, version: '9.8.7', storageDir: path.join(tmp, 'storage') };
    const result = await compileNativeKernel(target);
    assert.equal(result.file, path.join(tmp, 'storage', 'native', '9.8.7', `${process.platform}-${process.arch}`, 'hrnn_kernel.node'));
    assert.equal(result.file, builtAddonPath(target));
    assert.ok(fs.existsSync(result.file));
    assert.ok(result.info.vectorBits >= 128, JSON.stringify(result.info));
    assert.deepEqual(
      fs.readdirSync(path.dirname(result.file)).filter((f) => f.includes('.tmp')),
      [],
      'no temporary file left',
    );
  });

  it('says the headers are missing, and names a missing compiler', async () => {
    const target = { extensionPath, version: '1.0.0', storageDir: path.join(tmp, 'storage') };
    await assert.rejects(compileNativeKernel(target, 'cc'), (e: unknown) => e instanceof NativeBuildError && /Node-API headers are missing/.test(e.message));
    assert.equal(await findCompiler(['hrnn-no-such-compiler']), null);
  });
});
