#!/bin/sh
# Installs what bench/run.mjs needs on Debian/Ubuntu: PyTorch for the comparison, with OpenBLAS
# (without libopenblas0-pthread, Debian's torch falls back to the reference BLAS, ~15x slower),
# and a C compiler for the native kernel. Run as root (or with sudo). Then: npm run build && node bench/run.mjs
set -e
missing=""
for pkg in python3-torch libopenblas0-pthread build-essential python3 clang lld; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "bench/setup.sh: installing$missing"
  if command -v flock >/dev/null 2>&1; then LOCK="flock /tmp/hrnn-apt.lock"; else LOCK=""; fi
  $LOCK apt-get update
  DEBIAN_FRONTEND=noninteractive $LOCK apt-get install -y --no-install-recommends $missing
fi
/usr/bin/python3 -c "import torch; print('bench/setup.sh: torch', torch.__version__)"
