import cv2
import numpy as np
import pytest

from conftest import iou, touching_pair, two_on_a_rule
from recognizer.detect import (Candidate, _components, _cut, _median_along, detect, is_dark_ink, label_components,
                               measure_scale)
from recognizer.errors import RecognizerError
from recognizer.synthetic import make_page
from recognizer.types import Box


def _recall(found, truth):
    return sum(any(iou(t, f) >= 0.5 for f in found) for t in truth) / len(truth)


def _found(detection):
    """The candidates' boxes in the image's own pixels."""
    return [c.box.scaled(detection.scale) for c in detection.candidates]


def test_component_boxes_agree_with_opencvs_own_stats():
    """The boxes taken from outer contours are the ones connectedComponentsWithStats
    gives: rings with marks in their holes, marks on the border, diagonal
    touches, single pixels and speckle."""
    rng = np.random.default_rng(3)
    mask = (rng.random((240, 320)) < 0.04).astype(np.uint8)  # speckle, much of it touching diagonally
    cv2.circle(mask, (100, 100), 40, 1, 3)
    cv2.circle(mask, (100, 100), 20, 1, 2)  # a ring in a ring's hole...
    cv2.circle(mask, (100, 100), 3, 1, -1)  # ...and a dot in that
    cv2.rectangle(mask, (0, 150), (60, 239), 1, 2)  # on the border
    mask[5, 300] = mask[6, 301] = 1  # two pixels joined at a corner
    found = label_components(mask)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    assert found.count == count > 100
    # Each component's box, whatever the labels' order.
    ours = {tuple(found.boxes[k]) + (int(np.count_nonzero(found.labels == k)),) for k in range(1, count)}
    assert ours == {tuple(int(v) for v in row) for row in stats[1:]}


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


@pytest.mark.parametrize("seed", range(4))
def test_finds_every_digit_on_a_shaded_noisy_sheet(seed):
    page = make_page(seed=seed)
    detection = detect(page.image)
    found = [c.box.scaled(detection.scale) for c in detection.candidates]
    assert _recall(found, page.boxes) == 1.0
    assert len(found) == len(page.boxes)


def test_light_chalk_on_a_dark_board():
    page = make_page(["2025", "314"], seed=5, light_on_dark=True)
    assert not is_dark_ink(cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY))
    detection = detect(page.image)
    assert not detection.dark_ink
    assert _recall(_found(detection), page.boxes) == 1.0


def test_large_photo_is_detected_at_working_scale_and_mapped_back():
    page = make_page(["4096", "17"], size=(4000, 3000), seed=2)
    detection = detect(page.image)
    assert detection.scale >= 2.0 and max(detection.ink.shape) <= 2000
    assert _recall(_found(detection), page.boxes) == 1.0


def test_big_handwriting_is_read_at_a_smaller_scale_and_small_handwriting_is_not(recognizer):
    big = make_page(["4096", "17"], size=(1600, 1200), seed=2)  # digits ~300 px tall
    detection = detect(big.image)
    assert detection.scale > 1.5 and detection.hint.factor == pytest.approx(1 / detection.scale)
    assert _recall(_found(detection), big.boxes) == 1.0
    assert recognizer.read_array(big.image).numbers == ["4096", "17"]
    assert detect(big.image, rescale=False).scale == 1.0  # as live video reads its frames
    small = make_page(["4096", "17"], size=(640, 480), seed=2, digit_height=30)
    assert detect(small.image).scale == 1.0


def test_small_fine_print_is_told_from_small_or_fine_handwriting():
    from recognizer.detect import Candidate, PageHint, _is_small_print
    from recognizer.types import Box

    hint = PageHint(True, 48.0, 36.0, None, (1754, 1240), 1.0, pen=6.0)  # a form: 36 px digits, a 6 px pen

    def mark(height: int, stroke: int) -> Candidate:
        mask = np.zeros((height, 12), np.uint8)
        cv2.line(mask, (6, 0), (6, height - 1), 1, stroke)
        return Candidate(Box(0, 0, 12, height), mask.astype(bool), 200.0)

    assert _is_small_print(mark(12, 1), hint)  # a letter of the print
    assert not _is_small_print(mark(12, 6), hint)  # a small digit, in the page's pen
    assert not _is_small_print(mark(30, 1), hint)  # a digit in a fine pen
    assert not _is_small_print(mark(12, 1), PageHint(True, None, 36.0, None, (480, 640)))  # no pen measured


def test_blank_images_are_refused():
    for value in (0, 255):
        with pytest.raises(RecognizerError, match="blank"):
            detect(np.full((200, 300, 3), value, np.uint8), "blank.png")


def test_two_touching_digits_get_a_proposed_cut():
    image, (left, right) = touching_pair()
    assert cv2.connectedComponents((image < 140).astype(np.uint8))[0] == 2  # background + one mark
    detection = detect(image)
    assert len(detection.candidates) == 1
    cut = [part.box.scaled(detection.scale) for part in detection.candidates[0].cuts[0]]
    assert len(cut) == 2
    assert abs(cut[0].x - left) <= detection.scale and abs(cut[1].right - right) <= detection.scale


def _mark(mask: np.ndarray) -> Candidate:
    """The ink of ``mask`` as one mark, boxed tight."""
    rows, cols = np.nonzero(mask)
    mask = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(bool)
    return Candidate(Box(0, 0, mask.shape[1], mask.shape[0]), mask, 200.0)


def test_leaning_digits_that_touch_are_cut_on_a_slant():
    """Two strokes leaning side by side (two 1s), joined by a bar: an upright
    cut that crosses one stroke only leaves the top of one stroke with the
    other; a cut leaning with them parts them whole."""
    mask = np.zeros((44, 40), np.uint8)
    cv2.line(mask, (4, 40), (18, 3), 1, 4)
    cv2.line(mask, (18, 40), (32, 3), 1, 4)
    cv2.line(mask, (10, 22), (26, 22), 1, 3)  # the join
    mark = _mark(mask)
    pieces = _cut(mark, 2)
    assert len(pieces) == 2
    assert all(piece.box.h == mark.box.h for piece in pieces)  # each stroke whole, top to bottom
    assert pieces[0].box.x == 0 and pieces[1].box.right == mark.box.w


def test_a_leaning_8_is_not_cut_between_its_loops():
    """An 8 written on a slant: a cut along the slant crosses only its waist
    and parts it into its two loops, each only about 0.7 as tall as the 8."""
    mask = np.zeros((60, 60), np.uint8)
    cv2.ellipse(mask, (14, 40), (8, 13), 20, 0, 360, 1, 3)
    cv2.ellipse(mask, (27, 23), (8, 13), 20, 0, 360, 1, 3)
    assert cv2.connectedComponents(mask)[0] == 2  # one mark
    assert _cut(_mark(mask), 2) == []


def test_rules_go_but_a_stroke_crossing_them_stays_whole():
    from recognizer.detect import remove_lines

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
    from recognizer.detect import remove_lines

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
    from recognizer.detect import remove_lines

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
    from recognizer.detect import remove_lines

    mask = np.zeros((200, 700), np.uint8)
    cv2.line(mask, (0, 150), (699, 150), 1, 2)
    cv2.line(mask, (300, 100), (262, 147), 1, 5)  # the 2's diagonal...
    cv2.line(mask, (262, 147), (320, 147), 1, 5)  # ...and its base, on the rule
    cleaned = remove_lines(mask, digit_height=40)
    base = cleaned[143:152, 265:318]
    assert (base.any(axis=0)).mean() >= 0.9  # the base is there along its length
    assert cleaned[146:154, :200].sum() == 0 and cleaned[146:154, 360:].sum() == 0  # the rule is gone


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
    from recognizer.detect import remove_lines

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
    from recognizer.detect import remove_lines

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
    from recognizer.detect import remove_lines

    mask = np.zeros((240, 600), np.uint8)
    top, bottom, sides = 80, 130, (50, 100, 150, 200, 280, 360)
    cv2.line(mask, (sides[0], top), (sides[-1], top), 1, 2)
    cv2.line(mask, (sides[0], bottom), (sides[-1], bottom), 1, 2)
    for x in sides:
        cv2.line(mask, (x, top), (x, bottom), 1, 2)
    cleaned = remove_lines(mask, digit_height=40)
    assert cv2.countNonZero(cleaned) < 30  # every side and line gone


def test_a_few_small_digits_on_a_whole_sheet_are_dark_ink(recognizer):
    """A webcam's 640x480 view of a sheet holding four numbers 14 px tall: the
    ink is too sparse to reach the 1 % tails of the grey levels, which are
    then the paper's noise either way; the polarity was a coin toss (here,
    chalk on a board, and nothing read)."""
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(0)
    page = np.full((480 * 4, 640 * 4), 210.0)  # drawn at 4x, then shrunk as a camera would
    numbers = ["8652", "0871", "0540", "4017"]
    for row, number in enumerate(numbers):
        x, y = 400 + 100 * row, 300 + 400 * row
        for digit in number:
            glyph = render_digit(int(digit), 56, rng, pen=0.1)
            page[y : y + glyph.shape[0], x : x + glyph.shape[1]] *= 1 - 0.75 * glyph
            x += glyph.shape[1] + 14
    noisy = cv2.resize(page, (640, 480), interpolation=cv2.INTER_AREA) + rng.normal(0, 3, (480, 640))
    frame = np.clip(noisy, 0, 255).astype(np.uint8)
    assert is_dark_ink(frame)
    assert recognizer.read_array(frame).numbers == numbers
    assert not is_dark_ink(255 - frame)  # the same, as chalk on a board


def test_a_sheet_on_a_darker_desk_filling_most_of_the_frame_is_dark_ink():
    page = make_page(["42", "7"], size=(300, 480), seed=3)
    desk = np.full((480, 900, 3), 70, np.uint8)
    desk[:, 300:600] = page.image  # the sheet covers a third of the frame
    assert is_dark_ink(cv2.cvtColor(desk, cv2.COLOR_BGR2GRAY))
    detection = detect(desk)
    assert detection.dark_ink and len(detection.candidates) == 3


def test_a_mark_cut_off_by_a_large_pictures_edge_is_dropped_but_a_tight_crop_is_read(recognizer):
    from recognizer.synthetic import render_digit

    glyph = render_digit(3, 60, np.random.default_rng(1), pen=0.1)
    page = np.full((480, 640), 225.0)
    page[100 : 100 + glyph.shape[0], 200 : 200 + glyph.shape[1]] -= 170 * glyph
    page[300 : 300 + glyph.shape[0], 0 : glyph.shape[1] - 10] -= 170 * glyph[:, 10:]  # runs off the left edge
    found = _found(detect(np.clip(page, 0, 255).astype(np.uint8)))
    assert len(found) == 1 and abs(found[0].x - 200) <= 2
    tight = np.clip(255 - 200 * glyph, 0, 255).astype(np.uint8)  # the digit fills the image
    assert recognizer.read_array(tight).numbers == ["3"]


def test_paper_in_a_shadow_is_read_but_the_desk_beyond_it_is_not():
    """A soft shadow darkens part of the sheet below 70 % of the lit paper, as
    dark as the desk rule allows, and runs off the sheet onto the desk; the
    digits in it are still on the sheet. A mark on the desk is not."""
    page = make_page(["4096", "17"], size=(400, 480), seed=4)  # (width, height)
    frame = np.full((480, 900, 3), 60, np.uint8)
    frame[:, 250:650] = page.image  # the sheet, with desk left and right
    cv2.circle(frame, (80, 240), 18, (200, 200, 200), 4)  # a light ring on the desk
    shade = np.zeros((480, 900), np.float32)
    shade[:, 450:] = 1.0  # the right half of the frame, sheet and desk alike
    shade = cv2.GaussianBlur(shade, (0, 0), 20)
    frame = (frame * (1.0 - 0.45 * shade)[..., None]).astype(np.uint8)
    detection = detect(frame)
    found = _found(detection)
    truth = [b._replace(x=b.x + 250) for b in page.boxes]
    assert _recall(found, truth) == 1.0
    assert len(found) == len(truth)  # the ring on the desk is not among them


def test_a_sheet_mostly_in_shadow_on_a_desk_is_still_dark_ink(recognizer):
    """A shadow over most of the sheet leaves more shaded paper than desk
    outside the lit part: taken together they are too bright for a desk, so
    the polarity must tell the shaded paper from the desk first."""
    page = make_page(["4096", "17"], size=(600, 480), seed=4)  # (width, height)
    frame = np.full((480, 800, 3), 135, np.uint8)
    frame[:, 100:700] = page.image  # a strip of desk left and right
    shade = np.zeros((480, 800), np.float32)
    shade[:, 250:] = 1.0  # all but the sheet's left quarter, and the desk beyond
    shade = cv2.GaussianBlur(shade, (0, 0), 30)
    frame = (frame * (1.0 - 0.2 * shade)[..., None]).astype(np.uint8)
    assert is_dark_ink(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    assert recognizer.read_array(frame).numbers == ["4096", "17"]


def test_a_corner_of_desk_cut_by_the_pictures_border_sets_neither_pen_nor_digit_height():
    page = make_page(["4096", "17"], size=(640, 480), seed=4)
    core = (cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY) < 128).astype(np.uint8)
    alone = measure_scale(core)
    core[260:, :50] = 1  # a solid block in the corner, 50 pixels wide
    with_desk = measure_scale(core)
    assert 2 <= alone.stroke <= 10
    assert with_desk.stroke == pytest.approx(alone.stroke)
    assert with_desk.height == pytest.approx(alone.height)
    # A tight crop: the only mark touches the border, and still sets the pen.
    assert measure_scale(np.pad(np.ones((60, 12), np.uint8), ((0, 0), (20, 20)))).stroke > 3


def test_a_mark_on_the_sheets_edge_is_dropped():
    """A dark sliver along the edge of a sheet on a desk (the edge itself, or a
    mark cut off by it) is not read; the digits on the sheet are."""
    page = make_page(["4096", "17"], size=(400, 480), seed=4)  # (width, height)
    frame = np.full((480, 900, 3), 60, np.uint8)
    frame[:, 250:650] = page.image
    frame[300:340, 250:255] = 40  # a dark sliver at the sheet's left edge
    found = _found(detect(frame))
    truth = [b._replace(x=b.x + 250) for b in page.boxes]
    assert _recall(found, truth) == 1.0
    assert len(found) == len(truth)


def test_a_desks_flat_grain_does_not_set_the_digit_height():
    """Scraps of wood grain or of rules, wide and flat, outnumber three digits;
    the page's digits must still be the height the rest is judged by (marks
    far taller than it are dropped as edges and frames)."""
    from recognizer.detect import Candidate, _typical_height
    from recognizer.types import Box

    def mark(w, h):
        return Candidate(Box(0, 0, w, h), np.ones((h, w), bool), 100.0)

    digits = [mark(35, 60) for _ in range(3)]
    grain = [mark(60, 18) for _ in range(40)]
    assert _typical_height(digits + grain) == 60
    assert _typical_height(grain) == 18  # nothing shaped like a digit: the marks there are


def test_a_sliver_of_desk_at_the_pictures_border_does_not_hide_a_lone_digit():
    """Measured on a photo: the desk showed in a thin strip down the picture's
    corner, four digits tall; as the tallest mark it set the page's typical
    height, and the lone digit beside it was dropped as a speck."""
    from recognizer.synthetic import render_digit

    glyph = render_digit(6, 36, np.random.default_rng(2), pen=0.1)
    page = np.full((480, 640), 225.0)
    page[200 : 200 + glyph.shape[0], 300 : 300 + glyph.shape[1]] -= 170 * glyph
    page[:150, 633:] = 50  # the desk beyond the sheet's edge, cut by the picture's corner
    found = _found(detect(np.clip(page, 0, 255).astype(np.uint8)))
    assert [abs(box.x - 300) <= 2 for box in found] == [True]


def test_strips_of_desk_along_the_border_darker_than_the_pencil_do_not_set_the_threshold(recognizer):
    """Seen on the scene benchmark's photos: desk showing in strips along two
    sides of the picture, left in by the sheet's mask, was the darkest "ink"
    there, and the first look's threshold took only it. No pen was measured,
    and the page was read with a window fitted to nothing ("4096" read 6096)."""
    from recognizer.synthetic import render_digit

    rng = np.random.default_rng(5)
    page = np.full((480, 640), 215.0) + rng.normal(0, 3, (480, 640))
    x = 200
    for digit in "4096":
        glyph = render_digit(int(digit), 40, rng, pen=0.08)
        page[220 : 220 + glyph.shape[0], x : x + glyph.shape[1]] -= 80 * glyph  # pencil
        x += glyph.shape[1] + 10
    grain = 45 + 10 * rng.random((480, 640))
    page[:, :28] = grain[:, :28]  # desk down the left border
    page[:24, 200:] = grain[:24, 200:]  # and along the top
    image = np.clip(page, 0, 255).astype(np.uint8)
    hint = detect(image).hint
    assert 2 <= hint.pen <= 5 and 30 <= hint.digit_height <= 45
    assert recognizer.read_array(image).numbers == ["4096"]


def test_a_fives_flag_drawn_apart_and_off_to_the_right_joins_its_body():
    """Measured on a photo: the flag overlaps the body by under a third of its
    width; read apart, the body alone reads as a 3."""
    from recognizer.detect import Candidate, _join_broken
    from recognizer.types import Box

    def mark(x, y, w, h):
        return Candidate(Box(x, y, w, h), np.ones((h, w), bool), 100.0)

    body, flag, neighbour = mark(0, 20, 18, 21), mark(14, 7, 14, 6), mark(40, 8, 18, 33)
    joined = _join_broken([body, flag, neighbour], typical_h=36.5)
    assert sorted(c.box for c in joined) == [Box(0, 7, 28, 34), Box(40, 8, 18, 33)]


def _pencil_nine(joint: int) -> np.ndarray:
    """An ink map of a 9 written in pencil: a firm head (200), a faint stretch
    where the tail begins (``joint``), then a tail of middling ink (120)."""
    ink = np.zeros((120, 120), np.uint8)
    cv2.circle(ink, (60, 35), 14, 200, 4)
    cv2.line(ink, (74, 38), (72, 52), joint, 4)
    cv2.line(ink, (72, 52), (66, 85), 120, 4)
    return ink


def test_a_firm_head_grows_into_the_faint_tail_it_joins():
    """At threshold 150 only the head seeds a mark, and the tail (120) is cut
    from it where the ink fades to 60. The fainter pass finds head and tail
    joined: the mark is the whole 9, not its head."""
    (nine,) = _components(_pencil_nine(joint=60), 150.0, 60.0)
    assert (nine.box.y, nine.box.bottom) == pytest.approx((19, 88), abs=2)


def test_a_firm_mark_does_not_grow_into_a_faint_mark_that_joins_it_to_another():
    """A second firm digit tied to the 9's head by a faint smudge: the faint
    mark then holds two firm ones, and neither grows (digits are not merged)."""
    ink = _pencil_nine(joint=60)
    cv2.circle(ink, (100, 35), 12, 200, 4)
    cv2.line(ink, (74, 30), (88, 30), 60, 2)
    marks = sorted(_components(ink, 150.0, 60.0), key=lambda c: c.box.x)
    assert [(c.box.x, c.box.bottom) for c in marks] == [pytest.approx((44, 52), abs=2), pytest.approx((86, 50), abs=2)]


def test_a_pixel_thin_sliver_along_a_rules_edge_goes_with_the_rule():
    """Where a skewed scan's rule steps, its straight mask runs a pixel off the
    ink and leaves a sliver along its edge. Erased with the rule, the sliver
    is not bridged across it to the 1 below (which then read as 7); a pen's
    stroke along the rule, thicker than a pixel, and a short sliver stay."""
    from recognizer.detect import SLIVER_RUN, Rules, erase_rules

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


def test_a_bar_whose_ink_runs_into_rules_at_both_ends_is_flagged_as_between_rules():
    """A comb box's side that rule removal left runs on, with no gap, into the
    rule above it and the one below; a 1 written in the box leaves paper
    between its top and the box's top line. Both stand on the lower rule, and
    are also given with that rule's ink under them (a 2's base may be there)."""
    from recognizer.detect import Candidate, Rules, _flag_marks_on_rules
    from recognizer.types import Box

    ink = np.zeros((80, 100), np.uint8)
    ink[10:13, :] = ink[60:63, :] = 200  # two rules, 3 px thick
    ink[13:60, 20:24] = 200  # a side, from rule to rule
    ink[17:60, 50:55] = 200  # a "1": paper above it, standing on the lower rule
    ink[20:50, 80:85] = 200  # a bar touching neither
    across = np.zeros_like(ink)
    across[9:14, :] = across[59:64, :] = 1  # the rules' masks, a pixel wider than their ink
    rules = Rules(across, np.zeros_like(ink), np.zeros_like(ink))
    marks = [Candidate(Box(20, 13, 4, 47), np.ones((47, 4), bool), 200.0),
             Candidate(Box(50, 17, 5, 43), np.ones((43, 5), bool), 200.0),
             Candidate(Box(80, 20, 5, 30), np.ones((30, 5), bool), 200.0)]
    flagged = _flag_marks_on_rules(marks, rules, ink, level=100)
    assert [c.between_rules for c in flagged] == [True, False, False]
    assert [c.on_rule is not None for c in flagged] == [True, True, False]
    one = flagged[1].on_rule
    assert one.box == Box(50, 17, 5, 47)  # down to the rule's mask's last row (63)
    assert one.mask[43:46].all() and not one.mask[46:].any()  # the rule's ink (rows 60-62), not its margin


def test_marks_side_by_side_form_runs_that_box_sides_stay_out_of():
    """A word's letters chain into one run, a mark far off or on another row
    stands alone, and a comb's box sides (``between_rules``) link nothing: the
    digits in a comb's boxes, a box apart, are runs of their own."""
    from recognizer.detect import Candidate, runs_side_by_side
    from recognizer.types import Box

    def mark(x: int, y: int = 10, w: int = 20, side: bool = False) -> Candidate:
        return Candidate(Box(x, y, w, 30), np.ones((30, w), bool), 150.0, between_rules=side)

    word = [mark(10), mark(35), mark(60), mark(85)]  # 5 px apart
    far, below = mark(200), mark(35, y=80)
    assert runs_side_by_side(word + [far, below]) == [[0, 1, 2, 3], [4], [5]]
    comb = [mark(0, w=3, side=True), mark(12), mark(44, w=3, side=True), mark(56), mark(88, w=3, side=True)]
    assert runs_side_by_side(comb) == [[1], [3]]
    comb_unflagged = [Candidate(c.box, c.mask, c.strength) for c in comb]
    assert runs_side_by_side(comb_unflagged) == [[0, 1, 2, 3, 4]]


def test_a_rule_printed_in_the_pens_own_colour_is_still_erased():
    """What tells a pen's stroke along a rule is its colour against the rule's
    own: a blue rule under a blue pen is not kept as a stroke. (Kept whole, it
    would join the 2 to a mark as long as the rule, dropped as a line.)"""
    blue = (170, 60, 20)
    marks = detect(two_on_a_rule(blue, blue)).candidates
    assert marks and max(c.box.w for c in marks) < 60


@pytest.mark.parametrize("kind, seed", [("form", 2), ("photo", 7)])
def test_reading_only_the_inked_part_of_a_page_finds_what_the_whole_page_gives(kind, seed):
    """A form's margins and a photo's desk hold no ink, and are left out of
    the passes that find rules and marks: the marks found in the inked part
    are the page's own, to the pixel (rules are still searched for in the
    page's coordinates, whose rounding the Hough search depends on)."""
    from recognizer.detect import INKED_SHARE, _components, _inked_area, _marks_in_inked_area, colourfulness
    from recognizer.scenes import StrokeGlyphs, make_scene

    image = make_scene(kind, seed, StrokeGlyphs()).image
    found = detect(image)
    ink, threshold, height = found.ink, found.threshold, found.hint.digit_height
    _, _, w, h = _inked_area(ink, threshold)
    assert w * h < INKED_SHARE * ink.size  # the margins are really left out
    colour = colourfulness(image, ink.shape)

    def summary(candidates):
        return [(tuple(c.box), c.mask.tobytes(), c.strength, None if c.on_rule is None else tuple(c.on_rule.box))
                for c in candidates]

    whole = summary(_components(ink, threshold, height, colour))
    assert len(whole) > 10
    assert summary(_marks_in_inked_area(ink, threshold, height, colour)) == whole


def test_a_grey_page_saved_in_colour_has_no_colour_to_tell_a_pen_by():
    """A grey scan written as a colour JPEG carries a little chroma noise and
    no pen that stands out by its colour: no colour map is made for it (a
    page-sized resize spared), while a blue pen stroke on the same page gets one."""
    from recognizer.detect import PEN_COLOUR, colourfulness

    rng = np.random.default_rng(2)
    grey = np.full((300, 400), 235, np.uint8)
    cv2.line(grey, (20, 150), (380, 150), 40, 2)  # a printed rule
    page = cv2.merge([grey, grey, grey]).astype(np.int16) + rng.integers(-6, 7, (300, 400, 3))
    page = np.clip(page, 0, 255).astype(np.uint8)
    assert colourfulness(page, (150, 200)) is None
    cv2.line(page, (100, 60), (140, 140), (200, 60, 20), 3)  # a blue pen
    colour = colourfulness(page, (150, 200))
    assert colour is not None and colour.shape == (150, 200) and colour.max() > PEN_COLOUR
