#!/usr/bin/env bash
# Stops the network deployments/localhost/start.sh started: SIGTERM to every node (workers and the
# validator first, the coordinator last, so it sees them leave), then waits; a node still running
# after 20 s is killed. Keeps the state in $SEEDGRID_RUN (a later start.sh resumes from it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run=${SEEDGRID_RUN:-$root/out/localhost}
shopt -s nullglob
# The coordinator's file as a glob too: nullglob drops only patterns, so a literal path to a file
# already removed (a second stop) failed at `cat`.
pids=("$run"/pids/worker-*.pid "$run"/pids/validator-*.pid "$run"/pids/coordinator[.]pid)
if [ ${#pids[@]} -eq 0 ]; then
  echo "stop.sh: no pid files in $run/pids: nothing to stop"
  exit 0
fi
for f in "${pids[@]}"; do
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; fi
done
status=0
for f in "${pids[@]}"; do
  pid=$(cat "$f")
  name=$(basename "$f" .pid)
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name (pid $pid) did not stop within 20 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    status=1
  else
    echo "stopped $name"
  fi
  rm -f "$f"
done
exit $status
