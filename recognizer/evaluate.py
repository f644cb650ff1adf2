"""Measure a model on the 10,000 MNIST test digits and plot what it learnt.

Writes ``confusion_matrix.png`` and, when the model folder holds the
``history.json`` that training writes, ``training_curves.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from recognizer.classify import load_classifier
from recognizer.mnist import load_mnist
from recognizer.model_files import locate

BATCH = 1000


def predict_all(classifier, images: np.ndarray) -> np.ndarray:
    digits = images.astype(np.float32) / 255.0
    return np.concatenate([classifier.predict(digits[i : i + BATCH]) for i in range(0, len(digits), BATCH)])


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """Rows: the true digit; columns: what was read (an 11th: "not a digit")."""
    matrix = np.zeros((10, classes), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def plot_confusion(matrix: np.ndarray, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    shown = np.log1p(matrix)
    ax.imshow(shown, cmap="Blues")
    for (row, col), value in np.ndenumerate(matrix):
        colour = "white" if shown[row, col] > shown.max() * 0.6 else "black"
        ax.text(col, row, str(value), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in range(10)] + ["not a\ndigit"] * (matrix.shape[1] - 10))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_history(history: dict, path: Path, measure: str = "accuracy") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (acc_ax, loss_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("accuracy", "training"), ("val_accuracy", "validation")):
        acc_ax.plot(epochs, history[key], marker="o", ms=3, label=label)
    for key, label in (("loss", "training"), ("val_loss", "validation")):
        loss_ax.plot(epochs, history[key], marker="o", ms=3, label=label)
    acc_ax.set_title(f"{measure} per epoch")
    loss_ax.set_title("loss per epoch")
    loss_ax.set_yscale("log")
    for ax in (acc_ax, loss_ax):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def evaluate(data: Path, model: str | None, runtime: str, output: Path) -> dict:
    images, labels = load_mnist(data, "test")
    classifier = load_classifier(model, runtime)
    probabilities = predict_all(classifier, images)
    predicted = probabilities.argmax(axis=1)  # "not a digit" counts as wrong
    correct = int((predicted == labels).sum())
    accuracy = correct / len(labels)

    output.mkdir(parents=True, exist_ok=True)
    matrix = confusion_matrix(labels, predicted, probabilities.shape[1])
    plots = [output / "confusion_matrix.png"]
    plot_confusion(matrix, plots[0], f"MNIST test: {accuracy * 100:.2f}% of {len(labels)}")
    history_file = locate(model).folder / "history.json"
    if history_file.is_file():
        plots.append(output / "training_curves.png")
        record = json.loads(history_file.read_text())
        # A student's targets are its teachers' readings: its "accuracy" is how often it agrees with them.
        measure = "agreement with the teachers" if record.get("kind") == "student" else "accuracy"
        plot_history(record["history"], plots[-1], measure)
    return {"accuracy": accuracy, "correct": correct, "total": len(labels), "plots": [str(p) for p in plots]}
