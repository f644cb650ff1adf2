"""Turn what the user typed into images: files, folders, globs, list files.

One resolver for every command, so every command fails the same clear way.
A spec that resolves to nothing becomes an ``ImageInput`` carrying its error,
never an exception, so one bad path cannot stop a batch.
"""

from __future__ import annotations

import glob
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from recognizer.errors import RecognizerError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm", ".pbm"}
LIST_SUFFIXES = {".txt", ".lst"}
MAX_PIXELS = 100_000_000  # 100 MP: any phone photo or 600 dpi A4 scan fits
MIN_SIDE = 8  # smaller than this cannot hold a readable digit
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class ImageInput:
    """One image to read, or the reason a spec gave none."""

    path: str
    error: str | None = None


def resolve_inputs(specs: Iterable[str]) -> Iterator[ImageInput]:
    """Yield every image named by ``specs``, in the order given.

    A folder gives its image files (sorted, not recursive); a glob its
    matches; a ``.txt`` file one path per line (``#`` starts a comment).
    """
    for spec in specs:
        yield from _resolve_one(str(spec))


def _resolve_one(spec: str) -> Iterator[ImageInput]:
    path = Path(spec).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            yield ImageInput(spec, "folder holds no image files")
        for file in files:
            yield ImageInput(str(file))
    elif path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        yield from _resolve_list(path)
    elif path.is_file():
        yield ImageInput(spec)
    elif _GLOB_CHARS & set(spec):
        matches = sorted(glob.glob(str(path), recursive=True))
        images = [m for m in matches if Path(m).suffix.lower() in IMAGE_SUFFIXES and Path(m).is_file()]
        if not images:
            yield ImageInput(spec, "pattern matches no image files")
        for match in images:
            yield ImageInput(match)
    elif path.exists():
        yield ImageInput(spec, "not a regular file")
    else:
        yield ImageInput(spec, "no such file or folder")


def _resolve_list(list_file: Path) -> Iterator[ImageInput]:
    try:
        lines = list_file.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        yield ImageInput(str(list_file), f"cannot read list file ({exc})")
        return
    base = list_file.parent
    entries = [line.split("#", 1)[0].strip() for line in lines]
    entries = [e for e in entries if e]
    if not entries:
        yield ImageInput(str(list_file), "list file names no images")
    for entry in entries:
        target = Path(entry).expanduser()
        yield from _resolve_one(str(target if target.is_absolute() else base / target))


def load_image(path: str | Path) -> np.ndarray:
    """Decode an image file into a uint8 array (grey HxW or BGR HxWx3).

    Pillow reads the header first, so an oversized image is refused before
    any pixel is decoded, a truncated file raises instead of returning grey
    padding, and a phone photo's EXIF rotation is applied. Transparent pixels
    are laid on white paper.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our limit applies
            return _decode(path)
    except FileNotFoundError as exc:
        raise RecognizerError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise RecognizerError(path, "is a folder, not an image") from exc
    except Image.DecompressionBombError as exc:  # Pillow's own, larger, limit
        raise RecognizerError(path, f"image is over the {MAX_PIXELS // 1_000_000} MP limit") from exc
    except UnidentifiedImageError as exc:
        raise RecognizerError(path, "not an image file (unknown or corrupt format)") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise RecognizerError(path, f"corrupt or truncated image ({exc})") from exc


def _decode(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    if path.stat().st_size == 0:
        raise RecognizerError(path, "empty file (0 bytes)")
    with Image.open(path) as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise RecognizerError(
                path, f"image is {width}x{height} pixels, over the {MAX_PIXELS // 1_000_000} MP limit"
            )
        if min(width, height) < MIN_SIDE:
            raise RecognizerError(path, f"image is {width}x{height} pixels, too small to hold a digit")
        image.load()
        return _to_array(ImageOps.exif_transpose(image))


def _to_array(image) -> np.ndarray:
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        data = np.asarray(image, dtype=np.float32)
        low, high = float(data.min()), float(data.max())
        scaled = (data - low) * (255.0 / (high - low)) if high > low else np.zeros_like(data)
        return scaled.astype(np.uint8)
    if image.mode in ("1", "L"):
        return np.asarray(image.convert("L"))
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])  # OpenCV's BGR order
