#!/usr/bin/env bash
# Builds and runs the lock service's benchmark (bench/lock_bench.cpp), and with --save writes its
# output to notes/bench-lock-<date>.txt (appending a run when the file exists).
#
#   bench/lock_bench.sh [--save] [lock_bench flags...]
#   bench/lock_bench.sh --save                      # both protocols, 10 s per workload
#   bench/lock_bench.sh --save --etcd --zookeeper   # also etcd and ZooKeeper (Debian packages)
#   bench/lock_bench.sh --quick --protocol raft     # a smoke run
#
# Build directory: $BUILD (default build/, RelWithDebInfo). Exit code: lock_bench's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD:-$here/build}"
save=0
args=()
for a in "$@"; do
  if [[ "$a" == "--save" ]]; then save=1; else args+=("$a"); fi
done
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target lockstep lock_bench >/dev/null
if [[ $save -eq 1 ]]; then
  out="$here/notes/bench-lock-$(date +%F).txt"
  {
    echo "\$ build/lock_bench ${args[*]:-}   (commit $(git -C "$here" rev-parse --short HEAD))"
  } >>"$out"
  set +e
  "$build/lock_bench" "${args[@]}" | tee -a "$out"
  code=${PIPESTATUS[0]}
  echo >>"$out"
  echo "lock_bench: output appended to $out" >&2
  exit "$code"
fi
exec "$build/lock_bench" "${args[@]}"
