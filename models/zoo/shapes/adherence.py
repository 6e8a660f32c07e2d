"""Prompt adherence of the shapes model: reads a rendered PNG and says which colours, shapes and
positions it shows, then scores that against the scene its prompt was made from.

  background    each half's border pixels, classified by colour name (two-tone: left, right)
  foreground    pixels whose colour name differs from their half's background, opened, split into
                connected components of at least MIN_AREA pixels
  shape colour  the commonest colour name among foreground pixels
  shape         per component, from its contour: a hole makes a ring; low solidity (area / convex
                hull) a cross; then the share of the bounding box filled: square > circle > triangle
  position      the component centroid's cell of a 3x3 grid

Colours are named by hue (HSV), with black and white by value and saturation, so a slightly off
red is still red. `score` compares with a scene from dataset.py. Run as a script, it renders
prompt/seed pairs with the real `seedgrid render` and prints the table (see README.md)."""
import cv2
import numpy as np

import dataset

MIN_AREA = 12  # pixels at 64x64; the smallest shape covers about 100
# Hue in degrees of each chromatic colour of dataset.COLOURS.
_CHROMATIC = {}
for _name, _rgb in dataset.COLOURS.items():
    if _name in ("black", "white"):
        continue
    _hsv = cv2.cvtColor(np.uint8([[_rgb]]), cv2.COLOR_RGB2HSV_FULL)[0, 0]
    _CHROMATIC[_name] = float(_hsv[0]) * 360.0 / 256.0
NAMES = list(dataset.COLOURS)
_HUES = np.array([_CHROMATIC[n] for n in _CHROMATIC])
_HUE_NAMES = list(_CHROMATIC)


def colour_names(rgb):
    """uint8 [..., 3] RGB -> int [...] index into NAMES."""
    hsv = cv2.cvtColor(rgb.reshape(-1, 1, 3), cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3).astype(np.float32)
    hue = hsv[:, 0] * 360.0 / 256.0
    sat, val = hsv[:, 1] / 255.0, hsv[:, 2] / 255.0
    d = np.abs(hue[:, None] - _HUES[None, :])
    d = np.minimum(d, 360.0 - d)
    chromatic = np.array([NAMES.index(_HUE_NAMES[i]) for i in np.argmin(d, axis=1)])
    out = np.where(val < 0.3, NAMES.index("black"),
                   np.where(sat < 0.25, np.where(val > 0.6, NAMES.index("white"), NAMES.index("black")),
                            chromatic))
    return out.reshape(rgb.shape[:-1])


def _commonest(values):
    if values.size == 0:
        return None
    return NAMES[int(np.bincount(values.ravel(), minlength=len(NAMES)).argmax())]


def _shape_of(mask):
    """Classifies one component (uint8 mask, 1 inside)."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    c = max(contours, key=cv2.contourArea)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, [c], -1, 1, -1)
    filled_area = float(filled.sum())
    if filled_area <= 0:
        return "unknown"
    if mask.sum() / filled_area < 0.92:
        return "ring"
    solidity = cv2.contourArea(c) / max(cv2.contourArea(cv2.convexHull(c)), 1.0)
    if solidity < 0.8:
        return "cross"
    x, y, w, h = cv2.boundingRect(c)
    extent = filled_area / float(w * h)
    if extent > 0.88:
        return "square"
    if extent > 0.68:
        return "circle"
    return "triangle"


def _position_of(cx, cy):
    col = min(int(cx * 3 / dataset.SIZE), 2)
    row = min(int(cy * 3 / dataset.SIZE), 2)
    grid = [["top left", "top", "top right"], ["left", "centre", "right"],
            ["bottom left", "bottom", "bottom right"]]
    return grid[row][col]


def analyse(rgb):
    """uint8 [64, 64, 3] RGB -> what it shows: {"background": [names], "colour", "shapes": [(shape, position)]}."""
    h, w, _ = rgb.shape
    names = colour_names(rgb)
    border = np.zeros((h, w), bool)
    border[:2, :] = border[-2:, :] = border[:, :2] = border[:, -2:] = True
    halves = [np.zeros((h, w), bool), np.zeros((h, w), bool)]
    halves[0][:, : w // 2] = True
    halves[1][:, w // 2:] = True
    background = [_commonest(names[border & half]) for half in halves]
    fg = np.zeros((h, w), np.uint8)
    for half, bg in zip(halves, background):
        fg[half & (names != NAMES.index(bg))] = 1
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(fg, connectivity=8)
    shapes = []
    pixels = []
    for i in range(1, count):
        if stats[i, cv2.CC_STAT_AREA] < MIN_AREA:
            continue
        mask = (labels == i).astype(np.uint8)
        shapes.append((_shape_of(mask), _position_of(*centroids[i])))
        pixels.append(names[labels == i])
    colour = _commonest(np.concatenate(pixels)) if pixels else None
    return {"background": background if background[0] != background[1] else background[:1],
            "colour": colour, "shapes": shapes}


def score(found, scene):
    """{"background", "colour", "shape", "position"}: True where the render shows what the prompt asked."""
    want_positions = sorted(scene["positions"])
    got_positions = sorted(p for _, p in found["shapes"])
    return {
        "background": found["background"] == scene["background"],
        "colour": found["colour"] == scene["colour"],
        "shape": len(found["shapes"]) == scene["count"] and all(s == scene["shape"] for s, _ in found["shapes"]),
        "position": got_positions == want_positions,
    }


def read_png(path):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(path)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
