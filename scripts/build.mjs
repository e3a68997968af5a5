#!/usr/bin/env node
// Builds everything the project runs from: esbuild bundles (CLI, extension host, webview), the
// published JSON Schema, and the TypeScript test build in out/ (tsc). `--watch` rebuilds bundles.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNativeKernel } from './build-native.mjs';
import { tfjsPackagesPlugin } from './tfjs-packages.mjs';
import { writeMnistArchives } from './mnist-archive.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const skipTsc = process.argv.includes('--no-tsc');

/** Reports esbuild problems in the `file:line:col: error: message` form editors understand. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of [...result.errors, ...result.warnings]) {
        if (location) console.error(`${location.file}:${location.line}:${location.column}: error: ${text}`);
        else console.error(`error: ${text}`);
      }
    });
  },
};

// Native addons and TensorFlow.js stay outside the bundles: tfjs-node is native, and every
// backend must register on the one tfjs-core instance in node_modules (tfjs-packages.mjs decides
// which `@tensorflow/...` imports stay external).
const nodeExternals = ['vscode', '*.node'];
const targets = [
  { entry: 'src/cli/main.ts', outfile: 'dist/cli.js', platform: 'node', external: nodeExternals },
  { entry: 'src/extension/extension.ts', outfile: 'dist/extension.js', platform: 'node', external: nodeExternals },
  // The wasm kernel's worker thread, started from its own file beside the bundles that load the
  // kernel (path.join(__dirname, 'wasmWorker.js') in src/engine/kernels/wasmKernel.ts).
  { entry: 'src/engine/kernels/wasmWorker.ts', outfile: 'dist/wasmWorker.js', platform: 'node', external: nodeExternals },
  // The plots panel's worker thread reading long runs off the extension host's thread
  // (path.join(__dirname, 'overviewWorker.js') in src/runs/overviewWorkerClient.ts).
  { entry: 'src/runs/overviewWorker.ts', outfile: 'dist/overviewWorker.js', platform: 'node', external: nodeExternals },
  { entry: 'webview/src/main.ts', outfile: 'media/webview/plots.js', platform: 'browser', external: [] },
].filter((t) => fs.existsSync(path.join(root, t.entry)));

const contexts = await Promise.all(
  targets.map((t) =>
    esbuild.context({
      absWorkingDir: root,
      entryPoints: [t.entry],
      outfile: t.outfile,
      bundle: true,
      platform: t.platform,
      format: t.platform === 'node' ? 'cjs' : 'iife',
      target: t.platform === 'node' ? 'node20' : 'es2022',
      external: t.external,
      sourcemap: !production,
      // The webview's bundle is minified in every build (source maps still come with a dev build):
      // the panel's first draw waits for the page to fetch and compile it (604 KB unminified).
      minify: production || t.platform === 'browser',
      logLevel: 'silent',
      plugins: t.platform === 'node' ? [tfjsPackagesPlugin(root), problemMatcher] : [problemMatcher],
    }),
  ),
);

async function writeSchema() {
  // The JSON Schema is generated from the TypeBox schema (the single source of truth).
  const out = path.join(root, 'dist', 'schema-gen.cjs');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/experiment/schema.ts'],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
  });
  const { ExperimentSchema } = await import(out + '?t=' + Date.now()).then((m) => m.default ?? m);
  const json = JSON.parse(JSON.stringify(ExperimentSchema));
  const doc = { $schema: 'http://json-schema.org/draft-07/schema#', ...json };
  fs.mkdirSync(path.join(root, 'media'), { recursive: true });
  fs.writeFileSync(path.join(root, 'media', 'experiment.schema.json'), JSON.stringify(doc, null, 2) + '\n');
  fs.rmSync(out, { force: true });
}

if (production && process.env.HRNN_PACKAGE_BUILT) {
  // `vsce package` started by scripts/package.mjs, which has just built everything once.
  console.log('[build] production build already done by scripts/package.mjs');
  process.exit(0);
}
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[build] watching');
} else {
  // The fused kernel's native addon (issue #5) when a C compiler is present; never fails the build.
  buildNativeKernel();
  let failed = false;
  for (const c of contexts) {
    try {
      await c.rebuild();
    } catch {
      failed = true;
    }
    await c.dispose();
  }
  await writeSchema();
  // The package ships MNIST gzipped (scripts/mnist-archive.mjs).
  if (production) writeMnistArchives(root);
  if (!skipTsc) {
    try {
      const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '-p', root], { stdio: 'inherit' });
      // The webview is type-checked on its own (DOM library, no Node types).
      if (fs.existsSync(path.join(root, 'webview/tsconfig.json'))) {
        execFileSync(process.execPath, [tsc, '-p', path.join(root, 'webview'), '--noEmit'], { stdio: 'inherit' });
      }
    } catch {
      failed = true;
    }
  }
  if (failed) process.exit(1);
  console.log(`[build] ${targets.map((t) => t.outfile).join(', ')}, media/experiment.schema.json${skipTsc ? '' : ', out/ (tsc)'}`);
}
