"""Draw a reading on an image; a pure function, the input is not modified.

Each digit gets a box, its label above (sized to the box, so neighbours'
labels do not collide) and its confidence below; each number a thin box;
marks judged not to be digits a thin grey box.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.types import Reading

DIGIT_COLOUR = (40, 170, 40)  # BGR
LOW_COLOUR = (0, 140, 255)  # digits read with little confidence
NUMBER_COLOUR = (200, 90, 20)
REJECTED_COLOUR = (150, 150, 150)  # marks judged not to be digits
LOW_CONFIDENCE = 0.8
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _scale_for(text: str, height: float, max_width: float, thickness: int) -> float:
    """The font scale at which ``text`` is ``height`` tall and no wider than ``max_width``."""
    (w, h), _ = cv2.getTextSize(text, FONT, 1.0, thickness)
    return max(0.3, min(height / max(h, 1), max_width / max(w, 1)))


def _label(canvas: np.ndarray, text: str, x: int, y: int, scale: float, colour, thickness: int) -> None:
    """Text with its top-left at (x, y) on a filled background."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, thickness)
    x = int(np.clip(x, 0, max(0, canvas.shape[1] - w)))
    y = int(np.clip(y, 0, max(0, canvas.shape[0] - h - base)))
    cv2.rectangle(canvas, (x, y), (x + w, y + h + base), colour, cv2.FILLED)
    cv2.putText(canvas, text, (x, y + h), FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def colour_copy(image: np.ndarray) -> np.ndarray:
    """A BGR copy of a grey, BGR or BGRA image to draw on."""
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image[:, :, :3].copy()


def annotate(image: np.ndarray, reading: Reading, doubt_below: float = LOW_CONFIDENCE) -> np.ndarray:
    """Return a colour copy of ``image`` with each digit boxed and labelled;
    digits read with less confidence than ``doubt_below`` stand out in orange
    (a batch passes its review bar, so the picture shows what review lists).
    The reading is drawn in ``image``'s own pixels, also when its boxes are
    in those of a larger original (see ``Recognizer.read_file``)."""
    canvas = colour_copy(image)
    height, width = canvas.shape[:2]
    reading = reading.scaled_to(width, height)  # a file read from a reduced decode is drawn on that copy
    thickness = max(1, round(max(height, width) / 600))
    for x, y, w, h in reading.rejected:
        cv2.rectangle(canvas, (x, y), (x + w, y + h), REJECTED_COLOUR, 1)
    for line in reading.lines:
        x, y, w, h = line.box
        pad = max(3, h // 8)
        cv2.rectangle(canvas, (x - pad, y - pad), (x + w + pad, y + h + pad), NUMBER_COLOUR, thickness)
    for digit in reading.digits:
        x, y, w, h = digit.box
        colour = DIGIT_COLOUR if digit.confidence >= doubt_below else LOW_COLOUR
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        label = str(digit.label)
        scale = _scale_for(label, 0.4 * h, 1.2 * max(w, h / 2), thickness)
        (_, th), base = cv2.getTextSize(label, FONT, scale, thickness)
        _label(canvas, label, x, y - th - base - thickness, scale, colour, thickness)
        confidence = f"{digit.confidence:.2f}"
        small = _scale_for(confidence, 0.16 * h, 1.3 * max(w, h / 2), 1)
        _label(canvas, confidence, x, y + h + thickness + 1, small, colour, 1)
    return canvas
