"""Read the MNIST IDX files from a local folder.

Nothing here downloads: the tool must work offline, so the caller names the
folder that holds the four standard ``*-idx?-ubyte(.gz)`` files.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from recognizer.errors import RecognizerError

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IMAGE_MAGIC = 2051
_LABEL_MAGIC = 2049


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise RecognizerError(folder, f"no MNIST file {stem}(.gz) in this folder")


def _read_idx(path: Path, magic: int) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as exc:
        raise RecognizerError(path, f"cannot read IDX file ({exc})") from exc
    header = np.frombuffer(raw[:4], dtype=">u4")
    if len(header) != 1 or int(header[0]) != magic:
        raise RecognizerError(path, "not an MNIST IDX file (bad magic number)")
    ndim = magic & 0xFF
    dims = tuple(int(d) for d in np.frombuffer(raw[4 : 4 + 4 * ndim], dtype=">u4"))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise RecognizerError(path, f"truncated IDX file: {data.size} values for shape {dims}")
    return data.reshape(dims)


def load_mnist(folder: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images uint8 [n, 28, 28], labels uint8 [n])`` for ``split``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecognizerError(folder, "MNIST folder not found (pass --data DIR)")
    image_stem, label_stem = _FILES[split]
    images = _read_idx(_find(folder, image_stem), _IMAGE_MAGIC)
    labels = _read_idx(_find(folder, label_stem), _LABEL_MAGIC)
    if len(images) != len(labels):
        raise RecognizerError(folder, f"{split}: {len(images)} images but {len(labels)} labels")
    return images, labels
