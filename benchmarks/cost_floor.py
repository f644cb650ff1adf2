"""What the stages every reader needs cost on this machine: the floor under issue 3's cost targets.

    python benchmarks/cost_floor.py [--forms 8] [--photos 16] [--repeats 3] [--data DIR]

The targets are an A4 form at 150 dpi in 40 ms and a 640x480 photo in 10 ms,
on one core, inference included. This times the full reader on the scene
benchmark's forms and on its photos shrunk to 640x480, and beside it a
bare-bones reader built from the same parts: the grey page at the scale the
reader chose for it, the reader's own ink map, threshold and labelling,
form lines taken out by long openings, the reader's ``normalise`` for
every mark of a digit's size, and one call of the shipped model. It has none
of the reader's safeguards (no rule search for skewed or broken lines, no
second look for faint marks, no cuts of touching digits, no grouping) and
reads worse; it only shows what those unavoidable stages cost, and so how
much room the targets leave for anything else. Each image's time is the
fastest of ``--repeats`` reads; the figures are medians over the images.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "scenes"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.detect import LINE_ASPECT  # noqa: E402
from recognizer.numeric import label_components  # noqa: E402
from recognizer.page import MIN_DIGIT_SIDE, choose_threshold, ink_map, to_gray  # noqa: E402
from recognizer.normalise import normalise  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.types import Box  # noqa: E402
from run import DEFAULT_MNIST, glyph_sources, scenes_for, timed_read  # noqa: E402  (the scene benchmark's scenes)

STAGES = ("grey", "ink map", "threshold", "lines", "labelling", "normalise", "model")
LINE_RUN = 60  # pixels: a straight run this long is a form line (the reader's rules: 2.5 digit heights)
CUT_OFF = 3.0  # marks taller than this many of the reader's digit heights are frames or edges


def bare_reader(image: np.ndarray, factor: float, digit_height: float, classifier) -> tuple[dict[str, float], int]:
    """Read ``image`` with the bare-bones reader; return seconds per stage and the marks classified."""
    spent: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        spent[stage] = now - clock
        clock = now

    gray = to_gray(image)
    if factor != 1.0:
        gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    lap("grey")
    ink, _ = ink_map(gray, dark_ink=True, window=max(gray.shape) / 8)
    lap("ink map")
    threshold = choose_threshold(ink)
    mask = (ink >= threshold).view(np.uint8)
    lap("threshold")
    across = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (LINE_RUN, 1)))
    upright = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, LINE_RUN)))
    mask = cv2.subtract(mask, cv2.bitwise_or(across, upright))
    lap("lines")
    marked = label_components(mask)
    lap("labelling")
    crops = []
    for label in range(1, marked.count):
        x, y, w, h = (int(v) for v in marked.boxes[label])
        if MIN_DIGIT_SIDE <= h <= CUT_OFF * digit_height and w <= LINE_ASPECT * h:
            own = marked.labels[y : y + h, x : x + w] == label
            crops.append(normalise(ink, Box(x, y, w, h), own, threshold))
    lap("normalise")
    if crops:
        classifier.predict(np.stack(crops))
    lap("model")
    return spent, len(crops)


class CountingClassifier:
    """The reader's classifier, counting the marks it is asked about."""

    def __init__(self, classifier) -> None:
        self.classifier, self.marks = classifier, 0

    def predict(self, digits: np.ndarray) -> np.ndarray:
        self.marks += len(digits)
        return self.classifier.predict(digits)


def measure(name: str, images: list[np.ndarray], classifier, repeats: int) -> None:
    counting = CountingClassifier(classifier)
    reader = Recognizer(counting)
    full, bare, marks, read = [], [], [], []
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for image in images:
        counting.marks = 0
        reader.read_array(image)  # warm, and learn the scale the reader reads this page at
        read.append(counting.marks)
        hint = reader.last_hint
        factor, height = hint.factor, hint.digit_height
        full.append(timed_read(reader, image, repeats)[1])
        runs = [bare_reader(image, factor, height, classifier) for _ in range(repeats)]
        best = min(runs, key=lambda run: sum(run[0].values()))
        bare.append(sum(best[0].values()))
        marks.append(best[1])
        for stage in STAGES:
            stages[stage].append(best[0][stage])
    def ms(values: list[float]) -> float:
        return 1000 * float(np.median(values))

    print(f"{name} ({len(images)} images)")
    print(f"  full reader  {ms(full):7.1f} ms, {np.median(read):.0f} marks classified")
    print(f"  bare reader  {ms(bare):7.1f} ms, {np.median(marks):.0f} marks classified")
    for stage in STAGES:
        print(f"    {stage:<11}{ms(stages[stage]):7.2f} ms")
    per_mark = 1e6 * (np.array(stages["normalise"]) + np.array(stages["model"])) / np.maximum(marks, 1)
    print(f"  normalise + model per mark: {float(np.median(per_mark)):.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=8, help="form scenes (default 8)")
    parser.add_argument("--photos", type=int, default=16, help="photo scenes, shrunk to 640x480 (default 16)")
    parser.add_argument("--repeats", type=int, default=3, help="reads of each image; the fastest counts")
    parser.add_argument("--data", default=str(DEFAULT_MNIST), metavar="DIR", help="folder with the MNIST IDX files")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    sources = glyph_sources(Path(args.data))
    classifier = load_classifier()
    forms = [scene.image for scene in scenes_for("form", args.forms, sources)]
    photos = [cv2.resize(scene.image, (640, 480), interpolation=cv2.INTER_AREA)
              for scene in scenes_for("photo", args.photos, sources)]
    measure("150 dpi A4 forms (target 40 ms)", forms, classifier, args.repeats)
    measure("640x480 photos (target 10 ms)", photos, classifier, args.repeats)


if __name__ == "__main__":
    main()
