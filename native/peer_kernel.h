/*
 * Fused whole-sequence kernels of the peer cells (issue #10): tanh RNN, LSTM, GRU and coRNN, with
 * their hand-written backward passes. The portable core shared by the native Node addon
 * (peer_napi.c, registered by hrnn_napi.c) and the WebAssembly build (peer_wasm.c).
 *
 * The same contract as hrnn_kernel.h: one call handles one *shard* of batch rows [r0, r1); the
 * caller supplies a 64-byte aligned workspace of peer_workspace_bytes() bytes and keeps it (and `u`)
 * alive from the forward pass to the matching backward pass; cancellation is polled between steps
 * through hrnn_cancel_requested() (declared in hrnn_kernel.h, defined by the binding).
 *
 * Equations: the composite cells of src/engine/model/peers.ts (states start at zero):
 *   tanh-rnn: h_n = tanh(h W_h + u W_x + b)
 *   lstm:     i, f, o = sigmoid(h W_h{i,f,o} + u W_x{i,f,o} + b{i,f,o}), g = tanh(h W_hg + u W_xg + b_g),
 *             c_n = f c + i g,  h_n = o tanh(c_n)
 *   gru:      r, z = sigmoid(u W_x{r,z} + b_x{r,z} + h W_h{r,z} + b_h{r,z}),
 *             n = tanh(u W_xn + b_xn + r (h W_hn + b_hn)),  h_n = n + z (h - n)
 *   cornn:    hz_n = hz + dt (tanh(hy W_y + hz W_z + u W_x + b) - gamma hy - eps hz),  hy_n = hy + dt hz_n
 * (h, c, hy, hz are the previous step's states.) The output is the primary state h (coRNN: hy).
 *
 * Memory: with checkpoint_every = k > 0 the forward pass keeps only the state at every k-th step;
 * the backward pass recomputes one segment of k steps at a time, so memory is O(T/k + k) per row
 * instead of O(T) (stored mode, checkpoint_every = 0, keeps every step).
 */
#ifndef PEER_KERNEL_H
#define PEER_KERNEL_H

#include <stddef.h>

#include "hrnn_kernel.h"

#define PEER_TANH 0
#define PEER_LSTM 1
#define PEER_GRU 2
#define PEER_CORNN 3

/* checkpoint_every for a pass without gradient (evaluation): the workspace holds one step. */
#define PEER_FORWARD_ONLY (-1)

/* Most parameter tensors of any kind (LSTM and GRU: 12). */
#define PEER_MAX_PARAMS 12

typedef struct {
  int kind;             /* PEER_* */
  int T, B, d, m;       /* sequence length, whole batch, input size, hidden size */
  int checkpoint_every; /* 0: keep every step; k > 0: keep a state every k steps and recompute;
                           PEER_FORWARD_ONLY: keep nothing (no backward pass may follow) */
  float dt, gamma, epsilon; /* coRNN only */
} peer_config;

/* Parameter tensors in the order and layouts of peers.ts' variables (row-major, input-major):
 *   tanh-rnn: Wx [d,m], Wh [m,m], b [m]
 *   lstm:     for g in i, f, g, o: Wx_g [d,m], Wh_g [m,m], b_g [m]
 *   gru:      for g in r, z, n:    Wx_g [d,m], Wh_g [m,m], bx_g [m], bh_g [m]
 *   cornn:    Wx [d,m], Wz [m,m], Wy [m,m], b [m]
 * Gradients come back in the same layouts. */
typedef struct {
  const float *p[PEER_MAX_PARAMS];
} peer_params;

typedef struct {
  float *g[PEER_MAX_PARAMS];
} peer_grads;

/* How many parameter tensors a kind has, and the element count of tensor i (0 for none). */
int peer_param_count(int kind);
size_t peer_param_size(const peer_config *cfg, int i);

/* Returns a message if the configuration is unusable, else NULL. */
const char *peer_config_error(const peer_config *cfg);

/* Workspace for a shard of `rows` batch rows (bytes, a multiple of 64). 0 on overflow. */
size_t peer_workspace_bytes(const peer_config *cfg, int rows);

/* Forward over all T steps for rows [r0, r1). u: [T, B, d] time-major (the whole batch).
 * Writes out[r, 0:m] = h_T (coRNN: hy_T) for r in [r0, r1) (out is [B, m]) and, when seq is not
 * NULL, seq[n, r, 0:m] = h after step n+1 ([T, B, m]). Returns HRNN_DONE or HRNN_CANCELLED. */
int peer_forward(const peer_config *cfg, int r0, int r1, peer_params params, const float *u, float *out, float *seq,
                 void *workspace);

/* Backward pass for the same shard, after peer_forward with the same cfg, rows, u and workspace
 * (the workspace keeps the forward pass's prepared parameters: checkpointed mode recomputes with
 * them). gout: [B, m] upstream gradient of h_T; gseq: NULL or [T, B, m] upstream gradients of every
 * step's h. Overwrites `grads` with this shard's parameter gradients (the caller sums shards) and,
 * when gu is not NULL, gu[n, r, :] for r in [r0, r1) with the gradient of the inputs ([T, B, d]: a
 * stacked layer passes it to the layer below).
 * Returns HRNN_DONE or HRNN_CANCELLED (grads not written; the workspace stays usable for another
 * backward pass, unlike the Hamiltonian's reversible mode). After a PEER_FORWARD_ONLY forward pass
 * it does nothing and returns HRNN_CANCELLED: the caller must run a forward pass that keeps states. */
int peer_backward(const peer_config *cfg, int r0, int r1, const float *u, const float *gout, const float *gseq,
                  peer_grads grads, float *gu, void *workspace);

#endif
