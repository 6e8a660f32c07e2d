#!/usr/bin/env python3
"""Turns bench JSON files (schema seedgrid.gpu_bench/1: bench_gpu_render --json, torch_bench.py
--json) into the markdown of bench/RESULTS.md's GPU section: one table, our rows beside each PyTorch
mode, then each run's GEMM peak and any failures.

  python3 bench/gpu/report.py --gpu "NVIDIA H100 80GB HBM3" --date 2026-11-24 \\
      --command "bash bench/gpu/run.sh" seedgrid.json torch.json [--steps steps.tsv] > results.md
"""
import argparse
import json
import os

ROW_ORDER = ["unet_step_b2", "unet_b16", "vae_decode_b1", "e2e_b1"]


def load_runs(paths):
    runs = []
    for path in paths:
        if not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            runs.append({"impl": os.path.basename(path), "rows": [], "gemm": [], "errors": [f"unreadable: {e}"]})
            continue
        runs.extend(doc.get("runs", []))
    return runs


def cell(row, key, fmt):
    v = row.get(key) if row else None
    return "—" if v is None else fmt % v


def main():
    p = argparse.ArgumentParser()
    p.add_argument("json", nargs="*")
    p.add_argument("--gpu", default="unknown GPU")
    p.add_argument("--date", default="")
    p.add_argument("--command", default="bash bench/gpu/run.sh")
    p.add_argument("--steps", help="run.sh's steps.tsv (step, exit status, seconds)")
    a = p.parse_args()
    runs = load_runs(a.json)
    out = [f"{a.gpu}, {a.date}. `{a.command}` (SD 1.5-sized random model, `--write-preset sd15`).", ""]
    if not runs:
        out.append("No benchmark JSON came back (see the step table below).")
    else:
        first = runs[0]
        out.append(f"{first.get('size')}x{first.get('size')}, {first.get('context_tokens')}-token context, "
                   f"{first.get('steps')} Euler steps with CFG; median of up to {first.get('iters')} runs after "
                   f"{first.get('warmup')} warm-up (samples per row in the JSON). UNet "
                   f"{first.get('unet_gflop_per_image', 0):.4g} GFLOP per image, counted from the config.")
        out.append("")
        names = list(ROW_ORDER)
        for r in runs:
            for row in r.get("rows", []):
                if row["name"] not in names:
                    names.append(row["name"])
        out.append("| row | " + " | ".join(r["impl"] for r in runs) + " |")
        out.append("| --- |" + " --- |" * len(runs))
        for name in names:
            cells = []
            for r in runs:
                row = next((x for x in r.get("rows", []) if x["name"] == name), None)
                if row is None:
                    cells.append("—")
                    continue
                text = f"{row['median_ms']:.2f} ms"
                if row.get("tflops") is not None:
                    text += f", {row['tflops']:.3g} TFLOP/s"
                    if row.get("pct_of_gemm_peak") is not None:
                        text += f" ({row['pct_of_gemm_peak']:.0f} % of peak)"
                if row.get("images_per_s") is not None:
                    text += f", {row['images_per_s']:.2f} img/s"
                cells.append(text)
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
        for r in runs:
            peak = r.get("gemm_peak_tflops")
            sizes = ", ".join(f"{g['n']}: {g['tflops']:.3g}" for g in r.get("gemm", []))
            out.append(f"- {r['impl']} ({r.get('device')}, {r.get('precision')}, {r.get('determinism_class')}): "
                       f"GEMM peak {'—' if peak is None else f'{peak:.3g}'} TFLOP/s "
                       f"(n: TFLOP/s {sizes or 'not run'})")
            for e in r.get("errors", []):
                out.append(f"  - FAILED: {e}")
    if a.steps and os.path.exists(a.steps):
        out += ["", "| run.sh step | exit status | seconds |", "| --- | --- | --- |"]
        with open(a.steps, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:
                    status = parts[1] + (" (timed out)" if parts[1] in ("124", "137") else "")
                    out.append(f"| {parts[0]} | {status} | {parts[2]} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
