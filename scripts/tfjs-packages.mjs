// TensorFlow.js in the Node bundles (an esbuild plugin, used by scripts/build.mjs and its unit test):
// every `@tensorflow/...` package stays external (backends must register on the one tfjs-core in
// node_modules; tfjs-node is native), except that the umbrella `@tensorflow/tfjs` the sources
// import means src/engine/tfjsCore.ts (tfjs-core with its gradients and the cpu backend), and
// tfjs-core's ESM modules that register the gradients and the chained ops are bundled into it. So the package needs tfjs-core,
// -backend-cpu and -backend-wasm, not the umbrella's layers, converter, data and webgl packages.
import path from 'node:path';

/** tfjs-core's registration modules (ESM only): bundled, as the umbrella's own bundle inlines them. */
const BUNDLED = new Set(['@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops']);

/** `root`: the repository root (where src/engine/tfjsCore.ts lives). */
export function tfjsPackagesPlugin(root) {
  return {
    name: 'tfjs-packages',
    setup(build) {
      build.onResolve({ filter: /^@tensorflow\// }, (args) => {
        if (args.path === '@tensorflow/tfjs') return { path: path.join(root, 'src/engine/tfjsCore.ts') };
        if (BUNDLED.has(args.path)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}
