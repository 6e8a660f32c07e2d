#!/bin/bash
# Usage: bench/dispatch/profile.sh BINARY [WHERE] -- [dispatch_bench options]
#   e.g. profile.sh build/bench/dispatch/dispatch_bench /dev/shm -- --requests 300 --jobs 100 \
#          --workers 100
# Records one dispatch_bench run (part 1 alone: pass --workers) with perf, call graphs from DWARF,
# on an empty data directory made under WHERE (default /tmp) and removed after, then prints each
# role's share of the samples and its heaviest functions (profile_roles.py). Needs perf (Debian's
# linux-perf) and python3. The perf data stays in a temporary folder it names, for perf report.
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
bin=$1
shift
where=/tmp
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  where=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
[ -x "$bin" ] || { echo "profile.sh: $bin is not an executable dispatch_bench" >&2; exit 2; }
[ -d "$where" ] || { echo "profile.sh: $where is not a directory" >&2; exit 2; }
command -v perf > /dev/null || { echo "profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
data=$(mktemp -d "$where/dispatch-profile.XXXXXX")
out=$(mktemp -d /tmp/dispatch-profile-perf.XXXXXX)
trap 'rm -rf "$data"' EXIT

perf record -q -o "$out/perf.data" -F 150 --call-graph dwarf,16384 \
  "$bin" --data "$data" "$@" | grep -E '^\|' || true
perf script -i "$out/perf.data" -F ip,sym 2> /dev/null > "$out/samples.txt"
echo
python3 "$(dirname "$0")/profile_roles.py" "$out/samples.txt"
echo
echo "perf data: $out/perf.data (perf report -i $out/perf.data --children)"
