#!/usr/bin/env bash
# The README's test command: checks that every include runs down the layers
# (tests/layers/check_layers.sh, seconds, before anything is built), installs the dependencies,
# builds everything (test-only fault modes compiled in) in build-tests/, and runs every test
# through ctest. Exit status is ctest's, or 1 when the layer check fails. When a test fails, its
# GoogleTest failure lines are repeated after ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SEEDGRID_TEST_BUILD_DIR:-$root/build-tests}
jobs=${SEEDGRID_JOBS:-2}

bash "$root/tests/layers/check_layers.sh" "$root"
"$root/deployments/install-deps.sh" --tests
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEEDGRID_TEST_FAULTS=ON >/dev/null
echo "tests/run.sh: building in $build with -j$jobs"
cmake --build "$build" -j"$jobs"
cd "$build"
set +e
ctest --output-on-failure -j"$jobs" --timeout 900 "$@" 2>&1 | tee "$build/ctest-output.log"
status=${PIPESTATUS[0]}
set -e
# A failure's cause sits far above ctest's closing list, and CI may keep only the tail: repeat each
# failed check's GoogleTest lines (file:line, expected, actual, message) at the very end.
if [ "$status" -ne 0 ]; then
  echo "tests/run.sh: why the failed tests failed (GoogleTest's lines; their whole output is above):"
  awk '/^\[ RUN +\]/ { test = $NF }
       /: Failure$/ { print "  " test ", " $1; left = 6; next }
       left > 0 { if ($0 ~ /^\[/) left = 0; else { print "    " $0; --left } }' \
    "$build/ctest-output.log" | head -80
fi
exit "$status"
