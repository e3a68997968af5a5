/**
 * Where the host optimizer's arithmetic runs (hostAdam.ts, parameterUpdater.ts): in the native
 * addon where it loads (kernels/nativeAdam.ts: vectorised; on the add200 LSTM 0.2-0.3 ms of a
 * 29 ms step less than here), else in the JavaScript loops below. Both give the same update, bit
 * for bit where the addon was built by GCC. HRNN_NATIVE_ADAM=0 keeps the JavaScript loops (for
 * side-by-side measurements). Depends on the addon loader only.
 */
import { loadNativeAdam, type AdamArithmetic, type AdamCoefficients } from '../kernels/nativeAdam';

export type { AdamArithmetic, AdamCoefficients };

/** The update in plain JavaScript: double precision, stored as float32 (as the native code does). */
function adamStep(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: AdamCoefficients): void {
  // Locals: V8 compiles a loop over plain numbers to a tight loop (twice as fast as reading the object).
  const { scale, beta1: b1, beta2: b2, step, s2, epsilon: eps } = k;
  const a1 = 1 - b1;
  const a2 = 1 - b2;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] * scale;
    const mi = b1 * m[i] + a1 * gi;
    const vi = b2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    x[i] -= (step * mi) / (Math.sqrt(vi) * s2 + eps);
  }
}

/** Sum of the squares of the values, in double precision. */
function sumOfSquares(values: Float32Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] * values[i];
  return total;
}

export const jsAdamArithmetic: AdamArithmetic = { name: 'js', exact: true, update: adamStep, sumOfSquares };

/** The native arithmetic where the addon has it (unless HRNN_NATIVE_ADAM=0), else the JavaScript one. */
export function adamArithmetic(env: NodeJS.ProcessEnv = process.env): AdamArithmetic {
  if (env.HRNN_NATIVE_ADAM === '0') return jsAdamArithmetic;
  return loadNativeAdam() ?? jsAdamArithmetic;
}
