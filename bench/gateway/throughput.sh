#!/usr/bin/env bash
# Gateway throughput on the polling routes, measured with wrk (Debian's `wrk`; a C load generator,
# so the client is not the bottleneck as a Node one is). Starts `seedgrid sim --serve` on a free
# port, makes one finished 1-image request, then for each route (check, status, both in turn) and
# each connection count runs wrk for SECONDS and prints one line: requests/s, p50, p99, errors, and
# the gateway process's CPU per request (from /proc/PID/stat), which does not depend on the load
# generator sharing the cores.
#   bench/gateway/throughput.sh BUILD_DIR [SECONDS=10] [THREADS=1] [CONNECTIONS="50 1000"]
set -euo pipefail
build=${1:?usage: throughput.sh BUILD_DIR [SECONDS] [THREADS] [CONNECTIONS]}
seconds=${2:-10}
threads=${3:-1}
connections=${4:-"50 1000"}
command -v wrk > /dev/null || { echo "throughput.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
ulimit -n 65536 2> /dev/null || true
work=$(mktemp -d)
trap 'kill $sim 2> /dev/null; wait $sim 2> /dev/null; rm -rf "$work"' EXIT
(cd "$work" && exec "$build/seedgrid" sim --serve 127.0.0.1:0 --serve-rate 100000000 \
  --serve-threads "$threads" --count 1 --steps 2 --size 32 > sim.out 2>&1) &
sim=$!
for _ in $(seq 300); do grep -q '^studio: ' "$work/sim.out" && break; sleep 0.2; done
line=$(grep '^studio: ' "$work/sim.out") || { cat "$work/sim.out" >&2; exit 1; }
base=$(sed -E 's#^studio: (http://[^/]+)/.*#\1#' <<< "$line")
key=$(sed -E 's#.*api key: ([^ ]+).*#\1#' <<< "$line")
pid=$(pgrep -P "$sim" seedgrid || echo "$sim")
id=$(curl -sf -X POST -H "apikey: $key" -H 'content-type: application/json' \
  -d '{"prompt":"load","params":{"width":32,"height":32,"steps":2,"n":1},"r2":true}' \
  "$base/api/v2/generate/async" | sed -E 's/.*"id":"([^"]+)".*/\1/')
for _ in $(seq 300); do
  curl -sf -H "apikey: $key" "$base/api/v2/generate/check/$id" | grep -q '"done":true' && break
  sleep 0.2
done
cat > "$work/both.lua" << LUA
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v2/generate/" .. ((n % 2 == 0) and "status" or "check") .. "/$id")
end
LUA
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
tick=$(getconf CLK_TCK)
echo "gateway I/O threads: $threads; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %6s %10s %9s %9s %7s %14s\n' route conns 'req/s' p50 p99 errors 'cpu/request'
for route in check status both; do
  for c in $connections; do
    args=(-t 2 -c "$c" -d "${seconds}s" --latency -H "apikey: $key")
    if [ "$route" = both ]; then args+=(-s "$work/both.lua" "$base"); else
      args+=("$base/api/v2/generate/$route/$id"); fi
    before=$(cpu)
    out=$(wrk "${args[@]}")
    after=$(cpu)
    total=$(awk '/requests in/ {print $1}' <<< "$out")
    rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<< "$out")
    p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    errors=$(awk '/Non-2xx|Socket errors/ {s = s $0 "; "} END {print (s == "" ? 0 : s)}' <<< "$out")
    per=$(awk -v t="$((after - before))" -v n="$total" -v hz="$tick" 'BEGIN {printf "%.3f ms", 1000 * t / hz / n}')
    printf '%-7s %6s %10s %9s %9s %7s %14s\n' "$route" "$c" "$rps" "$p50" "$p99" "$errors" "$per"
  done
done
