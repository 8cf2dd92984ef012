#!/usr/bin/env bash
# The cost of spreading one search over MPI ranks, on this machine (issue 16's measurement):
# the same check run as 1 process x 1 thread, 1 process x 2 threads and 2 ranks x 1 thread
# (mpirun -n 2 ... --distributed), with the time, states/s, memory per state, and the bytes the
# ranks sent each other per state generated and per level.
#
#   bench/distributed.sh [--quick] [--save] [-- CHECK ARGS]
#     default CHECK ARGS: raft (its default bounds, 39M distinct states: minutes per run);
#     --quick: paxos (4.7M states, seconds per run);
#     --save: append the figures to notes/bench-distributed-<date>.txt
set -euo pipefail
cd "$(dirname "$0")/.."
args=(raft)
save=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) args=(paxos) ;;
    --save) save=1 ;;
    --) shift; args=("$@"); break ;;
    *) echo "distributed.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
lockstep=build/lockstep
[ -x "$lockstep" ] || { echo "distributed.sh: build first (./run build)" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "distributed.sh: needs Open MPI (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-distributed-XXXXXX")
trap 'rm -rf "$work"' EXIT

run() {  # name, then the command; prints one line of figures, keeps the JSON in $work/name.json
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$@" --json --quiet --trace-out "$work/$name.itf.json" </dev/null >"$work/$name.json" 2>"$work/$name.err" || true
  end=$(date +%s.%N)
  python3 - "$work/$name.json" "$name" "$start" "$end" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
wall = float(sys.argv[4]) - float(sys.argv[3])
line = (f"{sys.argv[2]:<22} {d['result']:<10} distinct {d['distinct_states']:>12,}  generated {d['states_generated']:>13,}"
        f"  {d['seconds']:8.2f} s (wall {wall:.2f} s)  {d['states_per_second']:>12,.0f} states/s  {d['bytes_per_state']:6.1f} B/state")
dist = d.get('distributed')
if dist:
    line += (f"\n{'':<22} sent {dist['states_sent']:,} states, {dist['bytes_sent'] / 2**20:.1f} MiB"
             f" = {dist['bytes_sent_per_state_generated']:.1f} bytes per state generated;"
             f" per rank: " + ", ".join(f"{r['distinct_states']:,} states {r['bytes_per_state']:.1f} B/state" for r in dist['per_rank']))
    widest = max(dist['levels'], key=lambda l: l['bytes_sent'])
    line += (f"\n{'':<22} {len(dist['levels'])} levels, {sum(l['rounds'] for l in dist['levels'])} exchanges;"
             f" widest level (depth {widest['depth']}): {widest['distinct_states']:,} new states,"
             f" {widest['bytes_sent'] / 2**20:.1f} MiB sent in {widest['rounds']} exchanges")
print(line)
PY
}

{
  echo "# lockstep check ${args[*]}: one process against MPI ranks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(mpirun --version | head -1)"
  run "1 process x 1 thread" "$lockstep" check "${args[@]}" --workers 1
  run "1 process x 2 threads" "$lockstep" check "${args[@]}" --workers 2
  run "2 ranks x 1 thread" mpirun -n 2 "$lockstep" check "${args[@]}" --distributed --workers 1
  python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]
one = json.load(open(os.path.join(w, "1 process x 1 thread.json")))
two = json.load(open(os.path.join(w, "1 process x 2 threads.json")))
mpi = json.load(open(os.path.join(w, "2 ranks x 1 thread.json")))
same = all(one[k] == mpi[k] == two[k] for k in ("distinct_states", "states_generated", "depth", "result"))
print(f"same counts and verdict in all three: {'yes' if same else 'NO'}")
print(f"2 ranks x 1 thread vs 1 process x 2 threads: {mpi['seconds'] / two['seconds']:.2f}x the time (the cost of the message passing)")
print(f"2 ranks x 1 thread vs 1 process x 1 thread:  {one['seconds'] / mpi['seconds']:.2f}x faster")
PY
} | tee "$work/summary.txt"
if [ "$save" = 1 ]; then
  out="notes/bench-distributed-$(date -u +%Y-%m-%d).txt"
  cat "$work/summary.txt" >>"$out"
  echo "saved to $out" >&2
fi
