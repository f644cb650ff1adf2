"""Template benchmark: one form filled in by many hands, read with ``--template``.

    python benchmarks/template_forms.py [--pages 40] [--workers 1,2] [--any-way-round]

The reference scan is the benchmark's form (``recognizer.scenes``, the form
kind) left blank; its fields are the places where that form's numbers are
written. Each page is the same form filled in with the same numbers by a
different hand (other glyphs), then fed to the scanner a little rotated,
shifted and scaled, and saved as JPEG; with ``--any-way-round`` page k also
lies turned k quarter turns (a shuffled pile: a quarter of the pages each way
round). Prints, for each worker count, pages per second with the template
(alignment included) and without it, the share of pages aligned (and found
lying the way they do), and the share of fields read exactly.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recognizer.batch import RESULTS, TABLE, BatchOptions, run_batch  # noqa: E402
from recognizer.scenes import GlyphSource, StrokeGlyphs, make_scene  # noqa: E402

LAYOUT_SEED = 910_000  # the form every page is a copy of
FIELD_MARGIN = 12  # pixels round a number's ink: its field in the template
MAX_TURN, MAX_SHIFT, MAX_ZOOM = 1.5, 25, 0.01  # degrees, pixels, share: how a page is fed in


class Blank:
    """No ink where a digit would go, drawn from the same random stream as a
    real hand, so that the rest of the form comes out the same: the reference."""

    def __init__(self, hand: GlyphSource) -> None:
        self.hand, self.name = hand, "blank"

    def glyph(self, label: int, height: int, rng: np.random.Generator) -> np.ndarray:
        return np.zeros_like(self.hand.glyph(label, height, rng))


class OtherHand:
    """The same digits at the same heights, in another writer's glyphs. The
    form's own random stream is drawn from as before (the layout and the
    numbers stay); the glyph comes from a stream of this writer's own."""

    def __init__(self, hand: GlyphSource, writer: int) -> None:
        self.hand, self.name = hand, f"writer {writer}"
        self.rng = np.random.default_rng(writer)

    def glyph(self, label: int, height: int, rng: np.random.Generator) -> np.ndarray:
        self.hand.glyph(label, height, rng)
        return self.hand.glyph(label, height, self.rng)


def fed_in(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The page as a scanner's feeder takes it: turned, shifted and scaled a little."""
    h, w = image.shape[:2]
    move = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-MAX_TURN, MAX_TURN),
                                   1.0 + rng.uniform(-MAX_ZOOM, MAX_ZOOM))
    move[:, 2] += rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2)
    return cv2.warpAffine(image, move, (w, h), flags=cv2.INTER_LINEAR, borderValue=(250, 250, 250))


def make_template(folder: Path, hand: GlyphSource) -> tuple[Path, dict[str, str]]:
    """The blank reference scan and the template naming each number's field;
    returns the template's path and the number each field holds."""
    cv2.imwrite(str(folder / "blank.png"), make_scene("form", LAYOUT_SEED, Blank(hand)).image)
    filled = make_scene("form", LAYOUT_SEED, hand)
    fields, truth, start = {}, {}, 0
    for k, number in enumerate(filled.numbers):
        boxes = filled.boxes[start : start + len(number)]
        start += len(number)
        x0, y0 = min(b.x for b in boxes) - FIELD_MARGIN, min(b.y for b in boxes) - FIELD_MARGIN
        x1, y1 = max(b.right for b in boxes) + FIELD_MARGIN, max(b.bottom for b in boxes) + FIELD_MARGIN
        fields[f"n{k:02d}"] = [x0, y0, x1 - x0, y1 - y0]
        truth[f"n{k:02d}"] = number
    template = folder / "form.json"
    template.write_text(json.dumps({"reference": "blank.png", "fields": fields}))
    return template, truth


TURNED = (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)  # k quarter turns


def make_pages(folder: Path, hand: GlyphSource, count: int, truth: dict[str, str], any_way: bool = False) -> Path:
    """``count`` filled copies of the form, each by another writer and fed in
    its own way (page k turned k quarter turns clockwise when ``any_way``), as
    JPEG files in a folder of their own; returns the folder."""
    pages = folder / "pages"
    pages.mkdir()
    rng = np.random.default_rng(1)
    for k in range(count):
        scene = make_scene("form", LAYOUT_SEED, OtherHand(hand, 100 + k))
        if scene.numbers != list(truth.values()):
            raise SystemExit("a page's numbers differ from the layout's: the benchmark is broken")
        page = fed_in(scene.image, rng)
        if any_way and TURNED[k % 4] is not None:
            page = cv2.rotate(page, TURNED[k % 4])
        cv2.imwrite(str(pages / f"page_{k:03d}.jpg"), page, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="filled pages, all read in each run")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--any-way-round", action="store_true",
                        help="feed page k in turned k quarter turns clockwise (a shuffled pile)")
    args = parser.parse_args()
    hand = StrokeGlyphs()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template, truth = make_template(folder, hand)
        pages = make_pages(folder, hand, args.pages, truth, args.any_way_round)
        print(f"{args.pages} pages of one form, {len(truth)} fields, "
              f"{sum(map(len, truth.values()))} digits in fields a page")
        for workers in (int(w) for w in args.workers.split(",")):
            plain = run_batch([str(pages)], BatchOptions(out=folder / f"plain_{workers}", workers=workers),
                              progress=False)
            out = folder / f"template_{workers}"
            summary = run_batch([str(pages)], BatchOptions(out=out, workers=workers, template=template),
                                progress=False)
            with open(out / TABLE, newline="", encoding="utf-8") as table:
                rows = list(csv.DictReader(table))
            exact = sum(row[name] == number for row in rows for name, number in truth.items())
            with open(out / RESULTS, encoding="utf-8") as results:
                records = [json.loads(line) for line in results]
            aligned = sum(record["aligned"] for record in records)
            # Page k lies k quarter turns clockwise (--any-way-round): it is read turned back the rest of the way.
            upright = sum(record["turned"] == (90 * (4 - int(Path(record["source"]).stem[5:]) % 4) % 360
                                               if args.any_way_round else 0) for record in records)
            print(f"workers {workers}: with the template {summary.pages / summary.seconds:.1f} pages/s, "
                  f"without {plain.pages / plain.seconds:.1f} pages/s (model load included); "
                  f"aligned {aligned}/{summary.pages}, read upright {upright}/{summary.pages}; fields read exactly "
                  f"{exact}/{len(rows) * len(truth)} = {exact / max(1, len(rows) * len(truth)):.3f}")


if __name__ == "__main__":
    main()
