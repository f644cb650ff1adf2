"""``recognizer model info``: what a model file holds and how it will be read.

Everything here comes from reading the file as data (``keras_files``) and
asking the model about reference digits (``feeding``); nothing from the file
is executed and TensorFlow is never imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from recognizer.export import scene_pair, sha256_file, source_files
from recognizer.feeding import FeedingReport, detect_feeding
from recognizer.keras_files import KerasModel, load_keras_model

OUTPUT_READING = {
    "softmax": "softmax probabilities (used as they are)",
    "sigmoid": "sigmoid scores (normalised to sum to one)",
    "linear": "logits (a softmax is added)",
}


@dataclass
class ModelInfo:
    model: KerasModel
    hashes: dict[str, str]  # file name -> sha256
    feeding: FeedingReport
    scene: Path | None  # the scene model read beside it, if any
    accuracy: float | None = None  # MNIST test, when measured
    notes: list[str] = field(default_factory=list)


def describe_model(path: str | Path) -> ModelInfo:
    from recognizer.model_files import locate

    files = locate(path)
    model = load_keras_model(files.path)
    hashes = {p.name: sha256_file(p) for p in source_files(files.path).values()}
    scene = scene_pair(files.path) if model.format == "json+h5" else None
    return ModelInfo(model, hashes, detect_feeding(model), scene[0] if scene else None)


def measure_mnist(path: str | Path, data: Path) -> float:
    """Accuracy on the 10,000 MNIST test digits, read exactly as the reader reads."""
    from recognizer.classify import load_classifier
    from recognizer.evaluate import predict_all
    from recognizer.mnist import load_mnist

    images, labels = load_mnist(data, "test")
    probabilities = predict_all(load_classifier(str(path)), images)
    return float((probabilities.argmax(axis=1) == labels).mean())


def _layer_line(layer) -> str:
    cfg = layer.config
    details = []
    for key in ("filters", "units", "kernel_size", "pool_size", "strides", "padding", "activation", "rate",
                "target_shape", "data_format"):
        value = cfg.get(key)
        if value not in (None, "linear", "valid", "channels_last", [1, 1], (1, 1)):
            details.append(f"{key}={value}")
    params = sum(w.size for w in layer.weights)
    return f"  {layer.name:<24} {layer.class_name:<20} {params:>9,d}  {' '.join(details)}"


def format_info(info: ModelInfo) -> str:
    m = info.model
    best = info.feeding
    lines = [
        f"model: {m.path}",
        f"  format: {m.format}; saved by Keras {m.keras_version or 'unknown'}"
        + (f" ({m.backend} backend)" if m.backend else ""),
        *(f"  sha256 {digest}  {name}" for name, digest in info.hashes.items()),
        f"input: {m.input_shape} ({m.data_format.replace('_', '-')}); fed {best.feeding.describe()}",
        f"  detected: reference digits read {best.accuracy:.0%} this way ("
        + ", ".join(f"{k}: {v:.0%}" for k, v in best.tried.items() if k != best.feeding.describe()) + ")",
        f"output: {m.classes} classes, {OUTPUT_READING.get(m.output_activation, m.output_activation + ' scores (a softmax is added)')}",
        f"layers ({len(m.layers)}, {m.parameters:,d} parameters):",
        *(_layer_line(layer) for layer in m.layers),
    ]
    if info.scene:
        lines.append(f"read together with the scene model {info.scene.name} (adds 'not a digit')")
    lines.append("translated: " + ("; ".join(m.translated) if m.translated else "nothing (read as saved)"))
    if best.doubtful:
        lines.append(f"warning: the model reads the reference digits poorly ({best.accuracy:.0%}) in every "
                     "feeding tried; it may not be an MNIST digit model")
    if info.accuracy is not None:
        lines.append(f"MNIST test accuracy: {info.accuracy * 100:.2f}%")
    return "\n".join(lines)
