"""The marks written between a number's digits: 3.14, 1,250, 12:30, 07-11, 12/05/2024.

Left out, they change what a number says: "3.14" read as 314, "07-11" as
0711, and a date's slashes as 1s (1210512024). The model cannot help: a
point, a colon's dots and a dash are dropped as specks before it sees
them, and a comma or a slash alone is a 1 to it. The marks are told by
their size and place against the two digits they stand between, on the ink
map, in the gap between those digits only (``Separators``):

- a point: a round blob at least a pen wide and at most ``DOT_SIZE`` of the
  digit height, low in the row and not below it;
- a comma: a short mark in the lower part of the row that hangs below the
  baseline (``small_separators`` takes one out of the row it joined as a 1);
- a colon: a point with a dot above it;
- a dash: a short flat stroke across the middle of the row; before a
  number's first digit, with nothing else there, a minus (``Separators.before``).

Anything else in the gap that is not part of a digit (a speck, a rule
running through, a stroke that leaves the gap) leaves the gap as it was: no
separator is better than a wrong one. Slashes are read from the date they
cut a number into (``date_slashes``).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import cv2
import numpy as np

from recognizer.detect import Candidate
from recognizer.types import Box, Digit, Line

DOT_SIZE = 0.3  # a dot is at most this share of the digit height across...
DOT_PEN = 0.8  # ...and at least this many pen widths,
DOT_FILL = 0.5  # a solid blob: at least this share of its box inked,
DOT_ASPECT = 2.2  # and round: its box at most this much longer than wide
DOT_LOW = 0.65  # a point's centre lies this far down the row or lower (a colon's upper dot higher),
DOT_BELOW = 0.1  # but no more than this share of the digit height under the baseline
COMMA_HEIGHT = (0.15, 0.55)  # a comma is this tall for the digit height,
COMMA_WIDTH = 0.45  # and no wider than tall, nor than this share of it;
COMMA_TOP = 0.55  # its top this far down the row,
COMMA_BELOW = 0.08  # its tail this share of the digit height below the baseline
SMALL_MARK = 0.55  # a mark read as a digit, at most this share of its neighbours' height, may be a comma
DASH_LENGTH = (0.2, 1.5)  # a dash is this long for the digit height,
DASH_FLAT = 2.0  # this many times as long as thick, and at most DOT_SIZE thick
INK_SHARE = 0.7  # a separator's darkest ink reaches this share of the fainter digit beside it;
LEVEL_SHARE = 0.4  # its shape is taken at this share
BAR_WIDTH = 0.35  # a straight bar is at most this share of its length wide...
BAR_FILL = 0.5  # ...and solid: this share of its rectangle inked
SLASH_LEAN = 16.0  # degrees: a date's slashes lean at least this far,
SLASH_ALIKE = 12.0  # within this of each other,
SLASH_LEAN_OVER = 5.0  # and this much more than the number's straight 1s
PAD = 0.15  # digit heights: the gap is looked at this far into each digit's box
SIGN_REACH = 1.2  # digit heights: a minus is looked for this far left of a number's first digit,
SIGN_LENGTH = 1.0  # and is at most this long
REACH_BELOW = 0.5  # ...and this far below the row (a comma's tail)


def _shape(box: Box, area: int, height: float, top: float, pen: float) -> str | None:
    """What one mark in a gap is, from its box against the row: "dot" (low
    in the row: a point), "high dot" (a colon's upper dot), ",", "-" or
    None (not a separator's shape)."""
    x, y, w, h = box
    long_side, short_side = max(w, h), max(1, min(w, h))
    centre = y + h / 2.0 - top  # from the row's top
    if (max(2.0, DOT_PEN * pen) <= long_side <= DOT_SIZE * height and long_side <= DOT_ASPECT * short_side
            and area >= DOT_FILL * w * h):
        if DOT_LOW * height <= centre <= (1.0 + DOT_BELOW) * height:
            return "dot"
        if 0.2 * height <= centre <= DOT_LOW * height:
            return "high dot"
        return None
    bottom = y + h - top  # from the row's top: a comma hangs below the baseline, a point does not
    if (COMMA_HEIGHT[0] * height <= h <= COMMA_HEIGHT[1] * height and h >= w and w <= COMMA_WIDTH * height
            and y - top >= COMMA_TOP * height and bottom >= (1.0 + COMMA_BELOW) * height):
        return ","
    if (DASH_LENGTH[0] * height <= w <= DASH_LENGTH[1] * height and w >= DASH_FLAT * h
            and h <= DOT_SIZE * height and 0.2 * height <= centre <= 0.8 * height):
        return "-"
    return None


class Separators:
    """Finds the separators between a page's digits, given their marks (at
    working scale, on the ink map ``ink``) and the page's pen width (0 when
    unknown). A mark read as a digit may be a separator: a comma, as tall as
    a third of a digit, reads as a 1 to the model. ``used`` holds the
    indices of the marks taken as separators, which are then no digits."""

    def __init__(self, ink: np.ndarray, marks: list[Candidate], pen: float) -> None:
        self.ink, self.marks, self.pen = ink, marks, pen
        self.used: set[int] = set()
        self._owners: np.ndarray | None = None  # mark index + 1 on each mark's pixels, painted when first needed

    def _owner_map(self) -> np.ndarray:
        if self._owners is None:
            self._owners = np.zeros(self.ink.shape, np.uint16)
            for index, mark in enumerate(self.marks):
                x, y, w, h = mark.box
                self._owners[y : y + h, x : x + w][mark.mask] = index + 1
        return self._owners

    def between(self, left_index: int, right_index: int) -> str:
        """The separator written between marks ``left_index`` and
        ``right_index``, neighbours in a row ("" for none)."""
        left, right = self.marks[left_index], self.marks[right_index]
        height = (left.box.h + right.box.h) / 2.0
        top, base = (left.box.y + right.box.y) / 2.0, (left.box.bottom + right.box.bottom) / 2.0
        pad = PAD * height
        x0, x1 = max(0, int(left.box.right - pad)), min(self.ink.shape[1], int(right.box.x + pad) + 1)
        y0, y1 = max(0, int(top - pad)), min(self.ink.shape[0], int(base + REACH_BELOW * height) + 1)
        shapes, taken = self._shapes((x0, y0, x1, y1), (left_index, right_index), height, top)
        separator = _separator(shapes, height)
        if separator:
            self.used |= taken
        return separator

    def before(self, index: int) -> str:
        """The sign written before mark ``index``, the first digit of a
        number: "-" for a minus (a dash across the middle of the row within
        ``SIGN_REACH`` digit heights of it, and nothing else there), else "".
        A minus is not used up: a number's first digit is no separator."""
        first = self.marks[index]
        height, top = float(first.box.h), float(first.box.y)
        pad = PAD * height
        x0, x1 = max(0, int(first.box.x - SIGN_REACH * height)), min(self.ink.shape[1], int(first.box.x + pad) + 1)
        y0, y1 = max(0, int(top - pad)), min(self.ink.shape[0], int(first.box.bottom + pad) + 1)
        shapes, _ = self._shapes((x0, y0, x1, y1), (index,), height, top)
        return "-" if [shape for shape, _ in shapes] == ["-"] and shapes[0][1].w <= SIGN_LENGTH * height else ""

    def _shapes(self, window: tuple[int, int, int, int], beside: tuple[int, ...], height: float,
                top: float) -> tuple[list[tuple[str, Box]], set[int]]:
        """The shapes (see ``_shape``) and boxes of the marks in ``window``
        (x0, y0, x1, y1 on the ink map) that are no part of the digits
        ``beside``, and the indices of the marks read as digits that they
        are (a comma read 1); none when any mark there is no separator's
        shape, runs out of the window or is far fainter than those digits."""
        x0, y0, x1, y1 = window
        if x1 - x0 < 3 or y1 - y0 < 3:
            return [], set()
        faintest = min(self.marks[k].strength for k in beside)
        ink = self.ink[y0:y1, x0:x1]
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            (ink >= max(1.0, LEVEL_SHARE * faintest)).astype(np.uint8), connectivity=8)
        if count == 1:
            return [], set()
        of_digits = np.zeros(ink.shape, bool)
        for k in beside:  # the digits' own pixels in the window
            x, y, w, h = self.marks[k].box
            left, top_, right, bottom = max(x, x0), max(y, y0), min(x + w, x1), min(y + h, y1)
            if left < right and top_ < bottom:
                of_digits[top_ - y0 : bottom - y0, left - x0 : right - x0] |= \
                    self.marks[k].mask[top_ - y : bottom - y, left - x : right - x]
        in_digits = np.bincount(labels[of_digits], minlength=count) > 0  # ink of one of the digits
        speck = max(2, int((0.5 * self.pen) ** 2))
        shapes, taken = [], set()
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if in_digits[label] or area <= speck:
                continue  # part of one of the digits, or a speck of noise
            if x == 0 or y == 0 or x + w == x1 - x0 or y + h == y1 - y0:
                return [], set()  # something that runs out of the window: a rule, a stroke, another mark
            own = labels == label
            if float(ink[own].max()) < INK_SHARE * faintest:
                return [], set()  # far fainter than the digits: a stain, not a written mark
            box = Box(x + x0, y + y0, w, h)
            shape = _shape(box, area, height, top, self.pen)
            if shape is None:
                return [], set()
            shapes.append((shape, box))
            owner = int(self._owner_map()[y0:y1, x0:x1][own].max())  # a mark read as a digit (a comma read 1)
            if owner:
                taken.add(owner - 1)
        return shapes, taken


def _separator(shapes: list[tuple[str, Box]], height: float) -> str:
    """The separator that the marks in a gap (their shapes and boxes) make, or ""."""
    kinds = sorted(shape for shape, _ in shapes)
    if kinds == ["dot"]:
        return "."
    if kinds in ([","], ["-"]):
        return kinds[0]
    if kinds == ["dot", "high dot"]:
        (low,), (high,) = ([box for shape, box in shapes if shape == kind] for kind in kinds)
        if abs(low.centre[0] - high.centre[0]) <= DOT_SIZE * height:
            return ":"
    return ""


def lean(mark: Candidate) -> float | None:
    """How far a straight bar leans from upright, in degrees (positive: its
    top to the right, as a "/"); None for a mark that is no straight bar."""
    ys, xs = np.nonzero(mark.mask)
    if len(xs) < 5:
        return None
    points = np.column_stack([xs, ys]).astype(np.float32)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    length, width = max(side_a, side_b), max(1.0, min(side_a, side_b))
    if width > BAR_WIDTH * length or len(xs) < BAR_FILL * length * width:
        return None
    vx, vy, _, _ = cv2.fitLine(points, cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    if vy < 0:
        vx, vy = -vx, -vy
    return float(np.degrees(np.arctan2(-vx, vy)))


def _is_date(groups: list[str]) -> bool:
    """Day, month and year (in either order of day and month), or year, month, day."""
    sizes = tuple(len(group) for group in groups)
    if sizes[0] == 4:
        first, second = int(groups[1]), int(groups[2])  # year/month/day
        return sizes[1] <= 2 and sizes[2] <= 2 and 1 <= first <= 12 and 1 <= second <= 31
    first, second = int(groups[0]), int(groups[1])
    return (sizes[0] <= 2 and sizes[1] <= 2 and sizes[2] in (2, 4) and 1 <= first <= 31 and 1 <= second <= 31
            and min(first, second) <= 12)


def date_slashes(line: Line, leans: list[float | None]) -> Line:
    """``line`` with the slashes of a date read as slashes, not as 1s.

    A slash is a straight bar, and so is a 1: the model reads "12/05/2024"
    as 1210512024, and no look at one mark can tell them apart (MNIST's 1s
    lean up to 44 degrees). A date can: two bars leaning alike, at least
    ``SLASH_LEAN`` degrees, and ``SLASH_LEAN_OVER`` more than any straight 1
    elsewhere in the number, that cut its digits into a day, a month and a
    year (``_is_date``). ``leans``: each digit's ``lean``, None for a digit
    that is no straight bar or not read 1. Only one such reading may fit.
    """
    digits = line.digits
    if len(digits) < 5 or any(line.separators):
        return line
    bars = {k: value for k, value in enumerate(leans)
            if 0 < k < len(digits) - 1 and digits[k].label == 1 and value is not None and value >= SLASH_LEAN}
    text = "".join(str(digit.label) for digit in digits)
    fits = []
    for first, second in combinations(bars, 2):
        if abs(bars[first] - bars[second]) > SLASH_ALIKE:
            continue
        others = [value for k, value in enumerate(leans) if value is not None and k not in (first, second)]
        if any(value > min(bars[first], bars[second]) - SLASH_LEAN_OVER for value in others):
            continue  # the writer's own 1s lean as much: no telling them apart
        groups = [text[:first], text[first + 1 : second], text[second + 1 :]]
        if all(groups) and _is_date(groups):
            fits.append((first, second))
    if len(fits) != 1:
        return line
    kept = [k for k in range(len(digits)) if k not in fits[0]]
    return Line(tuple(digits[k] for k in kept), tuple("/" if b - a > 1 else "" for a, b in zip(kept, kept[1:])))


def small_separators(line: Line, between: Callable[[Digit, Digit], str], used: Callable[[Digit], bool]) -> Line:
    """``line`` without the marks read as digits that are separators: a comma
    is a third of a digit tall and reads as a 1, and when it hangs no lower
    than the row's centres it joins the row ("1,613" read 11613).

    A digit far smaller than both its neighbours (``SMALL_MARK``) with no
    separator beside it is looked at as one: when ``between`` its
    neighbours finds it (and ``used`` says it was that digit's mark that
    made the separator), it is the separator.
    """
    digits = list(line.digits)
    marks = list(line.separators) or [""] * (len(digits) - 1)
    k = 1
    while k < len(digits) - 1:
        small = digits[k]
        if (small.box.h <= SMALL_MARK * min(digits[k - 1].box.h, digits[k + 1].box.h)
                and not marks[k - 1] and not marks[k]):
            mark = between(digits[k - 1], digits[k + 1])
            if mark and used(small):
                del digits[k]
                marks[k - 1 : k + 1] = [mark]
                continue
        k += 1
    return Line(tuple(digits), tuple(marks) if any(marks) else ())
