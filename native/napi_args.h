/*
 * Argument checks shared by the Node addon's entry points (hrnn_napi.c, peer_napi.c, adam_napi.c):
 * a typed array argument of an exact length, with an error naming the kernel and the argument, and
 * the check of an N-API call's status.
 * Header-only; depends on node_api.h.
 */
#ifndef HRNN_NAPI_ARGS_H
#define HRNN_NAPI_ARGS_H

#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>

/* A Float32Array of exactly `expected` elements (or null/undefined when allow_null); on anything
 * else throws "<who>: <name> ..." and returns 0. */
static inline int napi_f32_arg(napi_env env, napi_value v, size_t expected, int allow_null, float **data, const char *who, const char *name) {
  char msg[200];
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (allow_null && (t == napi_null || t == napi_undefined)) {
    *data = 0;
    return 1;
  }
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void *ptr = 0;
  if (is_ta) napi_get_typedarray_info(env, v, &type, &length, &ptr, 0, 0);
  if (!is_ta || type != napi_float32_array) {
    snprintf(msg, sizeof msg, "%s: %s must be a Float32Array", who, name);
    napi_throw_type_error(env, 0, msg);
    return 0;
  }
  if (length != expected) {
    snprintf(msg, sizeof msg, "%s: %s has %zu elements, expected %zu", who, name, length, expected);
    napi_throw_range_error(env, 0, msg);
    return 0;
  }
  *data = (float *)ptr;
  return 1;
}

/* Inside an entry point (`env` in scope): a failed N-API call throws "<who>: N-API call failed:
 * <call>" and returns 0 from the entry point. */
#define NAPI_CALL(who, call)                                                                                   \
  do {                                                                                                         \
    if ((call) != napi_ok) {                                                                                   \
      napi_throw_error(env, 0, who ": N-API call failed: " #call);                                             \
      return 0;                                                                                                \
    }                                                                                                          \
  } while (0)

#endif
