/*
 * Fused whole-sequence Hamiltonian RNN kernel: forward over T steps and its hand-written backward
 * pass (stored states or reversible reconstruction). See hrnn_kernel.h for the contract.
 *
 * Written once with GCC/Clang vector extensions: compiled natively it uses AVX-512 (or AVX2/SSE),
 * compiled with clang --target=wasm32 -msimd128 it uses WebAssembly SIMD128.
 *
 * Layout inside a shard: hidden vectors are padded to mp (k to kp), a multiple of the register
 * tile width NR, with zeros. Padding is exact: zero rows/columns of W, V, b keep the padded state
 * components at zero forever, and their gradients are dropped.
 *
 * Per step, over all the shard's rows, the full variant does two register-blocked products
 *   A = y W^T + u V^T + b  (tanh fused into the epilogue)   and   F = H W  (state update fused),
 * and the backward step does gH = gf W^T (times sech^2 = 1 - H^2 in the epilogue) and gA W, then
 * the weight gradient dW += H^T gf + gA^T y as one product with K = the shard's rows. W and W^T
 * are packed into contiguous panels of NR columns; each panel stays in L1 while every row tile
 * (MR rows x NR columns of accumulators in registers) of the shard streams past it.
 */
#include "hrnn_kernel.h"

#include "kernel_simd.h"

/* ---------------------------------------------------------------- register-blocked products */

/* acc[i][v] += sum_{kk < K} A[i*lda + kk] * B[kk*ldb + v*VL .. +VL]   (i < mr, a constant after inlining) */
ALWAYS_INLINE void mk_ab(const int mr, int K, const float *A, int lda, const float *B, int ldb, vf acc[MR][NRV]) {
  UNROLL4
  for (int kk = 0; kk < K; kk++) {
    vf b[NRV];
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) b[v] = vload(B + (size_t)kk * ldb + v * VL);
    UNROLL_FULL
    for (int i = 0; i < mr; i++) {
      vf a = vbcast(A + (size_t)i * lda + kk);
      UNROLL_FULL
      for (int v = 0; v < NRV; v++) VFMA(acc[i][v], a, b[v]);
    }
  }
}

/* C[i*ldc + 0..NR] += sum_r A1[r*lda + i] * B1[r*ldb + ..] + A2[r*lda + i] * B2[r*ldb + ..]  (A2 null: the first sum only) */
ALWAYS_INLINE void mk_atb2(const int mr, int R, const float *A1, const float *B1, const float *A2, const float *B2,
                           int lda, int ldb, float *C, int ldc) {
  vf acc[MR][NRV];
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) acc[i][v] = vload(C + (size_t)i * ldc + v * VL);
  }
  for (int pass = 0; pass < (A2 ? 2 : 1); pass++) {
    const float *A = pass ? A2 : A1;
    const float *B = pass ? B2 : B1;
    UNROLL4
    for (int r = 0; r < R; r++) {
      vf b[NRV];
      UNROLL_FULL
      for (int v = 0; v < NRV; v++) b[v] = vload(B + (size_t)r * ldb + v * VL);
      UNROLL_FULL
      for (int i = 0; i < mr; i++) {
        vf a = vbcast(A + (size_t)r * lda + i);
        UNROLL_FULL
        for (int v = 0; v < NRV; v++) VFMA(acc[i][v], a, b[v]);
      }
    }
  }
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) vstore(C + (size_t)i * ldc + v * VL, acc[i][v]);
  }
}

ALWAYS_INLINE void acc_zero(const int mr, vf acc[MR][NRV]) {
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) acc[i][v] = vsplat(0.0f);
  }
}

/* Calls BODY(constant mr) for mr = min(MR, remaining rows), so every tile height gets its own
 * fully unrolled code (cases above MR are never taken; they map to MR to stay in bounds). */
#define MR_CASE(n) ((n) <= MR ? (n) : MR)
#define DISPATCH_MR(mr, BODY)                                                                                  \
  switch (mr) {                                                                                                \
  case 14: BODY(MR_CASE(14)); break;                                                                           \
  case 13: BODY(MR_CASE(13)); break;                                                                           \
  case 12: BODY(MR_CASE(12)); break;                                                                           \
  case 11: BODY(MR_CASE(11)); break;                                                                           \
  case 10: BODY(MR_CASE(10)); break;                                                                           \
  case 9: BODY(MR_CASE(9)); break;                                                                             \
  case 8: BODY(MR_CASE(8)); break;                                                                             \
  case 7: BODY(MR_CASE(7)); break;                                                                             \
  case 6: BODY(MR_CASE(6)); break;                                                                             \
  case 5: BODY(MR_CASE(5)); break;                                                                             \
  case 4: BODY(MR_CASE(4)); break;                                                                             \
  case 3: BODY(MR_CASE(3)); break;                                                                             \
  case 2: BODY(MR_CASE(2)); break;                                                                             \
  default: BODY(1); break;                                                                                     \
  }
#if MR > 14
#error "MR above 14 needs more DISPATCH_MR cases"
#endif

/* ---------------------------------------------------------------- workspace */

static int round_up(int x, int to) { return (x + to - 1) / to * to; }

typedef unsigned long long u64;

typedef struct {
  int mp, kp, dp, lm, lk, rows, nanch;
  /* offsets in floats */
  u64 Wpk, WTpk, VT, Vpk, b, w, s;    /* prepared parameters */
  u64 y, z, gy, gz, gf, gA, H;        /* state, adjoints, per-step scratch */
  u64 dW, dVT, db, dw, ds;            /* padded gradients */
  u64 store, anchors, total;          /* stored states, reversible anchors */
} layout;

static layout make_layout(const hrnn_config *c, int rows) {
  layout L = {0};
  u64 off = 0;
#define TAKE(field, n)                                                                                         \
  do {                                                                                                         \
    L.field = off;                                                                                             \
    off += ((u64)(n) + 15ull) / 16ull * 16ull;                                                                 \
  } while (0)
  const int full = c->variant == HRNN_VARIANT_FULL;
  L.mp = round_up(c->m, NR);
  L.kp = full ? round_up(c->k, NR) : L.mp;
  L.dp = round_up(c->d, NR);
  L.lm = L.mp + LDPAD;
  L.lk = L.kp + LDPAD;
  L.rows = rows;
  const u64 mp = L.mp, kp = L.kp, lm = L.lm, lk = L.lk, R = rows, T = c->T, d = c->d;
  if (full) {
    TAKE(Wpk, kp * mp);
    TAKE(WTpk, mp * kp);
  } else {
    TAKE(w, mp);
    TAKE(s, mp);
  }
  TAKE(VT, d * kp);
  TAKE(Vpk, (u64)L.dp * kp);
  TAKE(b, kp);
  TAKE(y, R * lm);
  TAKE(z, R * lm);
  TAKE(gy, R * lm);
  TAKE(gz, R * lm);
  TAKE(gf, R * lm);
  TAKE(gA, R * lk);
  TAKE(H, R * lk);
  if (full) {
    TAKE(dW, kp * lm);
  } else {
    TAKE(dw, mp);
    TAKE(ds, mp);
  }
  TAKE(dVT, d * kp);
  TAKE(db, kp);
  if (c->backprop == HRNN_BACKPROP_STORED) {
    /* full: y_n and H_{n+1} per step; diagonal: y_n and z_n per step */
    TAKE(store, T * R * (full ? lm + lk : 2 * lm));
  } else if (c->anchor_every > 0) {
    L.nanch = (c->T - 1) / c->anchor_every;
    TAKE(anchors, (u64)L.nanch * R * 2 * lm);
  }
  L.total = off;
#undef TAKE
  return L;
}

const char *hrnn_config_error(const hrnn_config *c) {
  if (c->variant != HRNN_VARIANT_FULL && c->variant != HRNN_VARIANT_DIAGONAL) return "unknown variant";
  if (c->backprop != HRNN_BACKPROP_STORED && c->backprop != HRNN_BACKPROP_REVERSIBLE) return "unknown backprop mode";
  if (c->T < 1 || c->B < 1 || c->d < 1 || c->m < 1 || c->k < 1) return "T, B, d, m and k must be >= 1";
  if (c->variant == HRNN_VARIANT_DIAGONAL && c->k != c->m) return "diagonal variant needs k = m";
  if (c->m > (1 << 20) || c->k > (1 << 20) || c->d > (1 << 20)) return "sizes too large";
  if (c->anchor_every < 0) return "anchor_every must be >= 0";
  if (!(c->tau > 0.0f) || !(c->alpha >= 0.0f)) return "tau must be > 0 and alpha >= 0";
  return 0;
}

size_t hrnn_workspace_bytes(const hrnn_config *c, int rows) {
  if (hrnn_config_error(c) || rows < 1) return 0;
  u64 bytes = make_layout(c, rows).total * 4ull;
  if (bytes > (u64)(size_t)-1 / 2) return 0;
  return (size_t)bytes;
}

typedef struct {
  const hrnn_config *c;
  layout L;
  float *base;
  int r0, R, mp, kp, lm, lk, d, m, k;
  float tau, alpha;
} shard;

static shard make_shard(const hrnn_config *c, int r0, int r1, void *ws) {
  shard S;
  S.c = c;
  S.L = make_layout(c, r1 - r0);
  S.base = (float *)ws;
  S.r0 = r0;
  S.R = r1 - r0;
  S.mp = S.L.mp;
  S.kp = S.L.kp;
  S.lm = S.L.lm;
  S.lk = S.L.lk;
  S.d = c->d;
  S.m = c->m;
  S.k = c->k;
  S.tau = c->tau;
  S.alpha = c->alpha;
  return S;
}
#define AT(S, field) ((S)->base + (S)->L.field)

static void fill_zero(float *p, u64 n) {
  for (u64 i = 0; i < n; i++) p[i] = 0.0f;
}
static void copy_floats(float *dst, const float *src, u64 n) {
  for (u64 i = 0; i < n; i++) dst[i] = src[i];
}
/* Copies R rows of `cols` floats between arrays with leading dimensions ld_dst, ld_src. */
static void copy_rows(float *dst, int ld_dst, const float *src, int ld_src, int R, int cols) {
  for (int r = 0; r < R; r++) copy_floats(dst + (size_t)r * ld_dst, src + (size_t)r * ld_src, cols);
}
static float max_abs_diff_rows(const float *a, const float *b, int ld, int R, int cols) {
  vf m = vsplat(0.0f);
  for (int r = 0; r < R; r++)
    for (int q = 0; q < cols; q += VL) {
      vf x = vload(a + (size_t)r * ld + q);
      if (b) x = x - vload(b + (size_t)r * ld + q);
      m = vmax(m, vabs(x));
    }
  return hmax(m);
}

static void prepare_params(const shard *S, hrnn_params P) {
  const int mp = S->mp, kp = S->kp, m = S->m, k = S->k, d = S->d;
  float *VT = AT(S, VT), *b = AT(S, b);
  fill_zero(VT, (u64)d * kp);
  fill_zero(b, kp);
  if (S->c->variant == HRNN_VARIANT_FULL) {
    /* Packed panels of NR columns, each contiguous (K x NR):
     *   Wpk  (for F = H W,    K = kp): Wpk [j][p][c] = W[p][j*NR + c]
     *   WTpk (for A = y W^T,  K = mp): WTpk[j][q][c] = W[j*NR + c][q] */
    float *Wpk = AT(S, Wpk), *WTpk = AT(S, WTpk);
    fill_zero(Wpk, (u64)kp * mp);
    fill_zero(WTpk, (u64)mp * kp);
    for (int p = 0; p < k; p++)
      for (int q = 0; q < m; q++) {
        float v = P.p0[(size_t)p * m + q];
        Wpk[(size_t)(q / NR) * kp * NR + (size_t)p * NR + q % NR] = v;
        WTpk[(size_t)(p / NR) * mp * NR + (size_t)q * NR + p % NR] = v;
      }
    for (int p = 0; p < k; p++) {
      b[p] = P.p2[p];
      for (int e = 0; e < d; e++) VT[(size_t)e * kp + p] = P.p1[(size_t)p * d + e];
    }
  } else {
    float *w = AT(S, w), *s = AT(S, s);
    fill_zero(w, mp);
    for (int q = 0; q < m; q++) {
      w[q] = P.p0[q];
      b[q] = P.p2[q];
      for (int e = 0; e < d; e++) VT[(size_t)e * mp + q] = P.p1[(size_t)q * d + e];
    }
    /* s = sigmoid(c) = (1 + tanh(c/2)) / 2, with the kernel's own tanh (no libm in wasm);
     * padded lanes get c = 0 and are never used. */
    for (int q0 = 0; q0 < mp; q0 += VL) {
      vf c = vsplat(0.0f);
      for (int j = 0; j < VL; j++) c[j] = q0 + j < m ? P.p3[q0 + j] : 0.0f;
      vstore(s + q0, (v_tanh(c * 0.5f) + 1.0f) * 0.5f);
    }
  }
  /* Vpk (for gu = gA V, K = kp): Vpk[j][p][c] = V[p][j*NR + c], zero beyond d (k = m for the diagonal variant) */
  float *Vpk = AT(S, Vpk);
  fill_zero(Vpk, (u64)S->L.dp * kp);
  for (int p = 0; p < k; p++)
    for (int e = 0; e < d; e++) Vpk[(size_t)(e / NR) * kp * NR + (size_t)p * NR + e % NR] = P.p1[(size_t)p * d + e];
}

/* ---------------------------------------------------------------- input term (both variants) */

/* acc = b + u V^T on the panel of columns c0 .. c0 + NR, for mr rows of u (ld d) */
ALWAYS_INLINE void input_acc(const int mr, const shard *S, int c0, const float *u, vf acc[MR][NRV]) {
  const float *bias = AT(S, b);
  UNROLL_FULL
  for (int v = 0; v < NRV; v++) {
    vf bv = vload(bias + c0 + v * VL);
    UNROLL_FULL
    for (int i = 0; i < mr; i++) acc[i][v] = bv;
  }
  mk_ab(mr, S->d, u, S->d, AT(S, VT) + c0, S->kp, acc);
}

/* P[:, panel j] = u V^T + b for mr rows; u: ld d, P: ld lk. */
ALWAYS_INLINE void proj_tile(const int mr, const shard *S, int j, const float *u, float *P) {
  const int lk = S->lk, c0 = j * NR;
  vf acc[MR][NRV];
  input_acc(mr, S, c0, u, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) vstore(P + (size_t)i * lk + c0 + v * VL, acc[i][v]);
  }
}

/* C[i*ldc + 0..cols] = sum_{kk < K} A[i*lda + kk] * Bpk[kk*NR + ..] for mr rows, cols <= NR (the rest unwritten) */
ALWAYS_INLINE void ab_store_tile(const int mr, int K, const float *A, int lda, const float *Bpk, float *C, int ldc, int cols) {
  vf acc[MR][NRV];
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) acc[i][v] = vsplat(0.0f);
  }
  mk_ab(mr, K, A, lda, Bpk, NR, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    float *c = C + (size_t)i * ldc;
    if (cols == NR) {
      UNROLL_FULL
      for (int v = 0; v < NRV; v++) vstore(c + v * VL, acc[i][v]);
    } else {
      float tmp[NR] __attribute__((aligned(64)));
      UNROLL_FULL
      for (int v = 0; v < NRV; v++) vstore(tmp + v * VL, acc[i][v]);
      for (int e = 0; e < cols; e++) c[e] = tmp[e];
    }
  }
}

/* ---------------------------------------------------------------- full variant: tiles */

/* H[:, panel j] = tanh(y W^T + u V^T + b) for mr rows; y: ld lm, u: ld d, H: ld lk. */
ALWAYS_INLINE void act_tile(const int mr, const shard *S, int j, const float *y, const float *u, float *H) {
  const int mp = S->mp, lm = S->lm, lk = S->lk, c0 = j * NR;
  vf acc[MR][NRV];
  input_acc(mr, S, c0, u, acc);
  mk_ab(mr, mp, y, lm, AT(S, WTpk) + (size_t)j * mp * NR, NR, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) vstore(H + (size_t)i * lk + c0 + v * VL, v_tanh(acc[i][v]));
  }
}

/* F = H W + alpha y on panel j. Forward: z -= tau F, y += tau z.  Reverse (y already y_{n-1}): z += tau F. */
ALWAYS_INLINE void force_tile(const int mr, const int reverse, const shard *S, int j, const float *H, float *y,
                              float *z) {
  const int kp = S->kp, lm = S->lm, lk = S->lk, c0 = j * NR;
  const float tau = S->tau, alpha = S->alpha;
  vf acc[MR][NRV];
  acc_zero(mr, acc);
  mk_ab(mr, kp, H, lk, AT(S, Wpk) + (size_t)j * kp * NR, NR, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) {
      size_t p = (size_t)i * lm + c0 + v * VL;
      vf yv = vload(y + p), zv = vload(z + p);
      vf f = acc[i][v] + alpha * yv;
      if (reverse) {
        vstore(z + p, zv + tau * f);
      } else {
        zv = zv - tau * f;
        vstore(z + p, zv);
        vstore(y + p, yv + tau * zv);
      }
    }
  }
}

/* gA[:, panel j] = (gf W^T) * (1 - H^2) */
ALWAYS_INLINE void gA_tile(const int mr, const shard *S, int j, const float *gf, const float *H, float *gA) {
  const int mp = S->mp, lm = S->lm, lk = S->lk, c0 = j * NR;
  vf acc[MR][NRV];
  acc_zero(mr, acc);
  mk_ab(mr, mp, gf, lm, AT(S, WTpk) + (size_t)j * mp * NR, NR, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) {
      size_t p = (size_t)i * lk + c0 + v * VL;
      vf h = vload(H + p);
      vstore(gA + p, acc[i][v] * (1.0f - h * h));
    }
  }
}

/* gy[:, panel j] += gA W + alpha gf */
ALWAYS_INLINE void gy_tile(const int mr, const shard *S, int j, const float *gA, const float *gf, float *gy) {
  const int kp = S->kp, lm = S->lm, lk = S->lk, c0 = j * NR;
  const float alpha = S->alpha;
  vf acc[MR][NRV];
  acc_zero(mr, acc);
  mk_ab(mr, kp, gA, lk, AT(S, Wpk) + (size_t)j * kp * NR, NR, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    UNROLL_FULL
    for (int v = 0; v < NRV; v++) {
      size_t p = (size_t)i * lm + c0 + v * VL;
      vstore(gy + p, vload(gy + p) + acc[i][v] + alpha * vload(gf + p));
    }
  }
}

/* ---------------------------------------------------------------- full variant: one step, all rows
 * Panel-outer loops: one packed weight panel (K x NR floats) stays in L1 while every row block of
 * the shard uses it. */

#define FOR_TILES(npanels, BODY)                                                                               \
  for (int j = 0; j < (npanels); j++)                                                                          \
    for (int i0 = 0; i0 < R; i0 += MR) {                                                                       \
      int mr = R - i0 < MR ? R - i0 : MR;                                                                      \
      DISPATCH_MR(mr, BODY)                                                                                    \
    }

/* P = u_n V^T + b for every row of the shard: the diagonal variant's input term, one product per step */
static void input_proj(const shard *S, const float *un, float *P) {
  const int R = S->R, lk = S->lk, d = S->d;
#define PRJ(MRC) proj_tile(MRC, S, j, un + (size_t)i0 * d, P + (size_t)i0 * lk)
  FOR_TILES(S->kp / NR, PRJ)
#undef PRJ
}

/* dV^T += u_n^T gA over the shard's rows: one product with K = the rows, tiles of MR inputs x NR columns */
static void input_weight_grads(const shard *S, const float *gA, const float *un) {
  const int kp = S->kp, lk = S->lk, R = S->R, d = S->d;
  float *dVT = AT(S, dVT);
  for (int q0 = 0; q0 < kp; q0 += NR)
    for (int e0 = 0; e0 < d; e0 += MR) {
      int mr = d - e0 < MR ? d - e0 : MR;
#define ATB(MRC) mk_atb2(MRC, R, un + e0, gA + q0, 0, 0, d, lk, dVT + (size_t)e0 * kp + q0, kp)
      DISPATCH_MR(mr, ATB)
#undef ATB
    }
}

static void full_act(const shard *S, const float *y, const float *un, float *H) {
  const int R = S->R, lm = S->lm, lk = S->lk, d = S->d;
#define ACT(MRC) act_tile(MRC, S, j, y + (size_t)i0 * lm, un + (size_t)i0 * d, H + (size_t)i0 * lk)
  FOR_TILES(S->kp / NR, ACT)
#undef ACT
}

static void full_force(const shard *S, int reverse, const float *H, float *y, float *z) {
  const int R = S->R, lm = S->lm, lk = S->lk;
  if (reverse) {
#define FRC(MRC) force_tile(MRC, 1, S, j, H + (size_t)i0 * lk, y + (size_t)i0 * lm, z + (size_t)i0 * lm)
    FOR_TILES(S->mp / NR, FRC)
#undef FRC
  } else {
#define FRC(MRC) force_tile(MRC, 0, S, j, H + (size_t)i0 * lk, y + (size_t)i0 * lm, z + (size_t)i0 * lm)
    FOR_TILES(S->mp / NR, FRC)
#undef FRC
  }
}

/* One backward step: given the adjoints (gy, gz) of state n+1 and H of step n+1, leaves the
 * adjoints of state n in (gy, gz), with gf = -tau (gz + tau gy) and gA = (gf W^T) sech^2 in scratch. */
static void full_back(const shard *S, const float *H) {
  const int R = S->R, mp = S->mp, lm = S->lm, lk = S->lk;
  const float tau = S->tau;
  float *gy = AT(S, gy), *gz = AT(S, gz), *gf = AT(S, gf), *gA = AT(S, gA);
  for (int r = 0; r < R; r++)
    for (int q = 0; q < mp; q += VL) {
      size_t p = (size_t)r * lm + q;
      vf gzt = vload(gz + p) + tau * vload(gy + p);
      vstore(gz + p, gzt);
      vstore(gf + p, gzt * -tau);
    }
#define GA(MRC) gA_tile(MRC, S, j, gf + (size_t)i0 * lm, H + (size_t)i0 * lk, gA + (size_t)i0 * lk)
  FOR_TILES(S->kp / NR, GA)
#undef GA
#define GY(MRC) gy_tile(MRC, S, j, gA + (size_t)i0 * lk, gf + (size_t)i0 * lm, gy + (size_t)i0 * lm)
  FOR_TILES(S->mp / NR, GY)
#undef GY
}

/* dW += H^T gf + gA^T y_n, dV^T += u^T gA, db += colsum(gA) over all rows of the shard. */
static void full_weight_grads(const shard *S, const float *H, const float *Yn, const float *un) {
  const int mp = S->mp, kp = S->kp, lm = S->lm, lk = S->lk, R = S->R;
  const float *gf = AT(S, gf), *gA = AT(S, gA);
  float *dW = AT(S, dW), *db = AT(S, db);
  for (int q0 = 0; q0 < mp; q0 += NR) {
    for (int p0 = 0; p0 < kp; p0 += MR) {
      int mr = kp - p0 < MR ? kp - p0 : MR;
#define ATB(MRC) mk_atb2(MRC, R, H + p0, gf + q0, gA + p0, Yn + q0, lk, lm, dW + (size_t)p0 * lm + q0, lm)
      /* H and gA share ld = lk, gf and y share ld = lm */
      DISPATCH_MR(mr, ATB)
#undef ATB
    }
  }
  for (int r = 0; r < R; r++) {
    const float *g = gA + (size_t)r * lk;
    for (int p = 0; p < kp; p += VL) vstore(db + p, vload(db + p) + vload(g + p));
  }
  input_weight_grads(S, gA, un);
}


/* ---------------------------------------------------------------- forward */

/* Leaves a pass at a time-step boundary when cancellation was asked for (see hrnn_kernel.h). */
#define CANCEL_RETURN(env)                                                                                     \
  do {                                                                                                         \
    fp_leave(env);                                                                                             \
    return HRNN_CANCELLED;                                                                                     \
  } while (0)

/* ys[n, r0 + r, :] = y (the shard's rows, unpadded): the sequence a stacked layer above reads. */
static void write_positions(const shard *S, const float *y, float *ys, int n) {
  const int m = S->m, lm = S->lm;
  float *dst = ys + ((size_t)n * S->c->B + S->r0) * m;
  for (int r = 0; r < S->R; r++) copy_floats(dst + (size_t)r * m, y + (size_t)r * lm, m);
}

int hrnn_forward(const hrnn_config *c, int r0, int r1, hrnn_params P, const float *u, float *out, void *ws) {
  return hrnn_forward_seq(c, r0, r1, P, u, out, 0, ws);
}

int hrnn_forward_seq(const hrnn_config *c, int r0, int r1, hrnn_params P, const float *u, float *out, float *ys, void *ws) {
  if (hrnn_cancel_requested()) return HRNN_CANCELLED;
  fp_env env = fp_enter();
  shard Sv = make_shard(c, r0, r1, ws);
  const shard *S = &Sv;
  const int mp = S->mp, lm = S->lm, lk = S->lk, R = S->R, d = S->d, T = c->T, m = c->m;
  const int stored = c->backprop == HRNN_BACKPROP_STORED;
  const int A = c->backprop == HRNN_BACKPROP_REVERSIBLE ? c->anchor_every : 0;
  const u64 Rm = (u64)R * lm, Rk = (u64)R * lk;
  prepare_params(S, P);
  float *y = AT(S, y), *z = AT(S, z);
  fill_zero(y, Rm);
  fill_zero(z, Rm);

  if (c->variant == HRNN_VARIANT_FULL) {
    float *Ys = AT(S, store), *Hs = Ys + (u64)T * Rm;
    for (int n = 0; n < T; n++) {
      if (n > 0 && hrnn_cancel_requested()) CANCEL_RETURN(env);
      const float *un = u + ((size_t)n * c->B + r0) * d;
      float *Hn = stored ? Hs + (u64)n * Rk : AT(S, H);
      if (stored) copy_floats(Ys + (u64)n * Rm, y, Rm);
      full_act(S, y, un, Hn);
      full_force(S, 0, Hn, y, z);
      if (ys) write_positions(S, y, ys, n);
      if (A > 0 && (n + 1) % A == 0 && n + 1 < T) {
        float *an = AT(S, anchors) + (u64)((n + 1) / A - 1) * 2 * Rm;
        copy_floats(an, y, Rm);
        copy_floats(an + Rm, z, Rm);
      }
    }
  } else {
    const float *sv = AT(S, s), *wv = AT(S, w);
    float *Ys = AT(S, store), *Zs = Ys + (u64)T * Rm, *Pn = AT(S, H);
    for (int n = 0; n < T; n++) {
      if (n > 0 && hrnn_cancel_requested()) CANCEL_RETURN(env);
      const float *un = u + ((size_t)n * c->B + r0) * d;
      if (stored) {
        copy_floats(Ys + (u64)n * Rm, y, Rm);
        copy_floats(Zs + (u64)n * Rm, z, Rm);
      }
      input_proj(S, un, Pn);
      for (int r = 0; r < R; r++) {
        float *yr = y + (size_t)r * lm, *zr = z + (size_t)r * lm;
        const float *pr = Pn + (size_t)r * lk;
        for (int q = 0; q < mp; q += VL) {
          vf yv = vload(yr + q), zv = vload(zr + q);
          vf h = v_tanh(vload(pr + q) + vload(wv + q) * yv);
          vf step = S->tau * vload(sv + q);
          zv = zv - step * (h + S->alpha * yv);
          vstore(zr + q, zv);
          vstore(yr + q, yv + step * zv);
        }
      }
      if (ys) write_positions(S, y, ys, n);
      if (A > 0 && (n + 1) % A == 0 && n + 1 < T) {
        float *an = AT(S, anchors) + (u64)((n + 1) / A - 1) * 2 * Rm;
        copy_floats(an, y, Rm);
        copy_floats(an + Rm, z, Rm);
      }
    }
  }
  for (int r = 0; r < R; r++) {
    float *o = out + (size_t)(r0 + r) * 2 * m;
    for (int q = 0; q < m; q++) {
      o[q] = y[(size_t)r * lm + q];
      o[m + q] = z[(size_t)r * lm + q];
    }
  }
  fp_leave(env);
  return HRNN_DONE;
}

/* ---------------------------------------------------------------- backward */

static void write_grads(const shard *S, hrnn_grads G) {
  const int mp = S->mp, kp = S->kp, lm = S->lm, m = S->m, k = S->k, d = S->d;
  const float *dVT = AT(S, dVT), *db = AT(S, db);
  if (S->c->variant == HRNN_VARIANT_FULL) {
    const float *dW = AT(S, dW);
    for (int p = 0; p < k; p++) {
      for (int q = 0; q < m; q++) G.g0[(size_t)p * m + q] = dW[(size_t)p * lm + q];
      for (int e = 0; e < d; e++) G.g1[(size_t)p * d + e] = dVT[(size_t)e * kp + p];
      G.g2[p] = db[p];
    }
  } else {
    const float *dw = AT(S, dw), *ds = AT(S, ds), *s = AT(S, s);
    for (int q = 0; q < m; q++) {
      G.g0[q] = dw[q];
      for (int e = 0; e < d; e++) G.g1[(size_t)q * d + e] = dVT[(size_t)e * mp + q];
      G.g2[q] = db[q];
      G.g3[q] = ds[q] * s[q] * (1.0f - s[q]); /* ds/dc = s (1 - s) */
    }
  }
}

/* gu[n, r0 + r, :] = gA[r, :] V: the gradient with respect to the step's input u_n (stacked layers),
 * register tiles over the packed panels of V (Vpk). */
static void input_grads(const shard *S, const float *gA, float *gu, int n) {
  const int kp = S->kp, lk = S->lk, d = S->d, R = S->R;
  float *dst = gu + ((size_t)n * S->c->B + S->r0) * d;
  for (int j = 0; j < S->L.dp / NR; j++) {
    const int c0 = j * NR, cols = d - c0 < NR ? d - c0 : NR;
    const float *panel = AT(S, Vpk) + (size_t)j * kp * NR;
    for (int i0 = 0; i0 < R; i0 += MR) {
      int mr = R - i0 < MR ? R - i0 : MR;
#define GU(MRC) ab_store_tile(MRC, kp, gA + (size_t)i0 * lk, lk, panel, dst + (size_t)i0 * d + c0, d, cols)
      DISPATCH_MR(mr, GU)
#undef GU
    }
  }
}

/* gy[r, :] += gys[n, r0 + r, :]: the upstream gradient of y_{n+1} from a stacked layer above. */
static void add_position_grads(const shard *S, float *gy, const float *gys, int n) {
  const int m = S->m, lm = S->lm;
  const float *src = gys + ((size_t)n * S->c->B + S->r0) * m;
  for (int r = 0; r < S->R; r++)
    for (int q = 0; q < m; q++) gy[(size_t)r * lm + q] += src[(size_t)r * m + q];
}

int hrnn_backward(const hrnn_config *c, int r0, int r1, const float *u, const float *gout, hrnn_grads G, void *ws,
                  float drift[2]) {
  return hrnn_backward_seq(c, r0, r1, u, gout, 0, 0, G, ws, drift);
}

int hrnn_backward_seq(const hrnn_config *c, int r0, int r1, const float *u, const float *gout, const float *gys, float *gu,
                      hrnn_grads G, void *ws, float drift[2]) {
  if (hrnn_cancel_requested()) return HRNN_CANCELLED;
  fp_env env = fp_enter();
  shard Sv = make_shard(c, r0, r1, ws);
  const shard *S = &Sv;
  const int mp = S->mp, kp = S->kp, lm = S->lm, lk = S->lk, R = S->R, d = S->d, T = c->T, m = c->m;
  const int stored = c->backprop == HRNN_BACKPROP_STORED;
  const int A = stored ? 0 : c->anchor_every;
  const u64 Rm = (u64)R * lm, Rk = (u64)R * lk;
  const float tau = S->tau, alpha = S->alpha;
  float *y = AT(S, y), *z = AT(S, z), *gy = AT(S, gy), *gz = AT(S, gz);
  float err = 0.0f, scale = 0.0f;

  fill_zero(gy, Rm);
  fill_zero(gz, Rm);
  for (int r = 0; r < R; r++) {
    const float *g = gout + (size_t)(r0 + r) * 2 * m;
    for (int q = 0; q < m; q++) {
      gy[(size_t)r * lm + q] = g[q];
      gz[(size_t)r * lm + q] = g[m + q];
    }
  }
  fill_zero(AT(S, dVT), (u64)d * kp);
  fill_zero(AT(S, db), kp);
  if (c->variant == HRNN_VARIANT_FULL) fill_zero(AT(S, dW), (u64)kp * lm);
  if (!stored) {
    float sy = max_abs_diff_rows(y, 0, lm, R, mp), sz = max_abs_diff_rows(z, 0, lm, R, mp);
    scale = sy > sz ? sy : sz;
  }

  for (int n = T - 1; n >= 0; n--) {
    if (n < T - 1 && hrnn_cancel_requested()) CANCEL_RETURN(env);
    const float *un = u + ((size_t)n * c->B + r0) * d;
    /* the adjoint of y_{n+1} so far came through the recurrence; a layer above adds its own */
    if (gys) add_position_grads(S, gy, gys, n);
    /* reversible: the exact state n when known (an anchor, or the zero initial state) */
    const float *ay = 0, *az = 0;
    int exact = 0;
    if (!stored) {
      if (n == 0) {
        exact = 1;
      } else if (A > 0 && n % A == 0) {
        exact = 1;
        ay = AT(S, anchors) + (u64)(n / A - 1) * 2 * Rm;
        az = ay + Rm;
      }
    }
    if (c->variant == HRNN_VARIANT_FULL) {
      const float *Hn, *Yn;
      if (stored) {
        Hn = AT(S, store) + (u64)T * Rm + (u64)n * Rk;
        Yn = AT(S, store) + (u64)n * Rm;
      } else {
        /* rebuild state n: y_n = y_{n+1} - tau z_{n+1}, then z_n = z_{n+1} + tau F(y_n) */
        for (int r = 0; r < R; r++)
          for (int q = 0; q < mp; q += VL) {
            size_t p = (size_t)r * lm + q;
            vstore(y + p, vload(y + p) - tau * vload(z + p));
          }
        if (exact) {
          float e = max_abs_diff_rows(y, ay, lm, R, mp);
          err = e > err ? e : err;
          if (ay) {
            copy_rows(y, lm, ay, lm, R, mp);
            float sc = max_abs_diff_rows(y, 0, lm, R, mp);
            scale = sc > scale ? sc : scale;
          } else {
            fill_zero(y, Rm);
          }
        }
        full_act(S, y, un, AT(S, H));
        full_force(S, 1, AT(S, H), y, z);
        if (exact) {
          float e = max_abs_diff_rows(z, az, lm, R, mp);
          err = e > err ? e : err;
          if (az) {
            copy_rows(z, lm, az, lm, R, mp);
            float sc = max_abs_diff_rows(z, 0, lm, R, mp);
            scale = sc > scale ? sc : scale;
          } else {
            fill_zero(z, Rm);
          }
        }
        Hn = AT(S, H);
        Yn = y;
      }
      full_back(S, Hn);
      full_weight_grads(S, Hn, Yn, un);
      if (gu) input_grads(S, AT(S, gA), gu, n);
    } else {
      const float *Ys = AT(S, store) + (u64)n * Rm, *Zs = AT(S, store) + (u64)T * Rm + (u64)n * Rm;
      float *dw = AT(S, dw), *ds = AT(S, ds), *db = AT(S, db);
      const float *sv = AT(S, s), *wv = AT(S, w);
      if (n == T - 1) {
        fill_zero(dw, mp);
        fill_zero(ds, mp);
      }
      vf errv = vsplat(0.0f), scalev = vsplat(0.0f);
      float *Pn = AT(S, H), *gAn = AT(S, gA);
      input_proj(S, un, Pn);
      for (int r = 0; r < R; r++) {
        size_t row = (size_t)r * lm;
        const float *pr = Pn + (size_t)r * lk;
        for (int q = 0; q < mp; q += VL) {
          size_t p = row + q;
          vf step = tau * vload(sv + q);
          vf yp, zp, zn;
          if (stored) {
            yp = vload(Ys + p);
            zp = vload(Zs + p);
          } else {
            zn = vload(z + p);
            yp = vload(y + p) - step * zn;
            if (exact) {
              vf ex = ay ? vload(ay + p) : vsplat(0.0f);
              errv = vmax(errv, vabs(yp - ex));
              scalev = vmax(scalev, vabs(ex));
              yp = ex;
            }
          }
          vf h = v_tanh(vload(pr + q) + vload(wv + q) * yp);
          vf f = h + alpha * yp;
          if (stored) {
            zn = zp - step * f;
          } else {
            zp = zn + step * f;
            if (exact) {
              vf ex = az ? vload(az + p) : vsplat(0.0f);
              errv = vmax(errv, vabs(zp - ex));
              scalev = vmax(scalev, vabs(ex));
              zp = ex;
            }
            vstore(y + p, yp);
            vstore(z + p, zp);
          }
          vf gyv = vload(gy + p);
          vf gzt = vload(gz + p) + step * gyv;
          vstore(ds + q, vload(ds + q) + tau * (gyv * zn - gzt * f));
          vf gf = -step * gzt;
          vf gA = gf * (1.0f - h * h);
          vstore(gy + p, gyv + gA * vload(wv + q) + alpha * gf);
          vstore(gz + p, gzt);
          vstore(dw + q, vload(dw + q) + gA * yp);
          vstore(db + q, vload(db + q) + gA);
          vstore(gAn + (size_t)r * lk + q, gA);
        }
      }
      input_weight_grads(S, gAn, un);
      if (gu) input_grads(S, gAn, gu, n);
      float e = hmax(errv), sc = hmax(scalev);
      err = e > err ? e : err;
      scale = sc > scale ? sc : scale;
    }
  }
  write_grads(S, G);
  drift[0] = err;
  drift[1] = scale;
  fp_leave(env);
  return HRNN_DONE;
}

const char *hrnn_isa(void) { return ISA_NAME; }
int hrnn_vector_bits(void) { return VL * 32; }
