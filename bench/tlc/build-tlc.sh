#!/usr/bin/env bash
# Build TLC (tla2tools.jar) from a checkout of github.com/tlaplus/tlaplus, with javac alone (no
# Maven or Ant, nothing downloaded): the sources under tlatools/org.lamport.tlatools/src, their
# resources (the standard modules), and the run-time libraries TLC loads (javax.mail, gson,
# jline) merged in, as the official jar has them.
#
# Usage:
#   bench/tlc/build-tlc.sh TLAPLUS_CHECKOUT OUT_JAR
# Example:
#   git clone https://github.com/tlaplus/tlaplus ~/tlaplus
#   bench/tlc/build-tlc.sh ~/tlaplus ~/tla2tools.jar
#   bench/run --only raft-tla --tlc-jar ~/tla2tools.jar --raft-tla ~/raft.tla
# Debian: apt-get install openjdk-17-jdk-headless unzip. OUT_JAR is not replaced if it exists.
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -eq 2 ] || usage
CHECKOUT=$1; OUT=$2
TOOLS="$CHECKOUT/tlatools/org.lamport.tlatools"
[ -d "$TOOLS/src/tlc2" ] || { echo "error: no TLC sources at '$TOOLS/src' (a tlaplus/tlaplus checkout?)" >&2; exit 1; }
[ ! -e "$OUT" ] || { echo "error: '$OUT' exists; remove it or name another output" >&2; exit 1; }
for tool in javac jar unzip; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (apt-get install openjdk-17-jdk-headless unzip)" >&2; exit 1; }
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/build-tlc.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
mkdir "$DIR/classes"
CLASSPATH_JARS=$(find "$TOOLS/lib" -name '*.jar' | tr '\n' ':')
(cd "$TOOLS/src" && find . -name '*.java') > "$DIR/sources.txt"
echo "compiling $(wc -l < "$DIR/sources.txt") sources from $TOOLS/src"
(cd "$TOOLS/src" && javac -nowarn -encoding UTF-8 -d "$DIR/classes" -cp "$CLASSPATH_JARS" @"$DIR/sources.txt") \
  > "$DIR/javac.log" 2>&1 || { tail -30 "$DIR/javac.log" >&2; echo "error: javac failed" >&2; exit 1; }
(cd "$TOOLS/src" && find . -type f ! -name '*.java' -exec cp --parents {} "$DIR/classes/" \;)
for lib in javax.mail gson jline; do
  [ -d "$TOOLS/lib/$lib" ] || continue
  find "$TOOLS/lib/$lib" -name '*.jar' -print0 | while IFS= read -r -d '' j; do
    (cd "$DIR/classes" && unzip -qo "$j" -x 'META-INF/*')
  done
done
jar cf "$DIR/tla2tools.jar" -C "$DIR/classes" .
mv -n "$DIR/tla2tools.jar" "$OUT"
[ -e "$OUT" ] || { echo "error: could not write '$OUT'" >&2; exit 1; }
echo "wrote $OUT ($(git -C "$CHECKOUT" rev-parse --short HEAD 2>/dev/null || echo 'commit unknown'))"
