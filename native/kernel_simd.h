/*
 * The vector layer shared by the fused kernels (hrnn_kernel.c, peer_kernel.c): vector width and
 * register tile per instruction set, the vector types and their helpers, a fused multiply-add that
 * the relaxed-SIMD wasm build turns into f32x4.relaxed_madd, a few-ulp vector tanh, and flushing
 * denormals while a kernel runs. Header-only (static inline); depends on nothing but the compiler's
 * intrinsics headers.
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

/*
 * tanh, accurate to a few ulp: an odd Taylor polynomial below |x| = 0.25, else
 * (1 - e)/(1 + e) with e = exp(-2|x|) from a Cody-Waite reduction and a degree-7 polynomial.
 * |x| is clamped at 9 (tanh = 1 in float32 beyond); NaN propagates.
 */
ALWAYS_INLINE vf v_tanh(vf x) {
  const vi sign_bit = vsplati((int)0x80000000);
  vi sign = (vi)x & sign_bit;
  vf ax = (vf)((vi)x & ~sign_bit);
  vf axc = vselect(ax > 9.0f, vsplat(9.0f), ax);
  vf t = axc * -2.0f;                                               /* in [-18, 0] */
  vf kf = (t * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round(t / ln 2) */
  vf r = t - kf * 0.693145751953125f;                               /* ln 2, high part (exact product) */
  r = r - kf * 1.42860682030941723212e-6f;                          /* ln 2, low part */
  vf p = vsplat(1.0f / 5040.0f);
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  vi ki = __builtin_convertvector(kf, vi);
  vf e = p * (vf)((ki + 127) << 23);                                /* k in [-26, 0]: a normal power of 2 */
  vf big = (1.0f - e) / (1.0f + e);
  vf x2 = ax * ax;
  vf q = vsplat(-1382.0f / 155925.0f);
  q = q * x2 + 62.0f / 2835.0f;
  q = q * x2 - 17.0f / 315.0f;
  q = q * x2 + 2.0f / 15.0f;
  q = q * x2 - 1.0f / 3.0f;
  vf small = ax + ax * x2 * q;
  vf res = vselect(ax < 0.25f, small, big);
  return (vf)((vi)res | sign);
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

#endif
