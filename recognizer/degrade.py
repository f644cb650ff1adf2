"""What a poor camera does to a finished picture: shake, focus, light and noise.

Users' photos are not taken by a steady hand in good light. These effects are
applied to a whole generated scene after it is made, so its truth (each
digit's box and label) stays exact: a blur widens a box by a few pixels, far
less than the matching's IoU allows. ``benchmarks/camera.py`` reads the
scene benchmark's photos under fixed doses of each. (A model taught on
harvested scenes given random doses of these read shaken photos only half a
point better, and was not kept: ``benchmarks/RESULTS.md``, 2026-11-23.)
"""

from __future__ import annotations

import cv2
import numpy as np

SAVED_QUALITY = 85  # the JPEG quality a phone saves a noisy picture at


def exposed(image: np.ndarray, gain: float) -> np.ndarray:
    """The picture exposed at ``gain`` times its light (clipped to white above 1)."""
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def darkened(image: np.ndarray, gamma: float) -> np.ndarray:
    """The picture's midtones darkened by ``gamma`` (over 1), its black and white kept."""
    return (255.0 * (image / 255.0) ** gamma).astype(np.uint8)


def noisy(image: np.ndarray, sigma: float, rng: np.random.Generator, quality: int = SAVED_QUALITY) -> np.ndarray:
    """Sensor noise of ``sigma`` grey levels on each channel, then saved as JPEG at ``quality``."""
    grainy = np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", grainy, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if ok else grainy


def shaken(image: np.ndarray, length: int, angle: float = 0.0) -> np.ndarray:
    """A motion blur: the picture smeared evenly along ``length`` pixels at
    ``angle`` degrees (0 is sideways, 90 up and down)."""
    length = max(1, int(length))
    kernel = np.zeros((length, length), np.float32)
    centre = (length - 1) / 2.0
    reach = np.array([np.cos(np.radians(angle)), -np.sin(np.radians(angle))]) * centre
    start = np.round(centre - reach).astype(int)
    end = np.round(centre + reach).astype(int)
    cv2.line(kernel, (int(start[0]), int(start[1])), (int(end[0]), int(end[1])), 1.0, 1)
    return cv2.filter2D(image, -1, kernel / kernel.sum())


def defocused(image: np.ndarray, sigma: float) -> np.ndarray:
    """Out of focus: a Gaussian blur of ``sigma`` pixels."""
    return cv2.GaussianBlur(image, (0, 0), sigma)
