/*
 * Adam's element-wise update and a gradient's sum of squares on plain float arrays, for the
 * engine's host optimizer (src/engine/train/hostAdam.ts, through adam_napi.c). Both compute in
 * double precision in the very order of the engine's JavaScript loops; built by GCC they fuse no
 * multiply-add, so an update equals the JavaScript one bit for bit (adam_update_is_exact).
 * Depends on nothing.
 */
#ifndef ADAM_KERNEL_H
#define ADAM_KERNEL_H

#include <stddef.h>

/* The constants of one Adam step: the gradient's clipping scale, the decay rates, and the bias
 * corrections folded as in hostAdam.ts (step = lr / (1 - b1^t), s2 = 1 / sqrt(1 - b2^t)). */
typedef struct {
  double scale, beta1, beta2, step, s2, epsilon;
} adam_coeffs;

/* Elements [begin, end): g' = g scale; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
 * x -= step m / (sqrt(v) s2 + eps). x, m, v are updated in place; g is only read. */
void adam_update_range(float *x, const float *g, float *m, float *v, size_t begin, size_t end, const adam_coeffs *k);

/* 1 where this build fuses no multiply-add in adam_update_range (GCC: a function attribute), so
 * that it equals the JavaScript loop bit for bit; 0 where it may (clang disregards its contraction
 * pragma under the addon's -ffp-contract=fast: then within a float32 rounding of it). */
int adam_update_is_exact(void);

/* Elements per block of adam_sum_squares_block (a fixed order of summation: eight partial sums
 * in each block, then the blocks' sums in order). */
#define ADAM_SUM_BLOCK 4096

/* Sum of a[i]^2 over block `block` (ADAM_SUM_BLOCK elements, fewer for the last) of an array of n,
 * in double: eight partial sums over i mod 8, added in order. */
double adam_sum_squares_block(const float *a, size_t n, size_t block);

#endif
