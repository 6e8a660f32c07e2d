#!/usr/bin/env bash
# Several "hosts" on one machine: each seedgrid node runs in its own network namespace with its own
# address on a private bridge (10.77.0.0/24), so every link between nodes is real TCP between
# different IP addresses — what a deployment across machines sees, without the machines. Needs
# root (ip netns). Stop with deployments/netns/stop.sh.
#
#   coordinator + treasury  10.77.0.10:7400   (namespace sg-coordinator)
#   worker-N                10.77.0.2N        (namespace sg-worker-N)
#   validator-0             10.77.0.30        (namespace sg-validator-0)
#   this shell              10.77.0.1         (the bridge sgbr0: clients run from here)
#
# Every link runs TLS; the nodes pin the coordinator's key (coordinator_key), and so can a client:
# Then: build/seedgrid generate --coordinator 10.77.0.10:7400 --key out/netns/keys/client.key \
#           --coordinator-key "$(build/seedgrid keygen --show --out out/netns/keys/coordinator.key)" \
#           --prompt "a lighthouse" --count 8 --width 64 --height 64 --steps 8 --out out/netns/images
# To watch heartbeats declare a silent host dead: ip netns exec sg-worker-0 ip link set eth0 down
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seedgrid=${SEEDGRID_BIN:-$root/build/seedgrid}
run=${SEEDGRID_RUN:-$root/out/netns}
workers=${SEEDGRID_WORKERS:-3}
[ "$(id -u)" -eq 0 ] || { echo "netns/start.sh: needs root (ip netns)" >&2; exit 1; }
[ -x "$seedgrid" ] || { echo "netns/start.sh: $seedgrid not found; build it first" >&2; exit 1; }
if ip link show sgbr0 >/dev/null 2>&1; then
  echo "netns/start.sh: bridge sgbr0 exists: a network runs already (stop.sh first)" >&2
  exit 1
fi
mkdir -p "$run"/{keys,logs,pids,config}

ip link add sgbr0 type bridge
ip addr add 10.77.0.1/24 dev sgbr0
ip link set sgbr0 up

host() {  # host NAME ADDRESS: a namespace wired to the bridge
  local ns="sg-$1" veth="sgv$2"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master sgbr0 up
  ip netns exec "$ns" ip addr add "10.77.0.$2/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
  ip netns exec "$ns" ip link set lo up
}

if [ ! -f "$run/model-tiny/model_index.json" ]; then
  "$seedgrid" mkmodel --preset tiny --seed 1 --out "$run/model-tiny" | tail -1
fi
[ -f "$run/keys/client.key" ] || "$seedgrid" keygen --out "$run/keys/client.key" >/dev/null
[ -f "$run/keys/coordinator.key" ] || "$seedgrid" keygen --out "$run/keys/coordinator.key" >/dev/null
coordinator_id=$("$seedgrid" keygen --show --out "$run/keys/coordinator.key")
client=$("$seedgrid" keygen --show --out "$run/keys/client.key")
# The coordinator admits only the validators it lists (or bonded ones): this network's own.
[ -f "$run/keys/validator-0.key" ] || "$seedgrid" keygen --out "$run/keys/validator-0.key" >/dev/null
validator_id=$("$seedgrid" keygen --show --out "$run/keys/validator-0.key")
if [ ! -f "$run/coordinator/ledger.sqlite" ]; then
  mkdir -p "$run/coordinator"
  echo '{"min_stake_fast": 0}' > "$run/config/economics.json"
  "$seedgrid" ledger init --db "$run/coordinator/ledger.sqlite" --key "$run/keys/coordinator.key" \
    --economics "$run/config/economics.json" >/dev/null
  "$seedgrid" ledger deposit --db "$run/coordinator/ledger.sqlite" --key "$run/keys/coordinator.key" \
    --account "user:$client" --amount 100 --idem netns/initial-deposit >/dev/null
fi

network='"network": {"heartbeat_interval_ms": 1000, "connection_timeout_ms": 5000}'
cat > "$run/config/coordinator.json" <<JSON
{
  "roles": ["coordinator", "treasury"],
  "node": {"name": "coordinator", "key_file": "../keys/coordinator.key", "data_dir": "../coordinator"},
  $network,
  "coordinator": {"listen": {"host": "0.0.0.0", "port": 7400},
                  "models": [{"path": "../model-tiny", "name": "tiny", "creator": "creator:netns"}],
                  "audit": {"rate": 0.25},
                  "validator_allowlist": ["$validator_id"]},
  "treasury": {"database": "../coordinator/ledger.sqlite", "economics": {"min_stake_fast": 0}}
}
JSON
node_config() {  # node_config NAME ROLE
  cat > "$run/config/$1.json" <<JSON
{
  "roles": ["$2"],
  "node": {"name": "$1", "key_file": "../keys/$1.key"},
  $network,
  "$2": {"coordinator": {"host": "10.77.0.10", "port": 7400}, "coordinator_key": "$coordinator_id",
         "models": [{"path": "../model-tiny"}], "threads": 1}
}
JSON
}

start() {  # start NAME: run its node inside its namespace
  ip netns exec "sg-$1" "$seedgrid" node --config "$run/config/$1.json" >"$run/logs/$1.log" 2>&1 &
  echo $! > "$run/pids/$1.pid"
  echo "started $1 in namespace sg-$1 (pid $!)"
}

host coordinator 10
start coordinator
for i in $(seq 0 $((workers - 1))); do
  host "worker-$i" $((20 + i))
  node_config "worker-$i" worker
  start "worker-$i"
done
host validator-0 30
node_config validator-0 validator
start validator-0

expected=$((workers + 1))
for _ in $(seq 1 120); do
  up=$("$seedgrid" status --coordinator 10.77.0.10:7400 --coordinator-key "$coordinator_id" --timeout 2 2>/dev/null | grep -cE '^(worker|validator) .* up ' || true)
  if [ "${up:-0}" -ge "$expected" ]; then
    echo "network up: coordinator 10.77.0.10:7400 (node id $coordinator_id), $workers workers, 1 validator"
    exit 0
  fi
  sleep 0.5
done
echo "netns/start.sh: the network did not come up within 60 s; see $run/logs/" >&2
exit 1
