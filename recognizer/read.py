"""Put digits in reading order and group them into numbers.

Rows are chained left to right (each digit joins the row whose last digit sits
level with it), so a row written on a slant stays one row. Within a row, a gap
starts a new number when it is wide both against the digit height and against
the row's own spacing (people space digits very differently), or when it is
wider than two digit heights: two fields on one line stay two numbers.

A digit standing alone is held to more: far taller than all the others on the
page, it is a coffee ring, a circled mark or a long stroke; far shorter, a
printed letter; read with little confidence, it is most often a printed
letter, a tick or an arrow, which a number's neighbouring digits would have
vouched against.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import numpy as np

from recognizer.types import Box, Digit, Line

Between = Callable[[Digit, Digit], str]  # the separator written between two neighbouring digits

ROW_TOLERANCE = 0.55  # centres this many digit heights apart are still level
NUMBER_GAP = 1.0  # a gap must be this many digit heights to separate numbers...
SPACING_RATIO = 2.0  # ...and this many times the row's usual gap,
ALWAYS_SPLIT_GAP = 2.0  # unless it exceeds this many digit heights
OUTSIZED = 1.8  # a lone digit this many times as tall as the page's others is not one of them...
UNDERSIZED = 0.55  # ...nor is one this many times as tall
LONE_DOUBT = 0.6  # a lone digit must close this share of the gap from the least confidence to 1...
FILLS_PICTURE = 0.4  # ...unless it is all the picture holds and at least this share of its height
TILT_REACH = 1.8  # a digit's next neighbour along its row stands within this many digit heights...
TILT_STEEPEST = 35.0  # ...and this many degrees of level;
MIN_TILT_PAIRS = 3  # the rows' tilt is measured on at least this many such pairs...
TILT_AGREEMENT = 0.6  # ...this share of them within TILT_SPREAD degrees of their median
TILT_SPREAD = 6.0


def _level(a: Digit, b: Digit) -> bool:
    height = max(a.box.h, b.box.h)
    return abs(a.box.centre[1] - b.box.centre[1]) <= ROW_TOLERANCE * height


def group_rows(digits: list[Digit]) -> list[list[Digit]]:
    rows: list[list[Digit]] = []
    for digit in sorted(digits, key=lambda d: (d.box.x, d.box.y)):
        best, best_distance = None, None
        for row in rows:
            # The row's last mark of about this digit's size: a comma read as
            # a 1 hangs low, and the next digit must still find the row.
            last = row[-1]
            if last.box.h <= UNDERSIZED * digit.box.h:
                last = next((d for d in reversed(row) if d.box.h > UNDERSIZED * digit.box.h), last)
            if not _level(last, digit):
                continue
            distance = abs(last.box.centre[1] - digit.box.centre[1])
            if best is None or distance < best_distance:
                best, best_distance = row, distance
        if best is None:
            rows.append([digit])
        else:
            best.append(digit)
    rows.sort(key=lambda row: float(statistics.median([d.box.centre[1] for d in row])))
    return rows


def split_numbers(row: list[Digit], between: Between | None = None) -> list[Line]:
    """A row -> its numbers. ``between(a, b)``: the separator written between
    neighbouring digits (``recognizer.punctuation``), "" for none. A gap that
    holds one never splits, unless it is wider than ``ALWAYS_SPLIT_GAP``:
    a dash between two groups of digits ("07-11") joins them."""
    height = float(statistics.median([d.box.h for d in row]))
    gaps = [max(0, b.box.x - a.box.right) for a, b in zip(row, row[1:])]
    usual = float(statistics.median(gaps)) if gaps else 0.0
    numbers, current, separators = [], [row[0]], []
    for previous, digit, gap in zip(row, row[1:], gaps):
        mark = between(previous, digit) if between and gap <= ALWAYS_SPLIT_GAP * height else ""
        wide = gap > NUMBER_GAP * height and gap > SPACING_RATIO * usual and not mark
        if wide or gap > ALWAYS_SPLIT_GAP * height:
            numbers.append(_line(current, separators))
            current, separators = [], []
        else:
            separators.append(mark)
        current.append(digit)
    numbers.append(_line(current, separators))
    return numbers


def _line(digits: list[Digit], separators: list[str]) -> Line:
    return Line(tuple(digits), tuple(separators) if any(separators) else ())


def group_lines(digits: list[Digit], between: Between | None = None, levelled: list[Box] | None = None) -> list[Line]:
    """Digits in any order -> numbers in reading order (top to bottom, left to
    right); ``between`` as for ``split_numbers``. ``levelled``: each digit's
    box on the page turned so that its rows run level (a photo taken askew,
    ``row_tilt``), where rows and gaps are then judged: rows tilted 25 degrees
    or more are too steep for a row to be followed from digit to digit."""
    if levelled is None:
        return [number for row in group_rows(digits) for number in split_numbers(row, between)]
    stand_ins = [Digit(box, d.label, d.confidence) for d, box in zip(digits, levelled)]
    digit_of = {id(stand_in): digit for stand_in, digit in zip(stand_ins, digits)}
    between_levelled = (lambda a, b: between(digit_of[id(a)], digit_of[id(b)])) if between else None
    return [Line(tuple(digit_of[id(d)] for d in line.digits), line.separators, line.sign)
            for line in group_lines(stand_ins, between_levelled)]


def set_apart_out_of_size(lines: list[Line]) -> tuple[list[Line], list[Digit]]:
    """Split off one-digit numbers at least ``OUTSIZED`` times as tall as the
    median of the page's other digits, or at most ``UNDERSIZED`` times (when
    there are two or more of those).

    Handwriting on one page keeps to a size. What reads as a lone digit twice
    as tall as the rest is a ring left by a cup, a loop drawn round something
    or a long pen stroke, which the model, seeing each mark alone and scaled
    to 20 pixels, cannot tell from a 0 or a 1. One half as tall is a printed
    letter (an l, an o) or a scrap of a word: on the scene benchmark, lone
    digits under 0.55 of the others were 15 false marks and no true digit.
    """
    digits = [d for line in lines for d in line.digits]

    def out_of_size(lone: Digit) -> bool:
        others = [d.box.h for d in digits if d is not lone]
        if len(others) < 2:
            return False
        usual = float(statistics.median(others))
        return lone.box.h >= OUTSIZED * usual or lone.box.h <= UNDERSIZED * usual

    return _set_apart_lone(lines, out_of_size)


def lone_confidence(min_confidence: float) -> float:
    """The confidence a digit standing alone needs (``set_apart_doubtful_lone``)."""
    return min_confidence + LONE_DOUBT * (1.0 - min_confidence)


def set_apart_doubtful_lone(lines: list[Line], min_confidence: float,
                            picture_height: int | None = None) -> tuple[list[Line], list[Digit]]:
    """Split off one-digit numbers read with less confidence than a lone digit
    needs: ``LONE_DOUBT`` of the way from ``min_confidence`` to 1 (0.8 for the
    default 0.5).

    A digit among digits is backed by them: marks written in a row with the
    same pen are seldom anything else. A mark on its own has no such backing,
    and the marks the model half-believes are digits (a printed O or S, a
    tick, an arrow's head, a letter of a word) mostly stand alone. On the
    scene benchmark (384 scenes), lone digits read under 0.7 were 20 false
    marks and no true digit; raising the bar to 0.8 took 20 more false marks
    and 3 true digits.

    One lone digit is not doubted: the only mark in a picture
    ``picture_height`` tall (pass it only when nothing else in the picture
    was looked at and rejected) that fills ``FILLS_PICTURE`` of that height.
    A drawing of one digit, or a tight crop, is a picture of that digit; its
    reading, however unsure, is the answer asked for, and its confidence
    says how unsure (an MNIST digit the model reads 9 at 0.78 and 8 at 0.22
    is shown as a 9 at 0.78). Of MNIST's first 1,000 test digits, drawn white
    on black at 28x28, the bar held back 10: 6 read right, 4 wrong.
    """
    needed = lone_confidence(min_confidence)
    if picture_height and len(lines) == 1 and len(lines[0].digits) == 1:
        if lines[0].digits[0].box.h >= FILLS_PICTURE * picture_height:
            return lines, []
    return _set_apart_lone(lines, lambda lone: lone.confidence < needed)


def _set_apart_lone(lines: list[Line], doubtful: Callable[[Digit], bool]) -> tuple[list[Line], list[Digit]]:
    """(the lines kept, the digits of one-digit lines that ``doubtful`` holds to be none)."""
    kept, apart = [], []
    for line in lines:
        if len(line.digits) == 1 and doubtful(line.digits[0]):
            apart.append(line.digits[0])
        else:
            kept.append(line)
    return kept, apart


def row_tilt(digits: list[Digit]) -> float | None:
    """The angle, in degrees, at which the rows of digits run (positive when
    they fall to the right, as y runs down the image); None when too few
    digits stand side by side, or they do not agree.

    Each digit is paired with its nearest neighbour to the right that stands
    within ``TILT_REACH`` digit heights and ``TILT_STEEPEST`` degrees of level:
    the next digit of its number. The median of those pairs' angles is the
    tilt, when at least ``MIN_TILT_PAIRS`` pairs are found and most of them
    agree (a page of scattered digits pairs at random angles). A photo taken
    askew tilts all its rows alike; so does a page fed in a little turned.
    Over the scene benchmark's 768 cached untilted scenes the estimate stayed
    within 7.6 degrees of level (a cluttered page's words pair too); on
    photos turned 10 and 20 degrees it was within 2 degrees of the turn for
    most (photos in perspective hold rows at several angles).
    """
    if len(digits) < MIN_TILT_PAIRS + 1:
        return None
    boxes = np.array([d.box for d in digits], np.float64)
    x, y = boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2
    dx, dy = x[None, :] - x[:, None], y[None, :] - y[:, None]  # from digit i (row) to digit j (column)
    distance = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(dy, dx))
    height = np.maximum(boxes[:, 3][:, None], boxes[:, 3][None, :])
    paired = (dx > 0) & (distance <= TILT_REACH * height) & (np.abs(angle) <= TILT_STEEPEST)
    has_pair = paired.any(axis=1)
    if np.count_nonzero(has_pair) < MIN_TILT_PAIRS:
        return None
    nearest = np.where(paired, distance, np.inf).argmin(axis=1)[has_pair]
    angles = angle[np.flatnonzero(has_pair), nearest]
    tilt = float(np.median(angles))
    if np.mean(np.abs(angles - tilt) <= TILT_SPREAD) < TILT_AGREEMENT:
        return None
    return tilt
