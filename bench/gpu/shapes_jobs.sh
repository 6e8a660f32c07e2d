#!/usr/bin/env bash
# The shapes model's job set that both sides of the GPU's cross-class comparison record: prepare.sh
# on the CPU, run.sh on the GPU, so that their folders pair up (bench/cross_class).
#   shapes_jobs.sh RECORD BACKEND OUT              render the job set on BACKEND into OUT
#   shapes_jobs.sh RECORD BACKEND OUT WORKER_DIR   replay another class's records of it instead
# RECORD: a bench_record_renders binary. 256 jobs: 8 prompts x 4 seeds x 4 samplers x 8 and 20 steps.
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
record=$1 backend=$2 out=$3
model=$ROOT/models/zoo/shapes/model
if [[ $# -ge 4 ]]; then
  exec "$record" --backend "$backend" --model "$model" --replay-of "$4" --out "$out"
fi
exec "$record" --backend "$backend" --model "$model" \
  --prompts-from "$ROOT/bench/calibrate/shapes_prompts.txt" --seeds 4 --steps 8,20 --out "$out"
