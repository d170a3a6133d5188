#!/usr/bin/env bash
# Builds the Go load generator (../shared/loadgen) into bench/bin/loadgen.
# Installs golang-go with apt if `go` is missing. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${LOADGEN_SRC:-$here/../../shared/loadgen}"
out="$here/bin/loadgen"

if ! command -v go >/dev/null 2>&1; then
  echo "setup: installing golang-go" >&2
  # Another process may hold the dpkg lock (a parallel install): wait and retry.
  for i in $(seq 1 60); do
    if apt-get install -y golang-go >/dev/null; then break; fi
    echo "setup: apt-get failed (lock held?), retry $i/60 in 5 s" >&2
    sleep 5
  done
  command -v go >/dev/null 2>&1 || { echo "setup: go is still missing" >&2; exit 1; }
fi

# Rebuild only when a loadgen source is newer than the binary.
if [ -x "$out" ] && [ -z "$(find "$src" -newer "$out" -name '*.go' -o -newer "$out" -name go.mod | head -1)" ]; then
  echo "setup: $out is up to date"
  exit 0
fi
mkdir -p "$here/bin"
"$src/build.sh" "$out" >/dev/null
echo "setup: built $out"
