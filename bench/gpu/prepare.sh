#!/usr/bin/env bash
# Run here (not on the GPU machine) before the device call: copies Debian's googletest sources into
# .gpu/ (ignored by git), which the call then carries (`carry: [".gpu"]`), so run.sh can build the
# CUDA unit tests on a machine without libgtest-dev; and, when BUILD (default build-dev) has
# bench_record_renders, records the shapes model's CPU renders into .gpu/cross_class/cpu, which
# run.sh replays on the GPU (the job set of shapes_jobs.sh, as its crossclass step).
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=${GOOGLETEST_SRC:-/usr/src/googletest}
[[ -f $SRC/CMakeLists.txt ]] || { echo "prepare.sh: no googletest sources at $SRC" >&2; exit 1; }
rm -rf "$ROOT/.gpu/googletest"
mkdir -p "$ROOT/.gpu"
cp -r "$SRC" "$ROOT/.gpu/googletest"
RECORD=${BUILD:-$ROOT/build-dev}/bench/cross_class/bench_record_renders
if [[ -x $RECORD ]]; then
  rm -rf "$ROOT/.gpu/cross_class"
  bash "$ROOT/bench/gpu/shapes_jobs.sh" "$RECORD" cpu "$ROOT/.gpu/cross_class/cpu" | tail -n 1
else
  echo "prepare.sh: no $RECORD: the GPU run will record its renders but replay no CPU ones" >&2
fi
du -sh "$ROOT/.gpu"
