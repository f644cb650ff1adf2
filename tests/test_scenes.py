import cv2
import numpy as np
import pytest

from recognizer.scenes import KINDS, StrokeGlyphs, make_scene, photo_scene, touching_scene


@pytest.mark.parametrize("kind", KINDS)
def test_scenes_are_deterministic_and_hold_numbers(kind):
    a, b = make_scene(kind, 7, StrokeGlyphs()), make_scene(kind, 7, StrokeGlyphs())
    assert np.array_equal(a.image, b.image)
    assert a.numbers == b.numbers and a.boxes == b.boxes
    assert a.numbers and "".join(a.numbers) == "".join(str(label) for label in a.labels)
    assert len(a.boxes) == len(a.labels)
    assert not np.array_equal(a.image, make_scene(kind, 8, StrokeGlyphs()).image)


@pytest.mark.parametrize("kind, turn", [("photo", 0.0), ("form", 0.0), ("photo", 20.0)])
def test_truth_boxes_are_tight_around_ink(kind, turn):
    scene = photo_scene(3, StrokeGlyphs(), turn=turn) if turn else make_scene(kind, 3, StrokeGlyphs())
    gray = scene.image.mean(axis=2)
    for box in scene.boxes:
        inside = gray[box.y : box.bottom, box.x : box.right]
        ring = gray[max(0, box.y - 3) : box.bottom + 3, max(0, box.x - 3) : box.right + 3]
        # The box reaches ink on every side: no slack row or column of bare paper.
        paper = np.percentile(ring, 90)
        inked = paper - 0.15 * (paper - inside.min())  # anti-aliased rims count
        for edge in (inside[0], inside[-1], inside[:, 0], inside[:, -1]):
            assert edge.min() < inked


def test_a_turned_camera_shows_the_same_sheet_turned():
    """The tilted benchmark's photos: the same numbers, the sheet turned."""
    level, turned = photo_scene(3, StrokeGlyphs()), photo_scene(3, StrokeGlyphs(), turn=20.0)
    assert np.array_equal(level.image, make_scene("photo", 3, StrokeGlyphs()).image)
    assert turned.numbers == level.numbers and turned.labels == level.labels
    # The digits' boxes move with the sheet.
    (lx, ly), (tx, ty) = level.boxes[0].centre, turned.boxes[0].centre
    assert not np.allclose((lx, ly), (tx, ty), atol=10)


def test_clutter_has_ink_outside_the_digits():
    plain, cluttered = make_scene("photo", 3, StrokeGlyphs()), make_scene("clutter", 3, StrokeGlyphs())
    assert cluttered.image.std() > plain.image.std() * 0.5  # sanity: a real picture
    gray = cluttered.image.mean(axis=2)
    outside = np.ones(gray.shape, bool)
    for box in cluttered.boxes:
        outside[box.y : box.bottom, box.x : box.right] = False
    dark = gray < np.percentile(gray[outside], 1)
    assert (dark & outside).sum() > 200  # printed words, strokes, a ring...


def _line_pixels(scene) -> tuple[int, int]:
    """Pixels of thin dark lines outside the digits that run on for 25 pixels
    across and upright: a ruled sheet's rules, a squared sheet's grid."""
    gray = scene.image.mean(axis=2).astype(np.uint8)
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    line = ((paper.astype(int) - gray) > 6).astype(np.uint8)
    for box in scene.boxes:
        line[box.y : box.bottom, box.x : box.right] = 0
    across = cv2.morphologyEx(line, cv2.MORPH_OPEN, np.ones((1, 25), np.uint8))
    upright = cv2.morphologyEx(line, cv2.MORPH_OPEN, np.ones((25, 1), np.uint8))
    return int(across.sum()), int(upright.sum())


def test_photo_scenes_name_the_paper_they_show():
    """The benchmark reports each ruling apart: the name must be what is drawn."""
    seen = set()
    for seed in range(13):
        scene = make_scene("photo", seed, StrokeGlyphs())
        across, upright = _line_pixels(scene)
        seen.add(scene.paper)
        if scene.paper == "plain":
            assert across < 5_000, seed
        elif scene.paper == "ruled":  # rules across, one margin line upright
            assert across > 10_000 and upright < 0.25 * across, seed
        else:
            assert scene.paper == "squared"
            assert across > 10_000 and upright > 0.5 * across, seed
    assert seen == {"plain", "ruled", "squared"}


def test_a_touching_scene_has_one_pair_whose_ink_meets():
    scene = touching_scene(4, StrokeGlyphs(), overlap=0.03)
    assert scene.image.ndim == 2 and scene.numbers == ["".join(str(label) for label in scene.labels)]
    pair = scene.numbers[0].index(scene.domain)
    left, right = scene.boxes[pair], scene.boxes[pair + 1]
    assert right.x < left.right  # laid over each other's boxes...
    ink = scene.image < scene.image.max() - 60
    count, _ = cv2.connectedComponents(ink[:, left.x : right.right].astype(np.uint8))
    assert count - 1 == 1  # ...and their ink is one mark
    assert np.array_equal(scene.image, touching_scene(4, StrokeGlyphs(), overlap=0.03).image)
