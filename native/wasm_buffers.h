/*
 * The WebAssembly builds' memory plan (hrnn_wasm.c, peer_wasm.c): every buffer a call needs laid
 * out from __heap_base, 64-byte aligned, growing linear memory when it falls short. Header-only;
 * depends on the wasm32 target's builtins alone.
 */
#ifndef HRNN_WASM_BUFFERS_H
#define HRNN_WASM_BUFFERS_H

#include <stddef.h>

extern unsigned char __heap_base;

/* Lays out `count` buffers of sizes[i] floats, buffer `ws_index` of `ws_bytes` bytes instead, and
 * writes their addresses to `ptr`. Returns 1, or 0 when memory cannot grow enough (ptr untouched). */
static inline int wasm_lay_out_buffers(const unsigned long long *sizes, int count, int ws_index, size_t ws_bytes, unsigned long *ptr) {
  unsigned long long top = ((unsigned long long)(unsigned long)&__heap_base + 63) / 64 * 64;
  unsigned long long at[32];
  if (count > 32) return 0;
  for (int i = 0; i < count; i++) {
    unsigned long long bytes = i == ws_index ? (unsigned long long)ws_bytes : sizes[i] * 4ull;
    at[i] = top;
    top = (top + bytes + 63) / 64 * 64;
  }
  if (top > 0xFFFF0000ull) return 0;
  unsigned long long have = (unsigned long long)__builtin_wasm_memory_size(0) * 65536ull;
  if (top > have) {
    unsigned long long pages = (top - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, (unsigned long)pages) == (unsigned long)-1) return 0;
  }
  for (int i = 0; i < count; i++) ptr[i] = (unsigned long)at[i];
  return 1;
}

#endif
