"""Renders prompt/seed pairs of the shapes model with the real `seedgrid render` and scores each PNG
with adherence.py; prints the adherence table (markdown) and writes per-image results as JSON.

  /usr/bin/python3 models/zoo/shapes/evaluate.py --seedgrid build/seedgrid \
      --model models/zoo/shapes/model --out /tmp/adherence

Sets (each --count pairs, 20 Euler steps): "test" (new scenes of the training distribution,
combinations seen in training) at guidance 5 and at guidance 1, "held-out" (colour x shape x
background combinations training never saw) at guidance 5. --check-dataset scores the data set's
own images instead, which validates the checker (it must score ~100 % on them)."""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import adherence  # noqa: E402
import dataset  # noqa: E402

KEYS = ("background", "colour", "shape", "position")
TEST_SEED = 2026  # another draw of the training distribution (a caption may repeat one trained on)
HELD_OUT_SEED = 4242


def render(seedgrid, model, prompt, seed, guidance, path, steps):
    cmd = [seedgrid, "render", "--model", model, "--prompt", prompt, "--seed", str(seed),
           "--steps", str(steps), "--cfg", str(guidance), "--sampler", "euler", "--width", "64",
           "--height", "64", "--threads", "1", "--out", path]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"seedgrid render failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")


_VAE = {}


def reconstruct(model, rgb):
    """The data set image through the model's VAE (encode to the mean latent, decode), with the
    reference networks: the best any sampler could draw through this decoder."""
    if not _VAE:
        import torch
        sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "reference"))
        from model_folder import ModelFolder
        from pipeline import to_pixels
        torch.set_num_threads(1)
        _VAE["m"], _VAE["to_pixels"], _VAE["torch"] = ModelFolder(model), to_pixels, torch
    torch = _VAE["torch"]
    with torch.no_grad():
        x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 127.5 - 1.0
        mean, _ = _VAE["m"].vae.encode(x)
        return _VAE["to_pixels"](_VAE["m"].vae.decode(mean))[0]


def run_set(args, name, scenes, guidance):
    folder = os.path.join(args.out, name)
    os.makedirs(folder, exist_ok=True)
    rows = []
    t0 = time.time()
    for i, scene in enumerate(scenes):
        prompt = dataset.caption(scene)
        seed = 1000 + i
        path = os.path.join(folder, f"{i:03d}.png")
        if args.check_dataset:
            rgb = dataset.draw(scene)
        elif args.reconstruct:
            rgb = reconstruct(args.model, dataset.draw(scene))
        else:
            render(args.seedgrid, args.model, prompt, seed, guidance, path, args.steps)
            rgb = adherence.read_png(path)
        found = adherence.analyse(rgb)
        rows.append({"prompt": prompt, "seed": seed, "found": found, "score": adherence.score(found, scene)})
    seconds = time.time() - t0
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    shares = {k: sum(r["score"][k] for r in rows) / len(rows) for k in KEYS}
    return shares, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seedgrid", default="build/seedgrid")
    p.add_argument("--model", default=os.path.join(HERE, "model"))
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--set", action="append", help="only these sets (test_cfg5, test_cfg1, held_out_cfg5); repeatable")
    p.add_argument("--guidance", type=float, action="append", default=[],
                   help="also the test and held-out sets at this guidance (sets test_cfgG, held_out_cfgG); repeatable")
    p.add_argument("--reconstruct", action="store_true",
                   help="score the data set's images after a VAE round trip (the decoder's ceiling)")
    p.add_argument("--check-dataset", action="store_true", help="score the data set's images (checker check)")
    args = p.parse_args()
    test = dataset.test_scenes(args.count, TEST_SEED)
    held = dataset.held_out_scenes(args.count, HELD_OUT_SEED)
    sets = [("test, guidance 5", "test_cfg5", test, 5.0), ("test, guidance 1", "test_cfg1", test, 1.0),
            ("held-out combinations, guidance 5", "held_out_cfg5", held, 5.0)]
    for g in args.guidance:
        sets += [(f"test, guidance {g:g}", f"test_cfg{g:g}", test, g),
                 (f"held-out combinations, guidance {g:g}", f"held_out_cfg{g:g}", held, g)]
    if args.check_dataset:
        sets = [("data set images (test)", "dataset_test", test, 0), ("data set images (held-out)", "dataset_held", held, 0)]
    if args.reconstruct:
        sets = [("data set images through the VAE (test)", "vae_test", test, 0),
                ("data set images through the VAE (held-out)", "vae_held", held, 0)]
    if args.set:
        sets = [s for s in sets if s[1] in args.set]
    print(f"| set ({args.count} prompt/seed pairs, {args.steps} Euler steps) | background colour | shape colour "
          f"| shape | position |")
    print("|---|---|---|---|---|")
    for label, name, scenes, guidance in sets:
        shares, seconds = run_set(args, name, scenes, guidance)
        print(f"| {label} | " + " | ".join(f"{100 * shares[k]:.1f} %" for k in KEYS) + " |", flush=True)
        print(f"  ({name}: {seconds:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
