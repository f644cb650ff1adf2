"""Realistic scenes of handwritten digits with exact truth.

Four kinds, each deterministic from a seed:

- ``photo``: a sheet of paper (plain, ruled or squared) on a desk, seen in
  perspective, with uneven light, a shadow, blur, noise and JPEG artefacts.
- ``form``: a 150 dpi A4 scan: printed labels, comb boxes, a table and ruled
  lines, digits written in and on them (some touching the lines), skewed.
- ``board``: chalk or marker digits on a dark board, with smears and glare.
- ``clutter``: a photo that also holds printed words, printed letters that
  look like digits (O l S Z B), a handwritten word, pen strokes, specks and a
  coffee ring: none of them a digit.

Besides them, ``touching_scene`` writes one number with a touching pair of
digits on grey paper, each digit boxed where its glyph was laid: the
touching-digits benchmark (``benchmarks/touching.py``) reads it.

Digits come from a ``GlyphSource``: MNIST images (use the *test* split for
scoring), handwriting fonts, or the stroke renderer in ``synthetic``. Truth is
each digit's label and tight ink box in the final image, and the numbers as
strings in reading order. Each digit's ink is tracked through every warp in a
label map, so boxes stay exact after perspective and skew.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from recognizer.synthetic import _smooth, render_digit
from recognizer.types import Box

KINDS = ("photo", "form", "board", "clutter")
PHOTO_SIZES = ((640, 480), (800, 600), (1024, 768), (1280, 960), (1600, 1200))
A4_150DPI = (1240, 1754)
HANDWRITING_FONT_GLOBS = (
    "/usr/share/fonts/truetype/fifthhorseman/dkg*.ttf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-*.otf",
    "/usr/share/fonts/opentype/dancingscript/DancingScript-*.otf",
    "/usr/share/fonts/truetype/rufscript/*.ttf",
    "/usr/share/fonts/opentype/kaushanscript/*.otf",
)
WORDS = ("meeting", "notes", "Total", "invoice", "call back", "room", "see page", "Date", "Name",
         "budget", "review", "signed", "phone", "office", "copy", "draft", "urgent", "Reference",
         "the", "and", "for", "please", "check", "order", "client", "week", "summary")
LOOKALIKES = "OlSZBIo"


@dataclass
class Scene:
    kind: str
    seed: int
    image: np.ndarray  # BGR uint8 (a touching scene's: grey)
    boxes: list[Box] = field(default_factory=list)  # tight ink box per digit
    labels: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # reading order
    domain: str = ""
    paper: str = ""  # photo and clutter: the sheet's ruling, "plain", "ruled" or "squared"


# ----------------------------------------------------------------------------
# Where digit glyphs come from
# ----------------------------------------------------------------------------
class GlyphSource(Protocol):
    name: str

    def glyph(self, label: int, height: int, rng: np.random.Generator) -> np.ndarray:
        """float32 ink (1 = ink) of one digit, tightly cropped, ``height`` tall."""


def _fit_height(ink: np.ndarray, height: int) -> np.ndarray:
    ys, xs = np.nonzero(ink > 0.15)
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = height / ink.shape[0]
    width = max(1, int(round(ink.shape[1] * scale)))
    interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return np.clip(cv2.resize(ink, (width, height), interpolation=interpolation), 0, 1)


class MnistGlyphs:
    """Digits cut from MNIST images (white on black, 28x28)."""

    name = "mnist"

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.by_label = [np.flatnonzero(labels == d) for d in range(10)]

    def glyph(self, label: int, height: int, rng: np.random.Generator) -> np.ndarray:
        index = int(rng.choice(self.by_label[label]))
        ink = self.images[index].astype(np.float32) / 255.0
        return _fit_height(ink, height)


class FontGlyphs:
    """Digits typed in handwriting fonts (rendered with Pillow)."""

    name = "fonts"

    def __init__(self, paths: list[str]) -> None:
        if not paths:
            raise ValueError("no handwriting fonts given")
        self.paths = paths
        self._cache: dict[tuple[str, int], object] = {}

    @classmethod
    def installed(cls) -> "FontGlyphs | None":
        paths = sorted(p for pattern in HANDWRITING_FONT_GLOBS for p in glob.glob(pattern))
        return cls(paths) if paths else None

    def glyph(self, label: int, height: int, rng: np.random.Generator) -> np.ndarray:
        from PIL import Image, ImageDraw, ImageFont

        path = self.paths[int(rng.integers(len(self.paths)))]
        size = 96
        key = (path, size)
        if key not in self._cache:
            self._cache[key] = ImageFont.truetype(path, size)
        canvas = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(canvas).text((size // 2, size // 4), str(label), fill=255, font=self._cache[key])
        ink = np.asarray(canvas, dtype=np.float32) / 255.0
        # A little slant and rotation, as a hand would add.
        angle, shear = rng.uniform(-6, 6), rng.uniform(-0.15, 0.2)
        h, w = ink.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        matrix[0, 1] -= shear
        ink = cv2.warpAffine(ink, matrix, (w, h))
        return _fit_height(ink, height)


class StrokeGlyphs:
    """Digits drawn as pen strokes by ``synthetic.render_digit``."""

    name = "strokes"

    def glyph(self, label: int, height: int, rng: np.random.Generator) -> np.ndarray:
        return render_digit(label, height, rng)


# ----------------------------------------------------------------------------
# Drawing on a flat sheet: an ink layer, a colour per pixel and a label map
# ----------------------------------------------------------------------------
class Sheet:
    """A flat surface that collects ink; digits are tracked in ``labels``."""

    def __init__(self, height: int, width: int, colour: tuple[float, float, float]) -> None:
        self.colour = np.empty((height, width, 3), np.float32)
        self.colour[:] = colour
        self.labels = np.zeros((height, width), np.int32)  # 0 = no digit; k = digit k-1
        self.keep_out: list[Box] = []  # where distractors must not go
        self.digit_labels: list[int] = []
        self.numbers: list[list[int]] = []  # digit indices per number

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape

    def ink(self, alpha: np.ndarray, x: int, y: int, colour, strength: float = 1.0) -> None:
        """Lay ink ``alpha`` (0..1) with its top-left at (x, y), clipped to the sheet."""
        h, w = alpha.shape
        H, W = self.shape
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
        if x1 <= x0 or y1 <= y0:
            return
        a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None] * strength
        region = self.colour[y0:y1, x0:x1]
        region *= 1.0 - a
        region += a * np.asarray(colour, np.float32)

    def digit(self, label: int, glyph: np.ndarray, x: int, y: int, colour, strength: float) -> int:
        index = len(self.digit_labels)
        self.digit_labels.append(label)
        self.ink(glyph, x, y, colour, strength)
        h, w = glyph.shape
        H, W = self.shape
        y1, x1 = min(y + h, H), min(x + w, W)
        sub = self.labels[max(y, 0) : y1, max(x, 0) : x1]
        mark = glyph[max(0, -y) : y1 - y, max(0, -x) : x1 - x] > 0.5
        sub[mark] = index + 1
        return index


@dataclass
class Pen:
    colour: tuple[float, float, float]
    strength: float
    width: float  # stroke width relative to digit height (MNIST's own is ~0.12)
    grain: float = 0.0  # pencil and chalk texture


def _pen(kind: str, rng: np.random.Generator) -> Pen:
    if kind == "ballpoint":
        colour = [(140, 60, 25), (45, 40, 40), (120, 40, 30)][int(rng.integers(3))]
        return Pen(colour, rng.uniform(0.8, 1.0), rng.uniform(0.05, 0.08))
    if kind == "felt":
        colour = [(30, 30, 30), (150, 50, 20), (40, 40, 170)][int(rng.integers(3))]
        return Pen(colour, rng.uniform(0.9, 1.0), rng.uniform(0.11, 0.16))
    if kind == "pencil":
        return Pen((80, 80, 85), rng.uniform(0.5, 0.75), rng.uniform(0.05, 0.08), grain=0.35)
    if kind == "chalk":
        colour = [(235, 240, 240), (150, 230, 240), (235, 235, 220)][int(rng.integers(3))]
        return Pen(colour, rng.uniform(0.75, 0.95), rng.uniform(0.07, 0.12), grain=0.45)
    raise ValueError(kind)


def _apply_pen(glyph: np.ndarray, pen: Pen, rng: np.random.Generator) -> np.ndarray:
    """Thin or thicken a glyph's strokes to the pen's width; add grain."""
    height = glyph.shape[0]
    # The glyph's own stroke width: 2 * area / perimeter of its core.
    core = (glyph > 0.5).astype(np.uint8)
    area = core.sum()
    boundary = area - cv2.erode(core, np.ones((3, 3), np.uint8)).sum()
    width_now = 2.0 * area / max(boundary, 1)
    target = pen.width * height
    pad = int(max(2, target))
    glyph = cv2.copyMakeBorder(glyph, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    change = int(round((target - width_now) / 2))
    if change > 0:
        glyph = cv2.dilate(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * change + 1,) * 2))
    elif change < 0:
        thin = cv2.erode(glyph, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * -change + 1,) * 2))
        # Never erase a stroke: keep the thinned glyph only where it survives.
        if (thin > 0.5).sum() > 0.25 * area:
            glyph = thin
    glyph = cv2.GaussianBlur(glyph, (0, 0), 0.6)
    if pen.grain:
        grain = rng.uniform(1 - pen.grain, 1.0, glyph.shape).astype(np.float32)
        glyph = glyph * cv2.GaussianBlur(grain, (0, 0), 0.7)
    ys, xs = np.nonzero(glyph > 0.5)
    if ys.size == 0:
        return glyph
    return glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def write_number(sheet: Sheet, text: str, x: int, baseline: int, height: int, glyphs: GlyphSource,
                 pen: Pen, rng: np.random.Generator, gap: tuple[float, float] = (0.12, 0.35)) -> Box | None:
    """Write ``text`` with its digits' bottoms near ``baseline``; return its box."""
    rendered = []
    for char in text:
        h = int(height * rng.uniform(0.92, 1.08))
        rendered.append((int(char), _apply_pen(glyphs.glyph(int(char), h, rng), pen, rng)))
    gaps = [int(height * rng.uniform(*gap)) for _ in rendered]
    total = sum(g.shape[1] for _, g in rendered) + sum(gaps[:-1])
    if x + total >= sheet.shape[1] - 2:
        return None
    indices, cursor = [], x
    top = bottom = None
    for (label, glyph), g in zip(rendered, gaps):
        gh, gw = glyph.shape
        y = baseline - gh + int(rng.uniform(-0.04, 0.04) * height)
        indices.append(sheet.digit(label, glyph, cursor, y, pen.colour, pen.strength))
        top = y if top is None else min(top, y)
        bottom = y + gh if bottom is None else max(bottom, y + gh)
        cursor += gw + g
    sheet.numbers.append(indices)
    box = Box(x, top, cursor - x, bottom - top)
    sheet.keep_out.append(box)
    return box


def _random_number(rng: np.random.Generator, lo: int = 1, hi: int = 6) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(lo, hi + 1))))


# ----------------------------------------------------------------------------
# Printed matter and distractors (none of it is a digit)
# ----------------------------------------------------------------------------
def _printed_fonts() -> list[str]:
    import matplotlib

    folder = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")
    names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf",
             "cmr10.ttf", "cmss10.ttf", "STIXGeneral.ttf", "DejaVuSerif-Italic.ttf")
    return [os.path.join(folder, n) for n in names if os.path.exists(os.path.join(folder, n))]


def printed_text(text: str, height: int, rng: np.random.Generator, font: str | None = None) -> np.ndarray:
    """Ink of printed text whose capitals are about ``height`` tall."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = _printed_fonts()
    path = font or fonts[int(rng.integers(len(fonts)))]
    size = max(8, int(height * 1.4))
    typeface = ImageFont.truetype(path, size)
    left, top, right, bottom = typeface.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=typeface)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def handwritten_word(height: int, rng: np.random.Generator) -> np.ndarray:
    """A cursive scribble: loops and humps joined in one stroke, like a word."""
    letters = int(rng.integers(4, 9))
    points, x = [], 0.0
    for _ in range(letters):
        tall = rng.random() < 0.3
        points += [(x, 1.0), (x + 0.25, 0.05 if tall else 0.45), (x + 0.45, 0.98)]
        x += rng.uniform(0.45, 0.7)
    pts = np.array(points) + rng.normal(0, 0.04, (len(points), 2))
    curve = _smooth(pts) * [height * 0.55, height]
    width = int(curve[:, 0].max()) + 8
    canvas = np.zeros((height + 8, width), np.uint8)
    cv2.polylines(canvas, [np.round((curve + 4) * 16).astype(np.int32)], False, 255,
                  max(1, height // 14), cv2.LINE_AA, shift=4)
    return canvas.astype(np.float32) / 255.0


def pen_stroke(length: int, rng: np.random.Generator) -> np.ndarray:
    """An underline, tick, arrow or swoosh."""
    kind = int(rng.integers(3))
    if kind == 0:  # underline / swoosh
        pts = np.array([(0, 0.5), (0.3, 0.45 + rng.normal(0, 0.1)), (0.7, 0.55 + rng.normal(0, 0.1)), (1, 0.5)])
        size = (length, max(12, length // 6))
    elif kind == 1:  # tick
        pts = np.array([(0, 0.55), (0.35, 1.0), (1.0, 0.0)])
        size = (length // 2, length // 2)
    else:  # arrow
        pts = np.array([(0, 0.5), (1, 0.5)])
        size = (length, max(16, length // 5))
    w, h = size
    canvas = np.zeros((h + 10, w + 10), np.uint8)
    curve = _smooth(pts) * [w, h] + 5
    thickness = int(rng.integers(1, 4))
    cv2.polylines(canvas, [np.round(curve * 16).astype(np.int32)], False, 255, thickness, cv2.LINE_AA, shift=4)
    if kind == 2:
        tip = (w + 5, h // 2 + 5)
        cv2.line(canvas, tip, (w - h // 2 + 5, 5), 255, thickness, cv2.LINE_AA)
        cv2.line(canvas, tip, (w - h // 2 + 5, h + 5), 255, thickness, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0


def _free_spot(sheet: Sheet, w: int, h: int, rng: np.random.Generator, margin: int, tries: int = 40):
    H, W = sheet.shape
    for _ in range(tries):
        if W - w - 4 <= 4 or H - h - 4 <= 4:
            return None
        x, y = int(rng.integers(4, W - w - 4)), int(rng.integers(4, H - h - 4))
        box = Box(x - margin, y - margin, w + 2 * margin, h + 2 * margin)
        if all(_disjoint(box, other) for other in sheet.keep_out):
            sheet.keep_out.append(Box(x, y, w, h))
            return x, y
    return None


def _disjoint(a: Box, b: Box) -> bool:
    return a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y


def add_clutter(sheet: Sheet, digit_height: int, rng: np.random.Generator) -> None:
    """Printed words, look-alike letters, a handwritten word, strokes, specks, a coffee ring."""
    margin = max(6, digit_height // 3)
    ink = (35, 35, 35)
    for _ in range(int(rng.integers(2, 5))):  # printed lines of words
        words = " ".join(rng.choice(WORDS, int(rng.integers(2, 6))))
        text = printed_text(words, int(rng.integers(10, max(12, digit_height // 2))), rng)
        spot = _free_spot(sheet, text.shape[1], text.shape[0], rng, margin)
        if spot:
            sheet.ink(text, *spot, ink, 0.95)
    for _ in range(int(rng.integers(2, 5))):  # printed letters that look like digits
        letter = printed_text(str(rng.choice(list(LOOKALIKES))), int(digit_height * rng.uniform(0.6, 1.0)), rng)
        spot = _free_spot(sheet, letter.shape[1], letter.shape[0], rng, margin)
        if spot:
            sheet.ink(letter, *spot, ink, 0.95)
    pen = _pen("ballpoint", rng)
    word = handwritten_word(int(digit_height * rng.uniform(0.6, 1.0)), rng)
    spot = _free_spot(sheet, word.shape[1], word.shape[0], rng, margin)
    if spot:
        sheet.ink(word, *spot, pen.colour, pen.strength)
    for _ in range(int(rng.integers(1, 4))):
        stroke = pen_stroke(int(digit_height * rng.uniform(1.5, 4)), rng)
        spot = _free_spot(sheet, stroke.shape[1], stroke.shape[0], rng, margin)
        if spot:
            sheet.ink(stroke, *spot, pen.colour, pen.strength)
    H, W = sheet.shape
    for _ in range(int(rng.integers(15, 60))):  # specks
        r = int(rng.integers(1, 3))
        x, y = int(rng.integers(r, W - r)), int(rng.integers(r, H - r))
        if all(_disjoint(Box(x - r, y - r, 2 * r, 2 * r), b) for b in sheet.keep_out):
            speck = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
            cv2.circle(speck, (r, r), r, 1.0, -1)
            sheet.ink(speck, x - r, y - r, ink, rng.uniform(0.5, 0.9))
    radius = int(digit_height * rng.uniform(1.0, 2.0))  # a coffee ring
    spot = _free_spot(sheet, 2 * radius + 8, 2 * radius + 8, rng, margin)
    if spot:
        ring = np.zeros((2 * radius + 8, 2 * radius + 8), np.float32)
        start = float(rng.uniform(0, 360))
        cv2.ellipse(ring, (radius + 4, radius + 4), (radius, int(radius * rng.uniform(0.85, 1.0))), 0,
                    start, start + rng.uniform(240, 360), 1.0, int(rng.integers(2, 6)), cv2.LINE_AA)
        ring = cv2.GaussianBlur(ring, (0, 0), 1.5)
        sheet.ink(ring, *spot, (70, 110, 160), rng.uniform(0.35, 0.6))


# ----------------------------------------------------------------------------
# Camera and scanner effects
# ----------------------------------------------------------------------------
def _finish(image: np.ndarray, rng: np.random.Generator, blur: float, noise: float, jpeg: int | None) -> np.ndarray:
    if blur > 0:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    image = image + rng.normal(0, noise, image.shape).astype(np.float32)
    out = np.clip(image, 0, 255).astype(np.uint8)
    if jpeg:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out


def _lighting(shape: tuple[int, int], rng: np.random.Generator, shadow: bool = True) -> np.ndarray:
    """A gain field: a light gradient, vignetting and maybe a soft shadow."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    gain = 1.0 + rng.uniform(0.1, 0.3) * ((np.cos(angle) * xx / w + np.sin(angle) * yy / h) - 0.5)
    r = np.hypot(xx / w - 0.5, yy / h - 0.5)
    gain *= 1.0 - rng.uniform(0.05, 0.25) * r**2 * 2
    if shadow:
        mask = np.zeros((h, w), np.float32)
        pts = np.array([(rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h) for _ in range(4)], np.int32)
        cv2.fillConvexPoly(mask, cv2.convexHull(pts), 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), max(h, w) * rng.uniform(0.02, 0.06))
        gain *= 1.0 - rng.uniform(0.15, 0.4) * mask
    return gain


def _truth(scene: Scene, labels_map: np.ndarray, sheet: Sheet) -> None:
    """Tight boxes of each digit's visible ink, numbers in reading order."""
    ys, xs = np.nonzero(labels_map)
    ids = labels_map[ys, xs]
    order = np.argsort(ids, kind="stable")
    ids, ys, xs = ids[order], ys[order], xs[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    boxes: dict[int, Box] = {}
    for s, e in zip(starts, np.r_[starts[1:], len(ids)]):
        if e - s < 6:
            continue
        x0, x1, y0, y1 = xs[s:e].min(), xs[s:e].max(), ys[s:e].min(), ys[s:e].max()
        boxes[int(ids[s]) - 1] = Box(int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1))
    numbers = []
    for indices in sheet.numbers:
        if all(i in boxes for i in indices):
            numbers.append(indices)
    # Reading order: by row (centre y), then x.
    numbers.sort(key=lambda idx: (boxes[idx[0]].y + boxes[idx[0]].h / 2, boxes[idx[0]].x))
    for indices in numbers:
        scene.numbers.append("".join(str(sheet.digit_labels[i]) for i in indices))
        for i in indices:
            scene.boxes.append(boxes[i])
            scene.labels.append(sheet.digit_labels[i])


def _place_numbers(sheet: Sheet, region: Box, count: int, height: int, glyphs: GlyphSource,
                   rng: np.random.Generator, pens: list[str], rules: list[int] | None = None) -> None:
    """Write ``count`` numbers in separate bands of ``region``."""
    band = region.h / count
    for k in range(count):
        text = _random_number(rng)
        pen = _pen(str(rng.choice(pens)), rng)
        baseline = int(region.y + band * (k + 0.5) + height / 2 + rng.uniform(-0.15, 0.15) * band)
        if rules:
            baseline = min(rules, key=lambda r: abs(r - baseline)) - int(height * 0.1)
        width_guess = int(len(text) * height * 0.85)
        x = int(rng.uniform(region.x, max(region.x + 1, region.right - width_guess)))
        write_number(sheet, text, x, baseline, height, glyphs, pen, rng)


# ----------------------------------------------------------------------------
# The four kinds
# ----------------------------------------------------------------------------
def photo_scene(seed: int, glyphs: GlyphSource, clutter: bool = False, turn: float = 0.0) -> Scene:
    """A sheet on a desk, photographed in perspective; ``turn``: degrees the
    camera is turned about its axis (counter-clockwise as seen; the sheet and
    its rows then run at that angle), for ``benchmarks/tilted.py``."""
    rng = np.random.default_rng(seed)
    W, H = PHOTO_SIZES[int(rng.integers(len(PHOTO_SIZES)))]
    sheet_w = int(W * rng.uniform(0.75, 0.95))
    sheet_h = int(sheet_w * rng.uniform(0.7, 1.2))
    paper = tuple(float(c) for c in rng.uniform(225, 250) * rng.uniform(0.94, 1.0, 3))
    sheet = Sheet(sheet_h, sheet_w, paper)
    ruling = str(rng.choice(["plain", "ruled", "squared"]))
    rules = None
    pitch = int(rng.uniform(0.045, 0.07) * sheet_h)
    line_colour = (205, 170, 130) if rng.random() < 0.7 else (170, 170, 170)
    if ruling != "plain":
        rules = list(range(pitch * 2, sheet_h - pitch, pitch))
        for r in rules:
            cv2.line(sheet.colour, (0, r), (sheet_w, r), line_colour, 1, cv2.LINE_AA)
        if ruling == "squared":
            for c in range(pitch, sheet_w, pitch):
                cv2.line(sheet.colour, (c, 0), (c, sheet_h), line_colour, 1, cv2.LINE_AA)
        else:
            cv2.line(sheet.colour, (int(sheet_w * 0.12), 0), (int(sheet_w * 0.12), sheet_h), (120, 120, 220), 1)
    count = int(rng.integers(1, 5))
    view_scale = H / sheet_h  # roughly: sheet pixels to image pixels
    height = int(rng.uniform(26, min(100, H / (count * 2.6))) / max(view_scale, 0.6))
    if rules:
        height = min(height, int(pitch * 1.6))
    region = Box(int(sheet_w * 0.15), int(sheet_h * 0.12), int(sheet_w * 0.72), int(sheet_h * 0.76))
    pens = ["ballpoint", "felt", "pencil"]
    _place_numbers(sheet, region, count, height, glyphs, rng, pens, rules)
    if clutter:
        add_clutter(sheet, height, rng)

    # The desk, and the sheet on it in perspective.
    desk_colour = rng.uniform(40, 160, 3)
    desk = np.empty((H, W, 3), np.float32)
    desk[:] = desk_colour
    grain = cv2.resize(rng.normal(0, 12, (H // 8 + 1, W // 40 + 1)).astype(np.float32), (W, H))
    desk += grain[:, :, None]
    cx, cy = W / 2 + rng.uniform(-0.05, 0.05) * W, H / 2 + rng.uniform(-0.05, 0.05) * H
    half_w, half_h = sheet_w * view_scale * 0.5 * rng.uniform(0.95, 1.1), H * 0.5 * rng.uniform(0.9, 1.08)
    corners = np.float32([[0, 0], [sheet_w, 0], [sheet_w, sheet_h], [0, sheet_h]])
    jitter = rng.uniform(-0.07, 0.07, (4, 2)) * [W, H]
    target = np.float32([[cx - half_w, cy - half_h], [cx + half_w, cy - half_h],
                         [cx + half_w, cy + half_h], [cx - half_w, cy + half_h]]) + jitter.astype(np.float32)
    if turn:
        target = cv2.transform(target[None], cv2.getRotationMatrix2D((cx, cy), turn, 1.0))[0]
    homography = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(sheet.colour, homography, (W, H), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones(sheet.shape, np.float32), homography, (W, H), flags=cv2.INTER_LINEAR)
    labels_map = cv2.warpPerspective(sheet.labels, homography, (W, H), flags=cv2.INTER_NEAREST)
    image = warped * cover[:, :, None] + desk * (1 - cover[:, :, None])
    image *= _lighting((H, W), rng)[:, :, None]
    scene = Scene("photo" if not clutter else "clutter", seed, np.zeros(0), domain=glyphs.name, paper=ruling)
    scene.image = _finish(image, rng, rng.uniform(0.3, 1.1), rng.uniform(2, 6), int(rng.integers(55, 92)))
    _truth(scene, labels_map, sheet)
    return scene


def form_scene(seed: int, glyphs: GlyphSource) -> Scene:
    rng = np.random.default_rng(seed)
    W, H = A4_150DPI
    sheet = Sheet(H, W, (250.0, 250.0, 250.0))
    black = (25, 25, 25)
    title = printed_text("APPLICATION FORM", 34, rng, _printed_fonts()[1])
    sheet.ink(title, 90, 70, black)
    for row in range(3):
        line = printed_text(" ".join(rng.choice(WORDS, 9)), 16, rng, _printed_fonts()[0])
        sheet.ink(line[:, : W - 200], 90, 140 + row * 30, black)
    y = 270
    pen = _pen(str(rng.choice(["ballpoint", "felt"])), rng)
    # Comb boxes: one digit a box, some touching the box lines.
    for field_name in ("Account", "Date", "Code"):
        label = printed_text(field_name, 20, rng, _printed_fonts()[0])
        sheet.ink(label, 90, y + 12, black)
        n = int(rng.integers(4, 9))
        size = int(rng.integers(44, 60))
        x0 = 330
        for k in range(n + 1):
            cv2.line(sheet.colour, (x0 + k * size, y), (x0 + k * size, y + size), black, 2)
        cv2.line(sheet.colour, (x0, y), (x0 + n * size, y), black, 2)
        cv2.line(sheet.colour, (x0, y + size), (x0 + n * size, y + size), black, 2)
        filled = int(rng.integers(max(1, n - 3), n + 1))
        indices = []
        for k in range(filled):
            digit = int(rng.integers(10))
            gh = int(size * rng.uniform(0.62, 0.85))
            glyph = _apply_pen(glyphs.glyph(digit, gh, rng), pen, rng)
            gx = x0 + k * size + (size - glyph.shape[1]) // 2 + int(rng.integers(-4, 5))
            gy = y + (size - glyph.shape[0]) // 2 + int(rng.integers(-4, 5))
            if rng.random() < 0.2:  # the writer runs into the bottom line
                gy = y + size - glyph.shape[0] + int(rng.integers(1, 4))
            indices.append(sheet.digit(digit, glyph, gx, gy, pen.colour, pen.strength))
        sheet.numbers.append(indices)
        y += size + 70
    # A table with numbers in some cells.
    cols, rows = int(rng.integers(3, 5)), int(rng.integers(4, 7))
    cell_w, cell_h = (W - 180) // cols, int(rng.integers(56, 72))
    tx, ty = 90, y + 20
    for r in range(rows + 1):
        cv2.line(sheet.colour, (tx, ty + r * cell_h), (tx + cols * cell_w, ty + r * cell_h), black, 2)
    for c in range(cols + 1):
        cv2.line(sheet.colour, (tx + c * cell_w, ty), (tx + c * cell_w, ty + rows * cell_h), black, 2)
    for c in range(cols):
        header = printed_text(str(rng.choice(WORDS)).title(), 18, rng, _printed_fonts()[1])
        sheet.ink(header[:, : cell_w - 20], tx + c * cell_w + 10, ty + (cell_h - header.shape[0]) // 2, black)
    for r in range(1, rows):
        for c in range(cols):
            if rng.random() < 0.55:
                text = _random_number(rng, 1, 5)
                h = int(cell_h * rng.uniform(0.5, 0.68))
                baseline = ty + (r + 1) * cell_h - int(cell_h * rng.uniform(0.12, 0.25))
                if rng.random() < 0.15:
                    baseline = ty + (r + 1) * cell_h + 2  # resting on the cell's bottom line
                write_number(sheet, text, tx + c * cell_w + int(rng.integers(10, 30)), baseline, h,
                             glyphs, pen, rng, gap=(0.1, 0.25))
    y = ty + rows * cell_h + 60
    # Ruled lines with a number written on each.
    while y < H - 140:
        label = printed_text(str(rng.choice(WORDS)).title() + ":", 20, rng, _printed_fonts()[0])
        sheet.ink(label, 90, y - label.shape[0], black)
        cv2.line(sheet.colour, (300, y), (W - 120, y), black, 1)
        if rng.random() < 0.8:
            h = int(rng.uniform(34, 52))
            write_number(sheet, _random_number(rng, 1, 6), int(rng.integers(320, 700)),
                         y + int(rng.integers(-6, 3)), h, glyphs, pen, rng)
        y += int(rng.integers(80, 120))

    angle = rng.uniform(-2, 2)
    rotation = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    image = cv2.warpAffine(sheet.colour, rotation, (W, H), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=(250, 250, 250))
    labels_map = cv2.warpAffine(sheet.labels, rotation, (W, H), flags=cv2.INTER_NEAREST)
    image *= (1.0 + 0.03 * rng.normal(0, 1, (1, W)).astype(np.float32))[:, :, None]  # scanner streaks
    scene = Scene("form", seed, np.zeros(0), domain=glyphs.name)
    scene.image = _finish(image, rng, rng.uniform(0.4, 0.8), rng.uniform(2, 5), int(rng.integers(70, 93)))
    _truth(scene, labels_map, sheet)
    return scene


def board_scene(seed: int, glyphs: GlyphSource) -> Scene:
    rng = np.random.default_rng(seed)
    W, H = PHOTO_SIZES[int(rng.integers(len(PHOTO_SIZES)))]
    board = (50, 75, 45) if rng.random() < 0.5 else (38, 40, 42)
    sheet = Sheet(H, W, tuple(float(c) * rng.uniform(0.85, 1.15) for c in board))
    grain = cv2.resize(rng.normal(0, 6, (H // 16, W // 16)).astype(np.float32), (W, H))
    sheet.colour += grain[:, :, None]
    for _ in range(int(rng.integers(2, 6))):  # smears of wiped chalk
        smear = np.zeros((H, W), np.float32)
        centre = (int(rng.integers(W)), int(rng.integers(H)))
        axes = (int(rng.uniform(0.1, 0.35) * W), int(rng.uniform(0.03, 0.12) * H))
        cv2.ellipse(smear, centre, axes, rng.uniform(-30, 30), 0, 360, 1.0, -1)
        smear = cv2.GaussianBlur(smear, (0, 0), max(axes) * 0.2 + 1)
        sheet.ink(smear, 0, 0, (200, 205, 205), rng.uniform(0.05, 0.18))
    count = int(rng.integers(1, 5))
    height = int(rng.uniform(40, min(140, H / (count * 2.4))))
    region = Box(int(W * 0.08), int(H * 0.08), int(W * 0.8), int(H * 0.84))
    _place_numbers(sheet, region, count, height, glyphs, rng, ["chalk"])
    image = sheet.colour
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    gx, gy = rng.uniform(0, W), rng.uniform(0, H)
    glare = np.exp(-(((xx - gx) / (0.25 * W)) ** 2 + ((yy - gy) / (0.25 * H)) ** 2))
    image = image + glare[:, :, None] * rng.uniform(20, 70)
    image *= _lighting((H, W), rng, shadow=False)[:, :, None]
    scene = Scene("board", seed, np.zeros(0), domain=glyphs.name)
    scene.image = _finish(image, rng, rng.uniform(0.4, 1.2), rng.uniform(2, 6), int(rng.integers(55, 92)))
    _truth(scene, sheet.labels, sheet)
    return scene


def _tight(glyph: np.ndarray) -> np.ndarray:
    """The glyph cut to the box of its ink over 0.2: where a touching pair's
    digits are laid and slid together (the level fixes the benchmark's pictures)."""
    rows, cols = np.nonzero(glyph > 0.2)
    return glyph[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def touching_scene(seed: int, glyphs: GlyphSource, overlap: float) -> Scene:
    """A grey picture of one number (2 to 4 digits, 30 to 70 pixels tall) in
    which one pair of neighbouring digits touches: the second is slid left
    until its ink meets the first's, then on by up to ``overlap`` of the digit
    height (0.03: touching, as quick handwriting does; 0.12: one digit running
    over the other). Each digit's box is where its glyph was laid, so the two
    of the pair overlap; ``domain`` names the pair ("47")."""
    rng = np.random.default_rng([7, seed])
    count = int(rng.integers(2, 5))
    text = "".join(str(d) for d in rng.integers(0, 10, count))
    height = int(rng.integers(30, 70))
    laid = [_tight(glyphs.glyph(int(c), height, rng)) for c in text]
    touch = int(rng.integers(0, count - 1))
    ink = np.zeros((height * 3, sum(g.shape[1] for g in laid) + 40 * count + 100), np.float32)
    x, base = 50, height * 2
    boxes = []
    for k, glyph in enumerate(laid):
        y = base - glyph.shape[0] + int(rng.integers(-height // 15, height // 15 + 1))
        if k == touch + 1:
            # Slide left until the glyph's ink meets its neighbour's, then on a little.
            for shift in range(glyph.shape[1]):
                trial = np.zeros_like(ink)
                trial[y : y + glyph.shape[0], x - shift : x - shift + glyph.shape[1]] = glyph
                if ((trial > 0.3) & (ink > 0.3)).any():
                    break
            x -= shift + int(round(rng.uniform(0, overlap) * height))
        region = ink[y : y + glyph.shape[0], x : x + glyph.shape[1]]
        np.maximum(region, glyph, out=region)
        boxes.append(Box(x, y, glyph.shape[1], glyph.shape[0]))
        x += glyph.shape[1] + int(height * rng.uniform(0.15, 0.4))
    ink = ink[:, : x + 50]
    paper, dark = rng.uniform(170, 235), rng.uniform(20, 80)
    image = cv2.GaussianBlur(paper - (paper - dark) * np.clip(ink, 0, 1), (0, 0), 0.7)
    image += rng.normal(0, 3, image.shape)
    return Scene("touching", seed, np.clip(image, 0, 255).astype(np.uint8), boxes, [int(c) for c in text],
                 [text], domain=text[touch : touch + 2])


def make_scene(kind: str, seed: int, glyphs: GlyphSource) -> Scene:
    """One scene of ``kind``; the same (kind, seed, glyphs) always gives the same scene."""
    if kind == "photo":
        return photo_scene(seed, glyphs)
    if kind == "clutter":
        return photo_scene(seed, glyphs, clutter=True)
    if kind == "form":
        return form_scene(seed, glyphs)
    if kind == "board":
        return board_scene(seed, glyphs)
    raise ValueError(f"unknown scene kind {kind!r}; choose from {', '.join(KINDS)}")
