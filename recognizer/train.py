"""Train the digit CNN and write ``model.json`` + ``model.h5``.

Reads like keras-io's ``mnist_convnet.py``: constants, data, augmentation,
model, training, saving. The data are MNIST's training digits plus crops that
the tool's own detector makes of generated scenes (``recognizer.harvest``),
digits and non-digits alike: the eleventh class, "not a digit", is how the
reader rejects printed letters, strokes, stains and bad cuts. Only this
module and ``evaluate`` import Keras; the reading path never does.

Three kinds, trained in turn: two teachers ("digits" learns MNIST, "scene" the
detector's crops too), read together as a cascade, and the "student", one
network a third as costly that learns to give the cascade's probabilities
(knowledge distillation) and is the one the reader ships with.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.mnist import load_mnist
from recognizer.model_files import write_checksums

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
INPUT_SHAPE = (28, 28, 1)
SCENES = 400  # generated scenes whose detector crops join the scene model's data
SCENE_VALIDATION_SHARE = 0.1
NEGATIVES_PER_SCENE = 50  # "not a digit" crops kept per scene harvested (a seeded random choice)
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
# Two networks are shipped and read together (``export._combine``):
# "digits" learns MNIST alone (10 classes) and writes model.json / model.h5;
# "scene" also learns the detector's crops of generated scenes, including the
# eleventh class "not a digit", and writes scene.json / scene.h5.
# "student" learns, from a folder holding those two (``--teacher``), to give
# their combined probabilities on their own data, and writes model.json / model.h5.
KINDS = {
    "digits": {"classes": 10, "scenes": 0, "dense": 128, "epochs": 20, "stem": "model"},
    "scene": {"classes": 11, "scenes": SCENES, "dense": 256, "epochs": 25, "stem": "scene"},
    "student": {"classes": 11, "scenes": 1200, "dense": 256, "epochs": 8, "stem": "model"},
}
STUDENT_COPIES = 2  # distorted copies of the training data added for the student, each read by the teacher
EPOCHS = KINDS["digits"]["epochs"]
VALIDATION_SIZE = 5_000  # held out of the training set for the curves
MAX_ROTATION = 12.0 / 360.0  # fraction of a full turn, as Keras expects
MAX_SHIFT = 0.10  # fraction of the image size
MAX_ZOOM = 0.15
THICKNESS_PROB = 0.25  # chance each of dilating or eroding a digit's strokes


@dataclass(frozen=True)
class TrainConfig:
    data: Path
    output: Path
    kind: str = "digits"
    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    limit: int | None = None  # use only the first N training digits (smoke tests)
    scenes: int = SCENES
    init_from: Path | None = None  # start from this model folder's weights (fine-tuning)
    learning_rate: float = LEARNING_RATE
    seed: int = 1
    verbose: int = 2
    teacher: Path | None = None  # the student kind: the folder of the models it learns from


# ----------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------
def _convnet(blocks: list[tuple[int, int, int, float]], classes: int, dense: int, dense_dropout: float, name: str):
    """A VGG-style CNN: for each block (filters, kernel, convolutions, dropout),
    that many 'valid' convolutions, each with a batch norm, then 2x2 pooling and
    dropout; then one dense layer and the softmax.

    'valid' padding keeps the cost low enough to classify a frame's digits in a
    few milliseconds; batch norm after each convolution folds into the
    convolution when the model is exported for inference.
    """
    import keras
    from keras import layers

    stack = [keras.Input(shape=INPUT_SHAPE)]
    for filters, kernel, convolutions, dropout in blocks:
        for _ in range(convolutions):
            stack += [layers.Conv2D(filters, kernel, activation="relu"), layers.BatchNormalization()]
        stack += [layers.MaxPooling2D(2), layers.Dropout(dropout)]
    stack += [layers.Flatten(), layers.Dense(dense, activation="relu"), layers.BatchNormalization(),
              layers.Dropout(dense_dropout), layers.Dense(classes, activation="softmax")]
    return keras.Sequential(stack, name=name)


def build_model(classes: int = 10, dense: int = 128):
    """The teachers: ~10 M multiply-adds per digit.

    Half as wide (16 and 32 filters, a quarter of the cost) the scene model read
    a form's 150 marks in 7 ms instead of 21, but read forms and cluttered
    photos about half a point of end-to-end F1 worse (forms under the 0.97
    aimed at), trained on the labels.
    """
    return _convnet([(32, 3, 2, 0.2), (64, 3, 2, 0.25)], classes, dense, 0.4, "digits")


def build_student(classes: int = 11, dense: int = 256):
    """The network the reader ships: ~4.9 M multiply-adds per mark, a third of
    what the two teachers cost together (9.7 M each; the digit model reads only
    the marks the scene model takes for digits).

    A 5x5 first layer and one pooling step earlier keep the later 3x3 layers on
    small maps. Trained alone on the labels, networks this cheap read scenes
    half a point of end-to-end F1 worse than the teachers; taught their
    probabilities, they read as the teachers do (``benchmarks/RESULTS.md``).
    """
    return _convnet([(32, 5, 1, 0.1), (64, 3, 2, 0.15)], classes, dense, 0.3, "student")


# ----------------------------------------------------------------------------
# Augmentation: shifts, rotation, scale and stroke thickness
# ----------------------------------------------------------------------------
def make_augmenter(seed: int):
    """Return a ``tf.data`` map function that distorts a batch of digits.

    Real crops differ from MNIST in slant, size, position and pen width, so the
    model sees all four during training.
    """
    import tensorflow as tf
    from keras import layers

    geometry = [
        layers.RandomRotation(MAX_ROTATION, fill_mode="constant", seed=seed),
        layers.RandomZoom(MAX_ZOOM, fill_mode="constant", seed=seed + 1),
        layers.RandomTranslation(MAX_SHIFT, MAX_SHIFT, fill_mode="constant", seed=seed + 2),
    ]
    generator = tf.random.Generator.from_seed(seed + 3)

    def augment(images, labels):
        for layer in geometry:
            images = layer(images, training=True)
        batch = tf.shape(images)[0]
        choice = generator.uniform([batch, 1, 1, 1])
        thicker = tf.nn.max_pool2d(images, 3, 1, "SAME")
        thinner = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
        images = tf.where(choice < THICKNESS_PROB, thicker, images)
        images = tf.where(choice > 1.0 - THICKNESS_PROB, thinner, images)
        return tf.clip_by_value(images, 0.0, 1.0), labels

    return augment


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
def prepare(images: np.ndarray) -> np.ndarray:
    """uint8 [n, 28, 28] -> float32 [n, 28, 28, 1] in 0..1, the model's input."""
    return (images.astype("float32") / 255.0)[..., None]


def harvest_scenes(config: TrainConfig, images: np.ndarray, labels: np.ndarray):
    """Detector crops of generated scenes drawn with MNIST *train* digits and pen strokes."""
    from recognizer.harvest import NOT_A_DIGIT, harvest
    from recognizer.scenes import MnistGlyphs, StrokeGlyphs

    def progress(done: int, total: int) -> None:
        if config.verbose and (done % 50 == 0 or done == total):
            print(f"harvested {done}/{total} scenes", flush=True)

    crops = harvest(config.scenes, [MnistGlyphs(images, labels), StrokeGlyphs()], config.seed, progress)
    negatives = np.flatnonzero(crops.labels == NOT_A_DIGIT)
    most = NEGATIVES_PER_SCENE * config.scenes
    if len(negatives) > most:
        rng = np.random.default_rng(config.seed)
        drop = rng.choice(negatives, len(negatives) - most, replace=False)
        keep = np.setdiff1d(np.arange(len(crops.labels)), drop)
        order = rng.permutation(keep)  # mixed, so the validation share holds both kinds
        crops.crops, crops.labels = crops.crops[order], crops.labels[order]
    return crops


def load_training_data(config: TrainConfig):
    images, labels = load_mnist(config.data, "train")
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(images))
    images, labels = images[order], labels[order]
    val_size = VALIDATION_SIZE if config.limit is None else max(1, config.limit // 10)
    val_images, val_labels = images[:val_size], labels[:val_size]
    train_images, train_labels = images[val_size:], labels[val_size:]
    if config.limit is not None:
        train_images, train_labels = train_images[: config.limit], train_labels[: config.limit]
    if config.scenes:
        crops = harvest_scenes(config, train_images, train_labels)
        cut = int(len(crops.labels) * SCENE_VALIDATION_SHARE)
        val_images = np.concatenate([val_images, crops.crops[:cut]])
        val_labels = np.concatenate([val_labels, crops.labels[:cut]])
        train_images = np.concatenate([train_images, crops.crops[cut:]])
        train_labels = np.concatenate([train_labels, crops.labels[cut:]])
    return (prepare(train_images), train_labels), (prepare(val_images), val_labels)


def teach(config: TrainConfig, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray):
    """The student's data: the training data and ``STUDENT_COPIES`` distorted
    copies of it, each image with the teacher's probabilities as its target, and
    the teacher's probabilities on the held-out data.

    The copies are made once, before training, so that the teacher (through
    onnxruntime, as the reader runs it) reads each image the student sees; the
    targets are the teacher's calibrated probabilities, which the reader's
    thresholds were chosen on, so the student needs no calibration of its own.
    """
    import tensorflow as tf

    from recognizer.classify import load_classifier
    from recognizer.errors import RecognizerError

    if config.teacher is None:
        raise RecognizerError("--teacher", "the student kind needs the folder of the models it learns from")
    teacher = load_classifier(str(config.teacher))
    if teacher.predict(x_val[:1]).shape[1] != KINDS["student"]["classes"]:
        raise RecognizerError(config.teacher, "a teacher must also read 'not a digit': train its scene model first")
    augment = make_augmenter(config.seed + 6)
    copies = [x_train]
    for _ in range(STUDENT_COPIES):
        batches = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(4096).map(augment)
        copies.append(np.concatenate([images.numpy() for images, _ in batches]))
    images = np.concatenate(copies)

    def read(x: np.ndarray) -> np.ndarray:
        return np.concatenate([teacher.predict(x[k : k + 4096]) for k in range(0, len(x), 4096)])

    return images, np.tile(y_train, len(copies)), read(images), read(x_val)


# ----------------------------------------------------------------------------
# Calibration: one temperature so that a confidence of 0.9 is right 9 times in 10
# ----------------------------------------------------------------------------
def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """The temperature T minimising log-loss of softmax(log(p) / T) on held-out data."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0))

    def scaled(t: float) -> np.ndarray:
        z = logits / t
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def nll(t: float) -> float:
        return float(-np.log(np.clip(scaled(t)[np.arange(len(labels)), labels], 1e-12, 1.0)).mean())

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 121))
    best = float(min(grid, key=nll))
    return {
        "temperature": round(best, 4),
        "held_out": int(len(labels)),
        "log_loss_before": round(nll(1.0), 5),
        "log_loss_after": round(nll(best), 5),
        "ece_before": round(expected_calibration_error(probabilities, labels), 5),
        "ece_after": round(expected_calibration_error(scaled(best), labels), 5),
    }


def calibrate(config: TrainConfig, model=None) -> dict:
    """Fit and write ``calibration.json`` for the scene model, on the held-out data its training used."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if model is None:
        model = keras.models.model_from_json((config.output / "scene.json").read_text())
        model.load_weights(config.output / "scene.h5")
    _, (x_val, y_val) = load_training_data(config)
    report = fit_temperature(np.asarray(model.predict(x_val, batch_size=1024, verbose=0)), y_val)
    (config.output / "calibration.json").write_text(json.dumps(report, indent=1) + "\n")
    write_checksums(config.output)
    return report


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------
def train(config: TrainConfig) -> dict:
    """Train, save model.json / model.h5 / history.json, and return a summary."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_val, y_val) = load_training_data(config)
    spec = KINDS[config.kind]
    student = config.kind == "student"
    if student:
        # Targets are the teacher's probabilities; "accuracy" is then how often
        # the student's reading is the teacher's.
        x_train, y_train, targets, val_targets = teach(config, x_train, y_train, x_val)
        train_ds = tf.data.Dataset.from_tensor_slices((x_train, targets))
        validation = (x_val, val_targets)
    else:
        train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train))
        validation = (x_val, y_val)
    train_ds = train_ds.shuffle(len(x_train), seed=config.seed, reshuffle_each_iteration=True).batch(config.batch_size)
    if not student:  # the student's copies are distorted already, as its teacher read them
        train_ds = train_ds.map(make_augmenter(config.seed), num_parallel_calls=tf.data.AUTOTUNE)
    train_ds = train_ds.prefetch(tf.data.AUTOTUNE)
    steps = max(1, int(np.ceil(len(x_train) / config.batch_size))) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.01)

    model = build_student(spec["classes"], spec["dense"]) if student else build_model(spec["classes"], spec["dense"])
    if config.init_from is not None:
        model.load_weights(Path(config.init_from) / f"{spec['stem']}.h5")
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="categorical_crossentropy" if student else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    started = time.perf_counter()
    history = model.fit(
        train_ds,
        epochs=config.epochs,
        validation_data=validation,
        shuffle=False,  # the dataset reshuffles itself each epoch
        verbose=config.verbose,
    )
    seconds = time.perf_counter() - started

    # ------------------------------------------------------------------------
    # Saving: model.json + model.h5 are the source of truth
    # ------------------------------------------------------------------------
    config.output.mkdir(parents=True, exist_ok=True)
    stem = spec["stem"]
    (config.output / f"{stem}.json").write_text(model.to_json(indent=1) + "\n")
    model.save(config.output / f"{stem}.h5")
    record = {
        "kind": config.kind,
        "epochs": config.epochs,
        "scenes": config.scenes,
        "init_from": str(config.init_from) if config.init_from else None,
        "learning_rate": config.learning_rate,
        "train_per_class": np.bincount(y_train, minlength=spec["classes"]).tolist(),
        "train_size": int(len(x_train)),
        "validation_size": int(len(x_val)),
        "seconds": round(seconds, 1),
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
    }
    if student:
        read = np.asarray(model.predict(x_val, batch_size=1024, verbose=0)).argmax(axis=1)
        record["teacher"] = str(config.teacher)
        record["copies"] = STUDENT_COPIES
        record["held_out_accuracy"] = {"student": float((read == y_val).mean()),
                                       "teacher": float((val_targets.argmax(axis=1) == y_val).mean()),
                                       "agreement": float((read == val_targets.argmax(axis=1)).mean())}
        # The targets were calibrated probabilities: the student's own are used as they are.
        (config.output / "calibration.json").unlink(missing_ok=True)
    history_name = "history.json" if stem == "model" else f"{stem}_history.json"
    (config.output / history_name).write_text(json.dumps(record, indent=1) + "\n")
    if config.kind == "scene":  # the scene model's confidences are the ones calibrated
        probabilities = np.asarray(model.predict(x_val, batch_size=1024, verbose=0))
        record["calibration"] = fit_temperature(probabilities, y_val)
        (config.output / "calibration.json").write_text(json.dumps(record["calibration"], indent=1) + "\n")
    write_checksums(config.output)  # the folder's files as written now are the ones to trust
    return record
