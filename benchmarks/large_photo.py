"""Large photos: a 12 MP phone-sized JPEG read whole vs from a reduced decode.

    python benchmarks/large_photo.py [--size 4032x3024] [--runs 7]

Makes a phone-sized JPEG from the sample photo (``assets/images/digits_photo.jpg``,
scaled up), then times, in one process on one core, reading it the way
``recognizer read`` does (``Recognizer.read_file``: libjpeg decodes it at half
size or less, never under ``WORK_MAX_SIDE`` a side) against decoding it whole
first (``decode_image`` without ``min_side``, then ``read_array``). Prints the
median time of each, decode included, and what each read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.sources import decode_image  # noqa: E402

SAMPLE = ROOT / "assets" / "images" / "digits_photo.jpg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="4032x3024", help="WIDTHxHEIGHT of the photo made (default: 12 MP)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    cv2.setNumThreads(1)
    recognizer = Recognizer(load_classifier())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        photo = cv2.resize(cv2.imread(str(SAMPLE)), (width, height), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(path), photo, [cv2.IMWRITE_JPEG_QUALITY, 90])

        def reduced():
            return recognizer.read_file(str(path))[0]

        def whole():
            decoded = decode_image(path)
            return recognizer.read_array(decoded.image, str(path))

        for name, read in (("reduced decode (recognizer read)", reduced), ("whole decode", whole)):
            read()  # warm up
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                reading = read()
                times.append(time.perf_counter() - start)
            print(f"{name}: {1000 * statistics.median(times):.0f} ms median of {args.runs} "
                  f"({width}x{height} JPEG, decode included, one core): {' '.join(reading.numbers)}")


if __name__ == "__main__":
    main()
