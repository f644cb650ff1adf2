import numpy as np

from recognizer.annotate import annotate
from recognizer.types import Box, Digit, Line, Reading


def test_annotate_draws_on_a_copy():
    image = np.full((120, 200), 255, np.uint8)
    reading = Reading("x", 200, 120, [Line((Digit(Box(50, 40, 30, 50), 7, 0.97),))])
    drawn = annotate(image, reading)
    assert drawn.shape == (120, 200, 3)
    assert (image == 255).all()  # the input is untouched
    assert (drawn[40, 50:80] != 255).any()  # the box's top edge
    assert (drawn[60:85, 100:200] == 255).all()  # nothing far from the digit
