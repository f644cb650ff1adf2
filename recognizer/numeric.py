"""Small numeric and image helpers used on the hot path of every image."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Components:
    """The 8-connected components of a mask: their labels and bounding boxes."""

    count: int  # labels 0 (the background) to count - 1
    labels: np.ndarray  # int32, the mask's shape
    boxes: np.ndarray  # int [count, 4]: x, y, w, h of each label (row 0 unused)


def label_components(mask: np.ndarray) -> Components:
    """Label the mask's components and box each one.

    ``cv2.connectedComponentsWithStats`` spends most of its time on the stats
    (OpenCV 5, an A4 form's ink: 4-7 ms, against about 1 ms to label and 1 ms to
    trace the contours), and a page is labelled several times. The boxes come
    cheaper from each component's outer contour:
    ``findContours`` follows the same 8-connected borders, and each outer
    border starts on a pixel of its own component. (The two agree exactly; a
    test holds them to it.) Areas are counted by the callers that need them.
    """
    count, labels = cv2.connectedComponentsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    boxes = np.zeros((count, 4), np.int64)
    if count > 1:
        contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        outer = [c for c, links in zip(contours, hierarchy[0]) if links[3] < 0]  # no parent: outer borders
        starts = np.array([c[0, 0] for c in outer])  # (x, y)
        boxes[labels[starts[:, 1], starts[:, 0]]] = [cv2.boundingRect(c) for c in outer]
    return Components(count, labels, boxes)
