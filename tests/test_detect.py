import cv2
import numpy as np
import pytest

from conftest import iou, tilted_page, touching_pair, two_on_a_rule
from recognizer.detect import Candidate, _components, _cut, detect
from recognizer.errors import RecognizerError
from recognizer.page import is_dark_ink
from recognizer.synthetic import make_page
from recognizer.types import Box


def _recall(found, truth):
    return sum(any(iou(t, f) >= 0.5 for f in found) for t in truth) / len(truth)


def _found(detection):
    """The candidates' boxes in the image's own pixels."""
    return [c.box.scaled(detection.scale) for c in detection.candidates]


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
    from recognizer.detect import Candidate, _is_small_print
    from recognizer.page import PageHint
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


def test_a_bar_whose_ink_runs_into_rules_at_both_ends_is_flagged_as_between_rules():
    """A comb box's side that rule removal left runs on, with no gap, into the
    rule above it and the one below; a 1 written in the box leaves paper
    between its top and the box's top line. Both stand on the lower rule, and
    are also given with that rule's ink under them (a 2's base may be there)."""
    from recognizer.detect import Candidate, _flag_marks_on_rules
    from recognizer.rules import Rules
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
    from recognizer.detect import INKED_SHARE, _components, _inked_area, _marks_in_inked_area
    from recognizer.rules import colourfulness
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


def test_a_page_read_levelled_finds_the_same_marks_boxed_in_the_picture():
    """Read on its ink map turned level (``tilt``), a page turned 25 degrees
    gives its marks upright, and each mark's box taken back to the picture
    is where the same mark is found without levelling."""
    page = tilted_page(["40572", "91836"], 25, seed=4)
    plain, levelled = detect(page), detect(page, tilt=-25.0)
    assert levelled.unlevel is not None and plain.unlevel is None
    assert len(levelled.candidates) == len(plain.candidates) == 10
    plain_boxes = [c.box.scaled(plain.scale) for c in plain.candidates]
    for mark in levelled.candidates:
        assert max(iou(levelled.file_box(mark), box) for box in plain_boxes) > 0.8
    # Upright on the levelled copy: the marks of a row stand level there.
    tops = sorted(c.box.y + c.box.h / 2 for c in levelled.candidates)
    assert tops[4] - tops[0] < 0.5 * levelled.digit_height


def test_a_videos_frames_are_smoothed_for_noise_as_its_first_frame_was():
    """Whether a picture is smoothed for its noise is learnt with the page, so
    the frames of a camera whose noise sits near the bar are all read one way."""
    page = make_page(["4096", "17"], size=(640, 480), seed=2)
    rng = np.random.default_rng(0)
    noisy = np.clip(page.image + rng.normal(0, 12, page.image.shape), 0, 255).astype(np.uint8)
    first = detect(noisy)
    assert first.hint.noisy and not detect(page.image).hint.noisy
    again = detect(page.image, hint=first.hint)  # a quieter frame of the same video
    assert again.hint.noisy and len(again.candidates) == len(first.candidates) == 6
