#!/usr/bin/env bash
# Installs the compilers the test suite checks the kernels with, when missing (Debian/Ubuntu):
#   a C compiler for the native addon (the fast path; `npm run build` compiles it), and
#   clang + lld (wasm-ld) to rebuild the committed WebAssembly kernel and check it is byte-identical,
#   and clang-19 + lld-19 for the relaxed-SIMD build (clang 14 emits only the withdrawn prototype's opcodes).
# Idempotent and quick when everything is there. Needs root or sudo only when something is missing.
set -euo pipefail
need=()
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need+=(build-essential)
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v wasm-ld >/dev/null 2>&1 || need+=(lld)
command -v clang-19 >/dev/null 2>&1 || need+=(clang-19)
command -v wasm-ld-19 >/dev/null 2>&1 || need+=(lld-19)
if [ ${#need[@]} -eq 0 ]; then
  echo "[setup-toolchain] compilers present: $(clang --version | head -1)"
  exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
LOCK=""; command -v flock >/dev/null 2>&1 && LOCK="flock /tmp/hrnn-apt.lock"
echo "[setup-toolchain] installing: ${need[*]}"
$SUDO $LOCK apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO $LOCK apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}"
echo "[setup-toolchain] $(clang --version | head -1)"
