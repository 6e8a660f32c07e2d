#!/bin/bash
# Issue 19's figures for each CPU class on the sd15 preset: load, time before step 1, per-step time
# at 256x256 and 512x512 (CFG) and peak RSS, one process per class and size so each peak is its own.
#
#   bench/cpu_render/sd15.sh [BENCH_BINARY] [MODEL]
#
# MODEL defaults to out/sd15/model.safetensors, written once (not committed) with
#   seedgrid mkmodel --preset sd15 --seed 1 --layout single-file --out out/sd15
# Runs one render at a time: the sd15 preset is 2.1 GB on disk and each render holds it.
set -euo pipefail
bench=${1:-build/bench/cpu_render/bench_cpu_render}
model=${2:-out/sd15/model.safetensors}
steps=${STEPS:-2}
threads=${THREADS:-2}
[[ -f $model ]] || { echo "sd15.sh: $model is missing (see the comment at the top)" >&2; exit 2; }
for precision in f32 f16; do
  for size in 256 512; do
    "$bench" --model "$model" --precision "$precision" --size "$size" --steps "$steps" --threads "$threads"
  done
done
