"""model.json + model.h5 -> model.onnx, checked against Keras itself."""

import shutil

import numpy as np
import pytest

from recognizer.errors import RecognizerError
from recognizer.model_files import ModelFiles, locate, onnx_session

keras = pytest.importorskip("keras", reason="Keras is needed to build reference models (pip install -e '.[dev]')")


def _save(model, folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(model.to_json())
    model.save(folder / "model.h5")
    return locate(folder)


@pytest.fixture(scope="module")
def small_model():
    from keras import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(6, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(8, 3, padding="same", strides=1, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Dropout(0.3),
        layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(16, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(10, activation="softmax"),
    ])
    # Give batch norm non-trivial statistics so folding mistakes would show.
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            n = layer.gamma.shape[0]
            rng = np.random.default_rng(n)
            layer.set_weights([rng.uniform(0.5, 2, n), rng.normal(0, 1, n), rng.normal(0, 1, n), rng.uniform(0.5, 2, n)])
    return model


def test_onnx_matches_keras(small_model, tmp_path):
    files = _save(small_model, tmp_path / "m")
    session = onnx_session(files)
    batch = np.random.default_rng(1).random((7, 28, 28, 1), dtype=np.float32)
    expected = small_model.predict(batch, verbose=0)
    got = session.run(None, {"digits": batch})[0]
    assert got.shape == (7, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_batch_norms_are_folded_into_the_next_layer_and_read_as_keras_reads(tmp_path):
    """Folded where exact (into an unpadded convolution, through a max pool whose
    scales are positive, across a Flatten into a dense layer, two norms in a row),
    applied as they stand where not (a max pool with a negative scale)."""
    import onnxruntime as ort
    from keras import layers

    from recognizer.export import Feeding, build_onnx
    from recognizer.keras_files import load_keras_model

    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.BatchNormalization(),  # -> next conv
        layers.Conv2D(5, 3, activation="relu"),
        layers.BatchNormalization(),  # positive scales: through the max pool and dropout -> next conv
        layers.MaxPooling2D(2),
        layers.Dropout(0.2),
        layers.Conv2D(6, 3, activation="relu"),
        layers.BatchNormalization(),  # a negative scale: applied before the max pool
        layers.MaxPooling2D(2),
        layers.BatchNormalization(),
        layers.BatchNormalization(),  # two in a row, across Flatten -> dense
        layers.Flatten(),
        layers.Dense(12, activation="relu"),
        layers.BatchNormalization(),  # -> last dense
        layers.Dense(10, activation="softmax"),
    ])
    norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    for index, layer in enumerate(norms):
        n = layer.gamma.shape[0]
        rng = np.random.default_rng(10 + index)
        gamma = rng.uniform(0.5, 2, n)
        if index == 2:
            gamma[1] = -gamma[1]
        layer.set_weights([gamma, rng.normal(0, 1, n), rng.normal(0, 1, n), rng.uniform(0.5, 2, n)])
    proto = build_onnx(load_keras_model(_save(model, tmp_path / "bn").json), Feeding())  # fed as trained
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    batch = np.random.default_rng(4).random((6, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(session.run(None, {"digits": batch})[0], model.predict(batch, verbose=0), atol=1e-5)
    assert [node.op_type for node in proto.graph.node].count("Mul") == 1  # only the norm with a negative scale


def test_stale_onnx_is_rebuilt_and_corrupt_onnx_replaced(small_model, tmp_path, capsys):
    files = _save(small_model, tmp_path / "m")
    onnx_session(files)
    assert files.onnx.is_file()
    built = files.onnx.stat().st_mtime_ns

    onnx_session(files)  # current: used as is
    assert files.onnx.stat().st_mtime_ns == built

    small_model.layers[-1].set_weights([w * 0.5 for w in small_model.layers[-1].get_weights()])
    small_model.save(files.h5)  # the source changed: the ONNX file is stale
    batch = np.random.default_rng(2).random((3, 28, 28, 1), dtype=np.float32)
    got = onnx_session(files).run(None, {"digits": batch})[0]
    np.testing.assert_allclose(got, small_model.predict(batch, verbose=0), atol=1e-5)
    assert "stale" in capsys.readouterr().err

    files.onnx.write_bytes(b"garbage")
    onnx_session(files).run(None, {"digits": batch})  # rebuilt, not crashed


def test_read_only_model_folder_uses_the_cache(small_model, tmp_path, monkeypatch):
    files = _save(small_model, tmp_path / "ro")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("os.access", lambda path, mode: False)
    onnx_session(files)
    assert not files.onnx.exists()
    assert list((tmp_path / "cache" / "recognizer").glob("*.onnx"))


def test_missing_or_corrupt_sources_are_clear_errors(small_model, tmp_path):
    files = _save(small_model, tmp_path / "m")
    shutil.copy(files.json, tmp_path / "lonely.json")
    with pytest.raises(RecognizerError, match="weights file not found"):
        locate(tmp_path / "lonely.json")
    files.h5.write_bytes(b"not hdf5 at all")
    with pytest.raises(RecognizerError, match="not a readable HDF5 file"):
        onnx_session(ModelFiles(files.json, tmp_path / "none.onnx"))
    files.json.write_text("{ broken")
    with pytest.raises(RecognizerError, match="not a valid Keras model.json"):
        onnx_session(ModelFiles(files.json, tmp_path / "none.onnx"))


def test_calibration_temperature_is_baked_in_and_tracked(small_model, tmp_path):
    import json

    files = _save(small_model, tmp_path / "cal")
    batch = np.random.default_rng(3).random((5, 28, 28, 1), dtype=np.float32)
    plain = onnx_session(files).run(None, {"digits": batch})[0]
    (files.folder / "calibration.json").write_text(json.dumps({"temperature": 2.0}))
    softened = onnx_session(files).run(None, {"digits": batch})[0]  # stale: rebuilt with T
    expected = np.exp(np.log(plain) / 2.0)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softened, expected, atol=1e-5)
    assert (softened.argmax(axis=1) == plain.argmax(axis=1)).all()


def test_digit_and_scene_models_are_combined_as_keras_would(small_model, tmp_path):
    from keras import layers

    from recognizer.classify import KerasClassifier, combine
    from recognizer.model_files import locate

    files = _save(small_model, tmp_path / "both")
    keras.utils.set_random_seed(5)
    scene = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(11, activation="softmax")])
    (files.folder / "scene.json").write_text(scene.to_json())
    scene.save(files.folder / "scene.h5")
    batch = np.random.default_rng(4).random((6, 28, 28, 1), dtype=np.float32)
    got = onnx_session(files).run(None, {"digits": batch})[0]  # stale: rebuilt with both networks
    expected = combine(small_model.predict(batch, verbose=0), scene.predict(batch, verbose=0))
    assert got.shape == (6, 11)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(KerasClassifier(locate(files.folder)).predict(batch[..., 0]), expected, atol=1e-5)


def test_digit_model_is_asked_only_about_marks_the_scene_model_accepts(small_model, tmp_path):
    """The derived graph runs the digit model on the scene model's accepted rows
    only; the result must still equal combining both models on every row."""
    from keras import layers

    from recognizer.classify import combine

    files = _save(small_model, tmp_path / "cascade")
    scene = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(11, activation="softmax")])
    scene.build((None, 28, 28, 1))
    conv_kernel, conv_bias = scene.layers[0].get_weights()
    scene.layers[0].set_weights([np.abs(conv_kernel), np.zeros_like(conv_bias)])  # features grow with the ink
    dense_kernel, _ = scene.layers[-1].get_weights()
    kernel, bias = np.zeros_like(dense_kernel), np.zeros(11, np.float32)
    kernel[:, 10], bias[10] = 0.05, -20.0  # much ink: "not a digit"; little ink: a digit
    scene.layers[-1].set_weights([kernel, bias])
    (files.folder / "scene.json").write_text(scene.to_json())
    scene.save(files.folder / "scene.h5")
    rng = np.random.default_rng(9)
    batch = rng.random((8, 28, 28, 1), dtype=np.float32) * np.array([1, 0.01] * 4, np.float32)[:, None, None, None]
    reference = scene.predict(batch, verbose=0)
    assert 0 < (reference[:, 10] >= 0.5).sum() < len(batch), "the test needs both rejected and accepted rows"
    session = onnx_session(files)
    for rows in (slice(None), slice(0, 1), slice(1, 2), [0, 2, 4]):  # mixed, one of each, all rejected
        got = session.run(None, {"digits": batch[rows]})[0]
        expected = combine(small_model.predict(batch[rows], verbose=0), reference[rows])
        np.testing.assert_allclose(got, expected, atol=1e-5)
    rejected = reference[:, 10] >= 0.5
    np.testing.assert_allclose(session.run(None, {"digits": batch})[0][rejected], reference[rejected], atol=1e-5)
