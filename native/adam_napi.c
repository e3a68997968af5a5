/*
 * Node-API binding of the host optimizer's arithmetic (adam_kernel.h), registered on the kernels'
 * addon (hrnn_napi.c calls adam_napi_register from its init). It runs on the calling thread only:
 * an update takes tens of microseconds, and on the pool a few updates in 400 steps took 2-5 ms,
 * probably waiting for a worker that had been preempted; one thread was as fast overall.
 *
 * JS API (all synchronous):
 *   adamUpdate(x, g, m, v, scale, beta1, beta2, step, s2, epsilon)   x, m, v updated in place
 *   sumOfSquares(a) -> the sum of a[i]^2, in double (adam_kernel.h's blocks, in order)
 *   adamUpdateIsExact() -> whether adamUpdate equals the engine's JavaScript loop bit for bit
 * All arrays are Float32Arrays of one length.
 */
#include <node_api.h>
#include <stdbool.h>

#include "adam_kernel.h"
#include "napi_args.h"

#define CHECK(call) NAPI_CALL("hrnn_kernel", call)

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
  float *x, *g, *m, *v;
  if (!get_array(env, argv[0], n, &x, "x") || !get_array(env, argv[1], n, &g, "g") || !get_array(env, argv[2], n, &m, "m") || !get_array(env, argv[3], n, &v, "v"))
    return 0;
  double c[6];
  for (int i = 0; i < 6; i++) {
    if (napi_get_value_double(env, argv[4 + i], &c[i]) != napi_ok) {
      napi_throw_type_error(env, 0, "adamUpdate: scale, beta1, beta2, step, s2 and epsilon must be numbers");
      return 0;
    }
  }
  const adam_coeffs k = {c[0], c[1], c[2], c[3], c[4], c[5]};
  adam_update_range(x, g, m, v, 0, n, &k);
  return 0;
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
  double total = 0;
  for (size_t b = 0; b * ADAM_SUM_BLOCK < n; b++) total += adam_sum_squares_block((const float *)data, n, b);
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
