/*
 * Measured FMA peak of this CPU in the widest vectors it has (issue #10's "FLOP floor at the
 * AVX-512 peak measured in the same run"): N threads, each running many independent float32 FMA
 * chains for a fixed wall time, then one JSON line on stdout:
 *   {"isa":"avx512","lanes":16,"threads":2,"seconds":0.6,"gflops":226.0,"cpu_share":0.99,"checksum":...}
 * GFLOP/s counts 2 flops per lane per FMA over the wall time from the common start to the last
 * thread's end, so a busy machine gives a lower peak (as it gives slower rows in the same run).
 *
 *   cc -O2 -march=native -pthread bench/fma_peak.c -o fma_peak && ./fma_peak [threads] [seconds]
 *
 * Compiled by bench/run.mjs at bench time; depends only on libc, pthreads and the compiler's
 * intrinsics (AVX-512F, else AVX2 + FMA, else scalar), chosen by what -march=native enables.
 */
#define _GNU_SOURCE
#include <math.h> /* INFINITY */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

/* Enough independent chains to cover FMA latency x throughput (4-5 cycles x 2 pipes) everywhere. */
#if defined(__AVX512F__)
#define ISA "avx512"
#define LANES 16
#define CHAINS 16
typedef __m512 vec;
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(acc, a, b) _mm512_fmadd_ps(acc, a, b)
#define VSUM(v) _mm512_reduce_add_ps(v)
#elif defined(__AVX2__) && defined(__FMA__)
#define ISA "avx2"
#define LANES 8
#define CHAINS 12 /* 16 ymm registers: 12 accumulators + the two operands */
typedef __m256 vec;
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(acc, a, b) _mm256_fmadd_ps(acc, a, b)
static float VSUM(__m256 v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#else
#define ISA "scalar"
#define LANES 1
#define CHAINS 8
typedef float vec;
#define VSET1(x) (x)
#define VFMA(acc, a, b) ((acc) * (a) + (b)) /* contracted to an FMA where the ISA has one */
#define VSUM(v) (v)
#endif

/* Inner FMAs per chain between two clock reads: long enough that the clock costs nothing. */
#define INNER 4096

/* Operands read through volatile so the compiler cannot fold the chains at compile time. */
static volatile float multiplier = 0.999999f;
static volatile float addend = 1e-6f;

typedef struct {
  double seconds;    /* how long to run, after the warm-up */
  pthread_barrier_t *start;
  double t0, t1;     /* this thread's measured window (CLOCK_MONOTONIC seconds) */
  double fmas;       /* vector FMAs done in the window */
  double cpu;        /* this thread's CPU seconds in the window (less than t1 - t0 when starved) */
  float checksum;    /* sum of the accumulators: keeps every chain live */
} job_t;

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }

/* Runs the chains until `until`; returns the vector FMAs done. acc converges to addend / (1 - multiplier)
 * (about 1), so no overflow and no denormals slow anything down. The chains are spelled out one by one
 * (EACH) so they stay in registers: a loop over an array left them in memory at -O2. */
#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) EACH_MORE(X)
#if CHAINS == 16
#define EACH_MORE(X) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#elif CHAINS == 12
#define EACH_MORE(X) X(8) X(9) X(10) X(11)
#else
#define EACH_MORE(X)
#endif
static double chains(vec acc[CHAINS], double until) {
  const vec a = VSET1(multiplier), b = VSET1(addend);
#define LOAD(c) vec r##c = acc[c];
#define STEP(c) r##c = VFMA(r##c, a, b);
#define STORE(c) acc[c] = r##c;
  EACH(LOAD)
  double done = 0;
  do {
    for (int i = 0; i < INNER; i++) {
      EACH(STEP)
    }
    done += (double)INNER * CHAINS;
  } while (now() < until);
  EACH(STORE)
  return done;
}

static void *worker(void *arg) {
  job_t *job = arg;
  vec acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = VSET1(1.0f + 0.001f * c);
  chains(acc, now() + 0.1); /* warm-up: clocks settle, wide units power up */
  pthread_barrier_wait(job->start);
  double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
  job->t0 = now();
  job->fmas = chains(acc, job->t0 + job->seconds);
  job->t1 = now();
  job->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  float sum = 0;
  for (int c = 0; c < CHAINS; c++) sum += VSUM(acc[c]);
  job->checksum = sum;
  return NULL;
}

int main(int argc, char **argv) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = argc > 1 ? atoi(argv[1]) : (int)(cores > 0 ? cores : 1);
  double seconds = argc > 2 ? atof(argv[2]) : 0.6;
  if (threads < 1 || threads > 1024 || !(seconds > 0)) {
    fprintf(stderr, "usage: %s [threads >= 1] [seconds > 0]\n", argv[0]);
    return 2;
  }
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  job_t *jobs = calloc((size_t)threads, sizeof *jobs);
  pthread_t *ids = calloc((size_t)threads, sizeof *ids);
  if (!jobs || !ids) return 1;
  for (int t = 0; t < threads; t++) {
    jobs[t].seconds = seconds;
    jobs[t].start = &start;
    if (pthread_create(&ids[t], NULL, worker, &jobs[t]) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  double first = INFINITY, last = 0, fmas = 0, cpu = 0, checksum = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    if (jobs[t].t0 < first) first = jobs[t].t0;
    if (jobs[t].t1 > last) last = jobs[t].t1;
    fmas += jobs[t].fmas;
    cpu += jobs[t].cpu;
    checksum += jobs[t].checksum;
  }
  double wall = last - first;
  double gflops = fmas * LANES * 2 / wall / 1e9;
  /* cpu_share: CPU time the threads got / (threads x wall); below 1 the peak was measured on a busy machine */
  printf("{\"isa\":\"%s\",\"lanes\":%d,\"threads\":%d,\"seconds\":%.3f,\"gflops\":%.1f,\"cpu_share\":%.2f,\"checksum\":%.6g}\n", ISA, LANES,
         threads, wall, gflops, cpu / (threads * wall), checksum);
  pthread_barrier_destroy(&start);
  free(jobs);
  free(ids);
  return 0;
}
