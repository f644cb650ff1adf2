"""Turn one detected mark into a 28x28 digit the way MNIST was made.

MNIST's digits were fitted into a 20x20 box keeping their aspect, anti-aliased,
then placed so their centre of mass sits at the centre of a 28x28 field. The
CNN only knows digits that look like that, so every crop is made the same way:
masked to its own ink, stroke width evened out, slant beyond MNIST's range
corrected by moments, fitted, and centred by mass.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.numeric import percentile, stroke_width
from recognizer.types import Box

SIZE = 28
FIT = 20  # the ink is fitted into FIT x FIT, as in MNIST
TARGET_STROKE = 2.2  # MNIST's typical stroke width in FIT-box pixels
MAX_SLANT = 0.35  # slants up to this (dx per dy) are common in MNIST: left alone


def deskew(digit: np.ndarray) -> np.ndarray:
    """Reduce a slant that is stronger than MNIST's to MNIST's strongest.

    Uses the second-order moments, as OpenCV's ``samples/python/digits.py``
    does, but only shears away the excess slant: the CNN has learnt normal
    handwriting slant, so straightening every digit would not help it.
    """
    moments = cv2.moments(digit)
    if abs(moments["mu02"]) < 1e-2:
        return digit
    skew = moments["mu11"] / moments["mu02"]
    excess = np.sign(skew) * max(0.0, abs(skew) - MAX_SLANT)
    if excess == 0.0:
        return digit
    h, w = digit.shape
    centre_y = moments["m01"] / max(moments["m00"], 1e-6)
    pad = int(np.ceil(abs(excess) * h / 2)) + 1
    # x' = x - excess * (y - centre_y): shear the excess slant away.
    shear = np.float32([[1, -excess, pad + excess * centre_y], [0, 1, 0]])
    return cv2.warpAffine(digit, shear, (w + 2 * pad, h), flags=cv2.INTER_LINEAR)


def _trim(digit: np.ndarray) -> np.ndarray:
    """The digit cut to the box of its pixels over 0.05."""
    x, y, w, h = cv2.boundingRect((digit > 0.05).view(np.uint8))
    if w == 0 or h == 0:
        return digit
    return digit[y : y + h, x : x + w]


def normalise(ink: np.ndarray, box: Box, mask: np.ndarray, threshold: float) -> np.ndarray:
    """Return float32 [28, 28] in 0..1 (ink = 1) for the mark at ``box``.

    ``ink`` is the detector's ink map and ``mask`` the mark's own pixels, so a
    neighbour's stroke that enters the box is left out.
    """
    crop = ink[box.y : box.bottom, box.x : box.right]
    mask_u8 = mask.view(np.uint8) if mask.dtype == bool else mask.astype(np.uint8)  # 0/1, no copy
    # Keep the anti-aliased rim next to the mark, nothing of its neighbours.
    rim = cv2.dilate(mask_u8, np.ones((3, 3), np.uint8))
    level = max(percentile(crop[mask], 90), threshold, 1.0)
    # In 0..1: the ink is never negative, so only the top needs clipping.
    digit = crop.astype(np.float32)
    digit *= rim
    digit /= level
    np.minimum(digit, 1.0, out=digit)

    # Even out the pen: thin pens shrink to hairlines at 20x20, markers blot.
    scale = FIT / max(box.h, box.w)
    width = stroke_width(mask_u8) * scale
    if width < TARGET_STROKE * 0.7:
        grow = int(round((TARGET_STROKE - width) / scale))
        if grow >= 1:
            digit = cv2.dilate(digit, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow + 1, grow + 1)))
    elif width > TARGET_STROKE * 2.2:
        shrink = int(round((width - TARGET_STROKE * 1.6) / scale))
        # A mark that fills its box (a bar-like 1 in a broad pen; a solid
        # block, such as a page read inside out can hold) is left as it is:
        # its "stroke", measured on a boundary that the box's edges hide, can
        # run to thousands of pixels, and a kernel wider than the mark would
        # leave nothing of it (OpenCV crashed the process on one 35,000
        # pixels wide).
        if 2 <= shrink <= min(digit.shape):
            digit = cv2.erode(digit, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (shrink, shrink)))

    digit = _trim(deskew(digit))
    h, w = digit.shape
    fit = FIT / max(h, w)
    new_w, new_h = max(1, int(round(w * fit))), max(1, int(round(h * fit)))
    small = cv2.resize(digit, (new_w, new_h), interpolation=cv2.INTER_AREA)
    peak = float(small.max())
    if peak > 0:
        small /= peak  # an average of non-negative ink, so 0..1 once divided by its peak

    # Centre of mass to the centre of the 28x28 field, as MNIST did.
    field = np.zeros((SIZE, SIZE), dtype=np.float32)
    moments = cv2.moments(small)
    if moments["m00"] > 0:
        cx, cy = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
    else:
        cx, cy = new_w / 2.0, new_h / 2.0
    shift = np.float32([[1, 0, SIZE / 2.0 - cx], [0, 1, SIZE / 2.0 - cy]])
    field = cv2.warpAffine(small, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
    return field
