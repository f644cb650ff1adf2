"""Make the model files that users bring: Keras 2 and Keras 3, as tutorials saved them.

    pip install tf-keras            # Keras 2 (tf.keras 2.x) beside Keras 3; only this script needs it
    python benchmarks/byom/make_models.py --data ../shared/data/mnist --out out/byom

Each model is trained briefly on MNIST *train* and saved the way the seed
tutorials did; ``run.py`` then loads every one through ``--model`` and
measures it on MNIST *test*. Nothing here is imported by the tool.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from recognizer.mnist import load_mnist  # noqa: E402

EPOCHS = 2
TRAIN_LIMIT = 30_000  # enough for ~98-99 % in two epochs


def keras2():
    try:
        import tf_keras
    except ImportError:
        sys.exit("this script needs Keras 2 beside Keras 3: pip install tf-keras")
    return tf_keras


def cnn(keras, input_shape=(28, 28, 1), data_format="channels_last"):
    layers = keras.layers
    return keras.Sequential([
        layers.Conv2D(32, 3, activation="relu", input_shape=input_shape, data_format=data_format),
        layers.MaxPooling2D(2, data_format=data_format),
        layers.Conv2D(64, 3, activation="relu", data_format=data_format),
        layers.MaxPooling2D(2, data_format=data_format),
        layers.Flatten(data_format=data_format),
        layers.Dropout(0.25),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def fit(model, x, y, keras, logits=False):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=loss, metrics=["accuracy"])
    model.fit(x, y, epochs=EPOCHS, batch_size=128, verbose=2)
    return model


def save_pair(model, folder: Path, json_text: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json_text or model.to_json())
    model.save_weights(str(folder / "model.h5"))


def note_accuracy(model, x, y, folder: Path) -> None:
    """Keras's own MNIST test accuracy, for run.py to set beside the tool's."""
    folder.mkdir(parents=True, exist_ok=True)
    predicted = np.asarray(model.predict(x, batch_size=1000, verbose=0)).argmax(axis=1)
    (folder / "keras_accuracy.txt").write_text(f"{(predicted == y).mean():.4f}\n")


def old_layout(json_text: str) -> str:
    """The Keras 2.0-2.2 layout: a bare list of layers, batch_input_shape on the
    first layer (no InputLayer), no module keys."""
    spec = json.loads(json_text)
    layers = [l for l in spec["config"]["layers"] if l["class_name"] != "InputLayer"]
    for layer in layers:
        layer.pop("module", None)
        layer.pop("registered_name", None)
    layers[0]["config"]["batch_input_shape"] = [None, 28, 28, 1]
    return json.dumps({"class_name": "Sequential", "keras_version": "2.2.4", "backend": "tensorflow",
                       "config": layers})


def channels_first_twin(keras, trained, folder: Path) -> None:
    """The trained CNN as a Theano-era channels-first model: same weights, the
    Dense kernel's rows reordered from (h, w, c) to (c, h, w) flattening."""
    twin = cnn(keras, (1, 28, 28), "channels_first")
    weights = trained.get_weights()
    kernel = weights[4]  # the first Dense: 5*5*64 rows
    weights[4] = kernel.reshape(5, 5, 64, -1).transpose(2, 0, 1, 3).reshape(kernel.shape)
    twin.set_weights(weights)
    save_pair(twin, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--out", default="out/byom")
    args = parser.parse_args()
    out = Path(args.out)
    images, labels = load_mnist(Path(args.data), "train")
    images, labels = images[:TRAIN_LIMIT], labels[:TRAIN_LIMIT]
    unit = (images.astype(np.float32) / 255.0)[..., None]
    test_images, test_labels = load_mnist(Path(args.data), "test")
    test_unit = (test_images.astype(np.float32) / 255.0)[..., None]

    k2 = keras2()
    k2.utils.set_random_seed(1)
    model = fit(cnn(k2), unit, labels, k2)
    for name in ("keras2_cnn", "keras2_old_layout", "keras2_channels_first", "keras2_full"):
        note_accuracy(model, test_unit, test_labels, out / name)  # the twin: the weights it was made from
    save_pair(model, out / "keras2_cnn")
    save_pair(model, out / "keras2_old_layout", old_layout(model.to_json()))
    channels_first_twin(k2, model, out / "keras2_channels_first")
    model.save(str(out / "keras2_full" / "mnist_model.h5"))  # full model, with its training config

    inverted = fit(cnn(k2), 1.0 - unit, labels, k2)  # dark digits on light paper
    save_pair(inverted, out / "keras2_inverted")
    note_accuracy(inverted, 1.0 - test_unit, test_labels, out / "keras2_inverted")

    mlp = k2.Sequential([k2.layers.Dense(512, activation="relu", input_shape=(784,)), k2.layers.Dropout(0.2),
                         k2.layers.Dense(10)])
    fit(mlp, images.reshape(len(images), 784).astype(np.float32), labels, k2, logits=True)  # raw 0-255, logits
    save_pair(mlp, out / "keras2_mlp_255_logits")
    note_accuracy(mlp, test_images.reshape(-1, 784).astype(np.float32), test_labels, out / "keras2_mlp_255_logits")

    lam = k2.Sequential([k2.layers.Lambda(lambda x: x / 255.0, input_shape=(28, 28, 1)), k2.layers.Flatten(),
                         k2.layers.Dense(10, activation="softmax")])
    save_pair(lam, out / "keras2_lambda")  # never trained: it must be refused before anything reads it

    import keras as k3

    k3.utils.set_random_seed(1)
    model3 = fit(k3.Sequential([k3.Input((28, 28, 1)), k3.layers.Rescaling(1 / 255.0), *cnn(k3).layers]),
                 unit * 255.0, labels, k3)  # Keras 3 style: the model scales 0-255 pixels itself
    for name in ("keras3_archive", "keras3_full_h5"):
        note_accuracy(model3, test_unit * 255.0, test_labels, out / name)
    model3.save(out / "keras3_archive" / "digits.keras")
    model3.save(out / "keras3_full_h5" / "digits.h5")
    print(f"wrote the models under {out}")


if __name__ == "__main__":
    main()
