"""Training smoke test: one epoch on a few hundred digits, no ../shared needed."""

import gzip
import json

import numpy as np
import pytest

from recognizer.mnist import load_mnist

pytest.importorskip("tensorflow", reason="training needs TensorFlow (pip install -e '.[dev]')")


def _write_idx(path, array, magic):
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    """A few hundred synthetic handwritten digits in MNIST's own IDX format."""
    import cv2

    from recognizer.synthetic import render_digit

    folder = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(0)
    for split, count in (("train", 400), ("t10k", 100)):
        labels = rng.integers(0, 10, count)
        images = np.zeros((count, 28, 28), np.uint8)
        for i, label in enumerate(labels):
            glyph = render_digit(int(label), 20, rng)[:, :20]
            h, w = glyph.shape
            images[i, 4 : 4 + h, 14 - w // 2 : 14 - w // 2 + w] = (glyph * 255).astype(np.uint8)
        images = np.stack([cv2.GaussianBlur(im, (3, 3), 0.5) for im in images])
        _write_idx(folder / f"{split}-images-idx3-ubyte.gz", images, 2051)
        _write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels, 2049)
    return folder


def test_idx_reader_round_trip(tiny_mnist):
    images, labels = load_mnist(tiny_mnist, "test")
    assert images.shape == (100, 28, 28) and labels.shape == (100,)
    assert images.max() == 255 and set(labels) <= set(range(10))


@pytest.mark.slow
def test_train_one_epoch_writes_a_model_that_reads(tiny_mnist, tmp_path):
    from recognizer.cli import main
    from recognizer.classify import load_classifier

    out = tmp_path / "model"
    assert main(["train", "--data", str(tiny_mnist), "--output", str(out), "--epochs", "1", "--limit", "300"]) == 0
    for name in ("model.json", "model.h5", "model.onnx", "history.json"):
        assert (out / name).is_file(), name
    assert load_classifier(str(out)).predict(np.zeros((2, 28, 28), np.float32)).shape == (2, 10)
    student = ["train", "--data", str(tiny_mnist), "--output", str(tmp_path / "student"), "--kind", "student",
               "--teacher", str(out), "--epochs", "1", "--limit", "300", "--scenes", "2"]
    assert main(student) == 1  # a digit model alone cannot teach "not a digit"
    assert main(["train", "--data", str(tiny_mnist), "--output", str(out), "--kind", "scene", "--epochs", "1",
                 "--limit", "300", "--scenes", "3"]) == 0
    for name in ("scene.json", "scene.h5", "scene_history.json", "calibration.json"):
        assert (out / name).is_file(), name
    probabilities = load_classifier(str(out)).predict(np.zeros((4, 28, 28), np.float32))
    assert probabilities.shape == (4, 11)  # ten digits and "not a digit", from both networks
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert main(["evaluate", "--data", str(tiny_mnist), "--model", str(out), "--output", str(tmp_path / "ev")]) == 0
    assert (tmp_path / "ev" / "confusion_matrix.png").is_file()
    assert (tmp_path / "ev" / "training_curves.png").is_file()

    # The student: one network taught by the two above, written as the model a reader loads on its own.
    assert main(student) == 0
    taught = tmp_path / "student"
    for name in ("model.json", "model.h5", "model.onnx", "history.json"):
        assert (taught / name).is_file(), name
    assert not (taught / "scene.json").exists() and not (taught / "calibration.json").exists()
    record = json.loads((taught / "history.json").read_text())
    assert record["kind"] == "student" and record["teacher"] == str(out)
    assert record["copies"] >= 1 and all(n % (1 + record["copies"]) == 0 for n in record["train_per_class"])
    held_out = record["held_out_accuracy"]
    assert all(0.0 <= held_out[key] <= 1.0 for key in ("student", "teacher", "agreement"))
    probabilities = load_classifier(str(taught)).predict(np.zeros((4, 28, 28), np.float32))
    assert probabilities.shape == (4, 11)


def test_temperature_fit_softens_overconfident_scores():
    from recognizer.train import fit_temperature

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    logits = rng.normal(0, 1, (2000, 10))
    logits[np.arange(2000), labels] += 1.5  # right about 60 % of the time...
    sharp = np.exp(logits * 6)  # ...but claiming near-certainty
    sharp /= sharp.sum(axis=1, keepdims=True)
    report = fit_temperature(sharp, labels)
    assert report["temperature"] > 2
    assert report["log_loss_after"] < report["log_loss_before"]
    assert report["ece_after"] < report["ece_before"]
