"""The separators between a number's digits, on ink maps drawn here: two
digit-sized bars with something (or nothing) in the gap between them."""

import cv2
import numpy as np
import pytest

from recognizer.detect import Candidate
from recognizer.punctuation import Separators, date_slashes, lean, small_separators
from recognizer.types import Box, Digit, Line

HEIGHT = 40  # the digits' height, in pixels
TOP = 30  # the row's top
LEFT, RIGHT = Box(20, TOP, 16, HEIGHT), Box(60, TOP, 16, HEIGHT)


def _mark(ink: np.ndarray, box: Box) -> Candidate:
    x, y, w, h = box
    return Candidate(box, ink[y : y + h, x : x + w] > 0, 255.0)


def _gap_with(draw) -> str:
    """The separator found between two filled digit boxes, with ``draw(ink)``
    drawn in the gap (the row: y 30-70, baseline at 70; the gap: x 36-60)."""
    ink = np.zeros((120, 100), np.uint8)
    for x, y, w, h in (LEFT, RIGHT):
        ink[y : y + h, x : x + w] = 255
    draw(ink)
    return Separators(ink, [_mark(ink, LEFT), _mark(ink, RIGHT)], pen=4.0).between(0, 1)


@pytest.mark.parametrize("draw, separator", [
    (lambda ink: None, ""),
    (lambda ink: cv2.circle(ink, (48, 66), 3, 255, -1), "."),
    (lambda ink: (cv2.circle(ink, (48, 66), 3, 255, -1), cv2.circle(ink, (48, 46), 3, 255, -1)), ":"),
    (lambda ink: cv2.line(ink, (48, 64), (45, 77), 255, 4), ","),
    (lambda ink: cv2.line(ink, (41, 50), (55, 50), 255, 4), "-"),
], ids=["nothing", "point", "colon", "comma", "dash"])
def test_the_mark_in_a_gap_is_told_by_its_shape_and_place(draw, separator):
    assert _gap_with(draw) == separator


@pytest.mark.parametrize("draw", [
    lambda ink: cv2.circle(ink, (48, 80), 3, 255, -1),  # a speck under the row (a stain, or another line's)
    lambda ink: cv2.circle(ink, (48, 66), 1, 255, -1),  # a speck far thinner than the pen
    lambda ink: cv2.circle(ink, (48, 66), 3, 60, -1),  # a point far fainter than the digits
    lambda ink: cv2.line(ink, (0, 69), (99, 69), 255, 2),  # a rule under the row
    lambda ink: (cv2.circle(ink, (48, 66), 3, 255, -1), cv2.circle(ink, (52, 56), 3, 255, -1)),  # two specks
    lambda ink: cv2.circle(ink, (48, 50), 7, 255, 2),  # a ring: no separator's shape
], ids=["below the row", "thin speck", "faint", "rule", "two specks", "ring"])
def test_anything_else_in_a_gap_is_no_separator(draw):
    assert _gap_with(draw) == ""


def test_marks_that_touch_leave_no_gap_to_look_in():
    ink = np.zeros((120, 100), np.uint8)
    ink[30:70, 20:60] = 255
    marks = [_mark(ink, Box(20, 30, 20, 40)), _mark(ink, Box(40, 30, 20, 40))]
    assert Separators(ink, marks, pen=4.0).between(0, 1) == ""


def _before_with(draw) -> str:
    """The sign found before a filled digit box (the row: y 30-70; the digit:
    x 60-76), with ``draw(ink)`` drawn on its left."""
    ink = np.zeros((120, 100), np.uint8)
    x, y, w, h = RIGHT
    ink[y : y + h, x : x + w] = 255
    draw(ink)
    return Separators(ink, [_mark(ink, RIGHT)], pen=4.0).before(0)


@pytest.mark.parametrize("draw, sign", [
    (lambda ink: cv2.line(ink, (36, 50), (52, 50), 255, 4), "-"),
    (lambda ink: cv2.line(ink, (36, 52), (52, 48), 255, 4), "-"),  # a little askew
    (lambda ink: None, ""),
    (lambda ink: cv2.line(ink, (36, 69), (52, 69), 255, 4), ""),  # low: an underscore
    (lambda ink: cv2.circle(ink, (48, 66), 3, 255, -1), ""),  # a point
    (lambda ink: cv2.line(ink, (0, 50), (52, 50), 255, 4), ""),  # a stroke from further left
    (lambda ink: (cv2.line(ink, (36, 50), (52, 50), 255, 4), cv2.circle(ink, (44, 38), 3, 255, -1)), ""),  # with a dot
    (lambda ink: cv2.line(ink, (44, 40), (52, 60), 255, 4), ""),  # a tick
], ids=["minus", "askew", "nothing", "underscore", "point", "long stroke", "division sign", "tick"])
def test_a_minus_before_a_number_is_a_flat_dash_across_its_middle_and_nothing_else(draw, sign):
    assert _before_with(draw) == sign


def test_a_lines_text_holds_its_sign_and_keeps_it_when_moved():
    line = Line((Digit(Box(0, 0, 10, 20), 4, 0.9), Digit(Box(12, 0, 10, 20), 2, 0.9)), sign="-")
    assert line.text == "-42"
    assert line.with_boxes(lambda box: box.scaled(2.0)).text == "-42"


def _row(text: str) -> Line:
    return Line(tuple(Digit(Box(30 * k, 0, 20, 40), int(ch), 0.99) for k, ch in enumerate(text)))


@pytest.mark.parametrize("text, leans, read", [
    ("1210512024", {2: 30, 5: 33}, "12/05/2024"),  # day, month, year
    ("415199", {1: 28, 3: 31}, "4/5/99"),
    ("2024111122", {4: 30, 7: 35}, "2024/11/22"),  # year first
    ("1210512024", {0: 28, 2: 30, 5: 33}, "1210512024"),  # the writer's 1s lean as far as the bars
    ("1210512024", {2: 12, 5: 14}, "1210512024"),  # bars nearly upright: 1s
    ("1210512024", {2: 22, 5: 44}, "1210512024"),  # leaning unlike each other
    ("4151999", {1: 28, 3: 31}, "4151999"),  # a year of 3 digits: no date
    ("4411519", {2: 28, 4: 31}, "4411519"),  # a day or month 44: no date
], ids=["dmy", "short", "ymd", "leaning ones", "upright", "unlike", "3-digit year", "day 44"])
def test_a_dates_slashes_are_told_from_ones_by_the_date_they_cut(text, leans, read):
    line = _row(text)
    digit_leans = [float(leans[k]) if k in leans else (0.0 if ch == "1" else None) for k, ch in enumerate(text)]
    result = date_slashes(line, digit_leans)
    assert result.text == read
    if read != text:
        assert len(result.digits) == len(text) - 2 and result.separators.count("/") == 2


@pytest.mark.parametrize("angle", [0, 25, -15, 40])
def test_lean_of_a_bar_and_of_what_is_no_bar(angle):
    ink = np.zeros((100, 100), np.uint8)
    dx = 40 * np.tan(np.radians(angle))
    cv2.line(ink, (int(50 + dx), 10), (int(50 - dx), 90), 255, 5)
    ys, xs = np.nonzero(ink)
    box = Box(int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    assert lean(_mark(ink, box)) == pytest.approx(angle, abs=2)
    ring = np.zeros((60, 60), np.uint8)
    cv2.circle(ring, (30, 30), 20, 255, 4)
    assert lean(_mark(ring, Box(8, 8, 44, 44))) is None


def test_a_small_mark_read_as_a_digit_between_two_digits_may_be_their_separator():
    big = [Digit(Box(0, 0, 20, 40), 1, 0.99), Digit(Box(40, 0, 20, 40), 6, 0.99)]
    comma = Digit(Box(24, 30, 6, 14), 1, 0.9)
    line = Line((big[0], comma, big[1]))
    assert small_separators(line, lambda a, b: ",", lambda d: d is comma).text == "1,6"
    assert small_separators(line, lambda a, b: "", lambda d: d is comma).text == "116"
    assert small_separators(line, lambda a, b: ",", lambda d: False).text == "116"
