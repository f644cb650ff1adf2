from collections import Counter

import numpy as np

from recognizer.harvest import NOT_A_DIGIT, crops_from_scene, harvest
from recognizer.scenes import StrokeGlyphs, make_scene


def test_crops_are_labelled_by_matching_truth():
    scene = make_scene("clutter", 5, StrokeGlyphs())
    crops, labels = crops_from_scene(scene)
    assert len(crops) == len(labels) and crops[0].shape == (28, 28)
    digits = [label for label in labels if label != NOT_A_DIGIT]
    assert 0 < len(digits) <= len(scene.labels)
    assert Counter(digits) <= Counter(scene.labels)  # each digit crop is one of the scene's digits
    assert labels.count(NOT_A_DIGIT) > 0  # the clutter gives negatives


def test_harvest_is_deterministic():
    a = harvest(3, [StrokeGlyphs()], seed=2)
    b = harvest(3, [StrokeGlyphs()], seed=2)
    assert a.crops.dtype == np.uint8 and np.array_equal(a.crops, b.crops)
    assert np.array_equal(a.labels, b.labels) and a.labels.max() <= NOT_A_DIGIT
