/*
 * Node-API binding of the peer kernels (peer_kernel.h; issue #10), registered on the same addon as
 * the Hamiltonian kernel (hrnn_napi.c calls peer_napi_register from its init) so that both share
 * one thread pool and one cancel word. The batch is split into shards of rows exactly as there.
 *
 * JS API (all synchronous):
 *   peerCreateContext() -> external
 *   peerForward(ctx, kind, T, B, d, m, checkpointEvery, dt, gamma, epsilon, params[], u, out, seq|null)
 *       -> true, or false when cancelled (the context then needs a new forward pass)
 *   peerBackward(ctx, gout, gseq|null, grads[], gu|null) -> true, or false when cancelled
 *   peerRelease(ctx)   frees the context's buffers now (they are also freed when it is collected)
 * params / grads: peer_kernel.h's order and layouts; u, gu [T,B,d]; out [B,m]; seq, gseq [T,B,m].
 */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aligned_buffer.h"
#include "napi_args.h"
#include "peer_kernel.h"

#define PEER_MAX_SHARDS 64 /* hrnn_napi.c's MAX_SHARDS: its shard count never exceeds it */

/* From hrnn_napi.c: its thread pool, and how it splits a batch. */
typedef void (*peer_task_fn)(void *arg, int shard);
void hrnn_pool_run_shared(peer_task_fn fn, void *arg, int shards);
int hrnn_pool_shard_count_shared(int B);

typedef struct {
  peer_config cfg;
  int has_forward;
  int shards;
  int r0[PEER_MAX_SHARDS], r1[PEER_MAX_SHARDS];
  void *ws[PEER_MAX_SHARDS];
  size_t ws_cap[PEER_MAX_SHARDS];
  const float *u; /* the caller's inputs, kept alive by u_ref until the next forward or release */
  napi_ref u_ref;
  float *gbuf; /* shards x gradient floats */
  size_t gbuf_cap;
  int nparams;
  size_t psize[PEER_MAX_PARAMS];
  /* per call */
  peer_params params;
  float *out, *seq;
  const float *gout, *gseq;
  float *gu;
  int status[PEER_MAX_SHARDS];
} peer_context;

static void ctx_free_buffers(napi_env env, peer_context *c) {
  for (int i = 0; i < PEER_MAX_SHARDS; i++) {
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

static void ctx_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  ctx_free_buffers(env, (peer_context *)data);
  free(data);
}


static int any_cancelled(const peer_context *c) {
  for (int i = 0; i < c->shards; i++)
    if (c->status[i] != HRNN_DONE) return 1;
  return 0;
}

static size_t total_params(const peer_context *c) {
  size_t t = 0;
  for (int i = 0; i < c->nparams; i++) t += c->psize[i];
  return t;
}

static void forward_task(void *arg, int i) {
  peer_context *c = (peer_context *)arg;
  c->status[i] = peer_forward(&c->cfg, c->r0[i], c->r1[i], c->params, c->u, c->out, c->seq, c->ws[i]);
}

static void backward_task(void *arg, int i) {
  peer_context *c = (peer_context *)arg;
  float *g = c->gbuf + total_params(c) * (size_t)i;
  peer_grads G;
  memset(&G, 0, sizeof G);
  for (int t = 0; t < c->nparams; t++) {
    G.g[t] = g;
    g += c->psize[t];
  }
  c->status[i] = peer_backward(&c->cfg, c->r0[i], c->r1[i], c->u, c->gout, c->gseq, G, c->gu, c->ws[i]);
}

#define CHECK(call) NAPI_CALL("peer_kernel", call)

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, 0, msg);
  return 0;
}

static int f32_arg(napi_env env, napi_value v, size_t expected, int allow_null, float **data, const char *name) {
  return napi_f32_arg(env, v, expected, allow_null, data, "peer_kernel", name);
}

/* An array of c->nparams Float32Arrays of the parameter sizes. */
static int f32_list(napi_env env, napi_value v, const peer_context *c, float **out, const char *name) {
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(env, v, &is_array);
  if (is_array) napi_get_array_length(env, v, &n);
  if (!is_array || (int)n != c->nparams) {
    char msg[160];
    snprintf(msg, sizeof msg, "peer_kernel: %s must be an array of %d Float32Arrays", name, c->nparams);
    napi_throw_type_error(env, 0, msg);
    return 0;
  }
  for (int i = 0; i < c->nparams; i++) {
    napi_value item;
    char label[64];
    snprintf(label, sizeof label, "%s[%d]", name, i);
    if (napi_get_element(env, v, (uint32_t)i, &item) != napi_ok) return 0;
    if (!f32_arg(env, item, c->psize[i], 0, &out[i], label)) return 0;
  }
  return 1;
}

static peer_context *ctx_arg(napi_env env, napi_value v) {
  void *p = 0;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, 0, "peer_kernel: first argument must be a context from peerCreateContext()");
    return 0;
  }
  return (peer_context *)p;
}

static napi_value js_create(napi_env env, napi_callback_info info) {
  (void)info;
  peer_context *c = (peer_context *)calloc(1, sizeof(peer_context));
  if (!c) return fail(env, "peer_kernel: out of memory");
  napi_value ext;
  if (napi_create_external(env, c, ctx_finalize, 0, &ext) != napi_ok) {
    free(c);
    return fail(env, "peer_kernel: cannot create context");
  }
  return ext;
}

static napi_value js_release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc < 1) return fail(env, "peer_kernel: peerRelease(ctx)");
  peer_context *c = ctx_arg(env, argv[0]);
  if (!c) return 0;
  ctx_free_buffers(env, c);
  return 0;
}

static napi_value js_forward(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc != 14) return fail(env, "peer_kernel: peerForward expects 14 arguments");
  peer_context *c = ctx_arg(env, argv[0]);
  if (!c) return 0;
  int ints[6];
  for (int i = 0; i < 6; i++)
    if (napi_get_value_int32(env, argv[1 + i], &ints[i]) != napi_ok) return fail(env, "peer_kernel: peerForward: configuration numbers expected");
  double reals[3];
  for (int i = 0; i < 3; i++)
    if (napi_get_value_double(env, argv[7 + i], &reals[i]) != napi_ok) return fail(env, "peer_kernel: peerForward: dt, gamma, epsilon must be numbers");
  peer_config cfg = {ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], (float)reals[0], (float)reals[1], (float)reals[2]};
  const char *bad = peer_config_error(&cfg);
  if (bad) {
    char msg[200];
    snprintf(msg, sizeof msg, "peer_kernel: %s", bad);
    return fail(env, msg);
  }
  c->has_forward = 0;
  c->cfg = cfg;
  c->nparams = peer_param_count(cfg.kind);
  for (int i = 0; i < PEER_MAX_PARAMS; i++) c->psize[i] = peer_param_size(&cfg, i);
  float *p[PEER_MAX_PARAMS] = {0}, *u, *out, *seq;
  if (!f32_list(env, argv[10], c, p, "params")) return 0;
  if (!f32_arg(env, argv[11], (size_t)cfg.T * cfg.B * cfg.d, 0, &u, "u")) return 0;
  if (!f32_arg(env, argv[12], (size_t)cfg.B * cfg.m, 0, &out, "out")) return 0;
  if (!f32_arg(env, argv[13], (size_t)cfg.T * cfg.B * cfg.m, 1, &seq, "seq")) return 0;

  int shards = hrnn_pool_shard_count_shared(cfg.B);
  c->shards = shards;
  for (int i = 0; i < shards; i++) {
    c->r0[i] = (int)((long long)cfg.B * i / shards);
    c->r1[i] = (int)((long long)cfg.B * (i + 1) / shards);
    size_t bytes = peer_workspace_bytes(&cfg, c->r1[i] - c->r0[i]);
    if (!bytes || !ensure_buffer(&c->ws[i], &c->ws_cap[i], bytes)) return fail(env, "peer_kernel: cannot allocate the workspace (out of memory?)");
  }
  if (c->u_ref) napi_delete_reference(env, c->u_ref);
  c->u_ref = 0;
  if (napi_create_reference(env, argv[11], 1, &c->u_ref) != napi_ok) return fail(env, "peer_kernel: cannot reference u");
  c->u = u;
  memset(&c->params, 0, sizeof c->params);
  for (int i = 0; i < c->nparams; i++) c->params.p[i] = p[i];
  c->out = out;
  c->seq = seq;
  hrnn_pool_run_shared(forward_task, c, shards);
  memset(&c->params, 0, sizeof c->params);
  c->out = c->seq = 0;
  c->has_forward = !any_cancelled(c);
  napi_value done;
  CHECK(napi_get_boolean(env, c->has_forward, &done));
  return done;
}

static napi_value js_backward(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, 0, 0));
  if (argc != 5) return fail(env, "peer_kernel: peerBackward expects 5 arguments");
  peer_context *c = ctx_arg(env, argv[0]);
  if (!c) return 0;
  if (!c->has_forward) return fail(env, "peer_kernel: backward without a forward pass on this context");
  if (c->cfg.checkpoint_every == PEER_FORWARD_ONLY) return fail(env, "peer_kernel: backward after a forward-only pass");
  const peer_config *cfg = &c->cfg;
  float *gout, *gseq, *gu, *g[PEER_MAX_PARAMS] = {0};
  if (!f32_arg(env, argv[1], (size_t)cfg->B * cfg->m, 0, &gout, "gout")) return 0;
  if (!f32_arg(env, argv[2], (size_t)cfg->T * cfg->B * cfg->m, 1, &gseq, "gseq")) return 0;
  if (!f32_list(env, argv[3], c, g, "grads")) return 0;
  if (!f32_arg(env, argv[4], (size_t)cfg->T * cfg->B * cfg->d, 1, &gu, "gu")) return 0;
  size_t total = total_params(c);
  if (!ensure_buffer((void **)&c->gbuf, &c->gbuf_cap, total * c->shards * sizeof(float))) return fail(env, "peer_kernel: out of memory");
  c->gout = gout;
  c->gseq = gseq;
  c->gu = gu;
  hrnn_pool_run_shared(backward_task, c, c->shards);
  c->gout = c->gseq = 0;
  c->gu = 0;
  napi_value result;
  if (any_cancelled(c)) {
    CHECK(napi_get_boolean(env, false, &result));
    return result;
  }
  size_t off = 0;
  for (int t = 0; t < c->nparams; t++) {
    for (size_t j = 0; j < c->psize[t]; j++) {
      float s = 0;
      for (int i = 0; i < c->shards; i++) s += c->gbuf[total * i + off + j];
      g[t][j] = s;
    }
    off += c->psize[t];
  }
  CHECK(napi_get_boolean(env, true, &result));
  return result;
}

/* Adds the peer functions to the addon's exports. */
int peer_napi_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"peerCreateContext", 0, js_create, 0, 0, 0, napi_default, 0},
      {"peerForward", 0, js_forward, 0, 0, 0, napi_default, 0},
      {"peerBackward", 0, js_backward, 0, 0, 0, napi_default, 0},
      {"peerRelease", 0, js_release, 0, 0, 0, napi_default, 0},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
