#!/bin/bash
# Usage: bench/dispatch/compare.sh BEFORE AFTER ROUNDS [WHERE] -- [dispatch_bench options]
#   e.g. compare.sh /tmp/dispatch_old build/bench/dispatch/dispatch_bench 8 /dev/shm -- \
#          --requests 300 --jobs 100 --workers 100
# Runs two dispatch_bench binaries (part 1 alone: pass --workers) in ABBA order, ROUNDS runs each,
# each on an empty data directory made under WHERE (default /tmp; /dev/shm for tmpfs) and removed
# after, and prints every run and the medians of jobs/s and of CPU seconds (user + sys). On a
# shared or paravirtualised machine the speed drifts by more than most changes between minutes
# (bench/RESULTS.md, session 29): compare medians of interleaved runs, never two runs apart.
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
before=$1 after=$2 rounds=$3
shift 3
where=/tmp
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  where=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
for bin in "$before" "$after"; do
  [ -x "$bin" ] || { echo "compare.sh: $bin is not an executable dispatch_bench" >&2; exit 2; }
done
case "$rounds" in
  '' | *[!0-9]* | 0) echo "compare.sh: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2 ;;
esac
[ -d "$where" ] || { echo "compare.sh: $where is not a directory" >&2; exit 2; }
data=$(mktemp -d "$where/dispatch-compare.XXXXXX")
results=$(mktemp /tmp/dispatch-compare-results.XXXXXX)
trap 'rm -rf "$data" "$results"' EXIT

run() {  # run LABEL BINARY: one run, one line "LABEL jobs/s cpu_s"
  rm -rf "$data"
  mkdir -p "$data"
  local out
  local TIMEFORMAT='cpu %U %S'  # bash's own `time`: the child's user and system seconds
  out=$( { time "$2" --data "$data" "${@:3}" 2>&1; } 2>&1 ) || {
    echo "compare.sh: $2 failed:" >&2
    echo "$out" | tail -20 >&2
    exit 1
  }
  local jobs cpu
  jobs=$(echo "$out" | awk -F'|' '/^\| *[0-9]+ *\|/ { gsub(/ /, "", $6); j = $6 } END { print j }')
  cpu=$(echo "$out" | awk '/^cpu / { printf "%.2f", $2 + $3 }')
  [ -n "$jobs" ] || { echo "compare.sh: no jobs/s in $2's output:" >&2; echo "$out" | tail -20 >&2; exit 1; }
  echo "$1 $jobs $cpu" | tee -a "$results"
}

for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 1 ]; then
    run before "$before" "$@"
    run after "$after" "$@"
  else
    run after "$after" "$@"
    run before "$before" "$@"
  fi
done

median() {  # median LABEL COLUMN
  awk -v l="$1" -v c="$2" '$1 == l { print $c }' "$results" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
jb=$(median before 2) ja=$(median after 2) cb=$(median before 3) ca=$(median after 3)
echo "median jobs/s: before $jb, after $ja ($(awk -v a="$ja" -v b="$jb" 'BEGIN { printf "%+.1f %%", (a / b - 1) * 100 }'))"
echo "median CPU s:  before $cb, after $ca ($(awk -v a="$ca" -v b="$cb" 'BEGIN { printf "%+.1f %%", (a / b - 1) * 100 }'))"
