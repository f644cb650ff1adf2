"""The classic tutorial pipeline, kept as the benchmark's baseline.

Grey -> Gaussian blur -> Otsu (inverted) -> external contours -> bounding
rectangles -> crop the binary image, pad to a square, resize to 28x28 ->
the same CNN, batched. It is what the projects this tool replaces do.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.read import group_lines
from recognizer.types import Box, Digit, Reading

MIN_HEIGHT = 10  # tutorials drop tiny contours by a fixed size


def baseline_read(image: np.ndarray, classifier, source: str = "<image>") -> Reading:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    _, binary = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes, crops = [], []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if h < MIN_HEIGHT:
            continue
        crop = binary[y : y + h, x : x + w]
        side = max(w, h) + 8
        square = np.zeros((side, side), np.uint8)
        square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = crop
        crops.append(cv2.resize(square, (28, 28), interpolation=cv2.INTER_AREA).astype(np.float32) / 255)
        boxes.append(Box(x, y, w, h))
    digits = []
    if crops:
        probabilities = classifier.predict(np.stack(crops))
        for box, p in zip(boxes, probabilities):
            label = int(p[:10].argmax())
            digits.append(Digit(box, label, float(p[label])))
    h, w = gray.shape
    return Reading(source, w, h, group_lines(digits))
