#!/usr/bin/env bash
# Run here (not on the GPU machine) before the device call: copies Debian's googletest sources into
# .gpu/ (ignored by git), which the call then carries (`carry: [".gpu"]`), so run.sh can build the
# CUDA unit tests on a machine without libgtest-dev.
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=${GOOGLETEST_SRC:-/usr/src/googletest}
[[ -f $SRC/CMakeLists.txt ]] || { echo "prepare.sh: no googletest sources at $SRC" >&2; exit 1; }
rm -rf "$ROOT/.gpu/googletest"
mkdir -p "$ROOT/.gpu"
cp -r "$SRC" "$ROOT/.gpu/googletest"
du -sh "$ROOT/.gpu"
