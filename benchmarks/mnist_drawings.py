"""Single drawn digits: MNIST test digits read as a user's picture of one digit.

    python benchmarks/mnist_drawings.py [--data ../shared/data/mnist] [--count 1000]

The first tutorial test of any digit reader: one digit, white on black as in
MNIST (or black on white, as drawn in a paint program), filling the picture,
at MNIST's 28x28 or scaled up as a drawing canvas would be. Each digit goes
through the whole pipeline (``Recognizer.read_array``: find, normalise,
classify, read), not just the classifier, so a digit is right only when the
picture reads as exactly that one digit. Prints, for each way of drawing it,
how many were read right, read as something else, and not read at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.errors import RecognizerError  # noqa: E402
from recognizer.mnist import load_mnist  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402


def scaled(side: int):
    return lambda digit: cv2.resize(digit, (side, side), interpolation=cv2.INTER_CUBIC)


DRAWINGS = {  # name: MNIST's white-on-black 28x28 digit -> the picture read
    "28x28, white on black": lambda digit: digit,
    "28x28, black on white": lambda digit: 255 - digit,
    "112x112, white on black": scaled(112),
    "280x280, white on black": scaled(280),
    "280x280, black on white": lambda digit: 255 - scaled(280)(digit),
    "560x560, black on white": lambda digit: 255 - scaled(560)(digit),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist"), help="MNIST folder")
    parser.add_argument("--count", type=int, default=1000, help="the first COUNT test digits")
    args = parser.parse_args()
    try:
        images, labels = load_mnist(args.data, "test")
    except RecognizerError as exc:
        sys.exit(f"mnist_drawings: {exc}")
    images, labels = images[: args.count], labels[: args.count]
    recognizer = Recognizer(load_classifier())
    print(f"{len(images)} MNIST test digits, each read as a picture of its own")
    print(f"{'drawn':26s} {'right':>7s} {'misread':>8s} {'not read':>9s}")
    for name, draw in DRAWINGS.items():
        outcome = Counter()
        for digit, label in zip(images, labels):
            read = "".join(recognizer.read_array(np.ascontiguousarray(draw(digit))).numbers)
            outcome["right" if read == str(label) else "misread" if read else "not read"] += 1
        share = outcome["right"] / len(images)
        print(f"{name:26s} {share:7.3f} {outcome['misread']:8d} {outcome['not read']:9d}")


if __name__ == "__main__":
    main()
