"""Where readings go: the human summary, JSON Lines, annotated images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import numpy as np

from recognizer.types import Reading


def where(reading: Reading, page: int | None = None) -> str:
    """The file a reading is of, and its page where the file has pages."""
    return reading.source if page is None else f"{reading.source} page {page}"


def summary_line(reading: Reading, saved: Path | None = None, page: int | None = None) -> str:
    """One line a person reads: the numbers found in one image (or one page of a document)."""
    if reading.error:
        return f"{where(reading, page)}: error: {reading.error}"
    count = len(reading.digits)
    if count == 0:
        text = "no digits found"
    else:
        plural = "s" if count != 1 else ""
        text = f"{count} digit{plural}: " + " ".join(reading.numbers)
    if reading.rejected:
        text += f" ({len(reading.rejected)} other mark{'s' if len(reading.rejected) != 1 else ''} rejected)"
    return f"{where(reading, page)}: {text}" + (f"  -> {saved}" if saved else "")


class JsonlSink:
    """Exactly one JSON object per reading, flushed at once (a pipe sees it live)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, reading: Reading, **extra) -> None:
        record = reading.to_dict()
        record.update(extra)
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()


class AnnotatedImageSink:
    """Saves annotated images into a folder, never over an input file."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._used: set[Path] = set()

    def path_for(self, source: str, page: int | None = None) -> Path:
        stem = (Path(source).stem or "image") + ("" if page is None else f"_p{page}")
        candidate = self.folder / f"{stem}_read.png"
        counter = 1
        while candidate in self._used or candidate.resolve() == Path(source).resolve():
            counter += 1
            candidate = self.folder / f"{stem}_read_{counter}.png"
        self._used.add(candidate)
        return candidate

    def write(self, image: np.ndarray, reading: Reading, page: int | None = None) -> Path:
        """Save ``image`` with ``reading`` drawn on it as ``<name>_read.png``
        (``<name>_p<page>_read.png`` for a page of a document)."""
        import cv2

        from recognizer.annotate import annotate

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path_for(reading.source, page)
        if not cv2.imwrite(str(path), annotate(image, reading)):
            raise OSError(f"cannot write {path}")
        return path
