"""Form templates: named regions of a form, and each page aligned to them.

A template is JSON: ``{"reference": "blank.png", "fields": {"date": [x, y, w, h], ...}}``
in the pixel coordinates of the reference scan (a bare ``{"date": [...]}``
is read as fields without a reference; pages are then not aligned). The
reference may be a PDF, whose first page is then rendered at the template's
``"dpi"`` (default 150, as ``recognizer batch`` renders PDF pages). Each
page is registered to the reference with ORB features (matched through
an LSH index of the reference's) and a RANSAC similarity (rotation, scale,
shift), so a scan fed in a little skewed or shifted still puts its digits
in the right fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from recognizer.annotate import annotate, colour_copy
from recognizer.errors import RecognizerError
from recognizer.page import to_gray
from recognizer.types import Box, Reading

ALIGN_SIDE = 1000  # features are found on copies this large (longest side)
FEATURES = 1500  # ORB features a copy: a form gives 300-450 matches that agree (12 are enough)
MIN_INLIERS = 12  # fewer matching features than this: alignment is not trusted
FIELD_COLOUR = (0, 90, 255)  # BGR: fields are outlined in orange-red
# Matches are looked up in a hash index of the reference's binary descriptors
# (FLANN's LSH: 6 tables of 12-bit keys, one probe round), built once: an
# exhaustive search of every pair took most of the alignment's time.
LSH_INDEX = dict(algorithm=6, table_number=6, key_size=12, multi_probe_level=1)  # 6: FLANN_INDEX_LSH
DEFAULT_DPI = 150


@dataclass
class Template:
    path: Path
    fields: dict[str, Box]
    reference: Path | None = None
    dpi: int = DEFAULT_DPI  # a PDF reference is rendered at this resolution


def load_template(path: str | Path) -> Template:
    path = Path(path)
    try:
        spec = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise RecognizerError(path, "template file not found") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecognizerError(path, f"not a valid template JSON ({exc})") from exc
    if not isinstance(spec, dict):
        raise RecognizerError(path, "a template is a JSON object")
    fields_spec = spec.get("fields", spec if "reference" not in spec else None)
    if not isinstance(fields_spec, dict) or not fields_spec:
        raise RecognizerError(path, "the template names no fields ({\"fields\": {\"name\": [x, y, w, h]}})")
    fields = {}
    for name, rect in fields_spec.items():
        if not (isinstance(rect, list) and len(rect) == 4 and all(isinstance(v, (int, float)) for v in rect)
                and rect[2] > 0 and rect[3] > 0):
            raise RecognizerError(path, f"field '{name}' must be [x, y, w, h] with a positive size")
        fields[str(name)] = Box(*(int(round(v)) for v in rect))
    reference = None
    if spec.get("reference"):
        reference = (path.parent / spec["reference"]).resolve()
        if not reference.is_file():
            raise RecognizerError(reference, "the template's reference scan is missing")
    dpi = spec.get("dpi", DEFAULT_DPI)
    if not (isinstance(dpi, int) and 20 <= dpi <= 1200):
        raise RecognizerError(path, f"'dpi' must be a whole number from 20 to 1200, not {dpi!r}")
    return Template(path, fields, reference, dpi)


def _grey_small(image: np.ndarray) -> tuple[np.ndarray, float]:
    grey = to_gray(image)
    factor = min(1.0, ALIGN_SIDE / max(grey.shape))
    small = grey if factor == 1.0 else cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return small, factor


class Aligner:
    """Registers pages to a template's reference scan; its features are computed once."""

    def __init__(self, template: Template) -> None:
        from recognizer.sources import load_image

        self.template = template
        self.orb = cv2.ORB_create(nfeatures=FEATURES)
        self.matcher = cv2.FlannBasedMatcher(LSH_INDEX, dict(checks=32))
        self.reference = None
        if template.reference is not None:
            small, self.ref_factor = _grey_small(load_image(template.reference, dpi=template.dpi))
            self.reference = self.orb.detectAndCompute(small, None)
            if self.reference[1] is not None:
                self.matcher.add([self.reference[1]])
                self.matcher.train()

    def to_reference(self, page: np.ndarray, page_scale: float = 1.0) -> np.ndarray | None:
        """The 2x3 transform from the page file's pixels to reference pixels
        (identity without a reference), or None when the page cannot be aligned.
        ``page_scale``: the file's pixels per pixel of ``page`` (a reduced decode)."""
        if self.reference is None:
            return np.float32([[1, 0, 0], [0, 1, 0]])
        ref_points, ref_desc = self.reference
        small, factor = _grey_small(page)
        points, desc = self.orb.detectAndCompute(small, None)
        if desc is None or ref_desc is None or len(points) < MIN_INLIERS:
            return None
        pairs = self.matcher.knnMatch(desc, k=2)  # fewer than 2 where the index has no near key
        good = [pair[0] for pair in pairs if len(pair) == 2 and pair[0].distance < 0.75 * pair[1].distance]
        if len(good) < MIN_INLIERS:
            return None
        src = np.float32([points[m.queryIdx].pt for m in good]) * (page_scale / factor)
        dst = np.float32([ref_points[m.trainIdx].pt for m in good]) / self.ref_factor
        transform, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=4.0)
        if transform is None or int(inliers.sum()) < MIN_INLIERS:
            return None
        return transform.astype(np.float32)


def quarter_turns(transform: np.ndarray | None, otherwise: int = 0) -> int:
    """How many quarter turns clockwise stand a page upright: the rotation of
    its registration (page to reference) to the nearest right angle;
    ``otherwise`` for a page that could not be aligned. A feeder takes pages
    in upside down or sideways; ORB features and the similarity fitted to
    them find the page either way, but its digits must be read upright (an
    upside-down 6 is a 9)."""
    if transform is None:
        return otherwise
    angle = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
    return int(round(angle / 90.0)) % 4


def read_fields(reading: Reading, transform: np.ndarray, template: Template) -> dict[str, str]:
    """The digits whose centre falls in each field (in reference coordinates),
    left to right, with the separators written between them ("12/05/2024")
    and the minus before the number that starts the field ("-40")."""
    found: dict[str, list[tuple[float, int, int]]] = {name: [] for name in template.fields}
    for number, line in enumerate(reading.lines):
        for place, digit in enumerate(line.digits):
            cx, cy = digit.box.centre
            rx, ry = transform @ np.float32([cx, cy, 1.0])
            for name, field in template.fields.items():
                if field.x <= rx < field.right and field.y <= ry < field.bottom:
                    found[name].append((float(rx), number, place))
                    break
    values = {}
    for name, items in found.items():
        items.sort()
        text = ""
        for (_, number, place), previous in zip(items, [None, *items[:-1]]):
            line = reading.lines[number]
            if previous is not None and previous[1:] == (number, place - 1) and line.separators:
                text += line.separators[place - 1]  # written between these two digits of one number
            if place == 0 and previous is None:
                text += line.sign  # a minus before the number that starts the field
            text += str(line.digits[place].label)
        values[name] = text
    return values


def draw_template(template: Template, image: np.ndarray | None = None, transform: np.ndarray | None = None,
                  reading: Reading | None = None) -> np.ndarray:
    """The reference scan (or ``image``) with each field outlined and named, to
    check a template; ``transform`` and ``reading`` as for ``outline_fields``
    and ``annotate``."""
    from recognizer.sources import load_image

    if image is None:
        if template.reference is None:
            raise RecognizerError(template.path, "the template has no reference scan to draw on (give --image)")
        image = load_image(template.reference, dpi=template.dpi)
    canvas = annotate(image, reading) if reading is not None else colour_copy(image)
    return outline_fields(canvas, template, transform)


def outline_fields(canvas: np.ndarray, template: Template, transform: np.ndarray | None = None,
                   scale: float = 1.0) -> np.ndarray:
    """Outline and name each field on a BGR ``canvas``, in place. ``transform``:
    the page file's pixels to the reference's (``Aligner.to_reference``), so
    that the fields are drawn where they fall on a page fed in turned or
    shifted; ``scale``: the file's pixels per pixel of ``canvas`` (a page
    drawn on the reduced copy it was read from)."""
    to_page = None if transform is None else cv2.invertAffineTransform(transform)
    thickness = max(2, max(canvas.shape[:2]) // 600)
    for name, box in template.fields.items():
        corners = np.float32([[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]])
        if to_page is not None:
            corners = corners @ to_page[:, :2].T + to_page[:, 2]
        corners = np.round(corners / scale).astype(np.int32)
        cv2.polylines(canvas, [corners], True, FIELD_COLOUR, thickness)
        x, y = (int(v) for v in corners[0])
        cv2.putText(canvas, name, (x, max(12, y - 6)), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.5, thickness / 3), FIELD_COLOUR, max(1, thickness // 2), cv2.LINE_AA)
    return canvas
