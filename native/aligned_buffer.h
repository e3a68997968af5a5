/*
 * Growable 64-byte-aligned scratch buffers for the Node addon's kernel contexts (hrnn_napi.c,
 * peer_napi.c): workspaces and gradient buffers that persist between calls and only grow.
 * Buffers of 2 MiB and more are aligned to 2 MiB and, on Linux, asked to be backed by huge pages
 * (transparent huge pages are often madvise-only): the stored steps are streamed through once per
 * pass, and with 4 KiB pages their TLB misses and the physical pages' placement in the caches made
 * the same pass take up to 1.6x as long from one process to the next (bench/peer_kernel_cpu.c).
 * Header-only; depends on the C library (and <sys/mman.h> where it exists).
 */
#ifndef HRNN_ALIGNED_BUFFER_H
#define HRNN_ALIGNED_BUFFER_H

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HRNN_HUGE_PAGE ((size_t)2 << 20)

/* Grows *buf to at least `bytes` (64-byte aligned, contents not kept); returns 0 on allocation failure. */
static inline int ensure_buffer(void **buf, size_t *cap, size_t bytes) {
  if (*cap >= bytes && *buf) return 1;
  free(*buf);
  *buf = 0;
  *cap = 0;
  const size_t align = bytes >= HRNN_HUGE_PAGE ? HRNN_HUGE_PAGE : 64;
  size_t rounded = (bytes + align - 1) / align * align;
  void *p = aligned_alloc(align, rounded ? rounded : 64);
  if (!p) return 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (align == HRNN_HUGE_PAGE) (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
  *buf = p;
  *cap = rounded;
  return 1;
}

#endif
