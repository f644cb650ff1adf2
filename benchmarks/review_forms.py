"""What ``recognizer batch --review-below`` catches, on the batch benchmark's forms.

    python benchmarks/review_forms.py [--forms 40] [--bars 0.8,0.9,0.95]

The forms are those of ``benchmarks/batch_forms.py`` (generated 150 dpi A4,
written as JPEG files), read as the batch reads them and scored against their truth
(one-to-one box matches at IoU >= 0.5). For each review bar it prints the share
of digits under it, how many of the digits read wrong or read where there was
none fall under it, and how many pages ``review.csv`` would list. A digit the
tool did not find at all has no confidence and is under no bar: those are
counted apart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_forms import write_form  # noqa: E402
from recognizer.classify import load_classifier  # noqa: E402
from recognizer.matching import match  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.scenes import StrokeGlyphs  # noqa: E402
from recognizer.sources import load_image  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=40)
    parser.add_argument("--bars", default="0.8,0.9,0.95")
    args = parser.parse_args()
    recognizer = Recognizer(load_classifier())
    glyphs = StrokeGlyphs()
    pages: list[list[tuple[float, bool]]] = []  # per page: (confidence, read right) per digit
    missed = 0
    folder = Path(tempfile.mkdtemp())
    for k in range(args.forms):
        path, scene = write_form(folder, k, glyphs)  # as batch_forms.py makes and reads them
        reading = recognizer.read_array(load_image(path))
        path.unlink()
        matched = dict(match([d.box for d in reading.digits], scene.boxes))
        pages.append([(d.confidence, i in matched and scene.labels[matched[i]] == d.label)
                      for i, d in enumerate(reading.digits)])
        missed += len(scene.boxes) - len(matched)
    folder.rmdir()
    digits = [digit for page in pages for digit in page]
    wrong = [confidence for confidence, right in digits if not right]
    with_error = [page for page in pages if any(not right for _, right in page)]
    print(f"{args.forms} forms: {len(digits)} digits read, {len(wrong)} wrong or where there was none; "
          f"{missed} digits not found at all (under no bar)")
    for bar in (float(b) for b in args.bars.split(",")):
        under = sum(confidence < bar for confidence, _ in digits)
        caught = sum(confidence < bar for confidence in wrong)
        listed = sum(any(confidence < bar for confidence, _ in page) for page in pages)
        unlisted = sum(not any(confidence < bar for confidence, _ in page) for page in with_error)
        print(f"review below {bar}: {under / len(digits):.1%} of digits, holding {caught} of the {len(wrong)} "
              f"wrong ({caught / max(1, len(wrong)):.0%}); {listed} of {len(pages)} pages listed, "
              f"{unlisted} of the {len(with_error)} pages with a wrong digit not listed")


if __name__ == "__main__":
    main()
