import numpy as np
import pytest

from recognizer.degrade import darkened, defocused, exposed, noisy, shaken


def _dot(size: int = 41) -> np.ndarray:
    image = np.zeros((size, size), np.uint8)
    image[size // 2, size // 2] = 225
    return image


@pytest.mark.parametrize("angle, axis", [(0.0, "across"), (90.0, "up")])
def test_a_shake_smears_a_dot_along_its_direction(angle, axis):
    smeared = shaken(_dot(), 9, angle)
    ys, xs = np.nonzero(smeared)
    spread_x, spread_y = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert (spread_x, spread_y) == ((9, 1) if axis == "across" else (1, 9))
    assert abs(int(smeared.sum()) - 225) <= 9  # the light is moved, not added (each of 9 pixels rounds)


def test_a_slanted_shake_smears_both_ways():
    ys, xs = np.nonzero(shaken(_dot(), 11, 45.0))
    assert xs.max() - xs.min() >= 6 and ys.max() - ys.min() >= 6


def test_defocus_spreads_a_dot_round_about():
    blurred = defocused(_dot(), 2.0)
    ys, xs = np.nonzero(blurred)
    assert xs.max() - xs.min() == ys.max() - ys.min() >= 6


def test_exposure_and_gamma_keep_white_and_black_where_they_should():
    grey = np.array([[0, 128, 255]], np.uint8)
    assert exposed(grey, 0.5).tolist() == [[0, 64, 127]]
    assert exposed(grey, 1.3).tolist() == [[0, 166, 255]]  # paper clips to white
    dark = darkened(grey, 2.2)
    assert dark[0, 0] == 0 and dark[0, 2] == 255 and dark[0, 1] < 64


@pytest.mark.parametrize("shape", [(60, 80), (60, 80, 3)])
def test_noise_is_saved_as_a_picture_of_the_same_shape(shape):
    flat = np.full(shape, 150, np.uint8)
    grainy = noisy(flat, 10.0, np.random.default_rng(0))
    assert grainy.shape == shape and grainy.dtype == np.uint8
    assert 5.0 < grainy.astype(float).std() < 12.0
