"""Turn what the user typed into images: files, folders, globs, list files;
and documents into pages (multi-page TIFF, PDF).

One resolver for every command, so every command fails the same clear way.
A spec that resolves to nothing becomes an ``ImageInput`` carrying its error,
never an exception, so one bad path cannot stop a batch.
"""

from __future__ import annotations

import functools
import glob
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from recognizer.errors import RecognizerError

HEIF_SUFFIXES = {".heic", ".heif"}  # an iPhone's photos (decoded by pillow-heif)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm", ".pbm",
                  *HEIF_SUFFIXES}
DOCUMENT_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}  # what ``recognizer batch`` reads: scans and PDF files
MULTI_PAGE_SUFFIXES = {".tif", ".tiff", ".pdf"}
LIST_SUFFIXES = {".txt", ".lst"}
VIDEO_SUFFIXES = {".mp4", ".m4v", ".avi", ".mov", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv"}  # read by `webcam`
MAX_PIXELS = 100_000_000  # 100 MP: any phone photo or 600 dpi A4 scan fits
MIN_SIDE = 8  # smaller than this cannot hold a readable digit
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class ImageInput:
    """One image to read, or the reason a spec gave none."""

    path: str
    error: str | None = None


def resolve_inputs(specs: Iterable[str], recursive: bool = False,
                   suffixes: set[str] = IMAGE_SUFFIXES) -> Iterator[ImageInput]:
    """Yield every file named by ``specs`` whose suffix is in ``suffixes``, in the order given.

    A folder gives its files (sorted; with ``recursive``, its subfolders' too);
    a glob its matches; a ``.txt`` file one path per line (``#`` starts a comment).
    """
    for spec in specs:
        yield from _resolve_one(str(spec), recursive, suffixes)


def _resolve_one(spec: str, recursive: bool = False, suffixes: set[str] = IMAGE_SUFFIXES) -> Iterator[ImageInput]:
    path = Path(spec).expanduser()
    if path.is_dir():
        found = path.rglob("*") if recursive else path.iterdir()
        files = sorted(p for p in found if p.is_file() and p.suffix.lower() in suffixes)
        if not files:
            yield ImageInput(spec, "folder holds no image files")
        for file in files:
            yield ImageInput(str(file))
    elif path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        yield from _resolve_list(path, recursive, suffixes)
    elif path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES:
        yield ImageInput(spec, f"is a video: read it with `recognizer webcam --source {spec}`")
    elif path.is_file():
        yield ImageInput(spec)
    elif _GLOB_CHARS & set(spec):
        matches = sorted(glob.glob(str(path), recursive=True))
        images = [m for m in matches if Path(m).suffix.lower() in suffixes and Path(m).is_file()]
        if not images:
            yield ImageInput(spec, "pattern matches no image files")
        for match in images:
            yield ImageInput(match)
    elif path.exists():
        yield ImageInput(spec, "not a regular file")
    elif spec.isdigit():
        yield ImageInput(spec, f"no such file or folder (for camera {spec}: `recognizer webcam --source {spec}`)")
    else:
        yield ImageInput(spec, "no such file or folder")


def _resolve_list(list_file: Path, recursive: bool = False,
                  suffixes: set[str] = IMAGE_SUFFIXES) -> Iterator[ImageInput]:
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
        yield from _resolve_one(str(target if target.is_absolute() else base / target), recursive, suffixes)


@dataclass(frozen=True)
class Decoded:
    """An image file's pixels, possibly decoded at a reduced size, and the
    file's own size (after EXIF rotation): readings are reported in the
    file's pixels whatever size it was decoded at."""

    image: np.ndarray
    width: int
    height: int

    @property
    def reduced(self) -> bool:
        return (self.height, self.width) != self.image.shape[:2]


def load_image(path: str | Path, page: int = 1, dpi: int = 150) -> np.ndarray:
    """Decode an image file into a uint8 array (grey HxW or BGR HxWx3), whole;
    of a document, its page ``page`` (from 1): a PDF's rendered at ``dpi``,
    a multi-page TIFF's frame.

    Pillow reads the header first, so an oversized image is refused before
    any pixel is decoded, a truncated file raises instead of returning grey
    padding, and a phone photo's EXIF rotation is applied. Transparent pixels
    are laid on white paper, or on black where what is drawn is light.
    """
    if page == 1 and Path(path).suffix.lower() not in MULTI_PAGE_SUFFIXES:
        return decode_image(path).image
    pages = count_pages(path)
    if not 1 <= page <= pages:
        raise RecognizerError(path, f"has {pages} page{'s' if pages != 1 else ''}, no page {page}")
    for _, decoded in iter_pages(path, dpi, skip=set(range(1, page))):
        if isinstance(decoded, RecognizerError):
            raise decoded
        return decoded.image
    raise RecognizerError(path, f"page {page} cannot be read")


def decode_image(path: str | Path, min_side: int | None = None) -> Decoded:
    """``load_image``, but a JPEG whose longer side is at least twice
    ``min_side`` is decoded at a half, a quarter or an eighth of its size,
    its longer side kept at least ``min_side``.

    libjpeg scales while it decodes (DCT scaling): a 12 MP phone photo
    decodes in about 30 ms at half size against 150-250 ms whole, and the
    reader shrinks larger images to ``WORK_MAX_SIDE`` before reading anyway.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our limit applies
            return _decode(path, min_side)
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


@functools.cache
def _open_heif() -> None:
    """Teach Pillow to open HEIC and HEIF files, the format an iPhone saves
    its photos in; once, and only when one is read (pillow-heif takes some
    45 ms to import)."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def _decode(path: Path, min_side: int | None) -> Decoded:
    from PIL import Image, ImageOps

    if path.stat().st_size == 0:
        raise RecognizerError(path, "empty file (0 bytes)")
    if path.suffix.lower() in HEIF_SUFFIXES:
        _open_heif()
    with Image.open(path) as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise RecognizerError(
                path, f"image is {width}x{height} pixels, over the {MAX_PIXELS // 1_000_000} MP limit"
            )
        if min(width, height) < MIN_SIDE:
            raise RecognizerError(path, f"image is {width}x{height} pixels, too small to hold a digit")
        if min_side and image.format == "JPEG" and max(width, height) >= 2 * min_side:
            # Pillow picks the largest reduction that keeps at least this size.
            share = min_side / max(width, height)
            image.draft(image.mode, (max(1, int(width * share)), max(1, int(height * share))))
        image.load()
        upright = ImageOps.exif_transpose(image)
        if upright.size != image.size:  # turned a quarter: the file's sides swap too
            width, height = height, width
        return Decoded(_to_array(upright), width, height)


def _backing(rgba) -> tuple[int, int, int, int]:
    """What a transparent picture is laid on: white paper, unless what is
    drawn on it is light (white strokes exported from a drawing canvas, which
    would vanish on white); then black. Judged on a copy about 256 pixels a
    side: a large picture's pixels as floats take hundreds of megabytes."""
    pixels = np.asarray(rgba.reduce(max(1, max(rgba.size) // 256)), dtype=np.float32)
    alpha = pixels[..., 3]
    drawn = float(alpha.sum())
    lightness = float((pixels[..., :3].mean(axis=2) * alpha).sum()) / drawn if drawn else 0.0
    return (0, 0, 0, 255) if lightness > 127.5 else (255, 255, 255, 255)


def _to_array(image) -> np.ndarray:
    import cv2
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
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, _backing(rgba)), rgba)
    rgb = np.asarray(image.convert("RGB"))
    # OpenCV's BGR order. (A NumPy copy of ``rgb[:, :, ::-1]`` took 15 ms for
    # an A4 scan at 150 dpi, twice the time of decoding it; this, under 1 ms.)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


# ----------------------------------------------------------------------------
# Documents: every page of a multi-page TIFF or a PDF
# ----------------------------------------------------------------------------
def count_pages(path: str | Path) -> int:
    """How many pages a file holds (1 for a plain image); cheap: no page is decoded."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MULTI_PAGE_SUFFIXES:
        return 1
    import pypdfium2
    from PIL import Image

    try:
        if suffix == ".pdf":
            document = pypdfium2.PdfDocument(str(path))
            try:
                return len(document)
            finally:
                document.close()
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, pypdfium2.PdfiumError, Image.DecompressionBombError):
        return 1  # reported, with its cause, when the pages are read


def has_pages(path: str | Path) -> bool:
    """Whether a file is a document of pages (a PDF; a TIFF of more than one
    frame), so that what is read from it names the page."""
    return Path(path).suffix.lower() == ".pdf" or count_pages(path) > 1


def iter_pages(path: str | Path, dpi: int = 150, skip: set[int] | frozenset = frozenset(),
               min_side: int | None = None) -> Iterator[tuple[int, Decoded | RecognizerError]]:
    """Yield ``(page number from 1, the page decoded or the error for that page)``.

    A PDF is rendered at ``dpi`` with pdfium (grey, as a scan); a multi-page
    TIFF gives every frame; any other file is one page (``decode_image``, with
    ``min_side``). A file that cannot be opened at all gives one page carrying
    the error. Pages in ``skip`` are not decoded (a resumed batch).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        pages = _pdf_pages(path, dpi, skip)
    elif suffix in (".tif", ".tiff") and count_pages(path) > 1:
        pages = _tiff_pages(path, skip)
    else:
        if 1 not in skip:
            try:
                yield 1, decode_image(path, min_side)
            except RecognizerError as exc:
                yield 1, exc
        return
    for page, image in pages:
        yield page, image if isinstance(image, RecognizerError) else Decoded(image, image.shape[1], image.shape[0])


def _pdf_pages(path: Path, dpi: int, skip) -> Iterator[tuple[int, np.ndarray | RecognizerError]]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except (pypdfium2.PdfiumError, OSError, ValueError) as exc:
        yield 1, RecognizerError(path, f"not a readable PDF ({exc})")
        return
    try:
        for index in range(len(document)):
            if index + 1 in skip:
                continue
            try:
                page = document[index]
                width, height = page.get_size()  # points: 1/72 inch
                scale = dpi / 72.0
                if width * height * scale * scale > MAX_PIXELS:
                    raise RecognizerError(path, f"page {index + 1} at {dpi} dpi is over the "
                                                f"{MAX_PIXELS // 1_000_000} MP limit")
                bitmap = page.render(scale=scale, grayscale=True)
                yield index + 1, np.array(bitmap.to_numpy()).reshape(bitmap.height, bitmap.width)
            except pypdfium2.PdfiumError as exc:
                yield index + 1, RecognizerError(path, f"page {index + 1} cannot be rendered ({exc})")
            except RecognizerError as exc:
                yield index + 1, exc
    finally:
        document.close()


def _tiff_pages(path: Path, skip) -> Iterator[tuple[int, np.ndarray | RecognizerError]]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            for index in range(int(getattr(image, "n_frames", 1))):
                if index + 1 in skip:
                    continue
                try:
                    image.seek(index)
                    width, height = image.size
                    if width * height > MAX_PIXELS:
                        raise RecognizerError(path, f"page {index + 1} is {width}x{height}, over the limit")
                    image.load()
                    yield index + 1, _to_array(image)
                except (OSError, ValueError) as exc:
                    yield index + 1, RecognizerError(path, f"page {index + 1} is corrupt ({exc})")
                except RecognizerError as exc:
                    yield index + 1, exc
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        yield 1, RecognizerError(path, f"not a readable TIFF ({exc})")
