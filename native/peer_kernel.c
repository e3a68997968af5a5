/*
 * Fused whole-sequence kernels of the peer cells (tanh RNN, LSTM, GRU, coRNN; issue #10): forward
 * over T steps and the hand-written backward pass, stored or recomputed from checkpoints. See
 * peer_kernel.h for the contract; the structure is hrnn_kernel.c's.
 *
 * Layout inside a shard: hidden vectors are padded to mp (a multiple of the tile width NR) with
 * zeros; padding is exact (zero weights and biases keep padded state components at zero).
 * Gate space: the G gates side by side, gate g at columns [g*mp, (g+1)*mp). A state row is
 * [h | aux] (aux: LSTM c, coRNN hz; none for the others); the recurrent input is h (coRNN:
 * [hy | hz], Kh = 2mp). Cached steps hold the step's input state and its activations; a step
 * computes in buffers that stay in cache, and stored mode streams them into the step's slot.
 *
 * Per step, over all the shard's rows: one register-blocked product h W_h (all gates of a block of
 * hidden columns in one tile, so the gate nonlinearities and the state update run in its epilogue,
 * with the input projection u W_x + b added in its prologue). Backward per step: the gate
 * adjoints elementwise, then one product gA W_h^T for the state adjoint and one product
 * h^T gA (K = the shard's rows) for the weight gradient. W_h and W_h^T are packed in panels that stay
 * in L1 while every row tile of the shard streams past them.
 *
 * The vector types, tile sizes, tanh, the multiply-add (VFMA: a fused one in the relaxed-SIMD wasm
 * build) and the floating-point environment come from kernel_simd.h, shared with hrnn_kernel.c.
 */
#include "peer_kernel.h"

#include "kernel_simd.h"

/* ---------------------------------------------------------------- tiles per kind */

/* Most vectors per tile row (LSTM: 4 gates of one vector block). */
#define PVMAX 4
/* Rows per tile for pv vectors per row: enough accumulators to hide FMA latency, few enough to
 * stay in registers (32 vector registers on AVX-512, 16 elsewhere). GRU's tile (pv = 3) at 8 rows
 * left too few registers for its epilogue: its forward pass took 17 ms against 14.5-15 at 6 or 4
 * rows (bench/peer_kernel_cpu.c, AVX-512, an AMD core). At 6 rows GCC 12 still spilled two of its
 * accumulators to the stack inside the K loop (clang does not): at 4 rows its forward pass took
 * 7.3-7.9 ms against 8.6-9.6 (a Sapphire Rapids core; clang's is the same at 4 and 6). */
#if defined(__AVX512F__)
#define MRP(pv) ((pv) <= 2 ? 8 : (pv) == 3 ? 4 : 6)
#elif defined(__wasm_simd128__)
#define MRP(pv) ((pv) <= 3 ? 3 : 2)
#else
#define MRP(pv) ((pv) <= 2 ? 6 : (pv) == 3 ? 4 : 3)
#endif
#define MRMAX 8
/* Inputs at least this wide (a layer above another) go through a register-blocked product. */
#define PK_WIDE_INPUT 16

ALWAYS_INLINE vf v_sigmoid(vf x) { return (v_tanh(x * 0.5f) + 1.0f) * 0.5f; }

/* acc[i][v] += sum_{kk < K} A[i*lda + kk] * B[kk*ldb + v*VL .. +VL]   (mr, pv constants after inlining) */
ALWAYS_INLINE void pk_ab(const int mr, const int pv, int K, const float *A, int lda, const float *B, int ldb,
                         vf acc[MRMAX][PVMAX]) {
  UNROLL4
  for (int kk = 0; kk < K; kk++) {
    vf b[PVMAX];
    UNROLL_FULL
    for (int v = 0; v < pv; v++) b[v] = vload(B + (size_t)kk * ldb + v * VL);
    UNROLL_FULL
    for (int i = 0; i < mr; i++) {
      vf a = vbcast(A + (size_t)i * lda + kk);
      UNROLL_FULL
      for (int v = 0; v < pv; v++) VFMA(acc[i][v], a, b[v]);
    }
  }
}

/* C[i*ldc + 0..2VL] += sum_r A[r*lda + i] * B[r*ldb + 0..2VL] */
ALWAYS_INLINE void pk_atb(const int mr, int R, const float *A, int lda, const float *B, int ldb, float *C, int ldc) {
  vf acc[MRMAX][2];
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    acc[i][0] = vload(C + (size_t)i * ldc);
    acc[i][1] = vload(C + (size_t)i * ldc + VL);
  }
  UNROLL4
  for (int r = 0; r < R; r++) {
    vf b0 = vload(B + (size_t)r * ldb), b1 = vload(B + (size_t)r * ldb + VL);
    UNROLL_FULL
    for (int i = 0; i < mr; i++) {
      vf a = vbcast(A + (size_t)r * lda + i);
      VFMA(acc[i][0], a, b0);
      VFMA(acc[i][1], a, b1);
    }
  }
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    vstore(C + (size_t)i * ldc, acc[i][0]);
    vstore(C + (size_t)i * ldc + VL, acc[i][1]);
  }
}

#define PMR_CASE(n, cap) ((n) <= (cap) ? (n) : (cap))
/* Calls BODY(constant mr) for mr = min(cap, rows left) (cap <= 8): every tile height unrolled. */
#define DISPATCH_P(mr, cap, BODY)                                                                              \
  switch (mr) {                                                                                                \
  case 8: BODY(PMR_CASE(8, cap)); break;                                                                       \
  case 7: BODY(PMR_CASE(7, cap)); break;                                                                       \
  case 6: BODY(PMR_CASE(6, cap)); break;                                                                       \
  case 5: BODY(PMR_CASE(5, cap)); break;                                                                       \
  case 4: BODY(PMR_CASE(4, cap)); break;                                                                       \
  case 3: BODY(PMR_CASE(3, cap)); break;                                                                       \
  case 2: BODY(PMR_CASE(2, cap)); break;                                                                       \
  default: BODY(1); break;                                                                                     \
  }

/* ---------------------------------------------------------------- workspace */

static int round_up(int x, int to) { return (x + to - 1) / to * to; }
typedef unsigned long long u64;

static int gates_of(int kind) { return kind == PEER_LSTM ? 4 : kind == PEER_GRU ? 3 : 1; }

int peer_param_count(int kind) {
  switch (kind) {
  case PEER_TANH: return 3;
  case PEER_LSTM: return 12;
  case PEER_GRU: return 12;
  case PEER_CORNN: return 4;
  default: return 0;
  }
}

size_t peer_param_size(const peer_config *c, int i) {
  const size_t d = c->d, m = c->m;
  if (i < 0 || i >= peer_param_count(c->kind)) return 0;
  switch (c->kind) {
  case PEER_TANH: return i == 0 ? d * m : i == 1 ? m * m : m;
  case PEER_LSTM: return i % 3 == 0 ? d * m : i % 3 == 1 ? m * m : m;
  case PEER_GRU: return i % 4 == 0 ? d * m : i % 4 == 1 ? m * m : m;
  default: return i == 0 ? d * m : i == 3 ? m : m * m;
  }
}

typedef struct {
  int G, mp, Kh, GW, HB, PV, PW, ls, lg, la, segT, nck, dp;
  u64 slot;                                 /* floats per cached step: state (R*ls) + activations (R*la; tanh: none) */
  u64 Wpk, WTpk, WX, WXT, bias, bxn;        /* prepared parameters */
  u64 s0, s1, gs, gA, gX, act;              /* states, adjoints, scratch */
  u64 dWh, dWX, db, dbh;                    /* padded gradients */
  u64 ck, cache, total;                     /* checkpoints, cached steps */
} layout;

static layout make_layout(const peer_config *c, int rows) {
  layout L = {0};
  u64 off = 0;
#define TAKE(field, n)                                                                                         \
  do {                                                                                                         \
    L.field = off;                                                                                             \
    off += ((u64)(n) + 15ull) / 16ull * 16ull;                                                                 \
  } while (0)
  const int gru = c->kind == PEER_GRU;
  L.G = gates_of(c->kind);
  L.mp = round_up(c->m, NR);
  L.Kh = c->kind == PEER_CORNN ? 2 * L.mp : L.mp;
  L.GW = L.G * L.mp;
  /* one tile holds every gate of HB hidden columns: 2 vectors per row in all kinds but GRU (3) */
  L.HB = L.G == 1 ? NR : VL;
  L.PV = L.G == 1 ? 2 : L.G;
  L.PW = L.PV * VL;
  /* a state row is [h | aux]: aux (c or hz) only for LSTM and coRNN */
  L.ls = (c->kind == PEER_LSTM || c->kind == PEER_CORNN ? 2 * L.mp : L.mp) + LDPAD;
  L.lg = L.GW + LDPAD;
  L.la = L.GW + (gru ? L.mp : 0) + LDPAD;
  const u64 R = rows, d = c->d;
  /* The tanh RNN's one activation is its next state: a step's activations are the next slot's state
   * rows (la = ls), and the cache holds one slot more for the last step's. Storing the state once
   * halves the memory the stored pass writes and the backward pass reads back (they wait on it). */
  const int once = c->kind == PEER_TANH;
  L.slot = R * (u64)(L.ls + (once ? 0 : L.la));
  if (c->checkpoint_every > 0) {
    L.segT = c->checkpoint_every < c->T ? c->checkpoint_every : c->T;
    L.nck = (c->T + L.segT - 1) / L.segT;
  } else {
    L.segT = c->checkpoint_every == PEER_FORWARD_ONLY ? 0 : c->T;
    L.nck = 0;
  }
  TAKE(Wpk, (u64)L.Kh * L.GW);
  TAKE(WTpk, (u64)L.GW * L.Kh);
  TAKE(WX, d * (u64)L.GW); /* W_x in Wpk's panels: panel j is d rows of PW floats */
  L.dp = round_up(c->d, NR);
  TAKE(WXT, (u64)L.GW * L.dp); /* W_x^T in panels of NR input columns, for the inputs' gradient */
  TAKE(bias, L.lg);
  TAKE(bxn, L.mp);
  TAKE(s0, R * L.ls);
  TAKE(s1, R * L.ls);
  TAKE(gs, R * L.ls);
  TAKE(gA, R * L.lg);
  TAKE(gX, R * L.lg);
  TAKE(act, R * L.la);
  TAKE(dWh, (u64)L.Kh * L.lg);
  TAKE(dWX, d * L.lg);
  TAKE(db, L.lg);
  TAKE(dbh, L.lg);
  TAKE(ck, (u64)L.nck * R * L.ls);
  TAKE(cache, (u64)(L.segT + (once && L.segT ? 1 : 0)) * L.slot);
  L.total = off;
#undef TAKE
  return L;
}

const char *peer_config_error(const peer_config *c) {
  if (c->kind < PEER_TANH || c->kind > PEER_CORNN) return "unknown peer kind";
  if (c->T < 1 || c->B < 1 || c->d < 1 || c->m < 1) return "T, B, d and m must be >= 1";
  if (c->m > (1 << 16) || c->d > (1 << 20)) return "sizes too large";
  if (c->checkpoint_every < 0 && c->checkpoint_every != PEER_FORWARD_ONLY) return "checkpoint_every must be >= 0 (or PEER_FORWARD_ONLY)";
  if (c->kind == PEER_CORNN && !(c->dt > 0.0f)) return "coRNN needs dt > 0";
  return 0;
}

size_t peer_workspace_bytes(const peer_config *c, int rows) {
  if (peer_config_error(c) || rows < 1) return 0;
  u64 bytes = make_layout(c, rows).total * 4ull;
  if (bytes > (u64)(size_t)-1 / 2) return 0;
  return (size_t)bytes;
}

typedef struct {
  const peer_config *c;
  layout L;
  float *base;
  int r0, R, d, m;
} shard;

static shard make_shard(const peer_config *c, int r0, int r1, void *ws) {
  shard S;
  S.c = c;
  S.L = make_layout(c, r1 - r0);
  S.base = (float *)ws;
  S.r0 = r0;
  S.R = r1 - r0;
  S.d = c->d;
  S.m = c->m;
  return S;
}
#define AT(S, field) ((S)->base + (S)->L.field)

static void fill_zero(float *p, u64 n) {
  for (u64 i = 0; i < n; i++) p[i] = 0.0f;
}
static void copy_floats(float *dst, const float *src, u64 n) {
  for (u64 i = 0; i < n; i++) dst[i] = src[i];
}

/* Index of gate g's input weights, recurrent weights (coRNN: Wy; Wz follows separately) and bias. */
static int idx_wx(int kind, int g) { return kind == PEER_LSTM ? 3 * g : kind == PEER_GRU ? 4 * g : 0; }
static int idx_wh(int kind, int g) { return kind == PEER_LSTM ? 3 * g + 1 : kind == PEER_GRU ? 4 * g + 1 : kind == PEER_CORNN ? 2 : 1; }
static int idx_b(int kind, int g) { return kind == PEER_LSTM ? 3 * g + 2 : kind == PEER_GRU ? 4 * g + 2 : kind == PEER_CORNN ? 3 : 2; }

/* Recurrent weight of state row s (< Kh) and gate column gk = g*mp + q. */
static float wh_at(const shard *S, peer_params P, int s, int g, int q) {
  const int m = S->m, mp = S->L.mp, kind = S->c->kind;
  if (kind == PEER_CORNN && s >= mp) {
    s -= mp;
    return s < m ? P.p[1][(size_t)s * m + q] : 0.0f; /* Wz */
  }
  return s < m ? P.p[idx_wh(kind, g)][(size_t)s * m + q] : 0.0f;
}

static void prepare_params(const shard *S, peer_params P) {
  const layout *L = &S->L;
  const int m = S->m, d = S->d, mp = L->mp, G = L->G, Kh = L->Kh, HB = L->HB, PW = L->PW, kind = S->c->kind;
  float *Wpk = AT(S, Wpk), *WTpk = AT(S, WTpk), *WX = AT(S, WX), *WXT = AT(S, WXT), *bias = AT(S, bias), *bxn = AT(S, bxn);
  fill_zero(WXT, (u64)L->GW * L->dp);
  fill_zero(Wpk, (u64)Kh * L->GW);
  fill_zero(WTpk, (u64)L->GW * Kh);
  fill_zero(WX, (u64)d * L->GW);
  fill_zero(bias, L->lg);
  fill_zero(bxn, mp);
  for (int g = 0; g < G; g++)
    for (int q = 0; q < m; q++) {
      const int gk = g * mp + q;
      /* forward panel j = q / HB holds every gate of hidden columns [j*HB, (j+1)*HB) */
      float *panel = Wpk + (size_t)(q / HB) * Kh * PW + g * HB + q % HB;
      for (int s = 0; s < Kh; s++) {
        float w = wh_at(S, P, s, g, q);
        panel[(size_t)s * PW] = w;
        WTpk[(size_t)(s / NR) * L->GW * NR + (size_t)gk * NR + s % NR] = w;
      }
      for (int e = 0; e < d; e++) {
        float w = P.p[idx_wx(kind, g)][(size_t)e * m + q];
        WX[(size_t)(q / HB) * d * PW + (size_t)e * PW + g * HB + q % HB] = w; /* as in Wpk's panel */
        WXT[(size_t)(e / NR) * L->GW * NR + (size_t)gk * NR + e % NR] = w;
      }
      float b = P.p[idx_b(kind, g)][q];
      if (kind == PEER_GRU) {
        float bh = P.p[4 * g + 3][q];
        if (g == 2) {
          bxn[q] = b; /* n: the input bias stays outside r (h W_hn + b_hn) */
          b = bh;
        } else {
          b += bh;
        }
      }
      bias[gk] = b;
    }
}

/* ---------------------------------------------------------------- forward step */

/* Rows i0..i0+mr of panel j: the gates of hidden columns [j*HB, (j+1)*HB), then the state update.
 * st: state rows (ld ls), un: inputs (ld d), nx: next state rows, act: activations (ld la). */
ALWAYS_INLINE void fwd_tile(const int mr, const int kind, const shard *S, int j, const float *st, const float *un,
                            float *nx, float *act, float *nx2, const int nt) {
  const layout *L = &S->L;
  const int mp = L->mp, ls = L->ls, la = L->la, d = S->d;
  const int pv = kind == PEER_LSTM ? 4 : kind == PEER_GRU ? 3 : 2;
  const int HB = kind == PEER_LSTM || kind == PEER_GRU ? VL : NR;
  const float *bias = AT(S, bias);
  vf acc[MRMAX][PVMAX];
  /* column of accumulator v in gate space: gate v (gated kinds) or block v of the one gate */
#define COL(v) ((kind == PEER_LSTM || kind == PEER_GRU) ? (v) * mp + j * HB : j * HB + (v) * VL)
  /* GRU: n's input side u W_xn + b_xn stays outside r (n = tanh(u W_xn + b_xn + r (h W_hn + b_hn))):
   * it accumulates in a fourth vector per row, acc[i][3], which the recurrent product leaves alone */
  const int gru = kind == PEER_GRU;
  UNROLL_FULL
  for (int v = 0; v < pv; v++) {
    vf bv = vload(bias + COL(v));
    UNROLL_FULL
    for (int i = 0; i < mr; i++) acc[i][v] = bv;
  }
  if (gru) {
    vf bn = vload(AT(S, bxn) + j * HB);
    UNROLL_FULL
    for (int i = 0; i < mr; i++) acc[i][3] = bn;
  }
  /* The input side, u W_x, over W_x's panel j (d rows of PW floats, the accumulators' layout). A
   * layer above another (d = the hidden size below) takes it as one register-blocked product:
   * forward at d = 128 (one shard of 64 rows, side by side): tanh RNN 6.6 -> 4.9 ms, coRNN
   * 9.4 -> 7.7, LSTM 22.0 -> 20.5. At d = 2 the product's loop cost more than it saved. GRU: n's
   * input part, which the product leaves in acc[i][2], moves to acc[i][3], and acc[i][2] starts
   * again from b_hn. */
  const float *WXj = AT(S, WX) + (size_t)j * d * L->PW;
  if (d >= PK_WIDE_INPUT) {
    if (gru) {
      UNROLL_FULL
      for (int i = 0; i < mr; i++) acc[i][2] = vsplat(0.0f);
    }
    pk_ab(mr, pv, d, un, d, WXj, L->PW, acc);
    if (gru) {
      vf bh = vload(bias + COL(2));
      UNROLL_FULL
      for (int i = 0; i < mr; i++) {
        acc[i][3] += acc[i][2];
        acc[i][2] = bh;
      }
    }
  } else {
    for (int e = 0; e < d; e++) {
      UNROLL_FULL
      for (int v = 0; v < pv; v++) {
        vf wx = vload(WXj + (size_t)e * L->PW + v * VL);
        const int to = gru && v == 2 ? 3 : v;
        UNROLL_FULL
        for (int i = 0; i < mr; i++) VFMA(acc[i][to], vbcast(un + (size_t)i * d + e), wx);
      }
    }
  }
  pk_ab(mr, pv, L->Kh, st, ls, AT(S, Wpk) + (size_t)j * L->Kh * L->PW, L->PW, acc);
  UNROLL_FULL
  for (int i = 0; i < mr; i++) {
    const float *sr = st + (size_t)i * ls;
    float *nr = nx + (size_t)i * ls, *ar = act + (size_t)i * la, *nr2 = nx2 ? nx2 + (size_t)i * ls : 0;
#define PUTN(off, v)                                                                                           \
  do {                                                                                                         \
    vf v_ = (v);                                                                                               \
    vstore(nr + (off), v_);                                                                                    \
    if (nr2) vstream(nr2 + (off), v_);                                                                          \
  } while (0)
#define PUTA(p, v)                                                                                             \
  do {                                                                                                         \
    if (nt) vstream((p), (v));                                                                                 \
    else vstore((p), (v));                                                                                     \
  } while (0)
    if (kind == PEER_TANH) {
      UNROLL_FULL
      for (int v = 0; v < 2; v++) {
        const int q = j * HB + v * VL;
        vf h = v_tanh(acc[i][v]);
        PUTN(q, h);
        PUTA(ar + q, h);
      }
    } else if (kind == PEER_CORNN) {
      const float dt = S->c->dt, gamma = S->c->gamma, eps = S->c->epsilon;
      UNROLL_FULL
      for (int v = 0; v < 2; v++) {
        const int q = j * HB + v * VL;
        vf drive = v_tanh(acc[i][v]);
        vf hy = vload(sr + q), hz = vload(sr + mp + q);
        vf hzn = hz + dt * (drive - gamma * hy - eps * hz);
        PUTN(mp + q, hzn);
        PUTN(q, hy + dt * hzn);
        PUTA(ar + q, drive);
      }
    } else if (kind == PEER_LSTM) {
      const int q = j * HB;
      vf ig = v_sigmoid(acc[i][0]), fg = v_sigmoid(acc[i][1]), gg = v_tanh(acc[i][2]), og = v_sigmoid(acc[i][3]);
      vf cn = fg * vload(sr + mp + q) + ig * gg;
      PUTN(mp + q, cn);
      PUTN(q, og * v_tanh(cn));
      PUTA(ar + q, ig);
      PUTA(ar + mp + q, fg);
      PUTA(ar + 2 * mp + q, gg);
      PUTA(ar + 3 * mp + q, og);
    } else {
      const int q = j * HB;
      vf r = v_sigmoid(acc[i][0]), z = v_sigmoid(acc[i][1]), hn = acc[i][2];
      vf n = v_tanh(acc[i][3] + r * hn);
      vf h = vload(sr + q);
      PUTN(q, n + z * (h - n));
      PUTA(ar + q, r);
      PUTA(ar + mp + q, z);
      PUTA(ar + 2 * mp + q, n);
      PUTA(ar + 3 * mp + q, hn);
    }
  }
#undef COL
#undef PUTN
#undef PUTA
}

ALWAYS_INLINE void fwd_step_k(const int kind, const shard *S, const float *st, const float *un, float *nx, float *act,
                              float *nx2, const int nt) {
  const int R = S->R, ls = S->L.ls, la = S->L.la, d = S->d;
  const int pv = kind == PEER_LSTM ? 4 : kind == PEER_GRU ? 3 : 2;
  const int cap = MRP(pv);
  const int npan = S->L.mp / (kind == PEER_LSTM || kind == PEER_GRU ? VL : NR);
  for (int j = 0; j < npan; j++)
    for (int i0 = 0; i0 < R; i0 += cap) {
      int mr = R - i0 < cap ? R - i0 : cap;
#define FT(MRC)                                                                                                \
  fwd_tile(MRC, kind, S, j, st + (size_t)i0 * ls, un + (size_t)i0 * d, nx + (size_t)i0 * ls, act + (size_t)i0 * la, \
           nx2 ? nx2 + (size_t)i0 * ls : 0, nt)
      DISPATCH_P(mr, cap, FT)
#undef FT
    }
}

static void fwd_step_tanh(const shard *S, const float *st, const float *un, float *nx, float *act, float *nx2, int nt) {
  fwd_step_k(PEER_TANH, S, st, un, nx, act, nx2, nt);
}
static void fwd_step_lstm(const shard *S, const float *st, const float *un, float *nx, float *act, float *nx2, int nt) {
  fwd_step_k(PEER_LSTM, S, st, un, nx, act, nx2, nt);
}
static void fwd_step_gru(const shard *S, const float *st, const float *un, float *nx, float *act, float *nx2, int nt) {
  fwd_step_k(PEER_GRU, S, st, un, nx, act, nx2, nt);
}
static void fwd_step_cornn(const shard *S, const float *st, const float *un, float *nx, float *act, float *nx2, int nt) {
  fwd_step_k(PEER_CORNN, S, st, un, nx, act, nx2, nt);
}

/* One step for all rows: state st -> nx, the step's activations into act. nx2 (or null) receives
 * the next state too, and nt = 1 writes act, with non-temporal stores: stored mode's slot, read back
 * only in the backward pass. */
static void fwd_step(const shard *S, const float *st, const float *un, float *nx, float *act, float *nx2, int nt) {
  switch (S->c->kind) {
  case PEER_TANH: fwd_step_tanh(S, st, un, nx, act, nx2, nt); break;
  case PEER_LSTM: fwd_step_lstm(S, st, un, nx, act, nx2, nt); break;
  case PEER_GRU: fwd_step_gru(S, st, un, nx, act, nx2, nt); break;
  default: fwd_step_cornn(S, st, un, nx, act, nx2, nt); break;
  }
}


#define CANCEL_RETURN(env)                                                                                     \
  do {                                                                                                         \
    fp_leave(env);                                                                                             \
    return HRNN_CANCELLED;                                                                                     \
  } while (0)

/* ---------------------------------------------------------------- forward */

/* Copies the primary state h of every row (m columns) into dst rows of the whole batch ([B, m]). */
static void write_primary(const shard *S, const float *st, float *dst) {
  const int m = S->m, ls = S->L.ls;
  for (int r = 0; r < S->R; r++) copy_floats(dst + (size_t)(S->r0 + r) * m, st + (size_t)r * ls, m);
}

int peer_forward(const peer_config *c, int r0, int r1, peer_params P, const float *u, float *out, float *seq, void *ws) {
  if (hrnn_cancel_requested()) return HRNN_CANCELLED;
  fp_env env = fp_enter();
  shard Sv = make_shard(c, r0, r1, ws);
  const shard *S = &Sv;
  const layout *L = &S->L;
  const int R = S->R, d = S->d, T = c->T;
  const u64 Rs = (u64)R * L->ls;
  prepare_params(S, P);
  const int stored = c->checkpoint_every == 0;
  /* The step reads and writes states that stay in cache (s0/s1). Stored mode's epilogue also writes
   * the next state and the step's activations straight into their slots with non-temporal stores
   * (the workspace is 64-byte aligned, and so is every slot): they drain to memory while the FMAs
   * run. Plain stores there waited on store misses; a copy after each step (the previous layout)
   * waited on memory for about a fifth of the LSTM's forward pass; this way the forward passes
   * became 10-20 % faster (bench/peer_kernel_cpu.c, thread CPU time, medians). */
  float *cur = AT(S, s0), *nxt = AT(S, s1), *act = AT(S, act);
  fill_zero(cur, Rs);
  fill_zero(nxt, Rs);
  for (int n = 0; n < T; n++) {
    if (n > 0 && hrnn_cancel_requested()) CANCEL_RETURN(env);
    const float *un = u + ((size_t)n * c->B + r0) * d;
    if (!stored && L->nck && n % L->segT == 0) copy_floats(AT(S, ck) + (u64)(n / L->segT) * Rs, cur, Rs);
    if (stored) {
      float *slot = AT(S, cache) + (u64)n * L->slot;
      if (n == 0) vstream_copy(slot, cur, Rs);
      /* tanh: the activations written at slot + Rs are the next slot's state already */
      fwd_step(S, cur, un, nxt, slot + Rs, n + 1 < T && c->kind != PEER_TANH ? slot + L->slot : 0, 1);
    } else {
      fwd_step(S, cur, un, nxt, act, 0, 0);
    }
    float *t = cur;
    cur = nxt;
    nxt = t;
    if (seq) write_primary(S, cur, seq + (size_t)n * c->B * S->m);
  }
  if (stored) vstream_fence(); /* the backward pass of this shard may run on another thread */
  write_primary(S, cur, out);
  fp_leave(env);
  return HRNN_DONE;
}

/* ---------------------------------------------------------------- backward */

/* Gate adjoints of one step from the state adjoint gs of its output, for every row: writes gA (the
 * recurrent side's pre-activation adjoints), gX (the input side's: differs from gA only in GRU's n)
 * and overwrites gs with the part of the previous state's adjoint that bypasses W_h. In the tanh
 * RNN and the LSTM no part of h's adjoint does: gs[:, 0:mp] is left as it is, and back_products
 * writes it afresh instead of adding to it (the tanh RNN's backward pass 3-4 % faster). */
ALWAYS_INLINE void back_elem_k(const int kind, const shard *S, const float *st, const float *act) {
  const layout *L = &S->L;
  const int R = S->R, mp = L->mp, ls = L->ls, lg = L->lg, la = L->la;
  const float dt = S->c->dt, gamma = S->c->gamma, eps = S->c->epsilon;
  float *gs = AT(S, gs), *gA = AT(S, gA), *gX = AT(S, gX);
  for (int r = 0; r < R; r++) {
    const float *sr = st + (size_t)r * ls, *ar = act + (size_t)r * la;
    float *gsr = gs + (size_t)r * ls, *gar = gA + (size_t)r * lg, *gxr = gX + (size_t)r * lg;
    for (int q = 0; q < mp; q += VL) {
      vf gh = vflush_tiny(vload(gsr + q));
      if (kind == PEER_TANH) {
        vf h = vload(ar + q);
        vstore(gar + q, gh * (1.0f - h * h));
      } else if (kind == PEER_CORNN) {
        vf drive = vload(ar + q);
        vf ghz = vflush_tiny(vload(gsr + mp + q)) + dt * gh; /* adjoint of hz_n */
        vstore(gar + q, ghz * dt * (1.0f - drive * drive));
        vstore(gsr + q, gh - (gamma * dt) * ghz);
        vstore(gsr + mp + q, ghz * (1.0f - eps * dt));
      } else if (kind == PEER_LSTM) {
        vf ig = vload(ar + q), fg = vload(ar + mp + q), gg = vload(ar + 2 * mp + q), og = vload(ar + 3 * mp + q);
        vf cp = vload(sr + mp + q);
        vf tc = v_tanh(fg * cp + ig * gg);
        vf gc = vflush_tiny(vload(gsr + mp + q)) + gh * og * (1.0f - tc * tc);
        vstore(gar + q, gc * gg * ig * (1.0f - ig));
        vstore(gar + mp + q, gc * cp * fg * (1.0f - fg));
        vstore(gar + 2 * mp + q, gc * ig * (1.0f - gg * gg));
        vstore(gar + 3 * mp + q, gh * tc * og * (1.0f - og));
        vstore(gsr + mp + q, gc * fg);
      } else {
        vf rg = vload(ar + q), zg = vload(ar + mp + q), ng = vload(ar + 2 * mp + q), hn = vload(ar + 3 * mp + q);
        vf hp = vload(sr + q);
        vf an = gh * (1.0f - zg) * (1.0f - ng * ng);
        vf az = gh * (hp - ng) * zg * (1.0f - zg);
        vf ar_ = an * hn * rg * (1.0f - rg);
        vstore(gar + q, ar_);
        vstore(gar + mp + q, az);
        vstore(gar + 2 * mp + q, an * rg);
        vstore(gxr + q, ar_);
        vstore(gxr + mp + q, az);
        vstore(gxr + 2 * mp + q, an);
        vstore(gsr + q, gh * zg);
      }
    }
  }
}

static void back_elem(const shard *S, const float *st, const float *act) {
  switch (S->c->kind) {
  case PEER_TANH: back_elem_k(PEER_TANH, S, st, act); break;
  case PEER_LSTM: back_elem_k(PEER_LSTM, S, st, act); break;
  case PEER_GRU: back_elem_k(PEER_GRU, S, st, act); break;
  default: back_elem_k(PEER_CORNN, S, st, act); break;
  }
}

/* Asks for lines [t*per, (t+1)*per) of the `lines` 64-byte lines at p, per = lines / parts rounded up,
 * to be brought into cache (a no-op where the target has no prefetch instruction, as in wasm). */
ALWAYS_INLINE void prefetch_part(const char *p, u64 lines, u64 t, u64 parts) {
  const u64 per = (lines + parts - 1) / parts, a = t * per, b = a + per < lines ? a + per : lines;
  for (u64 k = a; k < b; k++) __builtin_prefetch(p + k * 64, 0, 2);
}

/* gs[:, 0:Kh] += gA W_h^T (tanh RNN, LSTM: =);  dW_h += st[:, 0:Kh]^T gA;  dW_x += u^T gX;  db += colsum(gX) (GRU: dbh += colsum(gA)).
 * pf (pf_bytes, or null): the slot the next backward step reads, fetched a part per tile of the
 * first two products. Stored mode's slots come from memory (the forward pass streamed them out);
 * fetched this way their load overlaps the FMAs instead of stalling the next step's elementwise
 * pass: the backward pass became 5-15 % faster (bench/peer_kernel_cpu.c, medians; locality 2 beat
 * 0, 1 and 3). Spread over the first product's tiles only (32 for the LSTM), each part asked for
 * about 100 lines at once, and a Sapphire Rapids core stalled on them (an eighth of the pass's perf
 * samples sat on the prefetch); spread over the weight gradient's tiles too, the LSTM's and GRU's
 * backward passes took 10-20 % less time. One line every 4 rows inside those tiles gained nothing
 * more. */
static void back_products(const shard *S, const float *st, const float *un, const float *pf, u64 pf_bytes) {
  const layout *L = &S->L;
  const int R = S->R, Kh = L->Kh, GW = L->GW, ls = L->ls, lg = L->lg, d = S->d;
  const int gru = S->c->kind == PEER_GRU;
  /* tanh RNN and LSTM: no part of h's adjoint bypasses W_h, so gs[:, 0:Kh] = gA W_h^T (see back_elem_k) */
  const int fresh = S->c->kind == PEER_TANH || S->c->kind == PEER_LSTM;
  const float *gA = AT(S, gA), *gX = gru ? AT(S, gX) : AT(S, gA), *WTpk = AT(S, WTpk);
  float *gs = AT(S, gs), *dWh = AT(S, dWh), *dWX = AT(S, dWX), *db = AT(S, db), *dbh = AT(S, dbh);
  const int cap = MRP(2);
  const u64 pf_lines = pf ? (pf_bytes + 63) / 64 : 0,
            parts = (u64)(Kh / NR) * (u64)((R + cap - 1) / cap) + (u64)(GW / NR) * (u64)((Kh + MR - 1) / MR);
  u64 part = 0;
  for (int jj = 0; jj < Kh / NR; jj++)
    for (int i0 = 0; i0 < R; i0 += cap) {
      int mr = R - i0 < cap ? R - i0 : cap;
      if (pf_lines) prefetch_part((const char *)pf, pf_lines, part++, parts);
#define BG(MRC)                                                                                                \
  do {                                                                                                         \
    vf acc[MRMAX][PVMAX];                                                                                      \
    for (int i = 0; i < (MRC); i++) {                                                                          \
      acc[i][0] = fresh ? vsplat(0.0f) : vload(gs + (size_t)(i0 + i) * ls + jj * NR);                          \
      acc[i][1] = fresh ? vsplat(0.0f) : vload(gs + (size_t)(i0 + i) * ls + jj * NR + VL);                     \
    }                                                                                                          \
    pk_ab(MRC, 2, GW, gA + (size_t)i0 * lg, lg, WTpk + (size_t)jj * GW * NR, NR, acc);                         \
    for (int i = 0; i < (MRC); i++) {                                                                          \
      vstore(gs + (size_t)(i0 + i) * ls + jj * NR, acc[i][0]);                                                 \
      vstore(gs + (size_t)(i0 + i) * ls + jj * NR + VL, acc[i][1]);                                            \
    }                                                                                                          \
  } while (0)
      DISPATCH_P(mr, cap, BG)
#undef BG
    }
  for (int c0 = 0; c0 < GW; c0 += NR)
    for (int s0 = 0; s0 < Kh; s0 += MR) {
      int mr = Kh - s0 < MR ? Kh - s0 : MR;
      if (pf_lines) prefetch_part((const char *)pf, pf_lines, part++, parts);
#define WG(MRC) pk_atb(MRC, R, st + s0, ls, gA + c0, lg, dWh + (size_t)s0 * lg + c0, lg)
      DISPATCH_P(mr, MR, WG)
#undef WG
    }
  /* dW_x += u^T gX as one product with K = the rows (not a rank-1 update per row: for a layer above
   * another, d = m and dW_x is too big to stream through once per row) */
  for (int c0 = 0; c0 < GW; c0 += NR)
    for (int e0 = 0; e0 < d; e0 += MR) {
      int mr = d - e0 < MR ? d - e0 : MR;
#define XG(MRC) pk_atb(MRC, R, un + e0, d, gX + c0, lg, dWX + (size_t)e0 * lg + c0, lg)
      DISPATCH_P(mr, MR, XG)
#undef XG
    }
  for (int r = 0; r < R; r++) {
    const float *g = gX + (size_t)r * lg;
    for (int p = 0; p < GW; p += VL) vstore(db + p, vload(db + p) + vload(g + p));
    if (gru) {
      const float *ga = gA + (size_t)r * lg;
      for (int p = 0; p < GW; p += VL) vstore(dbh + p, vload(dbh + p) + vload(ga + p));
    }
  }
}

static void write_grads(const shard *S, peer_grads Gr) {
  const layout *L = &S->L;
  const int m = S->m, d = S->d, mp = L->mp, lg = L->lg, kind = S->c->kind;
  const float *dWh = AT(S, dWh), *dWX = AT(S, dWX), *db = AT(S, db), *dbh = AT(S, dbh);
  for (int g = 0; g < L->G; g++) {
    const int c0 = g * mp;
    float *gx = Gr.g[idx_wx(kind, g)], *gh = Gr.g[idx_wh(kind, g)], *gb = Gr.g[idx_b(kind, g)];
    for (int e = 0; e < d; e++)
      for (int q = 0; q < m; q++) gx[(size_t)e * m + q] = dWX[(size_t)e * lg + c0 + q];
    for (int s = 0; s < m; s++)
      for (int q = 0; q < m; q++) gh[(size_t)s * m + q] = dWh[(size_t)s * lg + c0 + q];
    for (int q = 0; q < m; q++) gb[q] = db[c0 + q];
    if (kind == PEER_GRU)
      for (int q = 0; q < m; q++) Gr.g[4 * g + 3][q] = dbh[c0 + q];
    if (kind == PEER_CORNN)
      for (int s = 0; s < m; s++)
        for (int q = 0; q < m; q++) Gr.g[1][(size_t)s * m + q] = dWh[(size_t)(mp + s) * lg + q];
  }
}

/* gu rows of one step = gX W_x^T (the input side's adjoints times the input weights), one
 * register-blocked product over panels of NR input columns; gun: this step's rows, ld d. */
static void input_grads(const shard *S, float *gun) {
  const layout *L = &S->L;
  const int R = S->R, d = S->d, GW = L->GW, lg = L->lg;
  const float *gX = S->c->kind == PEER_GRU ? AT(S, gX) : AT(S, gA), *WXT = AT(S, WXT);
  const int cap = MRP(2);
  for (int jj = 0; jj < L->dp / NR; jj++) {
    const int e0 = jj * NR, ne = d - e0 < NR ? d - e0 : NR;
    for (int i0 = 0; i0 < R; i0 += cap) {
      int mr = R - i0 < cap ? R - i0 : cap;
#define IG(MRC)                                                                                                \
  do {                                                                                                         \
    vf acc[MRMAX][PVMAX];                                                                                      \
    for (int i = 0; i < (MRC); i++) acc[i][0] = acc[i][1] = vsplat(0.0f);                                     \
    pk_ab(MRC, 2, GW, gX + (size_t)i0 * lg, lg, WXT + (size_t)jj * GW * NR, NR, acc);                          \
    for (int i = 0; i < (MRC); i++) {                                                                          \
      float *row = gun + (size_t)(i0 + i) * d + e0;                                                            \
      for (int e = 0; e < ne; e++) row[e] = e < VL ? acc[i][0][e] : acc[i][1][e - VL];                         \
    }                                                                                                          \
  } while (0)
      DISPATCH_P(mr, cap, IG)
#undef IG
    }
  }
}

int peer_backward(const peer_config *c, int r0, int r1, const float *u, const float *gout, const float *gseq,
                  peer_grads Gr, float *gu, void *ws) {
  if (hrnn_cancel_requested() || c->checkpoint_every == PEER_FORWARD_ONLY) return HRNN_CANCELLED;
  fp_env env = fp_enter();
  shard Sv = make_shard(c, r0, r1, ws);
  const shard *S = &Sv;
  const layout *L = &S->L;
  const int R = S->R, d = S->d, T = c->T, m = S->m, ls = L->ls;
  const u64 Rs = (u64)R * ls;
  float *gs = AT(S, gs);
  fill_zero(gs, Rs);
  for (int r = 0; r < R; r++) copy_floats(gs + (size_t)r * ls, gout + (size_t)(r0 + r) * m, m);
  fill_zero(AT(S, gA), (u64)R * L->lg);
  fill_zero(AT(S, gX), (u64)R * L->lg);
  fill_zero(AT(S, dWh), (u64)L->Kh * L->lg);
  fill_zero(AT(S, dWX), (u64)d * L->lg);
  fill_zero(AT(S, db), L->lg);
  fill_zero(AT(S, dbh), L->lg);
  const int nseg = L->nck ? L->nck : 1;
  for (int seg = nseg - 1; seg >= 0; seg--) {
    const int n0 = L->nck ? seg * L->segT : 0;
    const int n1 = L->nck ? (n0 + L->segT < T ? n0 + L->segT : T) : T;
    if (L->nck) {
      /* recompute the segment from its checkpoint, keeping every step this time */
      copy_floats(AT(S, cache), AT(S, ck) + (u64)seg * Rs, Rs);
      for (int n = n0; n < n1; n++) {
        if (hrnn_cancel_requested()) CANCEL_RETURN(env);
        float *slot = AT(S, cache) + (u64)(n - n0) * L->slot;
        /* the last step's output is not needed: the scratch state takes it */
        float *next = n + 1 < n1 ? slot + L->slot : AT(S, s1);
        fwd_step(S, slot, u + ((size_t)n * c->B + r0) * d, next, slot + Rs, 0, 0);
      }
    }
    for (int n = n1 - 1; n >= n0; n--) {
      if (n < T - 1 && hrnn_cancel_requested()) CANCEL_RETURN(env);
      const float *slot = AT(S, cache) + (u64)(n - n0) * L->slot;
      const float *un = u + ((size_t)n * c->B + r0) * d;
      if (gseq) {
        const float *g = gseq + ((size_t)n * c->B + r0) * m;
        for (int r = 0; r < R; r++)
          for (int q = 0; q < m; q++) gs[(size_t)r * ls + q] += g[(size_t)r * m + q];
      }
      back_elem(S, slot, slot + Rs);
      /* the previous step's slot, when it is in this segment */
      back_products(S, slot, un, n > n0 ? slot - L->slot : 0, L->slot * 4ull);
      if (gu) input_grads(S, gu + ((size_t)n * c->B + r0) * d);
    }
  }
  write_grads(S, Gr);
  fp_leave(env);
  return HRNN_DONE;
}
