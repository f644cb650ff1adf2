import numpy as np

from recognizer.annotate import DIGIT_COLOUR, LOW_COLOUR, annotate
from recognizer.types import Box, Digit, Line, Reading


def test_annotate_draws_on_a_copy():
    image = np.full((120, 200), 255, np.uint8)
    reading = Reading("x", 200, 120, [Line((Digit(Box(50, 40, 30, 50), 7, 0.97),))])
    drawn = annotate(image, reading)
    assert drawn.shape == (120, 200, 3)
    assert (image == 255).all()  # the input is untouched
    assert (drawn[40, 50:80] != 255).any()  # the box's top edge
    assert (drawn[60:85, 100:200] == 255).all()  # nothing far from the digit


def test_digits_under_the_doubt_bar_stand_out():
    image = np.full((120, 200), 255, np.uint8)
    reading = Reading("x", 200, 120, [Line((Digit(Box(50, 40, 30, 50), 7, 0.85),))])
    edge = (40, 65)  # on the box's top edge, clear of the label above it
    assert tuple(annotate(image, reading)[edge]) == DIGIT_COLOUR  # 0.85 passes the default 0.8
    assert tuple(annotate(image, reading, doubt_below=0.9)[edge]) == LOW_COLOUR  # a review bar of 0.9
