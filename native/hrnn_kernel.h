/*
 * Fused whole-sequence Hamiltonian RNN kernel (issue #5): the portable core shared by the native
 * Node addon (hrnn_napi.c) and the WebAssembly build (hrnn_wasm.c).
 *
 * One call handles one *shard*: the batch rows [r0, r1). Rows are independent through the
 * recurrence, so shards run on different threads (or wasm instances) with no synchronisation until
 * their parameter gradients are summed. The core never allocates: the caller supplies a workspace
 * of hrnn_workspace_bytes() bytes, 64-byte aligned, and keeps it (and `u`) alive from the forward
 * pass to the matching backward pass.
 *
 * Equations (MODEL.md, symplectic Euler, momentum first; states start at zero):
 *   full:     z_n = z_{n-1} - tau (W^T tanh(W y_{n-1} + V u_n + b) + alpha y_{n-1}),  y_n = y_{n-1} + tau z_n
 *   diagonal: z_n = z_{n-1} - tau s (tanh(w y_{n-1} + V u_n + b) + alpha y_{n-1}),    y_n = y_{n-1} + tau s z_n,
 *             s = sigmoid(c)
 */
#ifndef HRNN_KERNEL_H
#define HRNN_KERNEL_H

#include <stddef.h>

#define HRNN_VARIANT_FULL 0
#define HRNN_VARIANT_DIAGONAL 1
#define HRNN_BACKPROP_STORED 0
#define HRNN_BACKPROP_REVERSIBLE 1

/* What hrnn_forward / hrnn_backward return. */
#define HRNN_DONE 0
#define HRNN_CANCELLED 1

typedef struct {
  int variant;      /* HRNN_VARIANT_* */
  int backprop;     /* HRNN_BACKPROP_* */
  int T, B, d, m, k; /* sequence length, whole batch, input size, hidden size, rows of W (diagonal: k = m) */
  int anchor_every; /* reversible: keep the exact state every anchor_every steps; 0 = never */
  float tau, alpha;
} hrnn_config;

/* Parameter tensors in the model's own layouts (row-major):
 *   full:     p0 = W [k*m], p1 = V [k*d], p2 = b [k], p3 unused
 *   diagonal: p0 = w [m],   p1 = V [m*d], p2 = b [m], p3 = c [m]
 * Gradients come back in the same layouts. */
typedef struct {
  const float *p0, *p1, *p2, *p3;
} hrnn_params;

typedef struct {
  float *g0, *g1, *g2, *g3;
} hrnn_grads;

/* Returns a message if the configuration is unusable, else NULL. */
const char *hrnn_config_error(const hrnn_config *cfg);

/* Workspace for a shard of `rows` batch rows (bytes, a multiple of 64). 0 on overflow. */
size_t hrnn_workspace_bytes(const hrnn_config *cfg, int rows);

/* Cancellation. The kernel calls hrnn_cancel_requested() between time steps of both passes (and
 * once before the first); when it returns nonzero the pass stops there and returns HRNN_CANCELLED
 * without writing its results (out, grads, drift). The workspace is then unusable for a backward
 * pass: the caller discards everything and runs a fresh forward pass next time. The core does not
 * define it: the binding does (hrnn_napi.c reads a shared atomic word that its signal handler sets;
 * the WebAssembly build imports it from JS as env.hrnn_cancel_requested). It must be cheap, and
 * safe to call from every thread at once. */
#ifdef __wasm__
__attribute__((import_module("env"), import_name("hrnn_cancel_requested")))
#endif
int hrnn_cancel_requested(void);

/* Forward over all T steps for rows [r0, r1). u: [T, B, d] time-major (the whole batch).
 * Writes out[r, 0:m] = y_T and out[r, m:2m] = z_T for r in [r0, r1) (out is [B, 2m]).
 * Returns HRNN_DONE, or HRNN_CANCELLED (out not written). */
int hrnn_forward(const hrnn_config *cfg, int r0, int r1, hrnn_params params, const float *u, float *out,
                 void *workspace);

/* Backward pass for the same shard, after hrnn_forward with the same cfg, rows, u and workspace.
 * gout: [B, 2m] upstream gradient w.r.t. [y_T | z_T]. Overwrites `grads` with this shard's
 * parameter gradients (the caller sums shards). drift[0] = max abs reconstruction error at the
 * checks (anchors and the zero initial state; 0 in stored mode), drift[1] = max abs of the exact
 * states it was measured against (for a relative figure). Returns HRNN_DONE, or HRNN_CANCELLED
 * (grads and drift not written; the workspace no longer holds the forward pass). */
int hrnn_backward(const hrnn_config *cfg, int r0, int r1, const float *u, const float *gout, hrnn_grads grads,
                  void *workspace, float drift[2]);

/* Stacked layers (a layer above reads this layer's positions; this layer reads the one below).
 * hrnn_forward_seq is hrnn_forward that also writes ys[n, r, :] = y_{n+1}, ys: [T, B, m]
 * (rows [r0, r1) only; NULL: not wanted, exactly hrnn_forward). */
int hrnn_forward_seq(const hrnn_config *cfg, int r0, int r1, hrnn_params params, const float *u, float *out, float *ys,
                     void *workspace);

/* hrnn_backward with two more optional arrays (NULL: not wanted, exactly hrnn_backward):
 * gys: [T, B, m], the upstream gradient of every y_{n+1}, added into the adjoint at its step;
 * gu:  [T, B, d], receives dL/du for rows [r0, r1) (the gradient a layer below needs). */
int hrnn_backward_seq(const hrnn_config *cfg, int r0, int r1, const float *u, const float *gout, const float *gys,
                      float *gu, hrnn_grads grads, void *workspace, float drift[2]);

/* Instruction set the core was compiled for, e.g. "avx512", "avx2", "wasm-simd128". */
const char *hrnn_isa(void);
/* Vector width in bits. */
int hrnn_vector_bits(void);

#endif
