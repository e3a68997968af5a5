/**
 * What `import * as tf from '@tensorflow/tfjs'` means inside the shipped bundles: scripts/build.mjs
 * aliases that import to this file, so the engine's sources keep naming the umbrella package while
 * the .vsix carries only the TensorFlow.js packages the engine uses. It is tfjs-core with the
 * gradient of every op registered (esbuild bundles tfjs-core's ESM registration module; the ops it
 * needs share the one engine of the external tfjs-core through tfjs' global namespace, exactly as
 * the umbrella's own bundle does), the chained ops (`x.transpose()`) and the cpu backend
 * registered, as the umbrella registers them.
 * No tfjs-layers, -converter, -data or -backend-webgl. Other backends (wasm, tfjs-node) are loaded
 * by backend.ts at run time.
 *
 * Only the bundles use it: the tsc build in out/ (unit tests) loads the umbrella package, a
 * devDependency. Depends on nothing of this project.
 */
export * from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
