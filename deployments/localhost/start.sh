#!/usr/bin/env bash
# Starts a seedgrid network as separate processes on 127.0.0.1: a coordinator with its treasury,
# three workers and a validator, each `seedgrid node --config ...` with its own key and log. Every
# link runs TLS; the workers and the validator pin the coordinator's key (coordinator_key).
# State lives in $SEEDGRID_RUN (default: out/localhost): configs, keys, logs, pid files, a copy of
# the trained shapes model (models/zoo/shapes/model; SEEDGRID_MODEL=tiny uses the random-weight tiny
# preset instead), the coordinator's journal and the ledger. Stop it with deployments/localhost/stop.sh.
#
#   deployments/localhost/start.sh            # build/seedgrid must exist (deployments/local/run.sh)
#   build/seedgrid generate --coordinator 127.0.0.1:7400 --key out/localhost/keys/client.key \
#       --prompt "a large red circle in the centre on a blue background" --count 8 --width 64 \
#       --height 64 --steps 20 --cfg 5 --out out/localhost/images
#   build/seedgrid status --coordinator 127.0.0.1:7400
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seedgrid=${SEEDGRID_BIN:-$root/build/seedgrid}
run=${SEEDGRID_RUN:-$root/out/localhost}
port=${SEEDGRID_PORT:-7400}
workers=${SEEDGRID_WORKERS:-3}

# Checked before anything is made: a bad value would otherwise surface as a JSON error in a
# generated config, or as a network with no worker that never comes up.
case "$port" in
  '' | *[!0-9]*) echo "start.sh: SEEDGRID_PORT must be a port number, found '$port'" >&2; exit 1 ;;
esac
if (( 10#$port < 1 || 10#$port > 65535 )); then
  echo "start.sh: SEEDGRID_PORT must be from 1 to 65535, found $port" >&2; exit 1
fi
case "$workers" in
  '' | *[!0-9]*) echo "start.sh: SEEDGRID_WORKERS must be a number of workers, found '$workers'" >&2; exit 1 ;;
esac
if (( 10#$workers < 1 || 10#$workers > 64 )); then
  echo "start.sh: SEEDGRID_WORKERS must be from 1 to 64 (the network needs a worker), found $workers" >&2
  exit 1
fi
port=$((10#$port)) workers=$((10#$workers))

[ -x "$seedgrid" ] || { echo "start.sh: $seedgrid not found; build it first (deployments/local/run.sh)" >&2; exit 1; }
if ls "$run"/pids/*.pid >/dev/null 2>&1; then
  echo "start.sh: a network seems to run from $run already (pid files in $run/pids); stop.sh first" >&2
  exit 1
fi
mkdir -p "$run"/{keys,logs,pids,config}

model=${SEEDGRID_MODEL:-shapes}
if [ ! -f "$run/model-$model/model_index.json" ]; then
  if [ "$model" = tiny ]; then
    echo "== creating the tiny test model"
    "$seedgrid" mkmodel --preset tiny --seed 1 --out "$run/model-tiny" | tail -1
  else
    echo "== copying the shapes model"
    cp -r "$root/models/zoo/shapes/model" "$run/model-shapes"
  fi
fi

# The client's credits, deposited before the treasury node opens the ledger.
[ -f "$run/keys/client.key" ] || "$seedgrid" keygen --out "$run/keys/client.key" >/dev/null
[ -f "$run/keys/coordinator.key" ] || "$seedgrid" keygen --out "$run/keys/coordinator.key" >/dev/null
client=$("$seedgrid" keygen --show --out "$run/keys/client.key")
coordinator_id=$("$seedgrid" keygen --show --out "$run/keys/coordinator.key")
# The coordinator admits only the validators it lists (or bonded ones): this network's own.
[ -f "$run/keys/validator-0.key" ] || "$seedgrid" keygen --out "$run/keys/validator-0.key" >/dev/null
validator_id=$("$seedgrid" keygen --show --out "$run/keys/validator-0.key")
if [ ! -f "$run/coordinator/ledger.sqlite" ]; then
  echo "== creating the ledger and depositing 100 credits for user:$client"
  mkdir -p "$run/coordinator"
  echo '{"min_stake_fast": 0}' > "$run/config/economics.json"
  "$seedgrid" ledger init --db "$run/coordinator/ledger.sqlite" --key "$run/keys/coordinator.key" \
    --economics "$run/config/economics.json" >/dev/null
  "$seedgrid" ledger deposit --db "$run/coordinator/ledger.sqlite" --key "$run/keys/coordinator.key" \
    --account "user:$client" --amount 100 --idem localhost/initial-deposit >/dev/null
fi

network='"network": {"heartbeat_interval_ms": 1000, "connection_timeout_ms": 5000}'
# The shipped task scripts, registered by file name (txt2img is built in): workers and validators
# fetch each by its hash from the coordinator, so only the coordinator names them.
task_types=""
for script in "$root"/models/tasks/*.lua; do
  name=$(basename "$script" .lua)
  [ "$name" = txt2img ] && continue
  task_types="$task_types${task_types:+, }{\"name\": \"$name\", \"path\": \"$script\"}"
done
cat > "$run/config/coordinator.json" <<JSON
{
  "roles": ["coordinator", "treasury"],
  "node": {"name": "coordinator", "key_file": "../keys/coordinator.key", "data_dir": "../coordinator"},
  $network,
  "coordinator": {
    "listen": {"host": "127.0.0.1", "port": $port},
    "models": [{"path": "../model-$model", "name": "$model", "creator": "creator:localhost"}],
    "audit": {"rate": 0.25},
    "task_types": [$task_types],
    "validator_allowlist": ["$validator_id"]
  },
  "treasury": {"database": "../coordinator/ledger.sqlite", "economics": {"min_stake_fast": 0}}
}
JSON
for i in $(seq 0 $((workers - 1))); do
  cat > "$run/config/worker-$i.json" <<JSON
{
  "roles": ["worker"],
  "node": {"name": "worker-$i", "key_file": "../keys/worker-$i.key"},
  $network,
  "worker": {"coordinator": {"host": "127.0.0.1", "port": $port}, "coordinator_key": "$coordinator_id",
             "models": [{"path": "../model-$model"}], "threads": 1}
}
JSON
done
cat > "$run/config/validator-0.json" <<JSON
{
  "roles": ["validator"],
  "node": {"name": "validator-0", "key_file": "../keys/validator-0.key"},
  $network,
  "validator": {"coordinator": {"host": "127.0.0.1", "port": $port}, "coordinator_key": "$coordinator_id",
                "models": [{"path": "../model-$model"}], "threads": 1}
}
JSON

start() {
  local name=$1
  "$seedgrid" node --config "$run/config/$name.json" >"$run/logs/$name.log" 2>&1 &
  echo $! > "$run/pids/$name.pid"
  echo "started $name (pid $!, log $run/logs/$name.log)"
}
start coordinator
for i in $(seq 0 $((workers - 1))); do start "worker-$i"; done
start validator-0

# Ready once every worker and the validator is listed as connected; a coordinator that exited (its
# port taken, a bad config) ends the wait at once with its log's last lines, and the nodes started
# for it are stopped. A deadline, not a count of polls: a status call can take its whole timeout.
expected=$((workers + 1))
coordinator_pid=$(cat "$run/pids/coordinator.pid")
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
  if ! kill -0 "$coordinator_pid" 2>/dev/null; then
    echo "start.sh: the coordinator exited; the end of $run/logs/coordinator.log:" >&2
    tail -n 5 "$run/logs/coordinator.log" >&2
    SEEDGRID_RUN="$run" "$root/deployments/localhost/stop.sh" >/dev/null 2>&1 || true
    exit 1
  fi
  up=$("$seedgrid" status --coordinator "127.0.0.1:$port" --coordinator-key "$coordinator_id" --timeout 2 2>/dev/null | grep -cE '^(worker|validator) .* up ' || true)
  if [ "${up:-0}" -ge "$expected" ]; then
    echo "network up: coordinator 127.0.0.1:$port, $workers workers, 1 validator"
    echo "try: $seedgrid generate --coordinator 127.0.0.1:$port --coordinator-key $coordinator_id --key $run/keys/client.key --prompt 'a large red circle in the centre on a blue background' --count 8 --width 64 --height 64 --steps 20 --cfg 5 --out $run/images"
    exit 0
  fi
  sleep 0.5
done
echo "start.sh: the network did not come up within 60 s; see $run/logs/" >&2
exit 1
