/*
 * Node-API binding of the fused Hamiltonian RNN kernel, with a small persistent thread pool.
 *
 * The batch is split into one shard of rows per thread; each shard runs the whole sequence on its
 * own (rows are independent through the recurrence), so a call has exactly one fork and one join.
 * The calling JS thread works on shard 0. Parameter gradients of the shards are summed here.
 *
 * Cancellation: the kernel polls one int32 word between time steps (hrnn_cancel_requested). JS
 * binds that word to an Int32Array over a SharedArrayBuffer (the same word the WebAssembly build
 * reads), so JS and this file set and clear one flag. On request, a C signal handler for SIGINT and
 * SIGTERM sets it too: Node runs JS signal handlers only when the main thread is free, and during
 * a long kernel call it is not.
 *
 * JS API (all synchronous):
 *   info() -> { isa, vectorBits, threads }
 *   createContext() -> external
 *   forward(ctx, variant, backprop, T, B, d, m, k, anchorEvery, tau, alpha, p0, p1, p2, p3|null, u, out)
 *       -> true, or false when cancelled (out not written; the context needs a new forward pass)
 *   backward(ctx, gout, g0, g1, g2, g3|null) -> [maxAbsError, maxAbsState], or null when cancelled
 *       (grads not written; the context needs a new forward pass)
 *   Stacked layers: forward takes an 18th argument ys ([T, B, m] Float32Array, or null) that receives
 *   every y_n; backward takes two more, gys ([T, B, m] upstream gradient of every y_n, or null) and
 *   gu ([T, B, d], receives the gradient of the inputs, or null).
 *   release(ctx)    frees the context's buffers now (they are also freed when it is collected)
 *   bindCancelWord(Int32Array over a SharedArrayBuffer)   word[0] != 0 cancels; kept alive from here on
 *   installSignalHandlers() -> true   (once per process; see install_signal_handlers)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aligned_buffer.h"
#include "napi_args.h"
#include "hrnn_kernel.h"

#define MAX_SHARDS 64
#define MIN_ROWS_PER_SHARD 8
#ifndef SHARDS_PER_THREAD
#define SHARDS_PER_THREAD 1
#endif

/* ---------------------------------------------------------------- thread pool */

typedef void (*task_fn)(void *arg, int shard);

static struct {
  pthread_mutex_t mu;
  pthread_cond_t start, done;
  pthread_mutex_t call_mu; /* one parallel region at a time (several Node environments may load us) */
  int threads;             /* including the calling thread */
  int started;
  unsigned long generation; /* written under mu, read by spinning workers with atomics */
  int active;
  unsigned long pending; /* likewise, read by the spinning caller */
  task_fn fn;
  void *arg;
  int shards, next_shard;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
          0, 0, 0, 0, 0, 0, 0, 0, 0};

/* Runs shards claimed one by one from the shared counter until none is left: a thread slowed down
 * by other processes on its core simply ends up running fewer shards. */
static void pool_drain(void) {
  for (;;) {
    int shard = __atomic_fetch_add(&pool.next_shard, 1, __ATOMIC_RELAXED);
    if (shard >= pool.shards) return;
    pool.fn(pool.arg, shard);
  }
}

/* How long a thread spins waiting for the next parallel region (a worker) or for the others to
 * finish (the caller) before it sleeps on a condition variable. A training step calls the kernel
 * twice, its forward and backward passes, with well under a millisecond of host work between them
 * and about one after: a worker that slept meanwhile must be woken, which on a shared virtual
 * machine took from tens of microseconds to milliseconds, and the smallest kernels (a 13 ms tanh RNN
 * step) paid it twice a step. HRNN_SPIN_US overrides it (0: sleep at once). */
#define DEFAULT_SPIN_US 3000
static long spin_ns = -1;

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Spins while (*word == value) == equal (acquire loads), at most the spin budget; returns whether
 * the condition ended. A hint only: the caller then takes the mutex and checks for itself. */
static int spin_while(const unsigned long *word, unsigned long value, int equal) {
  if (spin_ns <= 0) return 0;
  const long end = now_ns() + spin_ns;
  for (;;) {
    for (int k = 0; k < 64; k++) {
      if ((__atomic_load_n(word, __ATOMIC_ACQUIRE) == value) != equal) return 1;
      cpu_relax();
    }
    if (now_ns() > end) return 0;
  }
}

static void *pool_worker(void *p) {
  int index = (int)(intptr_t)p;
  unsigned long seen = 0;
  for (;;) {
    spin_while(&pool.generation, seen, 1); /* the next region */
    pthread_mutex_lock(&pool.mu);
    while (pool.generation == seen) pthread_cond_wait(&pool.start, &pool.mu);
    seen = pool.generation;
    int mine = index < pool.active;
    pthread_mutex_unlock(&pool.mu);
    if (!mine) continue;
    pool_drain();
    pthread_mutex_lock(&pool.mu);
    if (__atomic_sub_fetch(&pool.pending, 1, __ATOMIC_RELEASE) == 0) pthread_cond_signal(&pool.done);
    pthread_mutex_unlock(&pool.mu);
  }
  return 0;
}

static int detect_threads(void) {
  const char *env = getenv("HRNN_THREADS");
  if (env && atoi(env) > 0) return atoi(env) > MAX_SHARDS ? MAX_SHARDS : atoi(env);
  int n = 0;
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
#endif
  if (n <= 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (n <= 0) n = 1;
  return n > MAX_SHARDS ? MAX_SHARDS : n;
}

static void pool_init(void) {
  pthread_mutex_lock(&pool.mu);
  if (!pool.started) {
    pool.threads = detect_threads();
    const char *spin = getenv("HRNN_SPIN_US");
    spin_ns = (spin && *spin ? atol(spin) : DEFAULT_SPIN_US) * 1000L;
    for (int i = 1; i < pool.threads; i++) {
      pthread_t t;
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      if (pthread_create(&t, &attr, pool_worker, (void *)(intptr_t)i) != 0) {
        pool.threads = i;
        pthread_attr_destroy(&attr);
        break;
      }
      pthread_attr_destroy(&attr);
    }
    pool.started = 1;
  }
  pthread_mutex_unlock(&pool.mu);
}

/* Shards for a batch of B rows (the pool started): one per thread (HRNN_SHARDS overrides, for tuning
 * experiments), each at least MIN_ROWS_PER_SHARD rows, at most MAX_SHARDS. */
static int shard_count(int B) {
  int shards = B / MIN_ROWS_PER_SHARD;
  int wanted = pool.threads * SHARDS_PER_THREAD;
  const char *forced = getenv("HRNN_SHARDS");
  if (forced && atoi(forced) > 0) wanted = atoi(forced);
  if (shards > wanted) shards = wanted;
  if (shards > MAX_SHARDS) shards = MAX_SHARDS;
  return shards < 1 ? 1 : shards;
}

/* Runs fn(arg, shard) for shard = 0 .. shards-1 on up to pool.threads threads (the caller included). */
static void pool_run(task_fn fn, void *arg, int shards) {
  pthread_mutex_lock(&pool.call_mu);
  int helpers = (shards < pool.threads ? shards : pool.threads) - 1;
  pool.fn = fn;
  pool.arg = arg;
  pool.shards = shards;
  pool.next_shard = 0;
  if (helpers > 0) {
    pthread_mutex_lock(&pool.mu);
    pool.active = helpers + 1; /* worker indices 1..helpers take part */
    pool.pending = (unsigned long)helpers;
    __atomic_add_fetch(&pool.generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool.start);
    pthread_mutex_unlock(&pool.mu);
  }
  pool_drain();
  if (helpers > 0) {
    spin_while(&pool.pending, 0, 0); /* the helpers' shards */
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0) pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
  }
  pthread_mutex_unlock(&pool.call_mu);
}

/* ---------------------------------------------------------------- cancellation */

/* The word the kernel polls: a private int until JS binds its shared word (bindCancelWord). Read
 * and written only with atomics: the signal handler may run on any thread at any time. */
static int private_cancel_word;
static int *cancel_word = &private_cancel_word;
static napi_ref cancel_word_ref; /* keeps the bound SharedArrayBuffer alive (never released) */

int hrnn_cancel_requested(void) {
  return __atomic_load_n(__atomic_load_n(&cancel_word, __ATOMIC_ACQUIRE), __ATOMIC_RELAXED) != 0;
}

static struct sigaction previous_sigint, previous_sigterm;
static int signal_handlers_installed;

/* Async-signal-safe: atomics, write(2), _exit(2), and the previous handler (libuv's, itself written
 * for signal context: it wakes the event loop, so Node's JS listeners still run when it is free). */
static void on_stop_signal(int sig, siginfo_t *info, void *uctx) {
  int saved_errno = errno;
  int *word = __atomic_load_n(&cancel_word, __ATOMIC_ACQUIRE);
  int was_set = __atomic_exchange_n(word, 1, __ATOMIC_SEQ_CST);
  if (was_set && sig == SIGINT) {
    /* the second Ctrl-C: the first one's stop is already under way (or the step is blocked) */
    static const char msg[] = "\nhrnn: second interrupt, exiting now without a final checkpoint\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(130);
  }
  const struct sigaction *prev = sig == SIGINT ? &previous_sigint : &previous_sigterm;
  if (prev->sa_flags & SA_SIGINFO) {
    if (prev->sa_sigaction) prev->sa_sigaction(sig, info, uctx);
  } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN && prev->sa_handler) {
    prev->sa_handler(sig);
  }
  errno = saved_errno;
}

/* Installs on_stop_signal for SIGINT and SIGTERM once, chaining to the handlers found (libuv's,
 * when Node already listens for both signals: the caller makes sure it does, since libuv replaces
 * whatever is installed when the first JS listener of a signal is added). A default or ignoring
 * previous disposition is not chained: the flag is then the only effect of the first signal. */
static int install_signal_handlers(void) {
  if (signal_handlers_installed) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_stop_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, &previous_sigint) != 0) return 0;
  if (sigaction(SIGTERM, &sa, &previous_sigterm) != 0) {
    sigaction(SIGINT, &previous_sigint, 0);
    return 0;
  }
  signal_handlers_installed = 1;
  return 1;
}

/* ---------------------------------------------------------------- context */

typedef struct {
  hrnn_config cfg;
  int has_forward;
  int shards;
  int r0[MAX_SHARDS], r1[MAX_SHARDS];
  void *ws[MAX_SHARDS];
  size_t ws_cap[MAX_SHARDS];
  const float *u;  /* the caller's inputs, kept alive by u_ref until the next forward or release */
  napi_ref u_ref;
  float *gbuf;          /* shards x gradient floats */
  size_t gbuf_cap;
  size_t gsize[4];      /* floats of each gradient tensor */
  /* per call */
  hrnn_params params;
  float *out;
  const float *gout;
  float *ys;        /* stacked layers: optional outputs and upstream gradients (see the JS API) */
  const float *gys;
  float *gu;
  float drift[MAX_SHARDS][2];
  int status[MAX_SHARDS]; /* HRNN_DONE or HRNN_CANCELLED, per shard */
} context;

/* Whether any shard of the last call was cancelled. */
static int any_cancelled(const context *c) {
  for (int i = 0; i < c->shards; i++)
    if (c->status[i] != HRNN_DONE) return 1;
  return 0;
}

static void context_free_buffers(napi_env env, context *c) {
  for (int i = 0; i < MAX_SHARDS; i++) {
    free(c->ws[i]);
    c->ws[i] = 0;
    c->ws_cap[i] = 0;
  }
  if (c->u_ref) napi_delete_reference(env, c->u_ref);
  c->u_ref = 0;
  c->u = 0;
  free(c->gbuf);
  c->gbuf = 0;
  c->gbuf_cap = 0;
  c->has_forward = 0;
}

static void context_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  context_free_buffers(env, (context *)data);
  free(data);
}


static void forward_task(void *arg, int i) {
  context *c = (context *)arg;
  c->status[i] = hrnn_forward_seq(&c->cfg, c->r0[i], c->r1[i], c->params, c->u, c->out, c->ys, c->ws[i]);
}

static void backward_task(void *arg, int i) {
  context *c = (context *)arg;
  size_t total = c->gsize[0] + c->gsize[1] + c->gsize[2] + c->gsize[3];
  float *g = c->gbuf + total * (size_t)i;
  hrnn_grads G = {g, g + c->gsize[0], g + c->gsize[0] + c->gsize[1], g + c->gsize[0] + c->gsize[1] + c->gsize[2]};
  c->status[i] = hrnn_backward_seq(&c->cfg, c->r0[i], c->r1[i], c->u, c->gout, c->gys, c->gu, G, c->ws[i], c->drift[i]);
}

/* ---------------------------------------------------------------- N-API helpers */

#define CHECK(call) NAPI_CALL("hrnn_kernel", call)

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, 0, msg);
  return 0;
}

static int get_f32(napi_env env, napi_value v, size_t expected, int allow_null, float **data, const char *name) {
  return napi_f32_arg(env, v, expected, allow_null, data, "hrnn_kernel", name);
}

static context *get_context(napi_env env, napi_value v) {
  void *p = 0;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, 0, "hrnn_kernel: first argument must be a context from createContext()");
    return 0;
  }
  return (context *)p;
}

/* ---------------------------------------------------------------- exported functions */

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  pool_init();
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, hrnn_isa(), NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "isa", v));
  CHECK(napi_create_int32(env, hrnn_vector_bits(), &v));
  CHECK(napi_set_named_property(env, obj, "vectorBits", v));
  CHECK(napi_create_int32(env, pool.threads, &v));
  CHECK(napi_set_named_property(env, obj, "threads", v));
  return obj;
}

static napi_value js_create_context(napi_env env, napi_callback_info info) {
  (void)info;
  context *c = (context *)calloc(1, sizeof(context));
  if (!c) return throw_msg(env, "hrnn_kernel: out of memory");
  napi_value ext;
  if (napi_create_external(env, c, context_finalize, 0, &ext) != napi_ok) {
    free(c);
    return throw_msg(env, "hrnn_kernel: cannot create context");
  }
  return ext;
}

static napi_value js_release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 1) return throw_msg(env, "hrnn_kernel: release(ctx)");
  context *c = get_context(env, argv[0]);
  if (!c) return 0;
  context_free_buffers(env, c);
  return 0;
}

static napi_value js_forward(napi_env env, napi_callback_info info) {
  size_t argc = 18;
  napi_value argv[18];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc != 17 && argc != 18) return throw_msg(env, "hrnn_kernel: forward expects 17 or 18 arguments");
  context *c = get_context(env, argv[0]);
  if (!c) return 0;
  int ints[8];
  for (int i = 0; i < 8; i++)
    if (napi_get_value_int32(env, argv[1 + i], &ints[i]) != napi_ok)
      return throw_msg(env, "hrnn_kernel: forward: configuration numbers expected");
  double tau, alpha;
  if (napi_get_value_double(env, argv[9], &tau) != napi_ok || napi_get_value_double(env, argv[10], &alpha) != napi_ok)
    return throw_msg(env, "hrnn_kernel: forward: tau and alpha must be numbers");
  hrnn_config cfg = {ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], (float)tau, (float)alpha};
  const char *bad = hrnn_config_error(&cfg);
  if (bad) {
    char msg[200];
    snprintf(msg, sizeof msg, "hrnn_kernel: %s", bad);
    return throw_msg(env, msg);
  }
  const size_t m = cfg.m, k = cfg.k, d = cfg.d;
  const int full = cfg.variant == HRNN_VARIANT_FULL;
  size_t gsize[4] = {full ? k * m : m, (full ? k : m) * d, full ? k : m, full ? 0 : m};
  float *p[4], *u, *out;
  if (!get_f32(env, argv[11], gsize[0], 0, &p[0], full ? "W" : "w")) return 0;
  if (!get_f32(env, argv[12], gsize[1], 0, &p[1], "V")) return 0;
  if (!get_f32(env, argv[13], gsize[2], 0, &p[2], "b")) return 0;
  if (!get_f32(env, argv[14], gsize[3], full, &p[3], "c")) return 0;
  if (!full && !p[3]) return throw_msg(env, "hrnn_kernel: diagonal variant needs c");
  if (!get_f32(env, argv[15], (size_t)cfg.T * cfg.B * d, 0, &u, "u")) return 0;
  if (!get_f32(env, argv[16], (size_t)cfg.B * 2 * m, 0, &out, "out")) return 0;
  float *ys = 0;
  if (argc == 18 && !get_f32(env, argv[17], (size_t)cfg.T * cfg.B * m, 1, &ys, "ys")) return 0;

  pool_init();
  c->has_forward = 0;
  c->cfg = cfg;
  memcpy(c->gsize, gsize, sizeof gsize);
  int shards = shard_count(cfg.B);
  c->shards = shards;
  for (int i = 0; i < shards; i++) {
    c->r0[i] = (int)((long long)cfg.B * i / shards);
    c->r1[i] = (int)((long long)cfg.B * (i + 1) / shards);
    size_t bytes = hrnn_workspace_bytes(&cfg, c->r1[i] - c->r0[i]);
    if (!bytes || !ensure_buffer(&c->ws[i], &c->ws_cap[i], bytes))
      return throw_msg(env, "hrnn_kernel: cannot allocate the workspace (out of memory?)");
  }
  /* no copy of the inputs: a reference keeps the caller's array alive for the backward pass */
  if (c->u_ref) napi_delete_reference(env, c->u_ref);
  c->u_ref = 0;
  if (napi_create_reference(env, argv[15], 1, &c->u_ref) != napi_ok) return throw_msg(env, "hrnn_kernel: cannot reference u");
  c->u = u;
  c->params = (hrnn_params){p[0], p[1], p[2], p[3]};
  c->out = out;
  c->ys = ys;
  pool_run(forward_task, c, shards);
  c->params = (hrnn_params){0, 0, 0, 0};
  c->out = 0;
  c->ys = 0;
  c->has_forward = !any_cancelled(c);
  napi_value done;
  CHECK(napi_get_boolean(env, c->has_forward, &done));
  return done;
}

static napi_value js_backward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc != 6 && argc != 8) return throw_msg(env, "hrnn_kernel: backward expects 6 or 8 arguments");
  context *c = get_context(env, argv[0]);
  if (!c) return 0;
  if (!c->has_forward) return throw_msg(env, "hrnn_kernel: backward without a forward pass on this context");
  const int full = c->cfg.variant == HRNN_VARIANT_FULL;
  float *gout, *g[4];
  if (!get_f32(env, argv[1], (size_t)c->cfg.B * 2 * c->cfg.m, 0, &gout, "gout")) return 0;
  if (!get_f32(env, argv[2], c->gsize[0], 0, &g[0], "grad 0")) return 0;
  if (!get_f32(env, argv[3], c->gsize[1], 0, &g[1], "grad 1")) return 0;
  if (!get_f32(env, argv[4], c->gsize[2], 0, &g[2], "grad 2")) return 0;
  if (!get_f32(env, argv[5], c->gsize[3], full, &g[3], "grad 3")) return 0;
  float *gys = 0, *gu = 0;
  if (argc == 8) {
    if (!get_f32(env, argv[6], (size_t)c->cfg.T * c->cfg.B * c->cfg.m, 1, &gys, "gys")) return 0;
    if (!get_f32(env, argv[7], (size_t)c->cfg.T * c->cfg.B * c->cfg.d, 1, &gu, "gu")) return 0;
  }
  size_t total = c->gsize[0] + c->gsize[1] + c->gsize[2] + c->gsize[3];
  if (!ensure_buffer((void **)&c->gbuf, &c->gbuf_cap, total * c->shards * sizeof(float)))
    return throw_msg(env, "hrnn_kernel: out of memory");
  c->gout = gout;
  c->gys = gys;
  c->gu = gu;
  pool_run(backward_task, c, c->shards);
  c->gout = 0;
  c->gys = 0;
  c->gu = 0;
  if (any_cancelled(c)) {
    /* reversible mode rebuilt states in place: the forward pass is gone either way */
    c->has_forward = 0;
    napi_value nothing;
    CHECK(napi_get_null(env, &nothing));
    return nothing;
  }
  float err = 0, scale = 0;
  for (int t = 0; t < 4; t++) {
    if (!c->gsize[t]) continue;
    size_t off = t == 0 ? 0 : t == 1 ? c->gsize[0] : t == 2 ? c->gsize[0] + c->gsize[1] : total - c->gsize[3];
    for (size_t j = 0; j < c->gsize[t]; j++) {
      float s = 0;
      for (int i = 0; i < c->shards; i++) s += c->gbuf[total * i + off + j];
      g[t][j] = s;
    }
  }
  for (int i = 0; i < c->shards; i++) {
    if (c->drift[i][0] > err) err = c->drift[i][0];
    if (c->drift[i][1] > scale) scale = c->drift[i][1];
  }
  napi_value arr, v;
  CHECK(napi_create_array_with_length(env, 2, &arr));
  CHECK(napi_create_double(env, err, &v));
  CHECK(napi_set_element(env, arr, 0, v));
  CHECK(napi_create_double(env, scale, &v));
  CHECK(napi_set_element(env, arr, 1, v));
  return arr;
}

static napi_value js_bind_cancel_word(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  bool is_ta = false, shared = false;
  if (argc == 1) napi_is_typedarray(env, argv[0], &is_ta);
  if (!is_ta) return throw_msg(env, "hrnn_kernel: bindCancelWord expects an Int32Array over a SharedArrayBuffer");
  napi_typedarray_type type;
  size_t length;
  void *ptr;
  napi_value buffer;
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &length, &ptr, &buffer, 0));
  napi_value sab_ctor, global;
  CHECK(napi_get_global(env, &global));
  CHECK(napi_get_named_property(env, global, "SharedArrayBuffer", &sab_ctor));
  CHECK(napi_instanceof(env, buffer, sab_ctor, &shared));
  /* shared: its memory never moves or detaches, and other threads see the same word */
  if (type != napi_int32_array || length < 1 || !shared || ((uintptr_t)ptr & 3))
    return throw_msg(env, "hrnn_kernel: bindCancelWord expects an Int32Array over a SharedArrayBuffer");
  /* A word bound earlier stays referenced: a signal handler may still be writing to it. */
  CHECK(napi_create_reference(env, argv[0], 1, &cancel_word_ref));
  __atomic_store_n(&cancel_word, (int *)ptr, __ATOMIC_RELEASE);
  return 0;
}

static napi_value js_install_signal_handlers(napi_env env, napi_callback_info info) {
  (void)info;
  if (!install_signal_handlers()) return throw_msg(env, "hrnn_kernel: sigaction failed");
  napi_value yes;
  CHECK(napi_get_boolean(env, true, &yes));
  return yes;
}

/* The pool for the peer kernels' binding (peer_napi.c, issue #10). */
void hrnn_pool_run_shared(task_fn fn, void *arg, int shards) {
  pool_init();
  pool_run(fn, arg, shards);
}
int hrnn_pool_shard_count_shared(int B) {
  pool_init();
  return shard_count(B);
}
int peer_napi_register(napi_env env, napi_value exports);
int adam_napi_register(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"info", 0, js_info, 0, 0, 0, napi_default, 0},
      {"createContext", 0, js_create_context, 0, 0, 0, napi_default, 0},
      {"forward", 0, js_forward, 0, 0, 0, napi_default, 0},
      {"backward", 0, js_backward, 0, 0, 0, napi_default, 0},
      {"release", 0, js_release, 0, 0, 0, napi_default, 0},
      {"bindCancelWord", 0, js_bind_cancel_word, 0, 0, 0, napi_default, 0},
      {"installSignalHandlers", 0, js_install_signal_handlers, 0, 0, 0, napi_default, 0},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return 0;
  if (!peer_napi_register(env, exports)) return 0;
  if (!adam_napi_register(env, exports)) return 0;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
