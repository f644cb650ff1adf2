"""Numbers with two neighbouring digits touching: does the reader cut them apart?

    python benchmarks/touching.py [--numbers 200] [--data DIR]

Each number (2 to 4 digits, 30 to 70 pixels tall) is written alone on grey
paper; one pair of neighbouring digits is slid together until their ink
touches, then on by up to ``--overlap`` of the digit height (0.03: touching,
as quick handwriting does; 0.12: one digit running over the other). Digits
come from MNIST's *test* images (even numbers) and handwriting fonts (odd
numbers; stroke-drawn digits stand in when none is installed), as in the
scene benchmark. Prints the numbers read exactly, overall and split by
whether the touching pair holds a 1 (a 1 joined to a digit is no wider than
one broad digit), for each overlap.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "scenes"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from run import DEFAULT_MNIST, glyph_sources  # noqa: E402  (the scene benchmark's glyphs)

OVERLAPS = (0.03, 0.12)


def _tight(glyph: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(glyph > 0.2)
    return glyph[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def touching_number(seed: int, overlap: float, sources) -> tuple[np.ndarray, str, str]:
    """A grey picture of a number with one touching pair; the number and the pair."""
    rng = np.random.default_rng([7, seed])
    count = int(rng.integers(2, 5))
    text = "".join(str(d) for d in rng.integers(0, 10, count))
    height = int(rng.integers(30, 70))
    glyphs = [_tight(sources[seed % 2].glyph(int(c), height, rng)) for c in text]
    touch = int(rng.integers(0, count - 1))
    ink = np.zeros((height * 3, sum(g.shape[1] for g in glyphs) + 40 * count + 100), np.float32)
    x, base = 50, height * 2
    for k, glyph in enumerate(glyphs):
        y = base - glyph.shape[0] + int(rng.integers(-height // 15, height // 15 + 1))
        if k == touch + 1:
            # Slide left until the glyph's ink meets its neighbour's, then on a little.
            for shift in range(glyph.shape[1]):
                trial = np.zeros_like(ink)
                trial[y : y + glyph.shape[0], x - shift : x - shift + glyph.shape[1]] = glyph
                if ((trial > 0.3) & (ink > 0.3)).any():
                    break
            x -= shift + int(round(rng.uniform(0, overlap) * height))
        region = ink[y : y + glyph.shape[0], x : x + glyph.shape[1]]
        np.maximum(region, glyph, out=region)
        x += glyph.shape[1] + int(height * rng.uniform(0.15, 0.4))
    ink = ink[:, : x + 50]
    paper, dark = rng.uniform(170, 235), rng.uniform(20, 80)
    image = cv2.GaussianBlur(paper - (paper - dark) * np.clip(ink, 0, 1), (0, 0), 0.7)
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), text, text[touch : touch + 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=200)
    parser.add_argument("--data", default=str(DEFAULT_MNIST), help="MNIST folder (test digits are used)")
    parser.add_argument("--show", type=int, default=0, metavar="K", help="list the first K numbers misread")
    args = parser.parse_args()

    cv2.setNumThreads(1)
    recognizer = Recognizer(load_classifier())
    sources = glyph_sources(Path(args.data))
    print(f"{args.numbers} numbers of 2-4 digits, one pair touching; digits: MNIST test and {sources[1].name}")
    for overlap in OVERLAPS:
        exact, with_one, ones, misread = 0, 0, 0, []
        for seed in range(args.numbers):
            image, text, pair = touching_number(seed, overlap, sources)
            numbers = recognizer.read_array(image).numbers
            right = numbers == [text]
            exact += right
            if "1" in pair:
                ones += 1
                with_one += right
            if not right:
                misread.append(f"{text} (pair {pair}) read {numbers}")
        others = args.numbers - ones
        print(f"overlap up to {overlap:.2f} of the height: read exactly {exact}/{args.numbers} "
              f"({exact / args.numbers:.3f}); pair without a 1 {exact - with_one}/{others}, with a 1 {with_one}/{ones}")
        for line in misread[: args.show]:
            print("   ", line)


if __name__ == "__main__":
    main()
