/*
 * WebAssembly entry points of the fused Hamiltonian RNN kernel (freestanding: no libc).
 *
 * One instance handles one shard of batch rows. JS calls hrnn_wasm_prepare() with the
 * configuration, which lays out every buffer of the call in linear memory (growing it when
 * needed), then copies inputs into the buffers named by hrnn_wasm_buffer(), calls
 * hrnn_wasm_forward() / hrnn_wasm_backward(), and reads the results back.
 *
 * Stacked layers: hrnn_wasm_prepare_seq(..., 1) also lays out ys [T, B, m], gys [T, B, m] and
 * gu [T, B, d]; forward then writes every y_n into ys and hrnn_wasm_backward_seq(with_gu) adds gys
 * into the adjoints (and writes the inputs' gradient into gu when with_gu).
 *
 * Both return HRNN_DONE or HRNN_CANCELLED. The kernel asks the imported env.hrnn_cancel_requested()
 * between time steps (hrnn_kernel.h); JS answers from a word in a SharedArrayBuffer, so another
 * thread (or the native addon's signal handler) can stop an instance that blocks its thread.
 */
#include "hrnn_kernel.h"
#include "wasm_buffers.h"

#define EXPORT(name) __attribute__((export_name(name)))

enum { BUF_P0, BUF_P1, BUF_P2, BUF_P3, BUF_U, BUF_OUT, BUF_GOUT, BUF_G0, BUF_G1, BUF_G2, BUF_G3, BUF_DRIFT, BUF_WS, BUF_YS, BUF_GYS, BUF_GU, BUF_COUNT };


static hrnn_config config;
static int shard_r0, shard_r1;
static int with_sequences; /* whether ys, gys and gu are laid out (stacked layers) */
static unsigned long buf_ptr[BUF_COUNT];

/* The compiler may turn copy/zero loops into calls to these. */
void *memcpy(void *dst, const void *src, unsigned long n) {
  unsigned char *d = (unsigned char *)dst;
  const unsigned char *s = (const unsigned char *)src;
  while (n--) *d++ = *s++;
  return dst;
}
void *memset(void *dst, int c, unsigned long n) {
  unsigned char *d = (unsigned char *)dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
void *memmove(void *dst, const void *src, unsigned long n) {
  unsigned char *d = (unsigned char *)dst;
  const unsigned char *s = (const unsigned char *)src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}

/* Lays out all buffers from __heap_base; returns 1, or 0 when memory cannot grow enough. */
EXPORT("hrnn_wasm_prepare_seq")
int hrnn_wasm_prepare_seq(int variant, int backprop, int T, int B, int d, int m, int k, int anchor_every, float tau,
                          float alpha, int r0, int r1, int sequences) {
  hrnn_config c = {variant, backprop, T, B, d, m, k, anchor_every, tau, alpha};
  if (hrnn_config_error(&c) || r0 < 0 || r1 > B || r0 >= r1) return 0;
  const int full = variant == HRNN_VARIANT_FULL;
  unsigned long long sizes[BUF_COUNT];
  sizes[BUF_P0] = full ? (unsigned long long)k * m : (unsigned long long)m;
  sizes[BUF_P1] = (unsigned long long)(full ? k : m) * d;
  sizes[BUF_P2] = full ? k : m;
  sizes[BUF_P3] = full ? 0 : m;
  sizes[BUF_U] = (unsigned long long)T * B * d;
  sizes[BUF_OUT] = (unsigned long long)B * 2 * m;
  sizes[BUF_GOUT] = sizes[BUF_OUT];
  sizes[BUF_G0] = sizes[BUF_P0];
  sizes[BUF_G1] = sizes[BUF_P1];
  sizes[BUF_G2] = sizes[BUF_P2];
  sizes[BUF_G3] = sizes[BUF_P3];
  sizes[BUF_DRIFT] = 2;
  sizes[BUF_YS] = sequences ? (unsigned long long)T * B * m : 0;
  sizes[BUF_GYS] = sizes[BUF_YS];
  sizes[BUF_GU] = sequences ? sizes[BUF_U] : 0;
  size_t ws = hrnn_workspace_bytes(&c, r1 - r0);
  if (!ws) return 0;
  if (!wasm_lay_out_buffers(sizes, BUF_COUNT, BUF_WS, ws, buf_ptr)) return 0;
  config = c;
  shard_r0 = r0;
  shard_r1 = r1;
  with_sequences = sequences != 0;
  return 1;
}

EXPORT("hrnn_wasm_prepare")
int hrnn_wasm_prepare(int variant, int backprop, int T, int B, int d, int m, int k, int anchor_every, float tau,
                      float alpha, int r0, int r1) {
  return hrnn_wasm_prepare_seq(variant, backprop, T, B, d, m, k, anchor_every, tau, alpha, r0, r1, 0);
}

EXPORT("hrnn_wasm_buffer")
unsigned long hrnn_wasm_buffer(int which) { return which >= 0 && which < BUF_COUNT ? buf_ptr[which] : 0; }

#define F(i) ((float *)buf_ptr[i])

EXPORT("hrnn_wasm_forward")
int hrnn_wasm_forward(void) {
  hrnn_params P = {F(BUF_P0), F(BUF_P1), F(BUF_P2), config.variant == HRNN_VARIANT_FULL ? 0 : F(BUF_P3)};
  return hrnn_forward_seq(&config, shard_r0, shard_r1, P, F(BUF_U), F(BUF_OUT), with_sequences ? F(BUF_YS) : 0,
                          (void *)buf_ptr[BUF_WS]);
}

EXPORT("hrnn_wasm_backward")
int hrnn_wasm_backward(void) {
  hrnn_grads G = {F(BUF_G0), F(BUF_G1), F(BUF_G2), config.variant == HRNN_VARIANT_FULL ? 0 : F(BUF_G3)};
  return hrnn_backward(&config, shard_r0, shard_r1, F(BUF_U), F(BUF_GOUT), G, (void *)buf_ptr[BUF_WS], F(BUF_DRIFT));
}

EXPORT("hrnn_wasm_backward_seq")
int hrnn_wasm_backward_seq(int with_gu) {
  if (!with_sequences) return hrnn_wasm_backward();
  hrnn_grads G = {F(BUF_G0), F(BUF_G1), F(BUF_G2), config.variant == HRNN_VARIANT_FULL ? 0 : F(BUF_G3)};
  return hrnn_backward_seq(&config, shard_r0, shard_r1, F(BUF_U), F(BUF_GOUT), F(BUF_GYS), with_gu ? F(BUF_GU) : 0, G,
                           (void *)buf_ptr[BUF_WS], F(BUF_DRIFT));
}

EXPORT("hrnn_wasm_vector_bits")
int hrnn_wasm_vector_bits(void) { return hrnn_vector_bits(); }
