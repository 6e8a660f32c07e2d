#!/usr/bin/env bash
# Builds the fuzz targets as libFuzzer binaries (clang, AddressSanitizer + UndefinedBehaviorSanitizer)
# in build-fuzz/ and runs each for a bounded time on a copy of its seed corpus.
#
#   tests/fuzz/run.sh                  every target, 8 s each (about 60 s of fuzzing in all)
#   tests/fuzz/run.sh --seconds 600    longer, by hand
#   tests/fuzz/run.sh --merge receipt  keep what found new coverage in tests/fuzz/corpus/receipt/
#
# A crash leaves its input in build-fuzz/artifacts/ and the script exits 1: copy the input into
# tests/fuzz/corpus/<target>/ (so ctest replays it from then on) and fix the parser.
# Needs clang 19 and its libFuzzer (Debian: apt-get install clang-19 libclang-rt-19-dev); clang 14
# cannot compile std::expected against Debian 12's libstdc++.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SEEDGRID_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=8
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "tests/fuzz/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$root"/tests/fuzz/*_fuzz.cpp; do t=$(basename "$f" _fuzz.cpp); targets+=("$t"); done
fi

cxx=${SEEDGRID_FUZZ_CXX:-clang++-19}
cc=${SEEDGRID_FUZZ_CC:-clang-19}
if ! command -v "$cxx" >/dev/null; then
  echo "tests/fuzz/run.sh: $cxx not found; install it with: apt-get install clang-19 libclang-rt-19-dev" >&2
  exit 2
fi
if ! "$cxx" -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q /; then
  echo "tests/fuzz/run.sh: $cxx has no libFuzzer; install libclang-rt-19-dev" >&2
  exit 2
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" \
  -DSEEDGRID_FUZZ=ON -DSEEDGRID_CUDA=OFF -DSEEDGRID_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${SEEDGRID_JOBS:-2}" --target "${targets[@]/%/_fuzz}"

mkdir -p "$build/artifacts" "$build/logs"
# Stack traces with function names (clang-19's package has no symbolizer of its own).
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)}
status=0
printf '%-24s %12s %10s %8s %8s  %s\n' target executions exec/s cov corpus result
for t in "${targets[@]}"; do
  seeds="$root/tests/fuzz/corpus/$t"
  work="$build/corpus/$t"
  mkdir -p "$work"
  log="$build/logs/$t.log"
  # New inputs go to the work folder; the repository's seeds are read, never written.
  # UBSan and ASan abort on the first finding so libFuzzer saves the input.
  set +e
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FOUND: $(ls -t "$build/artifacts/$t-"* 2>/dev/null | head -1) (log $log)"
    status=1
  fi
  printf '%-24s %12s %10s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$result"
  if [ $merge -eq 1 ] && [ $rc -eq 0 ]; then
    "$build/tests/fuzz/${t}_fuzz" -merge=1 "$seeds" "$work" >>"$log" 2>&1
  fi
done
exit $status
