/**
 * The host optimizer's arithmetic in the native addon (native/adam_napi.c): Adam's element-wise
 * update and a gradient's sum of squares, vectorised, on the calling thread.
 * Built by GCC the update equals the JavaScript loop's bit for bit (adam_kernel.c; `exact`), else
 * it is within a float32 rounding of it; the sum of squares is summed in fixed blocks (within
 * rounding of the plain sum). Null where the addon does not load or predates these entry points.
 * Depends on the addon loader (nativeKernel.ts).
 */
import { nativeAddonModule } from './nativeKernel';

/** The constants of one Adam step (hostAdam.ts folds the bias corrections into step and s2). */
export interface AdamCoefficients {
  scale: number;
  beta1: number;
  beta2: number;
  step: number;
  s2: number;
  epsilon: number;
}

/** Adam's arithmetic on plain arrays, wherever it runs. */
export interface AdamArithmetic {
  readonly name: 'native' | 'js';
  /** Whether `update` gives the JavaScript loop's values bit for bit (true for the loop itself). */
  readonly exact: boolean;
  /** One step on a parameter x with gradient g and moments m, v (one length): x, m, v in place. */
  update(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: AdamCoefficients): void;
  /** The sum of the squares of the values, in double precision. */
  sumOfSquares(values: Float32Array): number;
}

interface AdamAddon {
  adamUpdate(
    x: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    scale: number,
    beta1: number,
    beta2: number,
    step: number,
    s2: number,
    epsilon: number,
  ): void;
  sumOfSquares(values: Float32Array): number;
  adamUpdateIsExact(): boolean;
}

let cached: AdamArithmetic | null | undefined;

export function loadNativeAdam(): AdamArithmetic | null {
  if (cached !== undefined) return cached;
  const addon = nativeAddonModule() as Partial<AdamAddon> | null;
  if (!addon || typeof addon.adamUpdate !== 'function' || typeof addon.sumOfSquares !== 'function' || typeof addon.adamUpdateIsExact !== 'function') {
    return (cached = null);
  }
  const full = addon as AdamAddon;
  return (cached = {
    name: 'native',
    exact: full.adamUpdateIsExact(),
    update: (x, g, m, v, k) => full.adamUpdate(x, g, m, v, k.scale, k.beta1, k.beta2, k.step, k.s2, k.epsilon),
    sumOfSquares: (values) => full.sumOfSquares(values),
  });
}
