"""Cold start: ``python load_model.py photo.jpg`` end to end, fresh process each time.

    python benchmarks/cold_start.py [IMAGE] [--runs N]

Times the default ONNX path and the TensorFlow/Keras path in the same run,
each as a new Python process (import, model load, read, print), the way a
user meets it. Target (issue 2): <= 0.4 s median wall for the ONNX path on a
640x480 photo with 20 digits, on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_IMAGE = ROOT / "assets" / "images" / "digits_photo.jpg"


def time_command(command: list[str], runs: int) -> tuple[list[float], str]:
    walls, output = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        walls.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
        output = result.stdout.strip()
    return walls, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=str(DEFAULT_IMAGE))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="cold-start-")
    # As a user runs it: the annotated image is written too.
    base = [sys.executable, str(ROOT / "load_model.py"), args.image, "--output", out]
    time_command(base, 1)  # warm the OS file cache; not counted
    print(f"image: {args.image}")
    print(f"{'path':<28}{'median s':>10}{'min s':>8}{'max s':>8}   output")
    for name, command, runs in (
        ("onnxruntime (default)", base, args.runs),
        ("tensorflow/keras", base + ["--runtime", "keras"], max(3, args.runs // 2)),
    ):
        walls, output = time_command(command, runs)
        print(f"{name:<28}{statistics.median(walls):>10.3f}{min(walls):>8.3f}{max(walls):>8.3f}   {output}")


if __name__ == "__main__":
    main()
