#!/usr/bin/env python3
"""Renders with the PyTorch reference: an independent witness for seedgrid's C++ pipeline.

  /usr/bin/python3 bench/reference/render.py --model DIR --prompt "a red fox" --seed 42 \\
      --steps 20 --cfg 7.5 --sampler euler_a --width 512 --height 512 --out fox.png \\
      [--device cpu|cuda] [--dtype f32|f16] [--compile] [--batch N] [--latents-out FILE]

On a GPU machine with a modern PyTorch, `--device cuda --dtype f16 --compile` runs the same code in
half precision through torch.compile; on the CPU (torch 1.13 here) it runs in float32.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import png_io  # noqa: E402
import safetensors_io  # noqa: E402
from model_folder import ModelFolder  # noqa: E402
from pipeline import Job, Pipeline  # noqa: E402
from schedulers import SAMPLERS  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="diffusers-layout model folder")
    p.add_argument("--tokenizer", help="folder with vocab.json and merges.txt (default MODEL/tokenizer)")
    p.add_argument("--prompt", required=True)
    p.add_argument("--negative-prompt", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--cfg", type=float, default=7.5)
    p.add_argument("--sampler", choices=SAMPLERS, default="euler")
    p.add_argument("--karras", action="store_true")
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--height", type=int, default=512)
    p.add_argument("--batch", type=int, default=1, help="N images, image i with seed + i")
    p.add_argument("--init-image", help="PNG for image-to-image")
    p.add_argument("--strength", type=float, default=0.75)
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--dtype", choices=("f32", "f16"), default="f32")
    p.add_argument("--compile", action="store_true", help="torch.compile the UNet (PyTorch 2.x)")
    p.add_argument("--out", required=True, help="out.png (with --batch N: out-0.png ...)")
    p.add_argument("--latents-out", help="also write the final latents (safetensors)")
    a = p.parse_args()

    if a.dtype == "f16" and a.device == "cpu":
        sys.exit("render.py: --dtype f16 needs --device cuda (PyTorch's CPU kernels lack half convolutions)")
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("render.py: --device cuda, but this PyTorch sees no CUDA device")
    dtype = torch.float16 if a.dtype == "f16" else torch.float32
    model = ModelFolder(a.model, device=a.device, dtype=dtype, tokenizer_dir=a.tokenizer)
    if a.compile:
        if not hasattr(torch, "compile"):
            sys.exit("render.py: --compile needs PyTorch 2.x")
        model.unet = torch.compile(model.unet)
    init = png_io.read(a.init_image) if a.init_image else None
    jobs = [Job(a.prompt, a.negative_prompt, a.seed + i, a.steps, a.cfg, a.sampler, a.karras, a.width,
                a.height, init, a.strength) for i in range(a.batch)]
    started = time.perf_counter()
    latents, pixels = Pipeline(model).generate(jobs)
    if a.device == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started
    stem, ext = os.path.splitext(a.out)
    for i in range(a.batch):
        path = a.out if a.batch == 1 else f"{stem}-{i}{ext}"
        png_io.write(path, pixels[i])
        print(f"wrote {path}")
    if a.latents_out:
        safetensors_io.write(a.latents_out, {"latents": latents.astype(np.float32)})
    print(f"{a.batch} image(s) in {elapsed:.2f} s on {a.device} {a.dtype}")


if __name__ == "__main__":
    main()
