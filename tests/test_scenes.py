import numpy as np
import pytest

from recognizer.scenes import KINDS, StrokeGlyphs, make_scene


@pytest.mark.parametrize("kind", KINDS)
def test_scenes_are_deterministic_and_hold_numbers(kind):
    a, b = make_scene(kind, 7, StrokeGlyphs()), make_scene(kind, 7, StrokeGlyphs())
    assert np.array_equal(a.image, b.image)
    assert a.numbers == b.numbers and a.boxes == b.boxes
    assert a.numbers and "".join(a.numbers) == "".join(str(label) for label in a.labels)
    assert len(a.boxes) == len(a.labels)
    assert not np.array_equal(a.image, make_scene(kind, 8, StrokeGlyphs()).image)


@pytest.mark.parametrize("kind", ["photo", "form"])
def test_truth_boxes_are_tight_around_ink(kind):
    scene = make_scene(kind, 3, StrokeGlyphs())
    gray = scene.image.mean(axis=2)
    for box in scene.boxes:
        inside = gray[box.y : box.bottom, box.x : box.right]
        ring = gray[max(0, box.y - 3) : box.bottom + 3, max(0, box.x - 3) : box.right + 3]
        # The box reaches ink on every side: no slack row or column of bare paper.
        paper = np.percentile(ring, 90)
        inked = paper - 0.15 * (paper - inside.min())  # anti-aliased rims count
        for edge in (inside[0], inside[-1], inside[:, 0], inside[:, -1]):
            assert edge.min() < inked


def test_clutter_has_ink_outside_the_digits():
    plain, cluttered = make_scene("photo", 3, StrokeGlyphs()), make_scene("clutter", 3, StrokeGlyphs())
    assert cluttered.image.std() > plain.image.std() * 0.5  # sanity: a real picture
    gray = cluttered.image.mean(axis=2)
    outside = np.ones(gray.shape, bool)
    for box in cluttered.boxes:
        outside[box.y : box.bottom, box.x : box.right] = False
    dark = gray < np.percentile(gray[outside], 1)
    assert (dark & outside).sum() > 200  # printed words, strokes, a ring...
