/*
 * The peer kernels alone (native/peer_kernel.c, issue #10), in thread CPU time: one shard of the
 * add200 bench's rows (64 of its 128, what each of the two kernel threads gets), T = 200, m = 128,
 * d = 2, forward then backward, against one thread's FMA peak measured the same way in the same
 * process. CPU time of the calling thread does not count time the thread waited for a core, so the
 * ratios stay readable on a busy machine, where bench/run.mjs's wall-clock rows do not (cache
 * sharing with other work still shows). Prints one line per kind: ms per pass (the median of
 * `reps`, after one warm-up pass) and the share of the FMA peak, with FLOPs = the forward products (x 2 for the backward).
 *
 *   cc -O3 -march=native -ffp-contract=fast -fno-math-errno -std=gnu11 -Inative \
 *      bench/peer_kernel_cpu.c native/peer_kernel.c -o /tmp/peer_kernel_cpu -lm
 *   /tmp/peer_kernel_cpu [reps=15] [checkpoint_every=0]
 *
 * Depends on libc, the compiler's intrinsics (AVX-512F for the peak loop; elsewhere the
 * peak is not measured and the shares are not printed) and native/aligned_buffer.h (the workspace
 * is allocated as the addon allocates it: on huge pages where the system gives them).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include "aligned_buffer.h"
#include "peer_kernel.h"

/* The kernel polls this between steps; nothing cancels here. */
int hrnn_cancel_requested(void) { return 0; }

static double thread_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* GFLOP/s of one thread: 16 independent FMA chains (enough to cover latency x pipes). 0 without AVX-512. */
static double fma_peak_gflops(void) {
#if defined(__AVX512F__)
  __m512 a[16];
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(1.0f + (float)i * 1e-3f);
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  const long iterations = 20000000;
  double t0 = thread_seconds();
  for (long k = 0; k < iterations; k++)
    for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
  double seconds = thread_seconds() - t0;
  float sum = 0.0f;
  for (int i = 0; i < 16; i++) sum += _mm512_reduce_add_ps(a[i]);
  if (sum == 12345.0f) puts(""); /* keeps the chains alive */
  return (double)iterations * 16 * 16 * 2 / seconds / 1e9;
#else
  return 0.0;
#endif
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
  qsort(v, n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static float uniform(unsigned *state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)(*state >> 8) / 16777216.0f;
}

int main(int argc, char **argv) {
  const int T = 200, rows = 64, m = 128, d = 2;
  const int reps = argc > 1 ? atoi(argv[1]) : 15, checkpoint = argc > 2 ? atoi(argv[2]) : 0;
  const char *names[] = {"tanh-rnn", "lstm", "gru", "cornn"};
  const double peak = fma_peak_gflops();
  printf("one thread's FMA peak: %.1f GFLOP/s; rows %d, T %d, m %d, d %d, checkpoint_every %d, median of %d\n", peak, rows, T, m, d,
         checkpoint, reps);
  unsigned seed = 1;
  for (int kind = PEER_TANH; kind <= PEER_CORNN; kind++) {
    peer_config c = {kind, T, rows, d, m, checkpoint, 0.034f, 1.3f, 12.7f};
    void *ws = 0; /* allocated as the addon does (huge pages where the system gives them) */
    size_t ws_cap = 0;
    if (!ensure_buffer(&ws, &ws_cap, peer_workspace_bytes(&c, rows))) return 1;
    peer_params P;
    peer_grads G;
    for (int i = 0; i < peer_param_count(kind); i++) {
      size_t n = peer_param_size(&c, i);
      float *p = malloc(n * sizeof(float));
      for (size_t k = 0; k < n; k++) p[k] = (uniform(&seed) - 0.5f) * 0.18f;
      P.p[i] = p;
      G.g[i] = malloc(n * sizeof(float));
    }
    float *u = malloc((size_t)T * rows * d * sizeof(float)), *out = malloc((size_t)rows * m * sizeof(float));
    float *gout = malloc((size_t)rows * m * sizeof(float));
    for (size_t k = 0; k < (size_t)T * rows * d; k++) u[k] = uniform(&seed);
    for (size_t k = 0; k < (size_t)rows * m; k++) gout[k] = 0.01f;
    double *fwds = malloc(reps * sizeof(double)), *bwds = malloc(reps * sizeof(double));
    peer_forward(&c, 0, rows, P, u, out, NULL, ws); /* warm-up: first touch of the workspace */
    peer_backward(&c, 0, rows, u, gout, NULL, G, NULL, ws);
    for (int r = 0; r < reps; r++) {
      double t0 = thread_seconds();
      peer_forward(&c, 0, rows, P, u, out, NULL, ws);
      double t1 = thread_seconds();
      peer_backward(&c, 0, rows, u, gout, NULL, G, NULL, ws);
      double t2 = thread_seconds();
      fwds[r] = t1 - t0;
      bwds[r] = t2 - t1;
    }
    const double fwd = median(fwds, reps), bwd = median(bwds, reps);
    free(fwds);
    free(bwds);
    const int gates = kind == PEER_LSTM ? 4 : kind == PEER_GRU ? 3 : 1, kh = kind == PEER_CORNN ? 2 * m : m;
    const double flops = 2.0 * T * rows * ((double)kh * gates * m + (double)d * gates * m); /* forward products */
    printf("%-8s forward %6.2f ms  backward %6.2f ms", names[kind], fwd * 1e3, bwd * 1e3);
    if (peak > 0)
      printf("  (%2.0f%% / %2.0f%% of the peak; both: %.2f x the FMA floor)", 100 * flops / (peak * 1e9) / fwd,
             100 * 2 * flops / (peak * 1e9) / bwd, (fwd + bwd) / (3 * flops / (peak * 1e9)));
    printf("\n");
  }
  return 0;
}
