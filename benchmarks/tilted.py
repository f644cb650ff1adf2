"""Photos taken askew: the scene benchmark's photos with the camera turned.

    python benchmarks/tilted.py [--per-turn 48] [--turns 0,10,20,-20] [--clutter]

A phone held a little crooked turns the whole picture: the sheet, its rules
and every row of digits run at the same angle. Each scene is the scene
benchmark's photo of the same seed (``recognizer.scenes.photo_scene``, MNIST
test digits on even seeds, handwriting fonts on odd ones) with the camera
turned by the given degrees (counter-clockwise as seen), so the truth boxes
stay exact. Prints, for each turn, the end-to-end F1 (matched at IoU >= 0.5
and labelled right), the numbers read exactly, the median time a scene,
and the e2e F1 on each paper (plain, ruled, squared); ``--clutter`` uses the
clutter scenes instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "scenes"))
sys.path.insert(0, str(ROOT))

from run import DEFAULT_MNIST, glyph_sources  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.matching import Tally  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.scenes import KINDS, photo_scene  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-turn", type=int, default=48, help="scenes read at each turn")
    parser.add_argument("--turns", default="0,10,20,-20", help="camera turns in degrees, comma-separated")
    parser.add_argument("--clutter", action="store_true", help="turn the clutter scenes instead of the photos")
    parser.add_argument("--data", default=str(DEFAULT_MNIST), help="MNIST folder (test digits are used)")
    args = parser.parse_args()
    kind = "clutter" if args.clutter else "photo"
    sources = glyph_sources(Path(args.data))
    recognizer = Recognizer(load_classifier())
    print(f"{args.per_turn} {kind} scenes at each turn")
    print(f"{'turn':>6s} {'e2e F1':>7s} {'numbers exact':>14s} {'median ms':>10s}   e2e F1 by paper")
    for turn in (float(t) for t in args.turns.split(",")):
        tally, times, by_paper = Tally(), [], {}
        for k in range(args.per_turn):
            scene = photo_scene(1000 * KINDS.index(kind) + k, sources[k % 2], clutter=args.clutter, turn=turn)
            start = time.perf_counter()
            reading = recognizer.read_array(scene.image)
            times.append(time.perf_counter() - start)
            for counted in (tally, by_paper.setdefault(scene.paper, Tally())):
                counted.add([d.box for d in reading.digits], [d.label for d in reading.digits],
                            scene.boxes, scene.labels, reading.numbers, scene.numbers)
        papers = ", ".join(f"{paper} {t.end_to_end[2]:.3f}" for paper, t in sorted(by_paper.items()))
        print(f"{turn:5.0f}° {tally.end_to_end[2]:7.3f} {tally.numbers_rate:8.3f} ({tally.numbers_exact}/{tally.numbers})"
              f" {1000 * statistics.median(times):8.1f}   {papers}")


if __name__ == "__main__":
    main()
