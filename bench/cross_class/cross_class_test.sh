#!/usr/bin/env bash
# The two tools end to end on the shapes model, on the CPU (seconds): an fp16-storage worker's
# renders judged by an fp32 validator (no fail may come of honest renders), the same class judged
# by itself (every comparison exact), and a tampered record refused with the file named.
#   cross_class_test.sh RECORD COMPARE MODEL PROMPTS WORKDIR
set -u
record=$1 compare=$2 model=$3 prompts=$4 dir=$5
rm -rf "$dir" && mkdir -p "$dir"
jobs=(--seeds 1 --steps 4 --samplers euler,dpmpp_2m --threads 1)
head -n 2 "$prompts" >"$dir/prompts.txt"
check() {  # check REGEX FILE
  grep -Eq -- "$1" "$2" || { echo "cross_class_test: no line matching '$1' in:"; cat "$2"; exit 1; }
}
"$record" --model "$model" --prompts-from "$dir/prompts.txt" --out "$dir/f32" "${jobs[@]}" >/dev/null &&
  "$record" --model "$model" --prompts-from "$dir/prompts.txt" --out "$dir/f16" --precision f16 \
    "${jobs[@]}" >/dev/null &&
  "$record" --model "$model" --replay-of "$dir/f16" --out "$dir/f32-replays-f16" --threads 1 \
    >/dev/null &&
  "$record" --model "$model" --replay-of "$dir/f32" --out "$dir/f32-replays-f32" --threads 1 \
    >/dev/null || exit 1

"$compare" --worker "$dir/f16" --validator "$dir/f32" --replays "$dir/f32-replays-f16" \
  --thresholds-of "$model" --csv "$dir/across.csv" >"$dir/across.txt" 2>&1
rc=$?
cat "$dir/across.txt"
[[ $rc == 0 ]] || { echo "cross_class_test: honest f16s renders failed an audit (status $rc)"; exit 1; }
check '^worker class +cpu-[a-z0-9_]+-f16s-' "$dir/across.txt"
check '^  step +pass +[0-9]+ +grey +[0-9]+ +fail +0 ' "$dir/across.txt"
check '^  decode +pass +[0-9]+ +grey +[0-9]+ +fail +0 ' "$dir/across.txt"
[[ $(grep -c ',step,' "$dir/across.csv") == 16 ]] || { echo "expected 16 step rows"; exit 1; }

"$compare" --worker "$dir/f32" --validator "$dir/f32" --replays "$dir/f32-replays-f32" \
  >"$dir/same.txt" 2>&1 || { cat "$dir/same.txt"; exit 1; }
check '^  step +pass +16 +grey +0 +fail +0 +worst update error 0\.00000' "$dir/same.txt"
check '^  full +pass +4 +grey +0 +fail +0 +worst PSNR inf dB' "$dir/same.txt"

# A record cut short is named, not read past its end.
head -c 100 "$dir/f32/j0001.latents" >"$dir/cut" && mv "$dir/cut" "$dir/f32/j0001.latents"
"$compare" --worker "$dir/f32" --validator "$dir/f32" --replays "$dir/f32-replays-f32" \
  >"$dir/cut.txt" 2>&1
[[ $? == 1 ]] || { cat "$dir/cut.txt"; echo "expected status 1 for a cut record"; exit 1; }
check 'j0001\.latents: 100 bytes is not a whole number of latents' "$dir/cut.txt"
# Records of another model are refused by name, not compared.
sed -i '1s/model [0-9a-f]*/model 0123abcd/' "$dir/f32-replays-f16/renders.tsv"
"$compare" --worker "$dir/f16" --validator "$dir/f32" --replays "$dir/f32-replays-f16" \
  >"$dir/model.txt" 2>&1
[[ $? == 1 ]] || { cat "$dir/model.txt"; echo "expected status 1 for another model's replays"; exit 1; }
check 'f32-replays-f16 was made with model 0123abcd' "$dir/model.txt"
echo "cross_class_test: ok"
