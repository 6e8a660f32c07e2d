#!/usr/bin/env bash
# The README's test command: checks that every include runs down the layers
# (tests/layers/check_layers.sh, seconds, before anything is built), installs the dependencies,
# builds everything (test-only fault modes compiled in) in build-tests/, and runs every test
# through ctest. Exit status is ctest's, or 1 when the layer check fails.
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
ctest --output-on-failure -j"$jobs" --timeout 900 "$@"
