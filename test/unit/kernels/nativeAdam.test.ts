/**
 * The host optimizer's native arithmetic (native/adam_kernel.c through adam_napi.c): Adam's update
 * equals the JavaScript loop bit for bit (within a float32 rounding where the build says it may
 * fuse multiply-adds), at lengths around the vector widths; a GCC build is exact; the sum of
 * squares is the blocked sum adam_kernel.h describes, exactly, the same with any number of kernel
 * threads, and agrees with the plain double sum; bad arguments are refused with their name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadNativeAdam, type AdamCoefficients } from '../../../src/engine/kernels/nativeAdam';
import { nativeAddonModule } from '../../../src/engine/kernels/nativeKernel';
import { jsAdamArithmetic } from '../../../src/engine/train/adamArithmetic';

/** Deterministic values in [-1, 1) (a 32-bit LCG). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** adam_kernel.h's sum, in JavaScript: blocks of 4096, eight partial sums by index mod 8 in each. */
function blockedSumOfSquares(a: Float32Array): number {
  let total = 0;
  for (let begin = 0; begin < a.length; begin += 4096) {
    const end = Math.min(begin + 4096, a.length);
    const part = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = begin; i < end; i++) part[(i - begin) % 8] += a[i] * a[i];
    total += part[0] + part[1] + (part[2] + part[3]) + (part[4] + part[5] + (part[6] + part[7]));
  }
  return total;
}

const coefficients = (t: number): AdamCoefficients => ({
  scale: t % 2 ? 0.37 : 1,
  beta1: 0.9,
  beta2: 0.999,
  step: 0.01 / (1 - 0.9 ** (t + 1)),
  s2: 1 / Math.sqrt(1 - 0.999 ** (t + 1)),
  epsilon: 1e-7,
});

describe('the native Adam arithmetic', function () {
  this.timeout(60000);
  const native = loadNativeAdam();
  before(function () {
    if (!native) this.skip(); // no addon here: the JavaScript loops run, tested with host Adam
  });

  // Lengths around the vector widths and the sum's blocks of 4096.
  for (const n of [1, 7, 16, 1000, 16384, 70001]) {
    it(`updates ${n} values as the JavaScript loop does, step after step`, () => {
      const x = values(n, 1);
      const m = values(n, 2).map((z) => z * 0.1);
      const v = values(n, 3).map((z) => z * z * 0.01);
      const ours = [x, m, v].map((a) => a.slice());
      for (let t = 0; t < 4; t++) {
        const g = values(n, 10 + t);
        jsAdamArithmetic.update(x, g, m, v, coefficients(t));
        native!.update(ours[0], g, ours[1], ours[2], coefficients(t));
      }
      [x, m, v].forEach((expected, k) => {
        const got = ours[k];
        for (let i = 0; i < n; i++) {
          const same = native!.exact ? Object.is(got[i], expected[i]) : Math.abs(got[i] - expected[i]) <= 2 ** -22 * Math.abs(expected[i]);
          assert.ok(same, `${['x', 'm', 'v'][k]}[${i}]: ${got[i]} vs ${expected[i]}`);
        }
      });
    });
  }

  it('is exact where GCC built the addon', function () {
    const compiler = spawnSync('cc', ['--version'], { encoding: 'utf8' });
    // the addon is built by node-gyp or scripts/build-native.mjs with this machine's cc
    if (compiler.status !== 0 || !/gcc|Free Software Foundation/i.test(compiler.stdout)) this.skip();
    assert.equal(native!.exact, true);
  });

  it('sums squares block by block, exactly, close to the plain double sum', () => {
    for (const n of [0, 5, 4096, 4097, 70001, 300000]) {
      const a = values(n, 9);
      const got = native!.sumOfSquares(a);
      // the products rounded on their own where the build fuses no multiply-add (see `exact`)
      if (native!.exact) assert.equal(got, blockedSumOfSquares(a), `n = ${n}`);
      const plain = jsAdamArithmetic.sumOfSquares(a);
      assert.ok(Math.abs(got - plain) <= 1e-12 * Math.max(1, plain), `n = ${n}: ${got} vs ${plain}`);
    }
  });

  it('gives the same sum with one thread as with several', () => {
    const script = `
      const { loadNativeAdam } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/engine/kernels/nativeAdam.js'))});
      const a = new Float32Array(300001);
      for (let i = 0; i < a.length; i++) a[i] = Math.sin(i) * 3;
      process.stdout.write(String(loadNativeAdam().sumOfSquares(a)));`;
    const sums = ['1', '3'].map((threads) => {
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, HRNN_THREADS: threads }, timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    });
    assert.equal(sums[0], sums[1]);
  });

  it('refuses arrays of other lengths or types, naming the argument', () => {
    const addon = nativeAddonModule() as { adamUpdate: (...args: unknown[]) => void; sumOfSquares: (a: unknown) => number };
    const a = new Float32Array(4);
    assert.throws(() => addon.adamUpdate(a, new Float32Array(3), a, a, 1, 0.9, 0.999, 0.01, 1, 1e-7), /adamUpdate: g has 3 elements, expected 4/);
    assert.throws(() => addon.adamUpdate(a, a, new Float64Array(4), a, 1, 0.9, 0.999, 0.01, 1, 1e-7), /adamUpdate: m must be a Float32Array/);
    assert.throws(() => addon.adamUpdate(a, a, a, a, 'x', 0.9, 0.999, 0.01, 1, 1e-7), /must be numbers/);
    assert.throws(() => addon.sumOfSquares([1, 2]), /sumOfSquares: expected one Float32Array/);
  });
});
