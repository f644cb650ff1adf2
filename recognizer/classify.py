"""Classify a batch of normalised digits in one call.

Two runtimes behind one interface: ``onnx`` (the default: onnxruntime loads in
~0.1 s and runs a frame's digits in a few ms) and ``keras`` (loads the
``model.json`` + ``model.h5`` pair with Keras itself; pays TensorFlow's
import, kept for comparison and as a reference).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from recognizer.errors import RecognizerError
from recognizer.export import REJECT_AT
from recognizer.model_files import ModelFiles, locate, onnx_session

RUNTIMES = ("onnx", "keras")


class Classifier(Protocol):
    def predict(self, digits: np.ndarray) -> np.ndarray:
        """float32 [n, 28, 28] (ink = 1) -> class probabilities [n, classes]."""


def _as_batch(digits: np.ndarray) -> np.ndarray:
    batch = np.asarray(digits, dtype=np.float32)
    return batch.reshape(len(batch), 28, 28, 1)


class OnnxClassifier:
    runtime = "onnx"

    def __init__(self, files: ModelFiles) -> None:
        self.files = files
        self.session = onnx_session(files)
        self.input_name = self.session.get_inputs()[0].name
        self.classes = int(self.session.get_outputs()[0].shape[-1])

    def predict(self, digits: np.ndarray) -> np.ndarray:
        if len(digits) == 0:
            return np.zeros((0, self.classes), dtype=np.float32)
        return self.session.run(None, {self.input_name: _as_batch(digits)})[0]


def calibrate_probabilities(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log(p) / T), as the derived ONNX graph computes it."""
    if temperature == 1.0:
        return probabilities
    z = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def combine(digits: np.ndarray, scene: np.ndarray) -> np.ndarray:
    """Digit model [n, 10] + scene model [n, 11] -> [n, 11], as the derived ONNX
    graph does (``export._combine`` and ``export._cascade``): rows the scene
    model rejects keep its output."""
    not_digit = scene[:, 10:11]
    is_digit = 1.0 - not_digit
    mean = 0.5 * (digits + scene[:, :10] / np.maximum(is_digit, 1e-6))
    combined = np.concatenate([mean * is_digit, not_digit], axis=1)
    return np.where(not_digit >= REJECT_AT, scene, combined).astype(np.float32)


def _keras_model(json_path: Path, h5_path: Path):
    import keras

    try:
        model = keras.models.model_from_json(json_path.read_text())
    except (ValueError, TypeError, KeyError) as exc:
        raise RecognizerError(json_path, f"Keras cannot build this model ({exc})") from exc
    try:
        model.load_weights(h5_path)
    except (ValueError, OSError, KeyError) as exc:
        raise RecognizerError(h5_path, f"Keras cannot load these weights ({exc})") from exc
    return model


class KerasClassifier:
    """The same reading through Keras itself (and the scene model beside it, if any)."""

    runtime = "keras"

    def __init__(self, files: ModelFiles) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from recognizer.export import read_temperature, scene_pair
        from recognizer.keras_files import load_keras_model
        from recognizer.model_files import verify_checksums

        if files.json is None:
            raise RecognizerError(files.path, "--runtime keras reads model.json + .h5 pairs; "
                                              "other files are read with the default runtime")
        load_keras_model(files.path)  # refuses code (Lambda, custom objects) before Keras sees the file
        verify_checksums(files.folder)
        self.files = files
        self.model = _keras_model(files.json, files.h5)
        scene = scene_pair(files.json)
        self.scene = _keras_model(*scene) if scene else None
        self.temperature = read_temperature(files.json)
        self.classes = 11 if self.scene is not None else int(self.model.output_shape[-1])

    def predict(self, digits: np.ndarray) -> np.ndarray:
        if len(digits) == 0:
            return np.zeros((0, self.classes), dtype=np.float32)
        batch = _as_batch(digits)
        main = np.asarray(self.model.predict(batch, verbose=0))
        if self.scene is None:
            return calibrate_probabilities(main, self.temperature)
        scene = calibrate_probabilities(np.asarray(self.scene.predict(batch, verbose=0)), self.temperature)
        return combine(main, scene)


class RecentCrops:
    """A classifier for video: a crop that is the same as one read in the last
    frame (up to camera noise) reuses that reading instead of being read again.

    A digit that stays in view gives nearly the same normalised 28x28 crop
    frame after frame (the crop is centred by mass, so a camera's shake does
    not move it). "The same" is a root-mean-square difference under
    ``tolerance`` (ink is 0..1): far under the difference between two
    instances of one digit (measured >= 0.05), so a changed digit is read anew.
    The crops of the last ``CALLS`` calls are remembered: a frame's marks, the
    few marks read 7 on a rule that are read again in a second call, and on a
    frame whose rows run tilted, both again for its levelled copy
    (``read_array``).
    """

    CALLS = 4

    def __init__(self, classifier: Classifier, tolerance: float = 0.02) -> None:
        self.classifier, self.tolerance = classifier, tolerance
        self.runtime = getattr(classifier, "runtime", "onnx")
        self.files = getattr(classifier, "files", None)
        self._calls: list[tuple[np.ndarray, np.ndarray]] = []  # (crops, probabilities) of the last calls
        self.reused = self.read = 0  # counts, for benchmarks

    def predict(self, digits: np.ndarray) -> np.ndarray:
        batch = np.asarray(digits, dtype=np.float32).reshape(len(digits), 784)
        result = None
        fresh = np.arange(len(batch))
        if self._calls and len(batch):
            crops = np.concatenate([crops for crops, _ in self._calls])
            known = np.concatenate([probabilities for _, probabilities in self._calls])
            # Squared distances to every remembered crop in one matrix product.
            distances = (np.square(batch).sum(1)[:, None] + np.square(crops).sum(1)[None, :]
                         - 2.0 * batch @ crops.T) / 784.0
            nearest = distances.argmin(axis=1)
            same = distances[np.arange(len(batch)), nearest] < self.tolerance ** 2
            result = np.empty((len(batch), known.shape[1]), np.float32)
            result[same] = known[nearest[same]]
            fresh = np.flatnonzero(~same)
        if len(fresh) or result is None:
            probabilities = self.classifier.predict(batch[fresh].reshape(-1, 28, 28))
            if result is None:
                result = probabilities
            else:
                result[fresh] = probabilities
        self.reused += len(batch) - len(fresh)
        self.read += len(fresh)
        self._calls = (self._calls + [(batch, result)])[-self.CALLS:]
        return result


def load_classifier(model: str | None = None, runtime: str = "onnx") -> Classifier:
    files = locate(model)
    if runtime == "keras":
        return KerasClassifier(files)
    return OnnxClassifier(files)
