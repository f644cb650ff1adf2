"""Numbers written with separators: dates, decimals, amounts, times, and a minus before them.

    python benchmarks/separators.py [--numbers 40] [--kinds date,short_date,...]

Each number is drawn alone on grey paper with ``recognizer.synthetic.render_digit``
(digits 28 to 90 pixels tall, a pen 6 to 13 % of that, random spacing and
baseline wobble), its separators drawn with the same pen: a point a pen wide
or less, a comma hanging below the baseline, a colon, a dash across the
middle, slashes leaning 15 to 50 degrees (one writer's slashes alike, give or
take 5). Paper and ink levels, sensor noise and blur vary. Prints, for each
kind, the numbers read exactly (separators included) and those whose digits
were read right whatever the separators. "plain", "ones", "long_ones"
(numbers full of 1s, some of them leaning) and "date_like" (numbers shaped
like a date, with 1s where its slashes would stand) count the separators
invented where none was written; "negative" numbers have a dash before them.
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


def _digits(rng: np.random.Generator, count: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, count))


KINDS = {
    "date": lambda rng: f"{rng.integers(1, 29):02d}/{rng.integers(1, 13):02d}/{rng.integers(1950, 2030)}",
    "short_date": lambda rng: f"{rng.integers(1, 29)}/{rng.integers(1, 13)}/{rng.integers(0, 100):02d}",
    "iso_date": lambda rng: f"{rng.integers(1950, 2030)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}",
    "decimal": lambda rng: _digits(rng, int(rng.integers(1, 4))) + "." + _digits(rng, int(rng.integers(1, 3))),
    "thousands": lambda rng: _digits(rng, int(rng.integers(1, 3))) + "," + _digits(rng, 3),
    "time": lambda rng: f"{rng.integers(0, 24)}:{rng.integers(0, 60):02d}",
    "plain": lambda rng: _digits(rng, int(rng.integers(2, 7))),
    "ones": lambda rng: "".join(rng.choice(list("1111234567890"), int(rng.integers(4, 8)))),
    "long_ones": lambda rng: "".join(rng.choice(list("111234567890"), int(rng.integers(6, 10)))),
    # The worst case for slashes: numbers shaped like a date, with 1s where its slashes would be.
    "date_like": lambda rng: f"{rng.integers(1, 29)}1{rng.integers(1, 13):02d}1{rng.integers(0, 100):02d}",
    "negative": lambda rng: "-" + _digits(rng, int(rng.integers(1, 5))),
}


def written(text: str, rng: np.random.Generator) -> np.ndarray:
    """A grey picture of ``text`` (digits and . , : - /) written by hand."""
    height, pen = int(rng.integers(28, 90)), rng.uniform(0.06, 0.13)
    thick = max(2, int(round(pen * height)))
    ink = np.zeros((height * 4, 100 + int(len(text) * height * 0.9) + 60), np.float32)
    x, base, slash_lean = 40, int(height * 2.2), rng.uniform(20, 45)
    for ch in text:
        space = int(height * rng.uniform(0.08, 0.3))
        if ch.isdigit():
            glyph = render_digit(int(ch), height + int(rng.integers(-height // 10, height // 10 + 1)), rng, pen=pen)
            y = base - glyph.shape[0] + int(rng.integers(-height // 15, height // 15 + 1))
            region = ink[y : y + glyph.shape[0], x : x + glyph.shape[1]]
            np.maximum(region, glyph, out=region)
            x += glyph.shape[1] + space
        elif ch in ".:":
            radius = max(1, int(round(thick * rng.uniform(0.5, 0.9))))
            cv2.circle(ink, (x + radius, base - radius - int(rng.integers(0, height // 10 + 1))), radius, 1.0, -1,
                       cv2.LINE_AA)
            if ch == ":":
                cv2.circle(ink, (x + radius, base - int(height * rng.uniform(0.5, 0.65))), radius, 1.0, -1, cv2.LINE_AA)
            x += 2 * radius + space
        elif ch == ",":
            tail = int(height * rng.uniform(0.18, 0.35))
            cv2.line(ink, (x + thick, base - thick), (x + int(rng.integers(-thick, 1)), base - thick + tail), 1.0,
                     thick, cv2.LINE_AA)
            x += 2 * thick + space
        elif ch == "/":
            lean, tall = np.radians(slash_lean + rng.uniform(-5, 5)), height * rng.uniform(0.95, 1.2)
            dx = int(tall * np.tan(lean))
            cv2.line(ink, (x + dx, int(base - tall + rng.integers(-3, 3))), (x, base + int(rng.integers(0, height // 8 + 1))),
                     1.0, thick, cv2.LINE_AA)
            x += dx + space
        elif ch == "-":
            length, y = int(height * rng.uniform(0.3, 0.6)), base - int(height * rng.uniform(0.4, 0.6))
            cv2.line(ink, (x, y), (x + length, y + int(rng.integers(-3, 4))), 1.0, thick, cv2.LINE_AA)
            x += length + space
    ink = ink[:, : x + 40]
    paper, dark = rng.uniform(170, 240), rng.uniform(20, 100)
    picture = paper - (paper - dark) * ink + rng.normal(0, rng.uniform(1, 5), ink.shape)
    picture = cv2.GaussianBlur(picture, (0, 0), rng.uniform(0.3, 1.0))
    return np.clip(picture, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=40, help="numbers of each kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of: " + ", ".join(KINDS))
    args = parser.parse_args()
    recognizer = Recognizer(load_classifier())
    print(f"{args.numbers} numbers of each kind, each drawn alone")
    print(f"{'kind':>11s} {'read exactly':>13s} {'digits right':>13s}  e.g. wrong")
    for kind in args.kinds.split(","):
        exact = digits_right = 0
        wrong = []
        for seed in range(args.numbers):
            rng = np.random.default_rng([list(KINDS).index(kind), seed])  # the same numbers whatever --kinds
            text = KINDS[kind](rng)
            read = " ".join(recognizer.read_array(written(text, rng)).numbers)
            exact += read == text
            digits_right += "".join(filter(str.isdigit, read)) == "".join(filter(str.isdigit, text))
            if read != text and len(wrong) < 2:
                wrong.append(f"{text} -> {read or '-'}")
        print(f"{kind:>11s} {exact:6d} / {args.numbers:<4d} {digits_right:6d} / {args.numbers:<4d}  {'; '.join(wrong)}")


if __name__ == "__main__":
    main()
