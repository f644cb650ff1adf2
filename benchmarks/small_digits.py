"""Small handwriting far from the camera: four 4-digit numbers on a 640x480 view of a sheet.

    python benchmarks/small_digits.py [--pages 20] [--heights 10,12,14,16,20]

A webcam pointed at a whole sheet sees its digits 10 to 20 pixels tall, and the
ink covers well under 1 % of the picture. Pages are drawn at four times the
size with ``recognizer.synthetic.render_digit`` (a pen a tenth of the digit
height, give or take) on flat paper, shrunk to 640x480 as a camera would, with
sensor noise. Prints, for each digit height, the numbers read exactly and the
digits found (a number counts when the reading holds it as one number).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.synthetic import render_digit  # noqa: E402

WIDTH, HEIGHT, DRAWN_AT = 640, 480, 4


def page(height: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """A 640x480 grey view of a sheet with four numbers of ``height``-pixel digits, and the numbers."""
    rng = np.random.default_rng(seed)
    sheet = np.full((HEIGHT * DRAWN_AT, WIDTH * DRAWN_AT), 210.0)
    numbers = []
    for row in range(4):
        number = "".join(str(d) for d in rng.integers(0, 10, 4))
        numbers.append(number)
        x, y = 400 + int(rng.integers(0, 400)), 300 + 400 * row
        for digit in number:
            glyph = render_digit(int(digit), height * DRAWN_AT, rng, pen=rng.uniform(0.08, 0.13))
            sheet[y : y + glyph.shape[0], x : x + glyph.shape[1]] *= 1 - 0.75 * glyph
            x += glyph.shape[1] + height
    view = cv2.resize(sheet, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA) + rng.normal(0, 3, (HEIGHT, WIDTH))
    return np.clip(view, 0, 255).astype(np.uint8), numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--heights", default="10,12,14,16,20", help="digit heights in pixels, comma-separated")
    args = parser.parse_args()
    recognizer = Recognizer(load_classifier())
    print(f"{args.pages} pages of 4 numbers of 4 digits, 640x480")
    print(f"{'digit height':>12s} {'numbers exact':>14s} {'digits found':>13s}")
    for height in (int(h) for h in args.heights.split(",")):
        exact = found = 0
        for seed in range(args.pages):
            view, numbers = page(height, seed)
            reading = recognizer.read_array(view)
            exact += sum(number in reading.numbers for number in numbers)
            found += len(reading.digits)
        print(f"{height:10d}px {exact:8d} / {4 * args.pages:<4d} {found:6d} / {16 * args.pages}")


if __name__ == "__main__":
    main()
