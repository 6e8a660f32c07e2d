#!/usr/bin/env bash
# Stops the nodes deployments/netns/start.sh started (SIGTERM, then SIGKILL after 20 s) and removes
# its namespaces and bridge. Keeps the state in $SEEDGRID_RUN.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run=${SEEDGRID_RUN:-$root/out/netns}
[ "$(id -u)" -eq 0 ] || { echo "netns/stop.sh: needs root (ip netns)" >&2; exit 1; }
shopt -s nullglob
pids=("$run"/pids/worker-*.pid "$run"/pids/validator-*.pid "$run"/pids/coordinator.pid)
for f in "${pids[@]}"; do kill -TERM "$(cat "$f")" 2>/dev/null; done
for f in "${pids[@]}"; do
  pid=$(cat "$f")
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "$(basename "$f" .pid) did not stop; killing it" >&2; kill -KILL "$pid"; }
  echo "stopped $(basename "$f" .pid)"
  rm -f "$f"
done
for ns in $(ip netns list | awk '/^sg-/ {print $1}'); do ip netns del "$ns"; done
ip link del sgbr0 2>/dev/null || true
echo "namespaces and bridge removed"
