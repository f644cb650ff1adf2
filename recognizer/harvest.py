"""Crops made by the tool's own detector, labelled from generated scenes.

Training on MNIST alone teaches clean, centred digits; the reader sees what
its detector and normaliser make of photos and forms: thicker or thinner
pens, cut-off strokes, a rule's remnant, printed letters, specks. Here scenes
are generated (``recognizer.scenes``), run through ``detect`` and
``normalise`` exactly as when reading, and each crop is labelled by matching
its box to the truth: a digit's label when it matches one (IoU >= 0.5),
``NOT_A_DIGIT`` when it matches none, which is how the model learns to reject
letters, strokes, stains and badly cut pieces.

Glyphs for training come from MNIST *train* images and stroke-drawn digits,
never from the MNIST test split or the handwriting fonts the benchmark uses,
and seeds start at ``SEED_BASE``, away from the benchmark's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.detect import detect
from recognizer.matching import match
from recognizer.normalise import normalise
from recognizer.scenes import GlyphSource, make_scene
from recognizer.types import Box

NOT_A_DIGIT = 10
LABEL_PAD = 3  # pixels added around boxes when labelling crops by matching
SEED_BASE = 500_000
KIND_SHARES = {"photo": 0.3, "form": 0.2, "board": 0.2, "clutter": 0.3}


@dataclass
class Harvest:
    crops: np.ndarray  # uint8 [n, 28, 28], ink = 255
    labels: np.ndarray  # uint8 [n]: 0-9, or NOT_A_DIGIT
    scenes: int


def _padded(box: Box) -> Box:
    """A box grown by a few pixels a side before matching: a thin "1" five pixels
    wide whose found box is two pixels narrower than the truth still matches
    (plain IoU would call it "not a digit" and teach the model to reject 1s)."""
    return Box(box.x - LABEL_PAD, box.y - LABEL_PAD, box.w + 2 * LABEL_PAD, box.h + 2 * LABEL_PAD)


def crops_from_scene(scene) -> tuple[list[np.ndarray], list[int]]:
    """Every crop the reader would classify in ``scene``, with its true label."""
    detection = detect(scene.image)
    marks = []
    for candidate in detection.candidates:
        marks.append(candidate)
        marks.extend(piece for cut in candidate.cuts for piece in cut)  # a cut's pieces are read too
    boxes = [_padded(m.box.scaled(detection.scale)) for m in marks]
    labels = [NOT_A_DIGIT] * len(marks)
    for i, j in match(boxes, [_padded(b) for b in scene.boxes]):
        labels[i] = scene.labels[j]
    crops = [normalise(detection.ink, m.box, m.mask, detection.threshold) for m in marks]
    return crops, labels


def harvest(count: int, sources: list[GlyphSource], seed: int = 0, progress=None) -> Harvest:
    """Run ``count`` generated scenes through the detector; return labelled crops."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(list(KIND_SHARES), size=count, p=list(KIND_SHARES.values()))
    crops: list[np.ndarray] = []
    labels: list[int] = []
    for k, kind in enumerate(kinds):
        scene = make_scene(str(kind), SEED_BASE + seed * 10_000 + k, sources[k % len(sources)])
        scene_crops, scene_labels = crops_from_scene(scene)
        crops.extend(scene_crops)
        labels.extend(scene_labels)
        if progress:
            progress(k + 1, count)
    array = np.stack(crops) if crops else np.zeros((0, 28, 28), np.float32)
    return Harvest((array * 255).round().astype(np.uint8), np.asarray(labels, np.uint8), count)
