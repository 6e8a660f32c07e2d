"""The shapes data set: 64x64 RGB images of one or two simple shapes on a plain or two-tone
background, each with its caption in plain English. Deterministic from a seed.

A scene is a dict (shape, colour, size, count, positions, background colours, template); `draw`
makes its pixels, `caption` its text, so the adherence checker can score a render against the
scene its prompt came from. Some (shape colour, shape, background colour) combinations are held
out: `training_scenes` never draws them, `held_out_scenes` draws only them."""
import random

import cv2
import numpy as np

SIZE = 64
SUPERSAMPLE = 4  # drawn at 256x256 and area-averaged: smooth edges, like a photo of a shape

# Named colours, far apart in hue (or black/white), so a caption names exactly one of them.
COLOURS = {
    "red": (230, 25, 25),
    "orange": (255, 140, 0),
    "yellow": (255, 230, 20),
    "green": (30, 180, 40),
    "cyan": (0, 210, 230),
    "blue": (30, 60, 230),
    "purple": (140, 40, 200),
    "pink": (255, 105, 200),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
}
SHAPES = ["circle", "square", "triangle", "ring", "cross"]
SIZES = {"small": 12, "medium": 20, "large": 28}  # extent in pixels at 64x64
POSITIONS = {
    "top left": (16, 16), "top": (32, 16), "top right": (48, 16),
    "left": (16, 32), "centre": (32, 32), "right": (48, 32),
    "bottom left": (16, 48), "bottom": (32, 48), "bottom right": (48, 48),
}
PLURAL = {"circle": "circles", "square": "squares", "triangle": "triangles", "ring": "rings",
          "cross": "crosses"}
HELD_OUT_SEED = 1313
HELD_OUT_COUNT = 40


def held_out_combinations():
    """(shape colour, shape, background colour) triples that training never shows: 40 of the 450."""
    rng = random.Random(HELD_OUT_SEED)
    triples = [(c, s, b) for c in COLOURS for s in SHAPES for b in COLOURS if b != c]
    return set(rng.sample(triples, HELD_OUT_COUNT))


def _position_phrase(name):
    return "in the centre" if name == "centre" else f"at the {name}" if name in ("top", "bottom", "left", "right") \
        else f"in the {name}"


def caption(scene):
    size, colour, shape = scene["size"], scene["colour"], scene["shape"]
    bg = scene["background"]
    # Each side word comes before its colour: the text encoder's attention is causal, so only a
    # word after "left" can carry "left" to the UNet ("yellow and cyan" left the order as the only
    # cue, and the first model drew half of its two-tone backgrounds with the sides swapped).
    bg_words = bg[0] if len(bg) == 1 else f"left {bg[0]} and right {bg[1]}"
    article_bg = "an" if bg_words[0] in "aeiou" else "a"
    on = f"on {bg_words}" if scene["short"] else f"on {article_bg} {bg_words} background"
    if scene["count"] == 1:
        article = "an" if size[0] in "aeiou" else "a"
        return f"{article} {size} {colour} {shape} {_position_phrase(scene['positions'][0])} {on}"
    where = " and ".join(scene["positions"])
    return f"two {size} {colour} {PLURAL[shape]} in the {where} {on}"


def _random_scene(rng, two_tone=0.25):
    colour = rng.choice(list(COLOURS))
    shape = rng.choice(SHAPES)
    size = rng.choice(list(SIZES))
    others = [c for c in COLOURS if c != colour]
    if rng.random() < 1.0 - two_tone:
        background = [rng.choice(others)]
    else:
        background = rng.sample(others, 2)
    if rng.random() < 0.75:
        positions = [rng.choice(list(POSITIONS))]
    else:
        # Two shapes at positions two grid steps apart, so large ones do not touch.
        names = list(POSITIONS)
        while True:
            a, b = rng.sample(names, 2)
            (ax, ay), (bx, by) = POSITIONS[a], POSITIONS[b]
            if max(abs(ax - bx), abs(ay - by)) >= 32:
                break
        positions = sorted([a, b], key=names.index)
        if size == "large":
            size = "medium"
    return {"shape": shape, "colour": colour, "size": size, "count": len(positions),
            "positions": positions, "background": background, "short": rng.random() < 0.3}


def _is_held_out(scene, held):
    return any((scene["colour"], scene["shape"], b) in held for b in scene["background"])


def training_scenes(n, seed, two_tone=0.25):
    """`two_tone`: the share of two-tone backgrounds (the test sets keep 0.25)."""
    rng = random.Random(seed)
    held = held_out_combinations()
    out = []
    while len(out) < n:
        s = _random_scene(rng, two_tone)
        if not _is_held_out(s, held):
            out.append(s)
    return out


def held_out_scenes(n, seed):
    """Scenes whose (colour, shape, background) combination training never saw (plain backgrounds)."""
    rng = random.Random(seed)
    held = sorted(held_out_combinations())
    out = []
    while len(out) < n:
        s = _random_scene(rng)
        s["colour"], s["shape"], bg = rng.choice(held)
        s["background"] = [bg]
        out.append(s)
    return out


def test_scenes(n, seed):
    """Fresh scenes from the training distribution (combinations seen, these exact scenes not)."""
    return training_scenes(n, seed)


def draw(scene):
    """uint8 [64, 64, 3] RGB."""
    k = SUPERSAMPLE
    big = SIZE * k
    img = np.zeros((big, big, 3), np.uint8)
    bg = scene["background"]
    img[:, :] = COLOURS[bg[0]]
    if len(bg) == 2:
        img[:, big // 2:] = COLOURS[bg[1]]
    colour = COLOURS[scene["colour"]]
    extent = SIZES[scene["size"]] * k
    for name in scene["positions"]:
        cx, cy = (v * k for v in POSITIONS[name])
        r = extent // 2
        shape = scene["shape"]
        if shape == "circle":
            cv2.circle(img, (cx, cy), r, colour, -1, cv2.LINE_AA)
        elif shape == "ring":
            cv2.circle(img, (cx, cy), r - extent // 8, colour, max(extent // 4, 1), cv2.LINE_AA)
        elif shape == "square":
            s = int(r * 0.9)
            cv2.rectangle(img, (cx - s, cy - s), (cx + s, cy + s), colour, -1)
        elif shape == "triangle":
            h = int(extent * 0.9)
            pts = np.array([[cx, cy - h // 2], [cx - r, cy + h // 2], [cx + r, cy + h // 2]], np.int32)
            cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
        elif shape == "cross":
            t = max(extent // 6, 1)
            cv2.rectangle(img, (cx - r, cy - t), (cx + r, cy + t), colour, -1)
            cv2.rectangle(img, (cx - t, cy - r), (cx + t, cy + r), colour, -1)
    return cv2.resize(img, (SIZE, SIZE), interpolation=cv2.INTER_AREA)


def make(scenes):
    """(uint8 [N, 64, 64, 3], captions)."""
    return np.stack([draw(s) for s in scenes]), [caption(s) for s in scenes]


if __name__ == "__main__":
    import argparse
    import os
    parser = argparse.ArgumentParser(description="Write a contact sheet of data set samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--out", default="dataset_samples.png")
    args = parser.parse_args()
    images, caps = make(training_scenes(args.n, args.seed))
    sheet = np.concatenate([np.concatenate(list(images[i:i + 4]), 1) for i in range(0, args.n, 4)], 0)
    cv2.imwrite(args.out, cv2.cvtColor(cv2.resize(sheet, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST),
                                       cv2.COLOR_RGB2BGR))
    print("\n".join(caps))
