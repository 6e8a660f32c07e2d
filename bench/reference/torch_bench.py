#!/usr/bin/env python3
"""The PyTorch side of the GPU benchmark (issue 5): the reference networks of this folder, on
seedgrid's model folder, timed row for row as bench/gpu_render (bench_gpu_render) times ours, in
three modes: eager, torch.compile, torch.compile(mode="reduce-overhead") (CUDA graphs).

  python3 bench/reference/torch_bench.py --model DIR [--device cuda] [--dtype f16]
      [--modes eager,compile,reduce-overhead] [--size 512] [--steps 20] [--e2e-batch 8]
      [--warmup 2] [--iters 10] [--gemm-sizes 1024,2048,4096,8192] [--json PATH]

Rows: gemm N^3 (torch.matmul, the peak the UNet's TFLOP/s is set against), unet_step_b2 (one image
with CFG), unet_b16, vae_decode_b1, e2e_b1 and e2e_b<N> (tokenize, text encoder, N Euler steps with
CFG, VAE decode, pixels). Each row: warm-up calls (which also compile), then the median of --iters
timed calls (CUDA events on a GPU). The UNet's FLOPs are counted from the modules' real shapes
(forward hooks on every Conv2d and Linear, plus the attention products), independently of the C++
bench's analytic count: the two must agree.

The JSON schema is bench/gpu_render/bench_report.hpp's ("seedgrid.gpu_bench/1"), one run per mode,
rewritten after every row so a run cut short by a timeout keeps what it measured. Where this torch
has no torch.compile (1.13) the compiled modes are recorded as errors and skipped; with --device cpu
it runs in float32 (PyTorch's CPU kernels lack half convolutions).
"""
import argparse
import contextlib
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import unet as unet_module  # noqa: E402
from model_folder import ModelFolder  # noqa: E402
from pipeline import Job, Pipeline  # noqa: E402

MODES = {"eager": "torch-eager", "compile": "torch-compile",
         "reduce-overhead": "torch-compile-reduce-overhead"}
PROMPT = "a lighthouse on a cliff at sunset, dramatic sky, highly detailed"
NEGATIVE = "blurry, low quality"


# --- FLOPs from shapes -------------------------------------------------------------------------

def count_unet_flops(unet_config, latent_h, latent_w, context_tokens):
    """FLOPs (2 x multiply-adds) of one image through the UNet, by running it on the meta device
    (shapes only, no arithmetic) with hooks on Conv2d/Linear and a counting attention. Returns
    {"conv", "linear", "attention", "total"}."""
    counts = {"conv": 0, "linear": 0, "attention": 0}
    if hasattr(torch, "device") and hasattr(torch.device, "__enter__"):  # 2.x: never allocated
        with torch.device("meta"):
            net = unet_module.UNet2DConditionModel(unet_config)
    else:  # 1.13: built on the CPU, then emptied
        net = unet_module.UNet2DConditionModel(unet_config).to("meta")

    def conv_hook(module, inputs, output):
        k = module.kernel_size[0] * module.kernel_size[1]
        counts["conv"] += output.numel() * (module.in_channels // module.groups) * k

    def linear_hook(module, inputs, output):
        # Transformer2D's proj_in/out are 1x1 convolutions or (SD 2.x) linear layers: both are
        # "conv" in the C++ count, so name them by where they sit.
        kind = "conv" if getattr(module, "_bench_projection", False) else "linear"
        counts[kind] += output.numel() * module.in_features

    for name, module in net.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            module.register_forward_hook(conv_hook)
        elif isinstance(module, torch.nn.Linear):
            module._bench_projection = name.endswith("proj_in") or name.endswith("proj_out")
            module.register_forward_hook(linear_hook)

    real_attention = unet_module.attention

    def counting_attention(q, k, v, heads, causal=False):
        b, lq, c = q.shape
        counts["attention"] += 2 * b * lq * k.shape[1] * c  # q kᵀ and p v
        return real_attention(q, k, v, heads, causal)

    unet_module.attention = counting_attention
    try:
        with torch.no_grad():
            sample = torch.empty(1, unet_config.get("in_channels", 4), latent_h, latent_w, device="meta")
            context = torch.empty(1, context_tokens, unet_config.get("cross_attention_dim", 768), device="meta")
            net(sample, torch.empty(1, device="meta"), context)
    finally:
        unet_module.attention = real_attention
    flops = {k: 2.0 * v for k, v in counts.items()}
    flops["total"] = sum(flops.values())
    return flops


# --- timing --------------------------------------------------------------------------------------

ROW_BUDGET_S = 0.0  # > 0: a row stops taking samples once it has run this long (--row-budget)


def measure(device, warmup, iters, work):
    """Median/min/max in ms of `iters` calls after `warmup` calls; CUDA events on a GPU. With a row
    budget a slow row keeps one warm-up (which compiles) and at least one sample."""
    started = time.perf_counter()

    def over(share):
        return ROW_BUDGET_S > 0 and time.perf_counter() - started > share * ROW_BUDGET_S

    for i in range(warmup):
        if i > 0 and over(0.25):
            break
        work()
    if device == "cuda":
        torch.cuda.synchronize()
    samples = []
    for i in range(iters):
        if i > 0 and over(1.0):
            break
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            work()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            work()
            samples.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples),
            "samples": len(samples)}


def mark_step():
    """Tells CUDA-graph trees a new iteration starts, so outputs of the last replay may be reused."""
    compiler = getattr(torch, "compiler", None)
    if compiler is not None and hasattr(compiler, "cudagraph_mark_step_begin"):
        compiler.cudagraph_mark_step_begin()


def random(shape, device, dtype, seed):
    g = torch.Generator(device="cpu").manual_seed(seed)
    return (torch.rand(shape, generator=g) * 2 - 1).to(device=device, dtype=dtype)


# --- one mode ------------------------------------------------------------------------------------

class Report:
    def __init__(self, path):
        self.path = path
        self.runs = []

    def save(self):
        if self.path:
            with open(self.path + ".tmp", "w", encoding="utf-8") as f:
                json.dump({"schema": "seedgrid.gpu_bench/1", "runs": self.runs}, f, indent=1)
            os.replace(self.path + ".tmp", self.path)


def gemm_rows(a, run, report):
    dtype = torch.float16 if a.dtype == "f16" else torch.float32
    for n in a.gemm_sizes:
        x = random((n, n), a.device, dtype, 1)
        w = random((n, n), a.device, dtype, 2)
        t = measure(a.device, a.warmup, a.iters, lambda: torch.matmul(x, w.t()))
        t["n"] = n
        t["tflops"] = 2.0 * n ** 3 / (t["median_ms"] * 1e-3) / 1e12
        run["gemm"].append(t)
        run["gemm_peak_tflops"] = max(g["tflops"] for g in run["gemm"])
        print(f"  gemm {n:5d}^3        median {t['median_ms']:10.3f} ms  {t['tflops']:8.2f} TFLOP/s", flush=True)
        report.save()


def add_row(run, report, name, batch, timing, unet_flops=None, images=None):
    row = dict(name=name, batch=batch, tflops=None, pct_of_gemm_peak=None, images_per_s=None, **timing)
    if unet_flops is not None:
        row["tflops"] = unet_flops * batch / (timing["median_ms"] * 1e-3) / 1e12
        if run.get("gemm_peak_tflops"):
            row["pct_of_gemm_peak"] = 100.0 * row["tflops"] / run["gemm_peak_tflops"]
    if images is not None:
        row["images_per_s"] = images / (timing["median_ms"] * 1e-3)
    run["rows"].append(row)
    print(f"  {name:16s} batch {batch:<3d} median {timing['median_ms']:10.3f} ms", flush=True)
    report.save()


def run_mode(a, model, mode, flops, report):
    dtype = torch.float16 if a.dtype == "f16" else torch.float32
    run = {"impl": MODES[mode], "backend": f"torch-{a.device}", "device": device_name(a.device),
           "precision": a.dtype, "determinism_class": f"torch {torch.__version__}", "model": a.model,
           "size": a.size, "context_tokens": a.context, "steps": a.steps, "warmup": a.warmup,
           "iters": a.iters, "unet_gflop_per_image": flops["total"] / 1e9, "gemm": [],
           "gemm_peak_tflops": None, "rows": [], "errors": []}
    report.runs.append(run)
    report.save()
    print(f"torch_bench: {run['impl']} on {run['device']} ({a.dtype})", flush=True)

    unet, decode = model.unet, model.vae.decode
    if mode != "eager":
        if not hasattr(torch, "compile"):
            run["errors"].append(f"{mode}: torch {torch.__version__} has no torch.compile")
            report.save()
            return
        kwargs = {"dynamic": False}
        if mode == "reduce-overhead":
            kwargs["mode"] = "reduce-overhead"
        unet = torch.compile(model.unet, **kwargs)
        decode = torch.compile(model.vae.decode, **kwargs)

    try:
        if "gemm" in a.rows:
            gemm_rows(a, run, report)
        f = model.vae.downscale
        h = w = a.size // f
        cross = model.unet_config.get("cross_attention_dim", 768)
        cin = model.unet_config.get("in_channels", 4)
        with torch.no_grad():
            for name, b, wanted in (("unet_step_b2", 2, "unet_step"), ("unet_b16", 16, "unet_throughput")):
                if wanted not in a.rows:
                    continue
                sample = random((b, cin, h, w), a.device, dtype, 3)
                context = random((b, a.context, cross), a.device, dtype, 4)
                t = torch.full((b,), 500.0, device=a.device)

                def step():
                    mark_step()
                    unet(sample, t, context)
                add_row(run, report, name, b, measure(a.device, a.warmup, a.iters, step), flops["total"])
            if "vae" in a.rows:
                latents = random((1, model.vae_config.get("latent_channels", 4), h, w), a.device, dtype, 5)

                def vae():
                    mark_step()
                    decode(latents)
                add_row(run, report, "vae_decode_b1", 1, measure(a.device, a.warmup, a.iters, vae))
        if "e2e" in a.rows:
            saved = model.unet, model.vae.decode
            model.unet, model.vae.decode = unet, decode
            try:
                pipe = Pipeline(model)
                for b in sorted({1, a.e2e_batch}):
                    jobs = [Job(PROMPT, NEGATIVE, 42 + i, a.steps, 7.5, "euler", False, a.size, a.size)
                            for i in range(b)]

                    def render():
                        mark_step()
                        pipe.generate(jobs)
                    add_row(run, report, f"e2e_b{b}", b, measure(a.device, a.warmup, a.iters, render),
                            images=b)
            finally:
                model.unet = saved[0]
                del model.vae.decode  # back to the class's method
    except Exception as e:  # noqa: BLE001 - a failing mode is recorded, the next mode still runs
        run["errors"].append(f"{mode}: {type(e).__name__}: {e}")
        report.save()
        print(f"  FAILED: {run['errors'][-1]}", flush=True)


def device_name(device):
    if device == "cuda":
        return torch.cuda.get_device_name(0)
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return "cpu"


def print_table(report):
    print()
    print("| impl | row | batch | median ms | TFLOP/s | % GEMM peak | images/s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    cell = lambda v, fmt: "-" if v is None else fmt % v  # noqa: E731
    for run in report.runs:
        for g in run["gemm"]:
            print(f"| {run['impl']} | gemm {g['n']}^3 | - | {g['median_ms']:.3f} | {g['tflops']:.3g} | - | - |")
        for r in run["rows"]:
            print(f"| {run['impl']} | {r['name']} | {r['batch']} | {r['median_ms']:.3f} | "
                  f"{cell(r['tflops'], '%.3g')} | {cell(r['pct_of_gemm_peak'], '%.3g')} | "
                  f"{cell(r['images_per_s'], '%.3g')} |")
        for e in run["errors"]:
            print(f"| {run['impl']} | FAILED: {e} | | | | | |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="diffusers-layout model folder (bench_gpu_render --write-preset)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--dtype", choices=("f32", "f16"))
    p.add_argument("--modes", default="eager,compile,reduce-overhead")
    p.add_argument("--rows", default="gemm,unet_step,unet_throughput,vae,e2e")
    p.add_argument("--size", type=int, help="pixels (default: unet sample_size x VAE downscale)")
    p.add_argument("--context", type=int, default=77)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--e2e-batch", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--row-budget", type=float, default=0, help="seconds per row before it stops sampling")
    p.add_argument("--gemm-sizes", help="comma-separated (default 1024..8192 on cuda, 256,512 on cpu)")
    p.add_argument("--flops-only", action="store_true", help="print the UNet FLOP count and exit")
    p.add_argument("--json", help="write the results here")
    a = p.parse_args()
    global ROW_BUDGET_S
    ROW_BUDGET_S = a.row_budget
    a.dtype = a.dtype or ("f16" if a.device == "cuda" else "f32")
    if a.dtype == "f16" and a.device == "cpu":
        sys.exit("torch_bench.py: --dtype f16 needs --device cuda (PyTorch's CPU kernels lack half convolutions)")
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_bench.py: --device cuda, but this PyTorch sees no CUDA device")
    modes = [m for m in a.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            sys.exit(f"torch_bench.py: unknown mode {m!r} (eager, compile, reduce-overhead)")
    a.rows = set(r for r in a.rows.split(",") if r)
    a.gemm_sizes = ([int(s) for s in a.gemm_sizes.split(",")] if a.gemm_sizes
                    else [1024, 2048, 4096, 8192] if a.device == "cuda" else [256, 512])

    with open(os.path.join(a.model, "unet", "config.json"), encoding="utf-8") as f:
        unet_config = json.load(f)
    with open(os.path.join(a.model, "vae", "config.json"), encoding="utf-8") as f:
        downscale = 2 ** (len(json.load(f).get("block_out_channels", [1, 1, 1, 1])) - 1)
    a.size = a.size or unet_config.get("sample_size", 64) * downscale
    flops = count_unet_flops(unet_config, a.size // downscale, a.size // downscale, a.context)
    print(f"torch_bench: UNet {flops['total'] / 1e9:.3f} GFLOP per image at {a.size}x{a.size} "
          f"(conv {flops['conv'] / 1e9:.3f}, linear {flops['linear'] / 1e9:.3f}, "
          f"attention {flops['attention'] / 1e9:.3f})", flush=True)
    if a.flops_only:
        print(json.dumps({k: int(v) for k, v in flops.items()}))
        return

    if a.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # fp16 rows; keep an f32 run honest too
    started = time.perf_counter()
    model = ModelFolder(a.model, device=a.device, dtype=torch.float16 if a.dtype == "f16" else torch.float32)
    print(f"torch_bench: loaded {a.model} in {time.perf_counter() - started:.1f} s", flush=True)
    report = Report(a.json)
    for mode in modes:
        run_mode(a, model, mode, flops, report)
    print_table(report)
    if a.json:
        print(f"wrote {a.json}")
    sys.exit(1 if any(r["errors"] for r in report.runs if r["impl"] == MODES["eager"]) else 0)


if __name__ == "__main__":
    main()
