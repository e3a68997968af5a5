/*
 * Node-API binding of the host optimizer's arithmetic (adam_kernel.h), registered on the kernels'
 * addon (hrnn_napi.c calls adam_napi_register from its init) so that it runs on their thread pool:
 * a training step's optimizer update comes between two kernel calls, while the pool's workers wait.
 *
 * JS API (all synchronous):
 *   adamUpdate(x, g, m, v, scale, beta1, beta2, step, s2, epsilon)   x, m, v updated in place
 *   sumOfSquares(a) -> the sum of a[i]^2, in double, the same whatever the number of threads
 *   adamUpdateIsExact() -> whether adamUpdate equals the engine's JavaScript loop bit for bit
 * All arrays are Float32Arrays of one length.
 */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>

#include "adam_kernel.h"
#include "napi_args.h"

/* From hrnn_napi.c: its thread pool. */
typedef void (*adam_task_fn)(void *arg, int shard);
void hrnn_pool_run_shared(adam_task_fn fn, void *arg, int shards);
int hrnn_pool_threads_shared(void);

/* Below this many elements one thread is quicker than waking the others. */
#define ADAM_PARALLEL_MIN 16384

#define CHECK(call)                                                                                            \
  do {                                                                                                         \
    if ((call) != napi_ok) {                                                                                   \
      napi_throw_error(env, 0, "hrnn_kernel: N-API call failed: " #call);                                      \
      return 0;                                                                                                \
    }                                                                                                          \
  } while (0)

typedef struct {
  float *x, *m, *v;
  const float *g;
  size_t n;
  int shards;
  adam_coeffs k;
} update_job;

static void update_shard(void *arg, int shard) {
  update_job *j = (update_job *)arg;
  /* ranges of whole 64-byte lines, so that no two threads write one cache line */
  size_t per = (j->n / (size_t)j->shards + 15) & ~(size_t)15;
  size_t begin = per * (size_t)shard, end = begin + per < j->n ? begin + per : j->n;
  if (begin < end) adam_update_range(j->x, j->g, j->m, j->v, begin, end, &j->k);
}

static int get_array(napi_env env, napi_value v, size_t expected, float **data, const char *name) {
  return napi_f32_arg(env, v, expected, 0, data, "adamUpdate", name);
}

static napi_value js_adam_update(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc != 10) {
    napi_throw_type_error(env, 0, "adamUpdate: expected (x, g, m, v, scale, beta1, beta2, step, s2, epsilon)");
    return 0;
  }
  bool is_ta = false;
  napi_typedarray_type type;
  size_t n = 0;
  if (napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta) return napi_throw_type_error(env, 0, "adamUpdate: x must be a Float32Array"), (napi_value)0;
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &n, 0, 0, 0));
  update_job j;
  float *g;
  if (!get_array(env, argv[0], n, &j.x, "x") || !get_array(env, argv[1], n, &g, "g") || !get_array(env, argv[2], n, &j.m, "m") ||
      !get_array(env, argv[3], n, &j.v, "v"))
    return 0;
  j.g = g;
  double c[6];
  for (int i = 0; i < 6; i++) {
    if (napi_get_value_double(env, argv[4 + i], &c[i]) != napi_ok) {
      napi_throw_type_error(env, 0, "adamUpdate: scale, beta1, beta2, step, s2 and epsilon must be numbers");
      return 0;
    }
  }
  j.k = (adam_coeffs){c[0], c[1], c[2], c[3], c[4], c[5]};
  j.n = n;
  j.shards = n >= ADAM_PARALLEL_MIN ? hrnn_pool_threads_shared() : 1;
  if (j.shards > 1) hrnn_pool_run_shared(update_shard, &j, j.shards);
  else adam_update_range(j.x, j.g, j.m, j.v, 0, n, &j.k);
  return 0;
}

typedef struct {
  const float *a;
  size_t n, blocks;
  int shards;
  double *sums;
} squares_job;

static void squares_shard(void *arg, int shard) {
  squares_job *j = (squares_job *)arg;
  for (size_t b = (size_t)shard; b < j->blocks; b += (size_t)j->shards) j->sums[b] = adam_sum_squares_block(j->a, j->n, b);
}

static napi_value js_sum_of_squares(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  bool is_ta = false;
  napi_typedarray_type type = napi_int8_array;
  size_t n = 0;
  void *data = 0;
  if (argc == 1) napi_is_typedarray(env, argv[0], &is_ta);
  if (is_ta) CHECK(napi_get_typedarray_info(env, argv[0], &type, &n, &data, 0, 0));
  if (!is_ta || type != napi_float32_array) {
    napi_throw_type_error(env, 0, "sumOfSquares: expected one Float32Array");
    return 0;
  }
  double stack_sums[64];
  squares_job j = {(const float *)data, n, (n + ADAM_SUM_BLOCK - 1) / ADAM_SUM_BLOCK, 1, stack_sums};
  if (j.blocks > 64 && !(j.sums = (double *)malloc(j.blocks * sizeof(double)))) {
    napi_throw_error(env, 0, "sumOfSquares: out of memory");
    return 0;
  }
  j.shards = n >= ADAM_PARALLEL_MIN ? hrnn_pool_threads_shared() : 1;
  if (j.shards > 1) hrnn_pool_run_shared(squares_shard, &j, j.shards);
  else squares_shard(&j, 0);
  double total = 0;
  for (size_t b = 0; b < j.blocks; b++) total += j.sums[b];
  if (j.sums != stack_sums) free(j.sums);
  napi_value result;
  CHECK(napi_create_double(env, total, &result));
  return result;
}

static napi_value js_adam_update_is_exact(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_get_boolean(env, adam_update_is_exact() != 0, &result));
  return result;
}

int adam_napi_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"adamUpdate", 0, js_adam_update, 0, 0, 0, napi_default, 0},
      {"sumOfSquares", 0, js_sum_of_squares, 0, 0, 0, napi_default, 0},
      {"adamUpdateIsExact", 0, js_adam_update_is_exact, 0, 0, 0, napi_default, 0},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
