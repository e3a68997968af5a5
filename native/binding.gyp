{
  "targets": [
    {
      "target_name": "hrnn_kernel",
      "sources": ["hrnn_kernel.c", "hrnn_napi.c", "peer_kernel.c", "peer_napi.c", "adam_kernel.c", "adam_napi.c"],
      "cflags!": ["-O2", "-O0"],
      "cflags": ["-O3", "-march=native", "-ffp-contract=fast", "-fno-math-errno", "-std=gnu11", "-Wall", "-Wno-unused-function"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-march=native", "-ffp-contract=fast", "-fno-math-errno", "-std=gnu11"]
      }
    }
  ]
}
