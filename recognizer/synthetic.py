"""Synthetic pages of digits with exact truth, for tests, benchmarks and samples.

Like OpenCV's synthetic video source: no files needed, fully deterministic
from a seed. Digits are drawn as pen strokes (a skeleton per digit, jittered
and smoothed, with random slant, rotation, width and pen) on paper with uneven
light, noise and blur; ``light_on_dark`` gives a chalk-board look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from recognizer.types import Box

# Pen strokes of each digit on a unit box (x right, y down). A stroke list per
# style; corners are where one stroke ends and the next begins.
_O = [(0.5 + 0.32 * np.sin(t), 0.5 - 0.5 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 13)]
SKELETONS: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[_O]],
    1: [[[(0.5, 0.0), (0.5, 1.0)]], [[(0.25, 0.22), (0.55, 0.0)], [(0.55, 0.0), (0.55, 1.0)]]],
    2: [[[(0.18, 0.25), (0.3, 0.06), (0.52, 0.0), (0.74, 0.1), (0.78, 0.3), (0.62, 0.52), (0.38, 0.75),
          (0.15, 1.0)], [(0.15, 1.0), (0.88, 0.98)]]],
    3: [[[(0.18, 0.12), (0.45, 0.0), (0.72, 0.08), (0.76, 0.27), (0.45, 0.46)],
         [(0.45, 0.46), (0.76, 0.6), (0.8, 0.82), (0.55, 1.0), (0.18, 0.92)]]],
    4: [[[(0.5, 0.0), (0.12, 0.64)], [(0.12, 0.64), (0.88, 0.64)], [(0.68, 0.22), (0.68, 1.0)]],
        [[(0.7, 1.0), (0.7, 0.0)], [(0.7, 0.0), (0.1, 0.66)], [(0.1, 0.66), (0.9, 0.66)]]],
    5: [[[(0.8, 0.0), (0.3, 0.0)], [(0.3, 0.0), (0.24, 0.44)],
         [(0.24, 0.44), (0.5, 0.37), (0.76, 0.5), (0.8, 0.76), (0.6, 0.97), (0.32, 1.0), (0.14, 0.88)]]],
    6: [[[(0.72, 0.04), (0.46, 0.1), (0.26, 0.38), (0.2, 0.7), (0.34, 0.95), (0.6, 0.98), (0.78, 0.78),
          (0.7, 0.55), (0.45, 0.5), (0.24, 0.64)]]],
    7: [[[(0.12, 0.02), (0.88, 0.02)], [(0.88, 0.02), (0.62, 0.48), (0.45, 1.0)]],
        [[(0.12, 0.02), (0.88, 0.02)], [(0.88, 0.02), (0.62, 0.48), (0.45, 1.0)], [(0.4, 0.52), (0.82, 0.5)]]],
    8: [[[(0.68, 0.12), (0.5, 0.0), (0.3, 0.07), (0.28, 0.27), (0.5, 0.45), (0.73, 0.62), (0.76, 0.86),
          (0.5, 1.0), (0.25, 0.88), (0.27, 0.64), (0.5, 0.45), (0.71, 0.28), (0.68, 0.12)]]],
    9: [[[(0.76, 0.28), (0.55, 0.44), (0.3, 0.38), (0.26, 0.15), (0.5, 0.0), (0.73, 0.08), (0.76, 0.28)],
         [(0.76, 0.28), (0.72, 0.64), (0.64, 1.0)]]],
}


@dataclass
class Page:
    image: np.ndarray  # BGR uint8
    numbers: list[str]  # in reading order
    boxes: list[Box] = field(default_factory=list)  # one per digit, reading order
    labels: list[int] = field(default_factory=list)


def _smooth(points: np.ndarray, per_segment: int = 12) -> np.ndarray:
    """Catmull-Rom spline through ``points`` (a hand's curve, not a polygon)."""
    if len(points) < 3:
        return np.linspace(points[0], points[-1], per_segment)
    padded = np.vstack([points[0], points, points[-1]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    curve = []
    for p0, p1, p2, p3 in zip(padded, padded[1:], padded[2:], padded[3:]):
        curve.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                            + (3 * p1 - p0 - 3 * p2 + p3) * t**3))
    curve.append(points[-1:])
    return np.vstack(curve)


def render_digit(digit: int, height: int, rng: np.random.Generator, pen: float | None = None) -> np.ndarray:
    """A float32 ink image (1 = ink) of one handwritten-looking digit, ``height`` tall."""
    styles = SKELETONS[digit]
    strokes = styles[int(rng.integers(len(styles)))]
    slant = rng.uniform(-0.1, 0.35)
    angle = np.deg2rad(rng.uniform(-7, 7))
    aspect = rng.uniform(0.5, 0.8)
    rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shape = rotate @ np.array([[aspect, -slant], [0.0, 1.0]])
    supersample = 4
    unit = height * supersample
    pen = rng.uniform(0.05, 0.13) if pen is None else pen
    thickness = max(1, int(round(pen * unit)))
    lines = []
    for stroke in strokes:
        points = np.array(stroke, dtype=np.float64) + rng.normal(0, 0.025, (len(stroke), 2))
        curve = _smooth(points) - 0.5
        lines.append((curve @ shape.T) * unit)
    allpts = np.vstack(lines)
    origin = allpts.min(axis=0) - thickness
    size = np.ceil(allpts.max(axis=0) - origin + thickness).astype(int) + 1
    canvas = np.zeros((size[1], size[0]), np.uint8)
    for line in lines:
        pts = np.round((line - origin) * 16).astype(np.int32)  # 4 fractional bits
        cv2.polylines(canvas, [pts], False, 255, thickness, cv2.LINE_AA, shift=4)
    ys, xs = np.nonzero(canvas > 64)
    canvas = canvas[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = height / canvas.shape[0]
    ink = cv2.resize(canvas, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.clip(ink.astype(np.float32) / 255.0, 0, 1)


def _paper(width: int, height: int, rng: np.random.Generator, light_on_dark: bool) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / width + np.sin(angle) * yy / height)
    if light_on_dark:
        base = rng.uniform(35, 70) + 25 * ramp
    else:
        base = rng.uniform(185, 235) - 45 * ramp  # a shadow falls across the sheet
    return base


def make_page(
    numbers: list[str] | None = None,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    digit_height: int | None = None,
    light_on_dark: bool = False,
    noise: float = 4.0,
    blur: float = 0.7,
) -> Page:
    """Lay out ``numbers`` in rows on a sheet; return the image and the truth."""
    rng = np.random.default_rng(seed)
    width, height = size
    if numbers is None:
        numbers = ["".join(str(d) for d in rng.integers(0, 10, size=int(n))) for n in rng.integers(2, 6, size=4)]
    rows = len(numbers)
    digit_height = digit_height or int(min(height / (rows * 1.9), width / 9))
    gray = _paper(width, height, rng, light_on_dark)
    ink_level = rng.uniform(150, 190) if light_on_dark else rng.uniform(120, 175)
    ink_sign = 1.0 if light_on_dark else -1.0

    page = Page(image=np.zeros((height, width, 3), np.uint8), numbers=list(numbers))
    row_pitch = height / rows
    for row, number in enumerate(numbers):
        h = int(digit_height * rng.uniform(0.9, 1.1))
        glyphs = [render_digit(int(ch), h, rng) for ch in number]
        gap = int(h * rng.uniform(0.15, 0.35))
        total = sum(g.shape[1] for g in glyphs) + gap * (len(glyphs) - 1)
        x = int(rng.uniform(0.05 * width, max(0.05 * width + 1, width - total - 0.05 * width)))
        y_centre = row_pitch * (row + 0.5) + rng.uniform(-0.1, 0.1) * row_pitch
        for digit_char, glyph in zip(number, glyphs):
            gh, gw = glyph.shape
            y = int(np.clip(y_centre - gh / 2 + rng.uniform(-0.05, 0.05) * gh, 1, height - gh - 1))
            if x + gw >= width - 1:
                break
            region = gray[y : y + gh, x : x + gw]
            region += ink_sign * glyph * ink_level
            ys, xs = np.nonzero(glyph > 0.5)
            page.boxes.append(Box(x + int(xs.min()), y + int(ys.min()),
                                  int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)))
            page.labels.append(int(digit_char))
            x += gw + gap
    if blur > 0:
        gray = cv2.GaussianBlur(gray, (0, 0), blur)
    gray += rng.normal(0, noise, gray.shape)
    tint = rng.uniform(0.9, 1.0, size=3)
    colour = np.clip(gray[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8)
    page.image = colour
    return page
