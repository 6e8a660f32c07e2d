#!/usr/bin/env bash
# The one script a GPU session runs through the device tool (about 9 minutes, under its 10-minute
# limit per command). From the repository root on the GPU machine:
#   bash bench/gpu/run.sh            # every step
#   STEPS="build tests" bash bench/gpu/run.sh   # a subset: env gtest build tests crossclass shapes
#                                                # preset seedgrid torch
# Steps: record the machine; build googletest from .gpu/googletest when it was carried (the GPU
# machine has no Debian -dev packages; bench/gpu/prepare.sh copies it here); configure and build
# core-only with CUDA for sm_90 only; run tests/unit/cuda; record the shapes model's renders on the
# GPU and replay the CPU's (bench/cross_class: carried in .gpu/cross_class/cpu, made by prepare.sh),
# which bench_compare_classes judges back on the CPU machine; time the shapes model's renders (its
# own JSON, shapes.json, outside results.md's table); write the sd15 preset; bench our
# backend (bench_gpu_render) and PyTorch (bench/reference/torch_bench.py) on it; write
# $OUT/results.md in the format of bench/RESULTS.md. Every step has its own time limit, and a
# failing step is recorded in $OUT/steps.tsv and results.md while the next ones still run.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/out/gpu}
mkdir -p "$OUT"
BUILD=${BUILD:-/tmp/seedgrid-gpu-build}
MODEL=${MODEL:-/tmp/seedgrid-sd15}
STEPS=${STEPS:-env gtest build tests crossclass shapes preset seedgrid torch}
TOTAL_S=${TOTAL_S:-550}  # the whole script; the torch step gets what the others leave
START=$(date +%s)
JOBS=$(nproc)
: >"$OUT/steps.tsv"

wants() { [[ " $STEPS " == *" $1 "* ]]; }
left() { echo $((TOTAL_S - ($(date +%s) - START))); }
# step NAME SECONDS COMMAND...: runs it under timeout, output to $OUT/NAME.txt, records the status.
step() {
  local name=$1 limit=$2
  shift 2
  if ((limit < 5)); then
    printf '%s\t%s\t%s\n' "$name" "skipped (no time left)" 0 >>"$OUT/steps.tsv"
    return 1
  fi
  local t0=$(date +%s)
  echo "== $name (limit ${limit}s)"
  timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.txt" 2>&1
  local rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" $(($(date +%s) - t0)) >>"$OUT/steps.tsv"
  tail -n 25 "$OUT/$name.txt"
  return $rc
}

if wants env; then
  step env 30 bash -c 'nvidia-smi; nvcc --version; g++ --version | head -1; cmake --version | head -1;
    ninja --version; python3 -c "import torch; print(\"torch\", torch.__version__, torch.cuda.is_available())"'
fi

GTEST_ARGS=(-DSEEDGRID_BUILD_TESTS=OFF)
if wants gtest && [[ -d $ROOT/.gpu/googletest ]]; then
  step gtest 120 bash -c "cmake -S '$ROOT/.gpu/googletest' -B /tmp/gtest-build -G Ninja \
      -DCMAKE_BUILD_TYPE=Release -DBUILD_GMOCK=OFF -DCMAKE_INSTALL_PREFIX=/tmp/gtest &&
    cmake --build /tmp/gtest-build -j$JOBS && cmake --install /tmp/gtest-build" &&
    GTEST_ARGS=(-DSEEDGRID_BUILD_TESTS=ON -DGTest_ROOT=/tmp/gtest)
elif [[ -f /usr/include/gtest/gtest.h ]]; then
  GTEST_ARGS=(-DSEEDGRID_BUILD_TESTS=ON)
fi

if wants build; then
  TARGETS=(bench_gpu_render bench_record_renders)
  [[ ${GTEST_ARGS[0]} == -DSEEDGRID_BUILD_TESTS=ON ]] && TARGETS+=(cuda_unit_tests)
  # -k 0: a test file that does not compile must not stop the bench from building.
  step build 240 bash -c "cmake -S '$ROOT' -B '$BUILD' -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSEEDGRID_CORE_ONLY=ON -DSEEDGRID_CUDA=ON -DSEEDGRID_CUDA_ARCHS=90 ${GTEST_ARGS[*]} &&
    cmake --build '$BUILD' -j$JOBS --target ${TARGETS[*]} -- -k 0"
fi
BENCH=$BUILD/bench/gpu_render/bench_gpu_render

if wants tests; then
  if [[ -x $BUILD/tests/unit/cuda/cuda_unit_tests ]]; then
    step cuda_tests 120 "$BUILD/tests/unit/cuda/cuda_unit_tests" --gtest_color=no
  else
    printf '%s\t%s\t%s\n' cuda_tests "not built (no googletest: run bench/gpu/prepare.sh and carry .gpu)" 0 >>"$OUT/steps.tsv"
  fi
fi

RECORD=$BUILD/bench/cross_class/bench_record_renders
if wants crossclass; then
  # shapes_jobs.sh: the job set of prepare.sh's CPU records, so the folders pair up.
  JOBS_SH=$ROOT/bench/gpu/shapes_jobs.sh
  step crossclass 90 bash -c "bash '$JOBS_SH' '$RECORD' cuda '$OUT/cross_class/cuda' &&
    if [[ -d '$ROOT/.gpu/cross_class/cpu' ]]; then bash '$JOBS_SH' '$RECORD' cuda \
      '$OUT/cross_class/cuda-replays-cpu' '$ROOT/.gpu/cross_class/cpu'; else
      echo 'no CPU records carried'; fi"
fi

if wants shapes; then
  step shapes 60 "$BENCH" --backend cuda --model "$ROOT/models/zoo/shapes/model" \
    --rows unet_step,e2e --steps 20 --e2e-batch 64 --warmup 2 --iters 10 --row-budget 10 \
    --json "$OUT/shapes.json"
fi

if wants preset; then
  rm -rf "$MODEL"
  step preset 120 "$BENCH" --write-preset sd15 "$MODEL"
fi

if wants seedgrid; then
  step seedgrid $(($(left) > 330 ? 150 : $(left) / 2)) "$BENCH" --backend cuda --model "$MODEL" \
    --warmup 2 --iters 10 --row-budget 12 --json "$OUT/seedgrid.json"
fi

if wants torch; then
  # reduce-overhead (CUDA graphs) before plain compile: it is the row issue 5 sets the target by.
  step torch $(($(left) - 15)) env PYTHONUNBUFFERED=1 python3 "$ROOT/bench/reference/torch_bench.py" \
    --model "$MODEL" --device cuda --modes eager,reduce-overhead,compile --warmup 2 --iters 10 \
    --row-budget 12 --json "$OUT/torch.json"
fi

GPU=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
python3 "$ROOT/bench/gpu/report.py" --gpu "${GPU:-no GPU found}" --date "$(date -u +%Y-%m-%d)" \
  --command "bash bench/gpu/run.sh (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))" \
  --steps "$OUT/steps.tsv" "$OUT/seedgrid.json" "$OUT/torch.json" >"$OUT/results.md"
echo "== results.md ($(($(date +%s) - START)) s)"
cat "$OUT/results.md"
