"""Draw a reading on an image; a pure function, the input is not modified."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.types import Reading

DIGIT_COLOUR = (40, 170, 40)  # BGR
LOW_COLOUR = (0, 140, 255)  # digits read with little confidence
NUMBER_COLOUR = (200, 90, 20)
LOW_CONFIDENCE = 0.8


def annotate(image: np.ndarray, reading: Reading) -> np.ndarray:
    """Return a colour copy of ``image`` with each digit boxed and labelled."""
    canvas = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image[:, :, :3].copy()
    height, width = canvas.shape[:2]
    thickness = max(1, round(max(height, width) / 500))
    for line in reading.lines:
        x, y, w, h = line.box
        pad = max(2, h // 10)
        cv2.rectangle(canvas, (x - pad, y - pad), (x + w + pad, y + h + pad), NUMBER_COLOUR, thickness)
    for digit in reading.digits:
        x, y, w, h = digit.box
        colour = DIGIT_COLOUR if digit.confidence >= LOW_CONFIDENCE else LOW_COLOUR
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        text = f"{digit.label} {digit.confidence:.2f}"
        scale = max(0.35, min(2.0, h / 60))
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        top = y - 3 if y - th - base - 3 >= 0 else y + h + th + base + 3
        cv2.rectangle(canvas, (x, top - th - base), (x + tw, top + base - 2), colour, cv2.FILLED)
        cv2.putText(canvas, text, (x, top - base), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), thickness, cv2.LINE_AA)
    return canvas
