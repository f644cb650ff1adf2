"""Rules found and erased: ruled lines, box sides, slivers, a pen's colour."""

import cv2
import numpy as np
import pytest

from recognizer.numeric import label_components
from recognizer.rules import (PEN_COLOUR, SLIVER_RUN, Rules, _centred, _median_along, colourfulness, erase_rules,
                             find_rules, remove_lines)


def test_rule_thickness_is_the_median_depth_under_each_segment():
    """All segments sampled at once give what sampling each one alone gives:
    twice the median depth, taken once a pixel along its longer axis (odd
    and even counts, points, steep and reversed segments)."""
    rng = np.random.default_rng(5)
    distance = (rng.random((120, 160)) * 6).astype(np.float32)
    segments = np.array([[3, 4, 150, 9], [150, 100, 10, 90], [20, 5, 25, 110], [7, 7, 7, 7], [0, 0, 1, 119],
                         [40, 60, 41, 60]], np.int32)
    one_by_one = []
    for x1, y1, x2, y2 in segments:
        steps = max(abs(x2 - x1), abs(y2 - y1)) + 1
        xs = np.linspace(x1, x2, steps).round().astype(int)
        ys = np.linspace(y1, y2, steps).round().astype(int)
        one_by_one.append(2.0 * np.percentile(distance[ys, xs], 50))
    assert (2.0 * _median_along(distance, segments)).tolist() == one_by_one


def test_rules_go_but_a_stroke_crossing_them_stays_whole():
    mask = np.zeros((300, 600), np.uint8)
    cv2.line(mask, (0, 150), (599, 158), 1, 2)  # a slightly tilted rule
    cv2.line(mask, (300, 100), (305, 200), 1, 4)  # a stroke crossing it
    cleaned = remove_lines(mask, digit_height=60)
    assert cleaned[150:160, :200].sum() == 0 and cleaned[150:160, 400:].sum() == 0  # the rule is gone
    count, labels = cv2.connectedComponents(cleaned)
    assert count == 2  # the stroke is one piece, bridged across the rule
    assert cleaned[100:200, 295:312].sum() >= 0.9 * mask[100:200, 295:312].sum() - 20


def test_a_stroke_crossing_a_rule_on_a_slant_stays_whole():
    """A tick's arm or a 7's stem crosses a rule at 50 degrees with a thin pen:
    no column holds its ink both above and below the rule, so only a bridge
    along the slant keeps it one stroke (in pieces, each reads as a "1")."""
    mask = np.zeros((300, 600), np.uint8)
    cv2.line(mask, (0, 150), (599, 150), 1, 2)  # a rule
    cv2.line(mask, (260, 198), (300, 150), 1, 2)  # a thin stroke crossing it on a slant
    cv2.line(mask, (300, 150), (340, 102), 1, 2)
    cleaned = remove_lines(mask, digit_height=50)
    assert cleaned[146:155, :200].sum() == 0 and cleaned[146:155, 400:].sum() == 0  # the rule is gone
    count, _ = cv2.connectedComponents(cleaned)
    assert count == 2  # the stroke is one piece


def test_a_rule_broken_into_dashes_at_its_end_goes_with_it():
    """A faint printed underline breaks into dashes with gaps wider than the
    line search bridges; the stretch the digits sit on must go too, or its
    pieces join the digit that touches them."""
    mask = np.zeros((200, 700), np.uint8)
    cv2.line(mask, (180, 150), (699, 150), 1, 2)
    for x in range(0, 180, 16):  # 10 px of line, a 6 px gap
        cv2.line(mask, (x, 150), (x + 9, 150), 1, 2)
    cv2.line(mask, (90, 90), (90, 149), 1, 4)  # a stroke standing on a dash
    cleaned = remove_lines(mask, digit_height=40)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cleaned)
    assert count == 2  # the stroke alone: no dash left
    x, y, w, h, _ = stats[1]
    assert w <= 6 and 55 <= h <= 64


def test_a_stroke_drawn_along_a_rule_is_kept():
    """A 2 written on a line: its base, drawn with a 5 px pen, lies on the 2 px
    rule. The rule goes; the base stays, or the 2 reads as a 7."""
    mask = np.zeros((200, 700), np.uint8)
    cv2.line(mask, (0, 150), (699, 150), 1, 2)
    cv2.line(mask, (300, 100), (262, 147), 1, 5)  # the 2's diagonal...
    cv2.line(mask, (262, 147), (320, 147), 1, 5)  # ...and its base, on the rule
    cleaned = remove_lines(mask, digit_height=40)
    base = cleaned[143:152, 265:318]
    assert (base.any(axis=0)).mean() >= 0.9  # the base is there along its length
    assert cleaned[146:154, :200].sum() == 0 and cleaned[146:154, 360:].sum() == 0  # the rule is gone


def _row_on_a_thick_skewed_rule() -> np.ndarray:
    """A page large enough to be searched for rules at half size, with a
    table's row line drawn 4 px thick, skewed by 0.7 degrees (where the
    search finds it as segments along its edges), and five 0s written on it
    with a 7 px pen."""
    mask = np.zeros((1000, 1200), np.uint8)
    cv2.line(mask, (40, 600), (1160, 586), 1, 4)
    for k in range(5):
        x = 400 + 40 * k
        cv2.ellipse(mask, (x, 580 - int(14 * (x - 40) / 1120)), (12, 18), 0, 0, 360, 1, 7)
    return mask


def test_a_thick_rule_is_measured_at_its_centre_under_a_broad_pen():
    """A segment found along a thick rule's edge measures it about 2 thick;
    the deepest point a pixel off gives its centre's depth. Where the pen is
    no broader than that rule, the measure stays on the segment."""
    mask = np.zeros((60, 300), np.uint8)
    mask[28:34] = 1  # a rule 6 px thick
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    edge = np.array([[10, 29, 290, 29]])  # along its upper edge
    on_edge = 2.0 * _median_along(distance, edge)
    assert on_edge[0] < 4.0
    assert _centred(distance, edge, on_edge, pen=9.0)[0] >= 5.0
    assert _centred(distance, edge, on_edge, pen=4.0)[0] == on_edge[0]  # a pen as thin as the rule
    assert _centred(distance, edge, on_edge, pen=0.0)[0] == on_edge[0]  # no pen known


def test_a_thick_skewed_rule_under_broad_digits_goes():
    """The rule's middle is not taken for a stroke drawn along it and kept:
    the five 0s on it come apart, each its own mark. (Measured on the
    segment alone, a scrap of the rule 174 px long joined two of them.)"""
    mask = _row_on_a_thick_skewed_rule()
    cleaned = erase_rules(mask, find_rules(mask, 35.0, pen=7.0))
    marks = label_components(cleaned)
    assert marks.count - 1 == 5
    assert marks.boxes[1:, 2].max() <= 40


def _the_one_piece_left(cleaned: np.ndarray) -> tuple[float, int]:
    """The centre x and height of the only piece of ink (30 pixels or more) left
    in a mask whose rules and box sides were taken out."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(cleaned)
    pieces = [tuple(s) for s in stats[1:] if s[cv2.CC_STAT_AREA] >= 30]
    assert len(pieces) == 1  # every side and line gone
    x, _, w, h, _ = pieces[0]
    return x + w / 2, h


def test_the_sides_of_skewed_comb_boxes_go_but_a_one_drawn_in_a_box_stays():
    """A row of comb boxes skewed by 2 degrees, drawn with 2 px lines; a "1" in
    the second box, drawn with a 5 px pen, runs from the box's top line to its
    bottom line just as the sides do."""
    mask = np.zeros((240, 600), np.uint8)
    slope = np.tan(np.radians(2.0))
    left, right, top, bottom, side = 50, 550, 80, 130, 50

    def y(x, base):
        return int(round(base + slope * (x - left)))

    cv2.line(mask, (left, y(left, top)), (right, y(right, top)), 1, 2)
    cv2.line(mask, (left, y(left, bottom)), (right, y(right, bottom)), 1, 2)
    for x in range(left, right + 1, side):  # the sides, at right angles to the skewed lines
        cv2.line(mask, (x, y(x, top)), (x - int(round(slope * (bottom - top))), y(x, bottom)), 1, 2)
    one = left + side + side // 2
    cv2.line(mask, (one, y(one, top)), (one - 2, y(one, bottom)), 1, 5)
    centre, height = _the_one_piece_left(remove_lines(mask, digit_height=40))
    assert abs(centre - one) <= 4 and height >= 40  # the "1", whole


@pytest.mark.parametrize("offset", [0.5, 0.3])
def test_a_one_as_thin_as_a_comb_boxs_sides_stays_when_it_stands_out_of_their_step(offset):
    """Ten comb boxes drawn with 2 px lines; a "1" in the third box, drawn with
    the same 2 px pen, runs from the top line to the bottom line as the sides
    do. Only where it stands (not one box's width from another bar) tells it
    from a side: on generated forms such bars inside digits (1s, the stems of
    9s, the edges of 8s) were 140 of 2,348 "sides"."""
    mask = np.zeros((240, 600), np.uint8)
    left, right, top, bottom, side = 50, 550, 80, 130, 50
    cv2.line(mask, (left, top), (right, top), 1, 2)
    cv2.line(mask, (left, bottom), (right, bottom), 1, 2)
    for x in range(left, right + 1, side):
        cv2.line(mask, (x, top), (x, bottom), 1, 2)
    one = left + 2 * side + int(offset * side)
    cv2.line(mask, (one, top), (one, bottom), 1, 2)
    centre, height = _the_one_piece_left(remove_lines(mask, digit_height=40))
    assert abs(centre - one) <= 3 and height >= 40  # the "1", whole


def test_the_sides_of_boxes_of_unequal_widths_all_go():
    """Three boxes of one width, then two wider ones (a form's row of fields):
    the last sides are not a step from any other, but stand inside no box of
    the comb, so they are sides all the same."""
    mask = np.zeros((240, 600), np.uint8)
    top, bottom, sides = 80, 130, (50, 100, 150, 200, 280, 360)
    cv2.line(mask, (sides[0], top), (sides[-1], top), 1, 2)
    cv2.line(mask, (sides[0], bottom), (sides[-1], bottom), 1, 2)
    for x in sides:
        cv2.line(mask, (x, top), (x, bottom), 1, 2)
    cleaned = remove_lines(mask, digit_height=40)
    assert cv2.countNonZero(cleaned) < 30  # every side and line gone


def test_a_pixel_thin_sliver_along_a_rules_edge_goes_with_the_rule():
    """Where a skewed scan's rule steps, its straight mask runs a pixel off the
    ink and leaves a sliver along its edge. Erased with the rule, the sliver
    is not bridged across it to the 1 below (which then read as 7); a pen's
    stroke along the rule, thicker than a pixel, and a short sliver stay."""
    mask = np.zeros((60, 120), np.uint8)
    mask[20:23, :] = 1  # the rule's ink, rows 20-22...
    mask[19, 10:50] = 1  # ...stepping up a pixel for 40 columns, past its mask (rows 20-22)
    mask[27:55, 30:33] = 1  # a 1 in the box below, its top 4 px under the rule
    mask[16:19, 70:100] = 1  # a stroke along the rule, above it, 4 px thick with the sliver row
    mask[19, 70:100] = 1
    mask[19, 105 : 105 + SLIVER_RUN - 2] = 1  # a sliver shorter than SLIVER_RUN
    across = np.zeros_like(mask)
    across[20:23, :] = 1
    rules = Rules(across, np.zeros_like(mask), np.zeros_like(mask))
    erased = erase_rules(mask, rules)
    assert not erased[19, 10:50].any()  # the sliver went with the rule...
    assert not erased[20:23, 30:33].any()  # ...and nothing bridges the rule to the 1
    assert erased[16:20, 70:100].all()  # the thick stroke stays, its row next to the rule too
    assert erased[19, 105 : 105 + SLIVER_RUN - 2].all()


def test_a_grey_page_saved_in_colour_has_no_colour_to_tell_a_pen_by():
    """A grey scan written as a colour JPEG carries a little chroma noise and
    no pen that stands out by its colour: no colour map is made for it (a
    page-sized resize spared), while a blue pen stroke on the same page gets one."""
    rng = np.random.default_rng(2)
    grey = np.full((300, 400), 235, np.uint8)
    cv2.line(grey, (20, 150), (380, 150), 40, 2)  # a printed rule
    page = cv2.merge([grey, grey, grey]).astype(np.int16) + rng.integers(-6, 7, (300, 400, 3))
    page = np.clip(page, 0, 255).astype(np.uint8)
    assert colourfulness(page, (150, 200)) is None
    cv2.line(page, (100, 60), (140, 140), (200, 60, 20), 3)  # a blue pen
    colour = colourfulness(page, (150, 200))
    assert colour is not None and colour.shape == (150, 200) and colour.max() > PEN_COLOUR
