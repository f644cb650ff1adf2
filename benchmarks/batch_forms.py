"""Batch benchmark: generated 150 dpi A4 JPEG forms through ``recognizer batch``.

    python benchmarks/batch_forms.py [--forms 40] [--pages 200] [--workers 1,2] [--long 0]

Forms come from ``recognizer.scenes`` (the benchmark's form kind: printed
labels, comb boxes, a table, ruled lines, ~50 handwritten digits, skew and
scan noise), written as JPEG; ``--pages`` links to them fill the batch.
Prints pages per second for each worker count (decode included, annotation
off) and, with ``--long N``, the memory (resident, main process plus
workers) sampled over an N-page run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from recognizer.batch import BatchOptions, run_batch  # noqa: E402
from recognizer.scenes import Scene, StrokeGlyphs, make_scene  # noqa: E402


def write_form(folder: Path, k: int, glyphs) -> tuple[Path, Scene]:
    """The benchmark's ``k``-th form, written as a JPEG file; its path and scene
    (the truth). ``review_forms.py`` reads the same forms."""
    scene = make_scene("form", 900_000 + k, glyphs)
    path = folder / f"form_{k:03d}.jpg"
    cv2.imwrite(str(path), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return path, scene


def make_forms(folder: Path, count: int) -> list[Path]:
    glyphs = StrokeGlyphs()
    return [write_form(folder, k, glyphs)[0] for k in range(count)]


def fill(folder: Path, forms: list[Path], pages: int) -> Path:
    """``pages`` symbolic links to the forms, in a folder of their own."""
    batch = folder / f"batch_{pages}"
    batch.mkdir()
    for k in range(pages):
        (batch / f"page_{k:05d}.jpg").symlink_to(forms[k % len(forms)])
    return batch


def resident_mb() -> float:
    """Resident memory of this process and all its descendants, MB (Linux /proc)."""
    me = os.getpid()
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    family, grew = {me}, True
    while grew:
        new = {pid for pid, parent in parents.items() if parent in family} - family
        family |= new
        grew = bool(new)
    total = 0
    for pid in family:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=40, help="distinct forms generated")
    parser.add_argument("--pages", type=int, default=200, help="pages per timed run")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--long", type=int, default=0, metavar="N", help="also a memory run over N pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        forms = make_forms(folder, args.forms)
        size = cv2.imread(str(forms[0])).shape
        print(f"{args.forms} forms generated ({size[1]}x{size[0]} JPEG) in {time.perf_counter() - started:.0f} s")
        batch = fill(folder, forms, args.pages)
        for workers in (int(w) for w in args.workers.split(",")):
            out = folder / f"out_{workers}"
            summary = run_batch([str(batch)], BatchOptions(out=out, workers=workers), progress=False)
            print(f"workers {workers}: {summary.pages} pages in {summary.seconds:.1f} s = "
                  f"{summary.pages / summary.seconds:.1f} pages/s (model load included), "
                  f"{summary.digits / summary.pages:.0f} digits a page, {summary.failures} failed")
        if args.long:
            long_batch = fill(folder, forms, args.long)
            samples: list[tuple[float, float]] = []
            stop = threading.Event()

            def sample() -> None:
                begin = time.perf_counter()
                while not stop.wait(2.0):
                    samples.append((time.perf_counter() - begin, resident_mb()))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            workers = max(int(w) for w in args.workers.split(","))
            summary = run_batch([str(long_batch)], BatchOptions(out=folder / "out_long", workers=workers),
                                progress=False)
            stop.set()
            sampler.join()
            print(f"long run: {summary.line()}")
            step = max(1, len(samples) // 10)
            print("memory (MB, main + workers) over the run: "
                  + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in samples[::step]))
            if samples:
                print(f"first {samples[0][1]:.0f} MB, peak {max(mb for _, mb in samples):.0f} MB, "
                      f"last {samples[-1][1]:.0f} MB")


if __name__ == "__main__":
    main()
