import cv2
import numpy as np

from recognizer.normalise import deskew, normalise
from recognizer.numeric import stroke_width
from recognizer.types import Box


def _mark(height=120, width=60, pen=4, slant=0.0):
    ink = np.zeros((height, width), np.uint8)
    top, bottom = (int(width / 2 + slant * height / 2), 5), (int(width / 2 - slant * height / 2), height - 5)
    cv2.line(ink, top, bottom, 255, pen)
    cv2.line(ink, (5, height // 2), (width - 5, height // 2), 255, pen)
    return ink


def test_stroke_width_of_a_drawn_line_is_close_to_the_pen():
    for pen in (3, 6, 10):
        mask = _mark(pen=pen) > 0
        drawn = int(mask[20].sum())  # a row through the vertical stroke only
        assert abs(stroke_width(mask) - drawn) <= 0.25 * drawn + 0.5


def test_output_is_mnist_shaped_and_centred_by_mass():
    ink = _mark()
    mask = ink > 0
    digit = normalise(ink, Box(0, 0, ink.shape[1], ink.shape[0]), mask, threshold=100)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert 0.0 <= digit.min() and digit.max() <= 1.0 and digit.max() > 0.9
    m = cv2.moments(digit)
    assert abs(m["m10"] / m["m00"] - 14) < 0.6 and abs(m["m01"] / m["m00"] - 14) < 0.6
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    assert 18 <= rows[-1] - rows[0] + 1 <= 21  # the long side fills the 20x20 box


def test_a_neighbours_ink_inside_the_box_is_left_out():
    ink = np.zeros((120, 80), np.uint8)
    ink[:, :60] = _mark()
    mask = ink > 0
    intruder = ink.copy()
    intruder[:, -6:] = 255  # a neighbour's stroke crossing the box edge
    clean = normalise(ink, Box(0, 0, 80, 120), mask, 100)
    masked = normalise(intruder, Box(0, 0, 80, 120), mask, 100)
    assert np.abs(clean - masked).max() < 1e-6


def test_thin_pen_is_thickened_towards_mnist_strokes():
    thin, thick = _mark(pen=2), _mark(pen=8)
    a = normalise(thin, Box(0, 0, 60, 120), thin > 0, 100)
    b = normalise(thick, Box(0, 0, 60, 120), thick > 0, 100)
    # Both end up with a similar amount of ink despite a 4x pen difference.
    assert 0.6 < (a > 0.5).sum() / (b > 0.5).sum() < 1.6


def test_deskew_reduces_only_strong_slant():
    def skew(img):
        m = cv2.moments(img)
        return m["mu11"] / m["mu02"]

    strong = _mark(slant=0.8).astype(np.float32) / 255
    mild = _mark(slant=0.2).astype(np.float32) / 255
    assert abs(skew(deskew(strong))) < abs(skew(strong)) - 0.2
    assert np.array_equal(deskew(mild), mild)


def test_a_solid_block_is_normalised_without_evening_out_a_pen_it_does_not_have():
    """A block of ink filling its box (read inside out, a blank form's bar of
    paper) measures a "stroke" thousands of pixels wide; the kernel that
    would thin it to MNIST's pen crashed the process."""
    block = np.ones((68, 262), bool)
    assert stroke_width(block) > 1000  # the boundary along the box's edges is not counted
    digit = normalise(np.full((68, 262), 200, np.uint8), Box(0, 0, 262, 68), block, 50.0)
    assert digit.shape == (28, 28)
    assert digit.max() == 1.0
