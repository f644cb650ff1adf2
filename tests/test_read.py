import math

import numpy as np
import pytest

from recognizer.read import group_lines, row_tilt, set_apart_doubtful_lone, set_apart_out_of_size
from recognizer.types import Box, Digit, Reading


def _digits(spec):
    """spec: list of (label, x, y) with 20x40 boxes."""
    return [Digit(Box(x, y, 20, 40), label, 0.99) for label, x, y in spec]


def test_rows_in_reading_order_whatever_the_input_order():
    digits = _digits([(4, 130, 200), (1, 10, 10), (3, 100, 200), (2, 40, 12)])
    assert [line.text for line in group_lines(digits)] == ["12", "34"]


def test_a_slanted_row_stays_one_number():
    # Each digit 8 px lower than the last: 48 px drop across the row.
    digits = _digits([(d, 10 + 28 * d, 10 + 8 * d) for d in range(7)])
    assert [line.text for line in group_lines(digits)] == ["0123456"]


def test_a_wide_gap_splits_two_fields_on_one_row():
    digits = _digits([(2, 0, 0), (0, 25, 0), (7, 200, 2), (5, 226, 0)])
    lines = group_lines(digits)
    assert [line.text for line in lines] == ["20", "75"]
    assert lines[0].box == Box(0, 0, 45, 40)


def test_rows_close_together_do_not_mix():
    top = [(8, 10 + 30 * i, 0) for i in range(5)]
    bottom = [(6, 12 + 30 * i, 46) for i in range(5)]
    assert [line.text for line in group_lines(_digits(bottom + top))] == ["88888", "66666"]


def test_loose_but_even_spacing_stays_one_number():
    # Gaps grow to 1.5 digit heights, as in a real photo: still one number.
    xs = [0, 50, 112, 196, 286]
    digits = [Digit(Box(x, 0, 30, 48), 6, 0.99) for x in xs]
    assert [line.text for line in group_lines(digits)] == ["66666"]


def test_two_single_digit_fields_far_apart_are_two_numbers():
    assert [line.text for line in group_lines(_digits([(1, 0, 0), (2, 120, 0)]))] == ["1", "2"]


def test_a_lone_mark_twice_as_tall_as_the_handwriting_is_set_apart():
    digits = _digits([(3, 0, 0), (1, 25, 0), (4, 50, 0)]) + [Digit(Box(300, 0, 90, 85), 0, 0.98)]
    lines, apart = set_apart_out_of_size(group_lines(digits))
    assert [line.text for line in lines] == ["314"]
    assert [d.box for d in apart] == [Box(300, 0, 90, 85)]


def test_a_lone_mark_half_as_tall_as_the_handwriting_is_set_apart():
    digits = _digits([(3, 0, 0), (1, 25, 0), (4, 50, 0)]) + [Digit(Box(300, 0, 10, 20), 1, 0.99)]
    lines, apart = set_apart_out_of_size(group_lines(digits))
    assert [line.text for line in lines] == ["314"]
    assert [d.box for d in apart] == [Box(300, 0, 10, 20)]


def test_tall_digits_in_a_number_and_pages_of_few_digits_are_kept():
    big_number = [Digit(Box(300 + 60 * i, 0, 50, 90), 7, 0.99) for i in range(2)]
    digits = _digits([(3, 0, 0), (1, 25, 0), (4, 50, 0)]) + big_number
    lines, apart = set_apart_out_of_size(group_lines(digits))
    assert [line.text for line in lines] == ["314", "77"] and apart == []
    # A large digit beside a single small one: no page-wide size to go by.
    lines, apart = set_apart_out_of_size(group_lines(_digits([(3, 0, 0)]) + [Digit(Box(300, 0, 90, 85), 0, 0.98)]))
    assert len(lines) == 2 and apart == []


def test_a_lone_digit_read_with_doubt_is_set_apart_but_one_in_a_number_is_not():
    number = [Digit(Box(0, 0, 20, 40), 3, 0.99), Digit(Box(25, 0, 20, 40), 5, 0.6)]
    lone_sure, lone_doubtful = Digit(Box(300, 0, 20, 40), 1, 0.95), Digit(Box(300, 200, 20, 40), 0, 0.65)
    lines, apart = set_apart_doubtful_lone(group_lines(number + [lone_sure, lone_doubtful]), 0.5)
    assert [line.text for line in lines] == ["35", "1"]
    assert apart == [lone_doubtful]
    # At the default 0.5 the bar is 0.8: a lone mark read at 0.75 is most often print.
    lone_fair = Digit(Box(300, 0, 20, 40), 7, 0.75)
    assert set_apart_doubtful_lone(group_lines([lone_fair]), 0.5)[1] == [lone_fair]
    # The bar rises with the least confidence asked for, and falls with it.
    assert set_apart_doubtful_lone(group_lines([lone_sure]), 0.95)[1] == [lone_sure]
    assert set_apart_doubtful_lone(group_lines([lone_doubtful]), 0.0)[1] == []


def test_a_doubtful_digit_that_is_all_the_picture_holds_and_fills_it_is_kept():
    """A drawing or tight crop of one digit is a picture of that digit: its
    unsure reading is the answer, not a stray mark to hold back."""
    drawn = Digit(Box(4, 4, 20, 20), 9, 0.78)  # in a 28x28 picture, as in MNIST
    assert set_apart_doubtful_lone(group_lines([drawn]), 0.5, picture_height=28) == (group_lines([drawn]), [])
    # Without the picture (something else in it was rejected), or small in it, it is doubted.
    assert set_apart_doubtful_lone(group_lines([drawn]), 0.5)[1] == [drawn]
    assert set_apart_doubtful_lone(group_lines([drawn]), 0.5, picture_height=200)[1] == [drawn]
    # Two lone digits in one picture: neither is the picture's one subject.
    other = Digit(Box(200, 4, 20, 20), 4, 0.7)  # far to the right: a number of its own
    assert len(set_apart_doubtful_lone(group_lines([drawn, other]), 0.5, picture_height=28)[1]) == 2


def test_a_gap_holding_a_separator_does_not_split_the_number():
    # "07-11": the dash widens the gap to 1.5 digit heights, three times the usual.
    digits = _digits([(0, 0, 0), (7, 25, 0), (1, 105, 0), (1, 130, 0)])
    assert [line.text for line in group_lines(digits)] == ["07", "11"]

    def between(a, b):
        return "-" if (a.label, b.label) == (7, 1) else ""

    lines = group_lines(digits, between)
    assert [line.text for line in lines] == ["07-11"]
    assert lines[0].separators == ("", "-", "")
    assert lines[0].to_dict()["text"] == "07-11"
    # The separators stay with the number when its boxes are moved.
    reading = Reading("page.png", 200, 100, lines)
    assert reading.scaled_to(100, 50).numbers == ["07-11"]
    assert reading.turned_back(1).numbers == ["07-11"]


def test_a_comma_read_as_a_small_1_hanging_low_does_not_break_the_row():
    # The 1 of "2,317" is a third as tall and hangs below the row: the 3 still
    # finds the row through the 2, and the comma stays in the row to be judged.
    digits = _digits([(2, 0, 4), (3, 40, -2), (1, 65, -2), (7, 90, -2)])
    digits.append(Digit(Box(24, 36, 6, 14), 1, 0.9))  # level with the 2, not with the 3
    assert [line.text for line in group_lines(digits)] == ["21317"]


def _tilted_rows(degrees: float, rows: int = 2, per_row: int = 5, pitch: float = 30, row_gap: float = 90):
    """Digits (20x40 boxes) in ``rows`` evenly spaced rows running at ``degrees``
    (positive: falling to the right), with the digits' positions along and
    across the row, for checking a grouping against them."""
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    digits, places = [], []
    for row in range(rows):
        for k in range(per_row):
            along, across = 100 + pitch * k, 100 + row_gap * row
            x, y = 300 + along * cos - across * sin, 300 + along * sin + across * cos
            digits.append(Digit(Box(int(x) - 10, int(y) - 20, 20, 40), (row * per_row + k) % 10, 0.99))
            places.append((along, across))
    return digits, places


@pytest.mark.parametrize("degrees", [0.0, 12.0, -20.0, 30.0])
def test_row_tilt_is_the_angle_the_rows_run_at(degrees):
    digits, _ = _tilted_rows(degrees)
    assert row_tilt(digits) == pytest.approx(degrees, abs=2.0)


def test_row_tilt_is_none_for_scattered_digits_and_for_too_few():
    rng = np.random.default_rng(0)
    scattered = [Digit(Box(int(x), int(y), 20, 40), 1, 0.99) for x, y in rng.uniform(0, 2000, (12, 2))]
    assert row_tilt(scattered) is None  # no digit has a neighbour beside it
    three, _ = _tilted_rows(20.0, rows=1, per_row=3)
    assert row_tilt(three) is None


def test_steep_rows_group_into_their_numbers_once_levelled():
    """At 35 degrees each digit stands more than half a digit height below the
    last: followed in the picture, the rows break apart; judged on the
    levelled boxes they are two numbers."""
    digits, places = _tilted_rows(35.0, pitch=40)
    levelled = [Box(int(along) - 10, int(across) - 20, 20, 40) for along, across in places]
    assert [line.text for line in group_lines(digits, levelled=levelled)] == ["01234", "56789"]
    assert [line.text for line in group_lines(digits)] != ["01234", "56789"]
