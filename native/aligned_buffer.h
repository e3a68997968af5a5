/*
 * Growable 64-byte-aligned scratch buffers for the Node addon's kernel contexts (hrnn_napi.c,
 * peer_napi.c): workspaces and gradient buffers that persist between calls and only grow.
 * Header-only; depends on the C library alone.
 */
#ifndef HRNN_ALIGNED_BUFFER_H
#define HRNN_ALIGNED_BUFFER_H

#include <stdlib.h>

/* Grows *buf to at least `bytes` (64-byte aligned, contents not kept); returns 0 on allocation failure. */
static inline int ensure_buffer(void **buf, size_t *cap, size_t bytes) {
  if (*cap >= bytes && *buf) return 1;
  free(*buf);
  *buf = 0;
  *cap = 0;
  size_t rounded = (bytes + 63) / 64 * 64;
  void *p = aligned_alloc(64, rounded ? rounded : 64);
  if (!p) return 0;
  *buf = p;
  *cap = rounded;
  return 1;
}

#endif
