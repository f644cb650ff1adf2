"""Small numeric helpers used on the hot path of every image."""

from __future__ import annotations

import cv2
import numpy as np


def percentile(values: np.ndarray, percent: float) -> float:
    """``np.percentile(values, percent)`` (linear interpolation), by partial sort.

    The same number as NumPy's, without its general machinery, which costs more
    than the work itself on the few hundred pixels of one mark; it is called
    once or twice for every mark of every image.
    """
    flat = np.asarray(values).ravel()
    if flat.size == 0:
        raise ValueError("percentile of an empty array")
    position = percent / 100.0 * (flat.size - 1)
    low = int(np.floor(position))
    high = min(low + 1, flat.size - 1)
    parted = np.partition(flat, (low, high)) if high != low else np.partition(flat, low)
    below, above = float(parted[low]), float(parted[high])
    return below + (above - below) * (position - low)


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary mark: twice its area over its perimeter."""
    mask_u8 = mask.view(np.uint8) if mask.dtype == bool else mask.astype(np.uint8)  # 0/1, no copy
    area = cv2.countNonZero(mask_u8)
    if area == 0:
        return 0.0
    boundary = area - cv2.countNonZero(cv2.erode(mask_u8, np.ones((3, 3), np.uint8)))
    return 2.0 * area / max(boundary, 1)
