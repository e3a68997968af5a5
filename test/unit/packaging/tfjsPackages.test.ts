/**
 * The bundles' TensorFlow.js (scripts/tfjs-packages.mjs + src/engine/tfjsCore.ts): an entry that
 * imports the umbrella `@tensorflow/tfjs` is bundled against tfjs-core, its gradients, chained ops
 * and the cpu backend only, and computes the same gradients as the umbrella package.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '../../../..');
const ENTRY = `import * as tf from '@tensorflow/tfjs';
tf.env().set('PROD', true);
const x = tf.tensor2d([[1, 2], [3, 4]]);
const w = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.1]]));
const g = tf.grad((a: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(a, x.transpose()))))(w);
console.log(JSON.stringify({ backend: tf.getBackend(), grad: Array.from(g.dataSync()) }));
`;

type PluginFactory = (root: string) => esbuild.Plugin;
// tsc turns import() into require(), which cannot load an .mjs file: keep a real dynamic import.
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<{ tfjsPackagesPlugin: PluginFactory }>;

describe('bundled TensorFlow.js packages', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-tfjs-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('loads only tfjs-core and the cpu backend, with the umbrella package’s gradients', async () => {
    const { tfjsPackagesPlugin } = await importModule(pathToFileURL(path.join(root, 'scripts/tfjs-packages.mjs')).href);
    fs.writeFileSync(path.join(tmp, 'entry.ts'), ENTRY);
    const outfile = path.join(tmp, 'out.js');
    await esbuild.build({
      absWorkingDir: tmp,
      entryPoints: ['entry.ts'],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      nodePaths: [path.join(root, 'node_modules')],
      plugins: [tfjsPackagesPlugin(root)],
      logLevel: 'silent',
    });
    const requires = [...fs.readFileSync(outfile, 'utf8').matchAll(/require\("(@tensorflow\/[^"]+)"\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)].sort(), ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-core']);
    const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules') };
    const bundled = JSON.parse(execFileSync(process.execPath, [outfile], { env, encoding: 'utf8' }));
    const umbrellaFile = path.join(tmp, 'umbrella.js');
    fs.writeFileSync(
      umbrellaFile,
      ENTRY.replace('(a: tf.Tensor)', '(a)').replace("import * as tf from '@tensorflow/tfjs';", "const tf = require('@tensorflow/tfjs');"),
    );
    const umbrella = JSON.parse(execFileSync(process.execPath, [umbrellaFile], { env, encoding: 'utf8' }));
    assert.equal(bundled.backend, 'cpu');
    assert.equal(bundled.grad.length, 4);
    bundled.grad.forEach((v: number, i: number) => assert.ok(Math.abs(v - umbrella.grad[i]) < 1e-6, `gradient ${i}: ${v} vs ${umbrella.grad[i]}`));
  });
});
