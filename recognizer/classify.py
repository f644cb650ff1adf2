"""Classify a batch of normalised digits in one call.

Two runtimes behind one interface: ``onnx`` (the default: onnxruntime loads in
~0.1 s and runs a frame's digits in a few ms) and ``keras`` (loads the
``model.json`` + ``model.h5`` pair with Keras itself; pays TensorFlow's
import, kept for comparison and as a reference).
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from recognizer.errors import RecognizerError
from recognizer.model_files import ModelFiles, locate, onnx_session

RUNTIMES = ("onnx", "keras")


class Classifier(Protocol):
    def predict(self, digits: np.ndarray) -> np.ndarray:
        """float32 [n, 28, 28] (ink = 1) -> class probabilities [n, classes]."""


def _as_batch(digits: np.ndarray) -> np.ndarray:
    batch = np.asarray(digits, dtype=np.float32)
    return batch.reshape(len(batch), 28, 28, 1)


class OnnxClassifier:
    def __init__(self, files: ModelFiles) -> None:
        self.files = files
        self.session = onnx_session(files)
        self.input_name = self.session.get_inputs()[0].name
        self.classes = int(self.session.get_outputs()[0].shape[-1])

    def predict(self, digits: np.ndarray) -> np.ndarray:
        if len(digits) == 0:
            return np.zeros((0, self.classes), dtype=np.float32)
        return self.session.run(None, {self.input_name: _as_batch(digits)})[0]


class KerasClassifier:
    def __init__(self, files: ModelFiles) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        self.files = files
        try:
            self.model = keras.models.model_from_json(files.json.read_text())
        except (ValueError, TypeError, KeyError) as exc:
            raise RecognizerError(files.json, f"Keras cannot build this model ({exc})") from exc
        try:
            self.model.load_weights(files.h5)
        except (ValueError, OSError, KeyError) as exc:
            raise RecognizerError(files.h5, f"Keras cannot load these weights ({exc})") from exc
        self.classes = int(self.model.output_shape[-1])

    def predict(self, digits: np.ndarray) -> np.ndarray:
        if len(digits) == 0:
            return np.zeros((0, self.classes), dtype=np.float32)
        return np.asarray(self.model.predict(_as_batch(digits), verbose=0))


def load_classifier(model: str | None = None, runtime: str = "onnx") -> Classifier:
    files = locate(model)
    if runtime == "keras":
        return KerasClassifier(files)
    return OnnxClassifier(files)
