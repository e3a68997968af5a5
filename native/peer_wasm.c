/*
 * WebAssembly entry points of the peer kernels (peer_kernel.h; issue #10), freestanding (no libc).
 * Built as its own module, native/wasm/peer_kernel.wasm, beside the Hamiltonian's.
 *
 * One instance handles one shard of batch rows. JS calls peer_wasm_prepare() with the
 * configuration, which lays out every buffer of the call in linear memory (growing it when
 * needed), copies inputs into the buffers named by peer_wasm_buffer(), calls peer_wasm_forward() /
 * peer_wasm_backward(), and reads the results back. Both return HRNN_DONE or HRNN_CANCELLED; the
 * kernel asks the imported env.hrnn_cancel_requested() between time steps.
 */
#include "peer_kernel.h"
#include "wasm_buffers.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* Buffers 0..11 are the parameters, 16..27 their gradients. */
enum { BUF_P0 = 0, BUF_U = 12, BUF_OUT, BUF_SEQ, BUF_GOUT, BUF_G0, BUF_GSEQ = 28, BUF_GU, BUF_WS, BUF_COUNT };


static peer_config config;
static int shard_r0, shard_r1, with_seq;
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

/* Lays out all buffers from __heap_base; returns 1, or 0 when memory cannot grow enough.
 * seq: nonzero for a layer of a stack: the forward pass writes every step's h, the backward pass
 * takes gseq and writes the inputs' gradient gu. */
EXPORT("peer_wasm_prepare")
int peer_wasm_prepare(int kind, int T, int B, int d, int m, int checkpoint_every, float dt, float gamma, float epsilon,
                      int seq, int r0, int r1) {
  peer_config c = {kind, T, B, d, m, checkpoint_every, dt, gamma, epsilon};
  if (peer_config_error(&c) || r0 < 0 || r1 > B || r0 >= r1) return 0;
  unsigned long long sizes[BUF_COUNT];
  for (int i = 0; i < BUF_COUNT; i++) sizes[i] = 0;
  for (int i = 0; i < PEER_MAX_PARAMS; i++) {
    sizes[BUF_P0 + i] = peer_param_size(&c, i);
    sizes[BUF_G0 + i] = sizes[BUF_P0 + i];
  }
  sizes[BUF_U] = (unsigned long long)T * B * d;
  sizes[BUF_OUT] = (unsigned long long)B * m;
  sizes[BUF_GOUT] = sizes[BUF_OUT];
  sizes[BUF_SEQ] = seq ? (unsigned long long)T * B * m : 0;
  sizes[BUF_GSEQ] = sizes[BUF_SEQ];
  sizes[BUF_GU] = seq ? sizes[BUF_U] : 0;
  size_t ws = peer_workspace_bytes(&c, r1 - r0);
  if (!ws) return 0;
  if (!wasm_lay_out_buffers(sizes, BUF_COUNT, BUF_WS, ws, buf_ptr)) return 0;
  config = c;
  shard_r0 = r0;
  shard_r1 = r1;
  with_seq = seq != 0;
  return 1;
}

EXPORT("peer_wasm_buffer")
unsigned long peer_wasm_buffer(int which) { return which >= 0 && which < BUF_COUNT ? buf_ptr[which] : 0; }

#define F(i) ((float *)buf_ptr[i])

EXPORT("peer_wasm_forward")
int peer_wasm_forward(void) {
  peer_params P;
  for (int i = 0; i < PEER_MAX_PARAMS; i++) P.p[i] = F(BUF_P0 + i);
  return peer_forward(&config, shard_r0, shard_r1, P, F(BUF_U), F(BUF_OUT), with_seq ? F(BUF_SEQ) : 0,
                      (void *)buf_ptr[BUF_WS]);
}

/* gseq: nonzero to add the upstream gradients of every step's h (BUF_GSEQ) and write the inputs'
 * gradient (BUF_GU); needs seq at prepare. */
EXPORT("peer_wasm_backward")
int peer_wasm_backward(int gseq) {
  peer_grads G;
  for (int i = 0; i < PEER_MAX_PARAMS; i++) G.g[i] = F(BUF_G0 + i);
  return peer_backward(&config, shard_r0, shard_r1, F(BUF_U), F(BUF_GOUT), gseq && with_seq ? F(BUF_GSEQ) : 0, G,
                       gseq && with_seq ? F(BUF_GU) : 0, (void *)buf_ptr[BUF_WS]);
}
