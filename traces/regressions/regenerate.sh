#!/usr/bin/env bash
# Regenerates traces/regressions/: the shortest counterexample of every seeded bug of every
# protocol, as `lockstep check <protocol> --bug <bug>` finds it at its default bounds or at the
# bounds bounds.txt gives for it, stored as <protocol>-<bug>.itf.json. Protocols and bugs are asked of lockstep itself (`lockstep check
# --help`, `lockstep check <protocol> --bug list`), so a protocol added later is covered as soon
# as it has seeded bugs. One worker, so that the traces are the same on every machine.
#
#   traces/regressions/regenerate.sh           regenerate every trace (stale ones are removed)
#   traces/regressions/regenerate.sh --list    print the file names it would write, one a line
#
# A protocol whose traces lockstep cannot replay yet (not in `lockstep replay --list-protocols`:
# register it in checker/protocols.cpp) is skipped with a warning. Every trace written is
# replayed at once and must reproduce its violation.
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

# The protocols: the subcommands of `lockstep check`.
protocols=$("$lockstep" check --help | sed -n '/^Subcommands:/,$p' | sed '1d' | awk 'NF {print $1}')
replayable=$("$lockstep" replay --list-protocols)

# Prints "<protocol> <bug>" for every seeded bug; protocols without a --bug option are skipped.
bugs() {
  for protocol in $protocols; do
    names=$("$lockstep" check "$protocol" --bug list 2>/dev/null) || continue
    if ! grep -qx "$protocol" <<< "$replayable"; then
      echo "regenerate.sh: skipping $protocol: lockstep replay does not know it (checker/protocols.cpp)" >&2
      continue
    fi
    printf '%s\n' "$names" | awk -v p="$protocol" 'NF {print p, $1}'
  done
}

pairs=$(bugs)
if [ "$list_only" = 1 ]; then
  printf '%s\n' "$pairs" | awk 'NF {print $1 "-" $2 ".itf.json"}'
  exit 0
fi

# The flags bounds.txt gives for a bug (none: the defaults).
bounds_of() {
  awk -v p="$1" -v b="$2" '$1 == p && $2 == b { $1 = ""; $2 = ""; print; exit }' "$here/bounds.txt"
}

rm -f "$here"/*.itf.json
while read -r protocol bug; do
  [ -n "$protocol" ] || continue
  out="$here/$protocol-$bug.itf.json"
  read -r -a bounds <<< "$(bounds_of "$protocol" "$bug")"
  status=0
  "$lockstep" check "$protocol" --bug "$bug" "${bounds[@]}" --quiet --workers 1 --trace-out "$out" >/dev/null ||
    status=$?
  if [ "$status" -ne 1 ] || [ ! -f "$out" ]; then
    echo "regenerate.sh: lockstep check $protocol --bug $bug ${bounds[*]} found no violation (exit $status);" \
         "give it bounds in traces/regressions/bounds.txt" >&2
    exit 1
  fi
  "$lockstep" replay "$out" >/dev/null || { echo "regenerate.sh: $out does not replay" >&2; exit 1; }
  echo "$protocol-$bug.itf.json"
done <<< "$pairs"
