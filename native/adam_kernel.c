/*
 * Adam's element-wise update and a sum of squares (adam_kernel.h). Bit-exact agreement with the
 * engine's JavaScript loop needs every product and sum rounded on its own: GCC is told not to fuse
 * multiply-adds in these functions (the addon is built with -ffp-contract=fast). Clang is asked
 * too, but under -ffp-contract=fast it disregards the pragma (adam_update_is_exact says so).
 * The loops still vectorise: double-precision sqrt and division are exactly rounded in SIMD too.
 * Depends on nothing but libm.
 */
#include "adam_kernel.h"

#include <math.h>

#if defined(__clang__)
#define NO_FMA_CONTRACTION
#define NO_FMA_CONTRACTION_BODY _Pragma("clang fp contract(off)")
#define UPDATE_IS_EXACT 0
#elif defined(__GNUC__)
#define NO_FMA_CONTRACTION __attribute__((optimize("fp-contract=off")))
#define NO_FMA_CONTRACTION_BODY
#define UPDATE_IS_EXACT 1
#else
#define NO_FMA_CONTRACTION
#define NO_FMA_CONTRACTION_BODY
#define UPDATE_IS_EXACT 0
#endif

int adam_update_is_exact(void) { return UPDATE_IS_EXACT; }

NO_FMA_CONTRACTION
void adam_update_range(float *x, const float *g, float *m, float *v, size_t begin, size_t end, const adam_coeffs *k) {
  NO_FMA_CONTRACTION_BODY
  const double scale = k->scale, b1 = k->beta1, b2 = k->beta2, step = k->step, s2 = k->s2, eps = k->epsilon;
  const double a1 = 1 - b1, a2 = 1 - b2;
  for (size_t i = begin; i < end; i++) {
    const double gi = (double)g[i] * scale;
    const double mi = b1 * (double)m[i] + a1 * gi;
    const double vi = b2 * (double)v[i] + a2 * gi * gi;
    /* stored as float32, as the JavaScript loop's Float32Array stores them */
    m[i] = (float)mi;
    v[i] = (float)vi;
    x[i] = (float)((double)x[i] - (step * mi) / (sqrt(vi) * s2 + eps));
  }
}

NO_FMA_CONTRACTION
double adam_sum_squares_block(const float *a, size_t n, size_t block) {
  NO_FMA_CONTRACTION_BODY
  const size_t begin = block * ADAM_SUM_BLOCK;
  const size_t end = begin + ADAM_SUM_BLOCK < n ? begin + ADAM_SUM_BLOCK : n;
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = begin;
  for (; i + 8 <= end; i += 8)
    for (int j = 0; j < 8; j++) part[j] += (double)a[i + j] * (double)a[i + j];
  for (int j = 0; i < end; i++, j++) part[j] += (double)a[i] * (double)a[i];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}
