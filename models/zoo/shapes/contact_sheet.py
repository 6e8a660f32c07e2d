"""Renders a few prompts with the real `seedgrid render` (20 Euler steps) and tiles them into one
PNG, a row per prompt (its number at the left), the data set's picture of the prompt in the last
column for comparison; prints the prompts as a markdown list for the README.

  /usr/bin/python3 models/zoo/shapes/contact_sheet.py --seedgrid build/seedgrid \
      --out models/zoo/shapes/contact_sheet.png"""
import argparse
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import adherence  # noqa: E402
import dataset  # noqa: E402

# The prompts `seedgrid sim` renders by default (the third a held-out combination), then a few more
# (the last two held-out combinations: colour x shape x background never trained on).
PROMPTS = [
    "a large red circle in the centre on a blue background",
    "two small yellow triangles in the top left and bottom right on a black background",
    "a medium green square at the top on a white background",
    "a large purple ring in the bottom left on a left orange and right cyan background",
    "a large white cross in the top right on a pink background",
    "a medium blue triangle at the bottom on a yellow background",
    "a large blue ring in the centre on a white background",
    "a medium yellow cross at the right on a black background",
]
SCALE = 3


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seedgrid", default="build/seedgrid")
    p.add_argument("--model", default=os.path.join(HERE, "model"))
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--cfg", type=float, default=5.0)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for i, prompt in enumerate(PROMPTS):
            tiles = []
            for s in range(args.seeds):
                path = os.path.join(work, f"{i}-{s}.png")
                subprocess.run([args.seedgrid, "render", "--model", args.model, "--prompt", prompt,
                                "--seed", str(s), "--steps", "20", "--cfg", str(args.cfg), "--sampler",
                                "euler", "--width", "64", "--height", "64", "--threads", "1", "--out", path],
                               check=True, capture_output=True)
                tiles.append(adherence.read_png(path))
            label = np.full((64, 24, 3), 255, np.uint8)
            cv2.putText(label, str(i + 1), (2, 38), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
            gap = np.full((64, 4, 3), 255, np.uint8)
            truth = dataset.draw(scene_of(prompt))
            rows.append(np.concatenate([label] + [t for tile in tiles for t in (tile, gap)] + [gap, truth], 1))
    sheet = np.concatenate([np.concatenate([r, np.full((4, r.shape[1], 3), 255, np.uint8)], 0) for r in rows], 0)
    sheet = cv2.resize(sheet, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    for i, prompt in enumerate(PROMPTS):
        print(f"{i + 1}. {prompt}")


def scene_of(prompt):
    """The scene a prompt of PROMPTS describes (the inverse of dataset.caption, for these forms)."""
    words = prompt.split()
    two = words[0] == "two"
    size, colour = words[1], words[2]
    shape = words[3] if not two else next(s for s, pl in dataset.PLURAL.items() if pl == words[3])
    rest = prompt.split(" on ")[0]
    where = rest.split(" in the " if " in the " in rest else " at the ")[1]
    positions = where.split(" and ") if two else [where]
    bg_words = prompt.split(" on ")[1].removesuffix(" background").split()
    bg_text = " ".join(bg_words[1:] if bg_words[0] in ("a", "an") else bg_words)
    return {"shape": shape, "colour": colour, "size": size, "count": len(positions),
            "positions": positions, "short": False,
            "background": [side.split()[-1] for side in bg_text.split(" and ")]}  # "left orange and right cyan"


if __name__ == "__main__":
    main()
