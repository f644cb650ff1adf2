"""Numbers with two neighbouring digits touching: does the reader cut them apart?

    python benchmarks/touching.py [--numbers 200] [--data DIR]

Each number (2 to 4 digits, 30 to 70 pixels tall) is written alone on grey
paper; one pair of neighbouring digits is slid together until their ink
touches, then on by up to 0.03 of the digit height (touching, as quick
handwriting does) or 0.12 (one digit running over the other): see
``recognizer.scenes.touching_scene``. Seeds are the numbers' indices. Digits
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

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.scenes import touching_scene  # noqa: E402
from run import DEFAULT_MNIST, glyph_sources  # noqa: E402  (the scene benchmark's glyphs)

OVERLAPS = (0.03, 0.12)


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
            scene = touching_scene(seed, sources[seed % 2], overlap)
            text, pair = scene.numbers[0], scene.domain
            numbers = recognizer.read_array(scene.image).numbers
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
