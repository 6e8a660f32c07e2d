#!/usr/bin/env bash
# The embedded default: a whole seedgrid network in one process (coordinator, treasury, three CPU
# workers, a validator) renders four prompts (one request each, 4 images per prompt, 20 steps) with
# the trained shapes model (models/zoo/shapes/model, copied into out/sim-data on first run).
# Installs missing Debian packages, builds build/ (Release), then runs `seedgrid sim`.
# Images go to out/sim/, the network's keys, journal and ledger to out/sim-data/.
# Then the network keeps serving behind the HTTP gateway: it prints the web studio's URL and an API
# key (`studio: http://127.0.0.1:8080/  api key: sg-...`) and runs until Ctrl-C. --no-serve renders
# and exits; SEEDGRID_STUDIO=HOST:PORT picks the address (default 127.0.0.1:8080).
# Extra arguments are passed to `seedgrid sim` (e.g. --count 8 --workers 4, --prompt "..." once per
# prompt, or --model tiny for the random-weight test model).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SEEDGRID_BUILD_DIR:-$root/build}
jobs=${SEEDGRID_JOBS:-$(nproc)}

echo "== installing dependencies"
"$root/deployments/install-deps.sh"
echo "== building $build (Release, -j$jobs)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEEDGRID_BUILD_TESTS=OFF \
  -DSEEDGRID_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target seedgrid
serve=(--serve "${SEEDGRID_STUDIO:-127.0.0.1:8080}")
args=()
for a in "$@"; do
  if [[ $a == --no-serve ]]; then serve=(); else args+=("$a"); fi
done
echo "== running the network"
cd "$root"
exec "$build/seedgrid" sim --out out/sim --data out/sim-data "${serve[@]}" "${args[@]}"
