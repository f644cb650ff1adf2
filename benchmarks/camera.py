"""Photos as a poor camera takes them: the scene benchmark's photos under bad light, noise and shake.

    python benchmarks/camera.py [--per-effect 48] [--effects none,dim,noise10] [--clutter]

The scene benchmark's photos are taken in good light by a steady hand. Users'
are not: a webcam in an office, a phone under a desk lamp. Each scene is the
scene benchmark's photo of the same seed (``recognizer.scenes.make_scene``,
MNIST test digits on even seeds, handwriting fonts on odd ones) with one of
these done to the finished picture, so the truth stays exact:

- ``dim``, ``dark``: exposed at 0.5 and 0.3 of its light (paper at 90-115
  and 55-70 grey);
- ``gamma``: midtones darkened (gamma 2.2, a picture exposed for a window);
- ``bright``: exposed at 1.3 times its light, the paper clipped to white;
- ``noise10``, ``noise20``: sensor noise of that standard deviation (grey
  levels) on each channel, then JPEG at 85, as a phone saves it;
- ``shake``: a 9-pixel sideways motion blur;
- ``shake_noise``: the same shake, then sensor noise of 10 grey levels and
  JPEG at 85, in the order a camera adds them (``shake`` smears the scene's
  own noise and JPEG artefacts along with the ink, a blur cleaner than a
  camera's: one whose smear can be measured and undone, see RESULTS);
- ``focus``: out of focus (a Gaussian blur of 2 pixels).

Prints, for each effect, the end-to-end F1 (matched at IoU >= 0.5 and
labelled right), the numbers read exactly, the detection F1 and the median
time a scene; ``--clutter`` uses the clutter scenes instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "scenes"))
sys.path.insert(0, str(ROOT))

from run import DEFAULT_MNIST, glyph_sources, scenes_for  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.degrade import darkened, defocused, exposed, noisy, shaken  # noqa: E402
from recognizer.matching import Tally  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402

SHAKE = 9  # pixels of sideways motion
FOCUS = 2.0  # pixels: the out-of-focus blur's standard deviation


EFFECTS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "none": lambda image, rng: image,
    "dim": lambda image, rng: exposed(image, 0.5),
    "dark": lambda image, rng: exposed(image, 0.3),
    "gamma": lambda image, rng: darkened(image, 2.2),
    "bright": lambda image, rng: exposed(image, 1.3),
    "noise10": lambda image, rng: noisy(image, 10.0, rng),
    "noise20": lambda image, rng: noisy(image, 20.0, rng),
    "shake": lambda image, rng: shaken(image, SHAKE),
    "shake_noise": lambda image, rng: noisy(shaken(image, SHAKE), 10.0, rng),
    "focus": lambda image, rng: defocused(image, FOCUS),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-effect", type=int, default=48, help="scenes read under each effect")
    parser.add_argument("--effects", default=",".join(EFFECTS), help=f"comma-separated, of: {', '.join(EFFECTS)}")
    parser.add_argument("--clutter", action="store_true", help="the clutter scenes instead of the photos")
    parser.add_argument("--data", default=str(DEFAULT_MNIST), help="MNIST folder (test digits are used)")
    args = parser.parse_args()
    effects = args.effects.split(",")
    unknown = [name for name in effects if name not in EFFECTS]
    if unknown:
        parser.error(f"unknown effect(s): {', '.join(unknown)}")
    kind = "clutter" if args.clutter else "photo"
    scenes = list(scenes_for(kind, args.per_effect, glyph_sources(Path(args.data))))
    recognizer = Recognizer(load_classifier())
    print(f"{len(scenes)} {kind} scenes under each effect")
    print(f"{'effect':>11s} {'e2e F1':>7s} {'numbers exact':>14s} {'det F1':>7s} {'median ms':>10s}")
    for name in effects:
        tally, times = Tally(), []
        for index, scene in enumerate(scenes):
            image = EFFECTS[name](scene.image, np.random.default_rng(index))
            start = time.perf_counter()
            reading = recognizer.read_array(image)
            times.append(time.perf_counter() - start)
            tally.add([d.box for d in reading.digits], [d.label for d in reading.digits],
                      scene.boxes, scene.labels, reading.numbers, scene.numbers)
        print(f"{name:>11s} {tally.end_to_end[2]:7.3f} {tally.numbers_rate:8.3f} ({tally.numbers_exact}/{tally.numbers})"
              f" {tally.detection[2]:7.3f} {1000 * statistics.median(times):9.1f}")


if __name__ == "__main__":
    main()
