"""Find out how a model from elsewhere wants its digits fed.

Tutorial models differ in what they learnt from: MNIST scaled to 0-1 or left
at 0-255, white digits on black (as MNIST) or black on white. Nothing in a
model file says which, so the model is asked: it reads a fixed set of
reference digits (drawn by ``recognizer.synthetic`` and normalised exactly as
the reader normalises crops; no dataset needed) in each way, and the way it
reads best is the one it was trained for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.export import Feeding, build_onnx
from recognizer.keras_files import KerasModel

FEEDINGS = (Feeding(1.0, False), Feeding(255.0, False), Feeding(1.0, True), Feeding(255.0, True))
PER_CLASS = 8  # reference digits of each class
MIN_ACCURACY = 0.6  # below this the model reads even the best feeding poorly: the user is told


@dataclass
class FeedingReport:
    feeding: Feeding
    accuracy: float  # on the reference digits, with that feeding
    tried: dict[str, float]  # every feeding tried -> accuracy

    @property
    def doubtful(self) -> bool:
        return self.accuracy < MIN_ACCURACY


def reference_digits(per_class: int = PER_CLASS, seed: int = 20261121) -> tuple[np.ndarray, np.ndarray]:
    """float32 [n, 28, 28] (ink 1) and their labels: drawn digits, normalised as crops are."""
    from recognizer.normalise import normalise
    from recognizer.synthetic import render_digit
    from recognizer.types import Box

    rng = np.random.default_rng(seed)
    digits, labels = [], []
    for label in range(10):
        for _ in range(per_class):
            ink = (render_digit(label, int(rng.integers(28, 60)), rng) * 255).astype(np.uint8)
            mask = ink > 64
            box = Box(0, 0, ink.shape[1], ink.shape[0])
            digits.append(normalise(ink, box, mask, 64.0))
            labels.append(label)
    return np.stack(digits).astype(np.float32), np.asarray(labels)


def detect_feeding(model: KerasModel) -> FeedingReport:
    """Run the model's plain graph on the reference digits in every feeding; keep the best.

    Ties keep the earlier feeding in ``FEEDINGS`` (0-1, MNIST polarity first).
    """
    import onnxruntime as ort

    proto = build_onnx(model, Feeding(), with_scene=False)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    digits, labels = reference_digits()
    tried: dict[str, float] = {}
    best, best_accuracy = FEEDINGS[0], -1.0
    for feeding in FEEDINGS:
        batch = feeding.apply(digits)[..., None].astype(np.float32)
        predicted = session.run(None, {"digits": batch})[0][:, :10].argmax(axis=1)
        accuracy = float((predicted == labels).mean())
        tried[feeding.describe()] = accuracy
        if accuracy > best_accuracy:
            best, best_accuracy = feeding, accuracy
    return FeedingReport(best, best_accuracy, tried)
