#!/usr/bin/env bash
# Two builds of bench/peer_kernel_cpu.c side by side: both run at the same time, one on each core,
# swapping cores every round, so both see the same phase of this shared machine (its speed moves by
# 10 % over minutes, while two builds run together differ by 1-2 % from round to round). Prints each
# build's kinds with forward and backward ms per round. Needs taskset (util-linux) and 2 cores.
#
#   cc -O3 -march=native -ffp-contract=fast -fno-math-errno -std=gnu11 -Inative \
#      bench/peer_kernel_cpu.c native/peer_kernel.c -o /tmp/pk_now -lm      # and /tmp/pk_old likewise
#   bash bench/peer_kernel_ab.sh /tmp/pk_old /tmp/pk_now [reps=11] [rounds=4]
#
# Depends on bash and taskset only.
set -euo pipefail
a=$1
b=$2
reps=${3:-11}
rounds=${4:-4}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then ca=0 cb=1; else ca=1 cb=0; fi
  taskset -c "$ca" "$a" "$reps" >"$out/a" &
  taskset -c "$cb" "$b" "$reps" >"$out/b"
  wait
  echo "A $(sed -n '2,$p' "$out/a" | awk '{print $1, $3, $6}' | tr '\n' ' ')"
  echo "B $(sed -n '2,$p' "$out/b" | awk '{print $1, $3, $6}' | tr '\n' ' ')"
done
