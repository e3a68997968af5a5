/*
 * The vector layer shared by the fused kernels (hrnn_kernel.c, peer_kernel.c): vector width and
 * register tile per instruction set, the vector types and their helpers, a fused multiply-add that
 * the relaxed-SIMD wasm build turns into f32x4.relaxed_madd, a vector tanh of a few ulp, and flushing
 * denormals while a kernel runs (in wasm, which cannot, cutting tiny adjoints). Header-only (static
 * inline); depends on nothing but the compiler's intrinsics headers.
 */
#ifndef HRNN_KERNEL_SIMD_H
#define HRNN_KERNEL_SIMD_H

#if defined(__SSE__) && !defined(__wasm__)
#include <xmmintrin.h>
#define HRNN_HAS_MXCSR 1
#endif

/* ---------------------------------------------------------------- vector width and tile */
#if defined(__AVX512F__)
#define VL 16
#define MR 8
#define ISA_NAME "avx512"
#elif defined(__AVX2__) && defined(__FMA__)
#define VL 8
#define MR 6
#define ISA_NAME "avx2-fma"
#elif defined(__wasm_simd128__)
#define VL 4
#define MR 3 /* V8 keeps 16 xmm registers and has no FMA: small tiles measured fastest */
#define ISA_NAME "wasm-simd128"
#elif defined(__SSE2__) || defined(__ARM_NEON)
#define VL 4
#define MR 6
#define ISA_NAME "sse2/neon"
#else
#define VL 4
#define MR 4
#define ISA_NAME "generic"
#endif
#ifdef HRNN_MR /* tuning experiments: -DHRNN_MR=... */
#undef MR
#define MR HRNN_MR
#endif
#ifndef NRV
#define NRV 2          /* vectors per tile row */
#endif
#define NR (NRV * VL)  /* tile width in floats; hidden sizes are padded to a multiple of it */
#define LDPAD 16       /* extra floats per row: keeps row strides off powers of two (cache sets) */

#if (defined(__AVX512F__) || defined(__AVX2__)) && !defined(__wasm__)
#include <immintrin.h>
#endif

typedef float vf __attribute__((vector_size(VL * 4)));
typedef int vi __attribute__((vector_size(VL * 4)));
typedef float vf_u __attribute__((vector_size(VL * 4), aligned(4), __may_alias__));

#define ALWAYS_INLINE static inline __attribute__((always_inline))
#if defined(__clang__)
#define UNROLL_FULL _Pragma("unroll")
#define UNROLL4 _Pragma("unroll 4")
#else
#define UNROLL_FULL _Pragma("GCC unroll 16")
#define UNROLL4 _Pragma("GCC unroll 4")
#endif

ALWAYS_INLINE vf vload(const float *p) { return *(const vf_u *)p; }
ALWAYS_INLINE void vstore(float *p, vf v) { *(vf_u *)p = v; }
/* dst[0..n) = src[0..n) for data read back much later (n a multiple of VL, dst 64-byte aligned on
 * x86): non-temporal stores on x86 skip reading each destination line in before writing it, which a
 * pass storing megabytes a call otherwise waits for; a plain copy elsewhere. */
ALWAYS_INLINE void vstream_copy(float *dst, const float *src, unsigned long long n) {
  for (unsigned long long i = 0; i < n; i += VL) {
#if defined(__AVX512F__)
    _mm512_stream_ps(dst + i, (__m512)vload(src + i));
#elif defined(__AVX2__) && !defined(__wasm__)
    _mm256_stream_ps(dst + i, (__m256)vload(src + i));
#else
    vstore(dst + i, vload(src + i));
#endif
  }
}
/* *p = v (p 64-byte aligned on x86) with a non-temporal store where there is one: for data read back
 * much later. */
ALWAYS_INLINE void vstream(float *p, vf v) {
#if defined(__AVX512F__)
  _mm512_stream_ps(p, (__m512)v);
#elif defined(__AVX2__) && !defined(__wasm__)
  _mm256_stream_ps(p, (__m256)v);
#else
  vstore(p, v);
#endif
}
/* After vstream_copy and before another thread may read what it wrote: non-temporal stores are
 * weakly ordered. */
ALWAYS_INLINE void vstream_fence(void) {
#if (defined(__AVX512F__) || defined(__AVX2__)) && !defined(__wasm__)
  _mm_sfence();
#endif
}
#if VL == 16
#define SPLAT_INIT(x) {x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}
#elif VL == 8
#define SPLAT_INIT(x) {x, x, x, x, x, x, x, x}
#else
#define SPLAT_INIT(x) {x, x, x, x}
#endif
ALWAYS_INLINE vf vsplat(float x) { return (vf)SPLAT_INIT(x); }
ALWAYS_INLINE vi vsplati(int x) { return (vi)SPLAT_INIT(x); }
/* Broadcast from memory: lets the compiler fold it into the FMA ({1to16} on AVX-512). */
#if defined(__AVX512F__)
ALWAYS_INLINE vf vbcast(const float *p) { return (vf)_mm512_set1_ps(*p); }
#elif defined(__AVX2__) && !defined(__wasm__)
ALWAYS_INLINE vf vbcast(const float *p) { return (vf)_mm256_broadcast_ss(p); }
#else
ALWAYS_INLINE vf vbcast(const float *p) { return vsplat(*p); }
#endif
/* acc += a * b. The relaxed-SIMD wasm build (-mrelaxed-simd) asks for a fused multiply-add, which
 * the engine emits where the CPU has one (V8: FMA3 on x86-64, fmla on arm64); clang does not contract
 * a * b + c into it by itself. Elsewhere -ffp-contract=fast does the contraction. */
#if defined(__wasm_relaxed_simd__)
#define VFMA(acc, a, b) ((acc) = __builtin_wasm_relaxed_madd_f32x4((a), (b), (acc)))
#else
#define VFMA(acc, a, b) ((acc) += (a) * (b))
#endif
ALWAYS_INLINE vf vselect(vi mask, vf a, vf b) { return (vf)(((vi)a & mask) | ((vi)b & ~mask)); }
ALWAYS_INLINE vf vabs(vf x) { return (vf)((vi)x & vsplati(0x7fffffff)); }
ALWAYS_INLINE vf vmax(vf a, vf b) { return vselect(a > b, a, b); }
ALWAYS_INLINE float hmax(vf v) {
  float m = v[0];
  for (int i = 1; i < VL; i++) m = v[i] > m ? v[i] : m;
  return m;
}

/* max(-c, min(c, x)) for c > 0; a NaN x stays NaN (x86's min/max return their second operand when
 * either is NaN). */
ALWAYS_INLINE vf vclamp(vf x, float c) {
#if defined(__AVX512F__)
  return (vf)_mm512_max_ps(_mm512_set1_ps(-c), _mm512_min_ps(_mm512_set1_ps(c), (__m512)x));
#elif defined(__AVX2__) && !defined(__wasm__)
  return (vf)_mm256_max_ps(_mm256_set1_ps(-c), _mm256_min_ps(_mm256_set1_ps(c), (__m256)x));
#else
  x = vselect(x > c, vsplat(c), x);
  return vselect(x < -c, vsplat(-c), x);
#endif
}

/*
 * tanh as x P(x^2) / Q(x^2), a rational minimax fit (degrees 13 and 6, the coefficients Eigen uses
 * for float) on |x| clamped at 7.905 (tanh rounds to 1 in float32 beyond); NaN propagates. Relative
 * error at most 2.9e-7 (about 5 ulp) against double tanh over [-12, 12]. Half the instructions of
 * the exp-based form it replaced (3.1 ulp): 14 vector operations and one division, which matters
 * because every gate of every step goes through it in a product's epilogue. On AVX-512 the division
 * is a reciprocal estimate (14 bits) and one Newton step: 3.2e-7 at most over the same range, and
 * the 512-bit divide's throughput no longer holds the epilogue back (cores with two FMA pipes);
 * -DHRNN_TANH_DIV keeps the division, for comparisons. */
ALWAYS_INLINE vf v_tanh(vf x) {
  vf xc = vclamp(x, 7.90531110763549805f);
  vf x2 = xc * xc;
  vf p = vsplat(-2.76076847742355e-16f);
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  vf q = vsplat(1.19825839466702e-06f);
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
#if defined(__AVX512F__) && !defined(HRNN_TANH_DIV)
  vf r = (vf)_mm512_rcp14_ps((__m512)q);
  r = r * (2.0f - q * r);
  return xc * p * r;
#else
  return xc * p / q;
#endif
}


/* ---------------------------------------------------------------- floating-point environment */

typedef struct {
#ifdef HRNN_HAS_MXCSR
  unsigned int csr;
#else
  int unused;
#endif
} fp_env;
/* Flush denormals to zero while the kernel runs (tiny adjoints would otherwise be slow). */
static fp_env fp_enter(void) {
  fp_env e;
#ifdef HRNN_HAS_MXCSR
  e.csr = _mm_getcsr();
  _mm_setcsr(e.csr | 0x8040);
#else
  e.unused = 0;
#endif
  return e;
}
static void fp_leave(fp_env e) {
#ifdef HRNN_HAS_MXCSR
  _mm_setcsr(e.csr);
#else
  (void)e;
#endif
}

/* x with components below 2^-90 in magnitude set to zero, where the kernel cannot flush denormals
 * (wasm: no MXCSR; elsewhere fp_enter sets flush-to-zero and this is x). Adjoints that vanish over
 * a sequence pass through denormals otherwise, and an Intel core takes about a hundred cycles per
 * denormal operand: the wasm peer kernels ran 6-13x slower there on the adding task. What is cut
 * off is below any gradient's float32 resolution. */
ALWAYS_INLINE vf vflush_tiny(vf x) {
#ifdef HRNN_HAS_MXCSR
  return x;
#else
  return vselect(vabs(x) < vsplat(0x1p-90f), vsplat(0.0f), x);
#endif
}

#endif
