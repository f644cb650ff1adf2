"""What a poor camera does to a finished picture: shake, focus, light and noise.

Users' photos are not taken by a steady hand in good light. These effects are
applied to a whole generated scene after it is made, so its truth (each
digit's box and label) stays exact: a blur widens a box by a few pixels, far
less than the matching's IoU allows. ``benchmarks/camera.py`` reads the
scene benchmark's photos under fixed doses of each; ``recognizer.harvest``
gives a share of its training scenes a random one (``poor_camera``), so that
the model learns the crops a shaken or blurred photo makes.
"""

from __future__ import annotations

import cv2
import numpy as np

SAVED_QUALITY = 85  # the JPEG quality a phone saves a noisy picture at

# ``poor_camera``'s doses: each drawn uniformly from its range.
SHAKE_LENGTHS = (3, 13)  # pixels of motion, at any angle
FOCUS_SIGMAS = (0.8, 2.5)  # pixels: an out-of-focus blur's standard deviation
NOISE_SIGMAS = (5.0, 20.0)  # grey levels of sensor noise a channel, then saved as JPEG
GAINS = (0.3, 0.6)  # the share of the light a dim picture is exposed at
GAMMAS = (1.5, 2.4)  # midtones darkened, as in a picture exposed for a window


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


def poor_camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One of the effects above, at a random dose: a shake at any angle, a
    blur, noise saved as JPEG, dim light, or darkened midtones. Blurs come
    up twice as often as the rest, since it is their crops (smeared strokes,
    neighbours run together) that the model has to learn; the reader's page
    learning already evens out light and noise."""
    effect = rng.choice(["shake", "shake", "focus", "focus", "noise", "dim", "gamma"])
    if effect == "shake":
        return shaken(image, int(rng.integers(SHAKE_LENGTHS[0], SHAKE_LENGTHS[1] + 1)), float(rng.uniform(0, 180)))
    if effect == "focus":
        return defocused(image, float(rng.uniform(*FOCUS_SIGMAS)))
    if effect == "noise":
        return noisy(image, float(rng.uniform(*NOISE_SIGMAS)), rng)
    if effect == "dim":
        return exposed(image, float(rng.uniform(*GAINS)))
    return darkened(image, float(rng.uniform(*GAMMAS)))
