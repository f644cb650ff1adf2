"""The typed results that flow between stages.

Boxes are ``(x, y, w, h)`` in pixels of the original image, tight around the
digit's ink. These objects are what ``annotate`` draws and what the sinks
write; their ``to_dict`` forms are the stable JSON contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple


class Box(NamedTuple):
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0

    def union(self, other: "Box") -> "Box":
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def scaled(self, factor: float) -> "Box":
        """The box on a copy of its image ``factor`` times as large: back to the
        original pixels from a reduced working copy, or onto a reduced copy."""
        if factor == 1.0:
            return self
        x, y = int(self.x * factor), int(self.y * factor)
        right = int(round(self.right * factor))
        bottom = int(round(self.bottom * factor))
        return Box(x, y, max(1, right - x), max(1, bottom - y))

    def turned_back(self, turns: int, width: int, height: int) -> "Box":
        """The box on an image of ``width`` x ``height`` pixels, from its place
        on a copy of that image turned ``turns`` quarter turns clockwise
        (``cv2.rotate``): a page read upright after it was fed in sideways or
        upside down is reported in the pixels of the file as it is."""
        turns %= 4
        if turns == 1:
            return Box(self.y, height - self.right, self.h, self.w)
        if turns == 2:
            return Box(width - self.right, height - self.bottom, self.w, self.h)
        if turns == 3:
            return Box(width - self.bottom, self.x, self.h, self.w)
        return self


@dataclass(frozen=True)
class Digit:
    box: Box
    label: int
    confidence: float

    def to_dict(self) -> dict:
        return {"label": self.label, "confidence": round(self.confidence, 3), "box": list(self.box)}


@dataclass(frozen=True)
class Line:
    """A number: digits on one row that are written close together, the
    separators written between them (a decimal point, a date's slashes) and
    a minus written before them."""

    digits: tuple[Digit, ...]
    separators: tuple[str, ...] = ()  # one per gap between digits ("" for none), or none at all
    sign: str = ""  # "-" when a minus is written before the first digit

    @property
    def text(self) -> str:
        if not self.separators:
            return self.sign + "".join(str(d.label) for d in self.digits)
        return self.sign + str(self.digits[0].label) + "".join(
            mark + str(d.label) for mark, d in zip(self.separators, self.digits[1:]))

    def with_boxes(self, move: Callable[[Box], Box]) -> "Line":
        """The same number with each digit's box moved by ``move``."""
        return Line(tuple(Digit(move(d.box), d.label, d.confidence) for d in self.digits), self.separators, self.sign)

    @property
    def box(self) -> Box:
        box = self.digits[0].box
        for digit in self.digits[1:]:
            box = box.union(digit.box)
        return box

    def to_dict(self) -> dict:
        return {"text": self.text, "box": list(self.box)}


@dataclass
class Reading:
    """Everything read from one image (or one page, or one frame)."""

    source: str
    width: int = 0
    height: int = 0
    lines: list[Line] = field(default_factory=list)
    error: str | None = None
    rejected: list[Box] = field(default_factory=list)  # marks seen but judged not digits

    @property
    def digits(self) -> list[Digit]:
        """All digits in reading order: rows top to bottom, left to right."""
        return [digit for line in self.lines for digit in line.digits]

    @property
    def numbers(self) -> list[str]:
        return [line.text for line in self.lines]

    def scaled_to(self, width: int, height: int) -> "Reading":
        """The same reading with its boxes in the pixels of a copy of the image
        ``width`` pixels wide (a reduced decode drawn on); itself when no change."""
        if not self.width or width == self.width:
            return self
        factor = width / self.width
        return self.with_boxes(lambda box: box.scaled(factor), width, height)

    def turned_back(self, turns: int) -> "Reading":
        """The reading of a copy of an image turned ``turns`` quarter turns
        clockwise, with its boxes on the image as it was (``Box.turned_back``).
        The lines keep the order they were read in on the upright copy."""
        turns %= 4
        if turns == 0:
            return self
        width, height = (self.height, self.width) if turns % 2 else (self.width, self.height)

        return self.with_boxes(lambda box: box.turned_back(turns, width, height), width, height)

    def with_boxes(self, move: Callable[[Box], Box], width: int, height: int) -> "Reading":
        """The same reading on an image of ``width`` x ``height`` pixels, each
        box (digits' and rejected marks') moved there by ``move``."""
        lines = [line.with_boxes(move) for line in self.lines]
        return Reading(self.source, width, height, lines, self.error, [move(box) for box in self.rejected])

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "width": self.width,
            "height": self.height,
            "digits": [d.to_dict() for d in self.digits],
            "lines": [line.to_dict() for line in self.lines],
            "error": self.error,
            "rejected": [list(box) for box in self.rejected],
        }
