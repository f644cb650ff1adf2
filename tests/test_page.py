"""Learning the page: polarity, pen and digit height."""

import cv2
import numpy as np
import pytest

from recognizer.page import (NOISY, _drawing_canvas, flat_level, is_dark_ink, is_noisy, learn_page, measure_scale,
                             noise_level, smoothed)
from recognizer.synthetic import make_page, render_digit


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


@pytest.mark.parametrize("band", [40, 80])
def test_a_band_of_shadow_across_the_sheet_is_paper_not_a_giant_one(recognizer, band):
    """A shadow band narrower than the first look's window, far broader than
    any pen, was taken for the pen: the page's measures came out absurd, the
    digits beside the band were lost, and the band read as a "1" some 500
    pixels tall. The page is looked at again with a narrow window."""
    rng = np.random.default_rng(0)
    _, across = np.mgrid[0:768, 0:1024]
    paper = 215.0 + 15.0 * across / 1024 + rng.normal(0, 3, across.shape)  # lit from one side, grainy
    x = 330
    for digit in (5, 8):
        glyph = render_digit(digit, 30, rng, pen=0.12)
        paper[430 : 430 + glyph.shape[0], x : x + glyph.shape[1]] -= 150 * glyph
        x += glyph.shape[1] + 6
    shadow = np.zeros(paper.shape, np.float32)
    cv2.line(shadow, (150, 700), (600, 80), 1.0, band)
    shadow = cv2.GaussianBlur(shadow, (0, 0), band / 4)
    photo = np.clip(paper * (1 - 0.35 * shadow), 0, 255).astype(np.uint8)
    hint, _ = learn_page(photo)
    assert 2 <= hint.pen <= 6 and 20 <= hint.digit_height <= 40
    reading = recognizer.read_array(photo)
    assert reading.numbers == ["58"]
    assert all(digit.box.h < 40 for digit in reading.digits)


def _note_beside_a_number(lines: int) -> np.ndarray:
    """A handwritten "815", 44 px tall, under ``lines`` lines of bold print 11 px tall."""
    rng = np.random.default_rng(1)
    page = np.full((480, 640), 225.0) + rng.normal(0, 3, (480, 640))
    x = 250
    for digit in (8, 1, 5):
        glyph = render_digit(digit, 44, rng, pen=0.09)
        page[200 : 200 + glyph.shape[0], x : x + glyph.shape[1]] -= 160 * glyph
        x += glyph.shape[1] + 10
    image = np.clip(page, 0, 255).astype(np.uint8)
    for line in range(lines):
        cv2.putText(image, "call back at noon", (40 + 300 * (line % 2), 60 + 24 * (line // 2)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, 60, 2, cv2.LINE_AA)
    return image


@pytest.mark.parametrize("lines", [1, 2])
def test_a_handwritten_one_among_more_print_is_not_a_rule(recognizer, lines):
    """Printed words drawn as boldly as the pen, more of them than digits, set
    the page's digit height: the 1 was longer than a rule must be (2.5 such
    heights), taken for one and erased ("815" read "85"). Rules are measured
    against the height the taller marks reach; the page is still read at the
    scale the print sets."""
    image = _note_beside_a_number(lines)
    hint, _ = learn_page(image)
    assert hint.digit_height < 15 and hint.rule_height > 1.3 * hint.digit_height
    assert recognizer.read_array(image).numbers == ["815"]


def test_handwriting_alone_measures_rules_by_its_digit_height():
    """Digits of one hand spread a little in height: that spread must not move
    the rule search (a form's short table rules are near its limit)."""
    page = make_page(["4096", "1733", "25"], size=(640, 480), seed=4)
    hint, _ = learn_page(cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY))
    assert hint.tall_height >= hint.digit_height > 0
    assert hint.rule_height == hint.digit_height


@pytest.mark.parametrize("seed, light", [(4, 0.5), (7, 0.5), (4, 0.25), (7, 0.25)])
def test_a_sheet_photographed_in_dim_light_is_still_dark_ink(recognizer, seed, light):
    """Half the light leaves the paper at about 100 grey: it was held to a
    fixed brightness of 120, taken for a board with chalk on it, and nothing
    on it was read; then to 50, which a quarter of the light falls under. A
    sheet is told from its desk by how much brighter it is."""
    from recognizer.scenes import StrokeGlyphs, make_scene

    scene = make_scene("photo", seed, StrokeGlyphs())
    dim = (scene.image * light).astype(np.uint8)
    assert is_dark_ink(cv2.cvtColor(dim, cv2.COLOR_BGR2GRAY))
    assert recognizer.read_array(dim).numbers == scene.numbers


def test_noise_level_measures_pixel_noise_not_light_or_ink():
    rng = np.random.default_rng(0)
    _, across = np.mgrid[0:480, 0:640]
    paper = 150.0 + 80.0 * across / 640  # lit from one side
    for digit, x in ((3, 100), (8, 300), (5, 500)):
        glyph = render_digit(digit, 60, rng, pen=0.12)
        paper[200 : 200 + glyph.shape[0], x : x + glyph.shape[1]] -= 120 * glyph
    clean = paper.astype(np.uint8)
    assert noise_level(clean) < 1.0
    assert not is_noisy(clean)  # read as it is
    noisy = np.clip(paper + rng.normal(0, 8, paper.shape), 0, 255).astype(np.uint8)
    assert noise_level(noisy) == pytest.approx(8, rel=0.2)
    assert noise_level(noisy) > NOISY and is_noisy(noisy)
    assert noise_level(smoothed(noisy)) < NOISY
    drawing = np.zeros((28, 28), np.uint8)  # an 8 drawn at MNIST's size: stroke edges over half of it
    cv2.circle(drawing, (14, 9), 4, 255, 3, cv2.LINE_AA)
    cv2.circle(drawing, (14, 19), 5, 255, 3, cv2.LINE_AA)
    assert noise_level(drawing) > NOISY  # its edges pass for noise...
    assert not is_noisy(drawing)  # ...but a flat canvas has none


@pytest.mark.parametrize("seed", [6, 9])
def test_a_noisy_photo_is_read_as_a_clean_one(recognizer, seed):
    """Noise of 15 grey levels (a webcam, a phone in poor light), saved as
    JPEG: it broke the faint rules of ruled and squared paper into dashes,
    read as rows of 1s, and its specks set the pen. The picture is smoothed
    first."""
    from recognizer.scenes import StrokeGlyphs, make_scene

    scene = make_scene("photo", seed, StrokeGlyphs())
    noisy = np.clip(scene.image + np.random.default_rng(seed).normal(0, 15, scene.image.shape), 0, 255)
    ok, data = cv2.imencode(".jpg", noisy.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert recognizer.read_array(cv2.imdecode(data, cv2.IMREAD_COLOR)).numbers == scene.numbers


def test_paper_clipped_white_in_an_overexposed_photo_is_not_a_drawings_canvas():
    """Over half of an overexposed photo can be paper at 255, as flat as a
    paint program's canvas; the desk along the picture's border tells it
    from one. A drawn digit touching the border is still a drawing."""
    rng = np.random.default_rng(0)
    photo = cv2.GaussianBlur(100 + rng.normal(0, 10, (480, 640)), (0, 0), 2)  # a desk
    photo[0:420, 80:640] = make_page(["4096", "17"], size=(560, 420), seed=0).image.mean(axis=2)
    overexposed = np.clip(photo * 1.4, 0, 255).astype(np.uint8)
    assert flat_level(overexposed) == 255
    assert _drawing_canvas(overexposed) is None
    drawing = np.full((280, 280), 255, np.uint8)
    cv2.line(drawing, (140, 0), (140, 200), 0, 24)  # a 1's stem running off the top
    assert _drawing_canvas(drawing) == 255
