#!/usr/bin/env bash
# Regenerates traces/regressions/: the shortest counterexample of every seeded bug of every
# protocol, as `lockstep check <protocol> --bug <bug>` finds it at the bounds the protocol
# registry gives for it (checker/protocols/<name>.cpp), stored as <protocol>-<bug>.itf.json.
# Protocols, bugs and bounds are asked of lockstep itself (`lockstep protocols --bugs`), so a
# protocol added to the registry is covered as soon as it has seeded bugs. One worker, so that
# the traces are the same on every machine.
#
#   traces/regressions/regenerate.sh           regenerate every trace (stale ones are removed)
#   traces/regressions/regenerate.sh --list    print the file names it would write, one a line
#
# Every trace written is replayed at once and must reproduce its violation, with the length the
# registry records for it.
#
# LOCKSTEP=path/to/lockstep picks the binary (default: build/lockstep).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lockstep=${LOCKSTEP:-$here/../../build/lockstep}
[ -x "$lockstep" ] || { echo "regenerate.sh: no lockstep binary at $lockstep (build first, or set LOCKSTEP)" >&2; exit 2; }

list_only=0
case "${1:-}" in
  --list) list_only=1 ;;
  "") ;;
  *) echo "usage: regenerate.sh [--list]" >&2; exit 2 ;;
esac

# "<protocol> <bug> <flags...>" for every seeded bug of every protocol in the registry.
pairs=$("$lockstep" protocols --bugs)
if [ "$list_only" = 1 ]; then
  printf '%s\n' "$pairs" | awk 'NF {print $1 "-" $2 ".itf.json"}'
  exit 0
fi

rm -f "$here"/*.itf.json
while read -r protocol bug bounds; do
  [ -n "$protocol" ] || continue
  out="$here/$protocol-$bug.itf.json"
  read -r -a flags <<< "$bounds"
  status=0
  "$lockstep" check "$protocol" --bug "$bug" "${flags[@]}" --quiet --workers 1 --trace-out "$out" >/dev/null ||
    status=$?
  if [ "$status" -ne 1 ] || [ ! -f "$out" ]; then
    echo "regenerate.sh: lockstep check $protocol --bug $bug ${flags[*]} found no violation (exit $status);" \
         "correct the bug's bounds in its registry entry" >&2
    exit 1
  fi
  "$lockstep" replay "$out" >/dev/null || { echo "regenerate.sh: $out does not replay" >&2; exit 1; }
  echo "$protocol-$bug.itf.json"
done <<< "$pairs"
