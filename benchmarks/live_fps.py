"""Live reading speed: the pipeline vs the tutorials' per-digit predict loop.

    python benchmarks/live_fps.py [--frames 120]

Frames: 640x480, a page with 20 handwritten digits seen by a shaky, noisy
camera (generated, with known digits). Measures, in one run:
- frames per second of processing (everything but the camera and the window:
  detection, normalisation, one batched inference, the stabiliser), as
  ``recognizer webcam`` runs it;
- frames per second of the naive loop tutorials use: Otsu, contours, and one
  Keras ``model.predict`` per digit;
- how well the stabilised reading matches the known digits, frame by frame.
Target (issue 4): >= 150 frames per second on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recognizer.classify import load_classifier  # noqa: E402
from recognizer.live import FrameReader, ParallelFrameReader  # noqa: E402
from recognizer.matching import match  # noqa: E402
from recognizer.model_files import locate  # noqa: E402
from recognizer.pipeline import Recognizer  # noqa: E402
from recognizer.synthetic import make_page  # noqa: E402

NUMBERS = ["2025", "3141", "5926", "5358", "9793"]  # 20 digits


def shaky_frames(count: int, seed: int = 3):
    page = make_page(NUMBERS, seed=seed)
    rng = np.random.default_rng(seed)
    frames, truths = [], []
    for _ in range(count):
        dx, dy = (int(v) for v in rng.integers(-6, 7, 2))
        frame = cv2.warpAffine(page.image, np.float32([[1, 0, dx], [0, 1, dy]]), (640, 480),
                               borderMode=cv2.BORDER_REPLICATE)
        frames.append(np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8))
        truths.append([(b._replace(x=b.x + dx, y=b.y + dy), label) for b, label in zip(page.boxes, page.labels)])
    return frames, truths, page.numbers


def naive_loop(frames, model) -> float:
    """Tutorial style: Otsu, external contours, one model.predict per digit."""
    start = time.perf_counter()
    for frame in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        _, binary = cv2.threshold(cv2.GaussianBlur(gray, (5, 5), 0), 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            if h < 15:
                continue
            digit = cv2.resize(binary[y : y + h, x : x + w], (28, 28)).astype(np.float32) / 255
            model.predict(digit.reshape(1, 28, 28, 1), verbose=0)
    return len(frames) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--naive-frames", type=int, default=5, help="the naive loop is slow: fewer frames")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    frames, truths, numbers = shaky_frames(args.frames)
    recognizer = Recognizer(load_classifier())
    recognizer.read_array(frames[0])  # warm-up, not timed
    reader = FrameReader(recognizer, "bench")  # exactly what `recognizer webcam` runs per frame
    start = time.perf_counter()
    readings = [reader.read(frame) for frame in frames]
    fps = len(frames) / (time.perf_counter() - start)

    exact = sum(r.numbers == numbers for r in readings)
    right = total = 0
    for reading, truth in zip(readings, truths):
        pairs = match([d.box for d in reading.digits], [b for b, _ in truth])
        right += sum(reading.digits[i].label == truth[j][1] for i, j in pairs)
        total += len(truth)

    import keras

    files = locate()
    model = keras.models.model_from_json(files.json.read_text())
    model.load_weights(files.h5)
    naive = naive_loop(frames[: args.naive_frames], model)

    parallel = ParallelFrameReader(args.workers, in_flight=2)  # as for a video file
    list(parallel.read_all(frames[: 2 * args.workers]))  # start the workers and warm them up
    start = time.perf_counter()
    parallel_readings = [reading for _, reading in parallel.read_all(frames)]
    parallel_fps = len(frames) / (time.perf_counter() - start)
    parallel.close()
    parallel_exact = sum(r.numbers == numbers for r in parallel_readings)

    print(f"frames: {len(frames)} x 640x480, {len(truths[0])} digits each, camera shake and noise")
    memo = reader.recognizer.classifier
    print(f"recognizer pipeline (batched, stabilised): {fps:7.1f} frames/s  (1 process; "
          f"{memo.reused / max(1, memo.reused + memo.read):.0%} of crops unchanged since the last frame, not re-read)")
    print(f"recognizer pipeline, {args.workers} worker processes:  {parallel_fps:7.1f} frames/s  "
          f"({parallel_exact}/{len(frames)} frames read exactly)")
    print(f"naive loop (model.predict per digit):      {naive:7.1f} frames/s  ({args.naive_frames} frames)")
    print(f"stabilised reading: {exact}/{len(frames)} frames read exactly {' '.join(numbers)}; "
          f"digits right {right}/{total} ({right / total:.4f})")


if __name__ == "__main__":
    main()
