"""Bring your own model: Keras 2/3 files read as data, translated, checked
against a NumPy forward pass, and files that carry code refused.

The Keras 2 files are written here with h5py in the layout Keras 2 used
(``layer_names`` / ``weight_names`` attributes, ``name/kernel:0`` datasets),
so these tests need neither TensorFlow nor an old Keras.
"""

from __future__ import annotations

import base64
import json
import marshal
import shutil
import zipfile
from pathlib import Path

import h5py
import numpy as np
import onnxruntime as ort
import pytest

from recognizer.cli import main
from recognizer.errors import RecognizerError
from recognizer.export import Feeding, build_onnx
from recognizer.keras_files import load_keras_model

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(7)


# ----------------------------------------------------------------------------
# Writing Keras 2-era files by hand, and a reference forward pass
# ----------------------------------------------------------------------------
def conv_layer(name, filters, channels, activation="relu", data_format="channels_last", **extra):
    config = {"name": name, "filters": filters, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
              "data_format": data_format, "activation": activation, "use_bias": True, **extra}
    weights = [RNG.normal(0, 0.4, (3, 3, channels, filters)).astype(np.float32),
               RNG.normal(0, 0.1, filters).astype(np.float32)]
    return {"class_name": "Conv2D", "config": config}, weights


def dense_layer(name, inputs, units, activation):
    config = {"name": name, "units": units, "activation": activation, "use_bias": True}
    weights = [RNG.normal(0, 1 / np.sqrt(inputs), (inputs, units)).astype(np.float32),
               RNG.normal(0, 0.1, units).astype(np.float32)]
    return {"class_name": "Dense", "config": config}, weights


def plain(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, **config}}, []


def write_keras2(folder: Path, layers, stem="model", bare_list=False, full=False, extra_attrs=None):
    """model.json + model.h5 as Keras 2 wrote them (or one full-model .h5)."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"class_name": "Sequential", "keras_version": "2.4.0", "backend": "tensorflow",
            "config": [l for l, _ in layers] if bare_list else {"name": "sequential", "layers": [l for l, _ in layers]}}
    h5_path = folder / f"{stem}.h5"
    with h5py.File(h5_path, "w") as handle:
        group = handle.create_group("model_weights") if full else handle
        if full:
            handle.attrs["model_config"] = json.dumps(spec)
            handle.attrs["training_config"] = json.dumps({"loss": {"class_name": "SparseCategoricalCrossentropy",
                                                                   "config": {"reduction": "auto"}},
                                                          "optimizer_config": {"class_name": "Adam",
                                                                               "config": {"lr": 0.001}}})
        group.attrs["keras_version"], group.attrs["backend"] = b"2.4.0", b"tensorflow"
        group.attrs["layer_names"] = [l["config"]["name"].encode() for l, _ in layers]
        for layer, weights in layers:
            name = layer["config"]["name"]
            sub = group.create_group(name)
            kinds = ["kernel:0", "bias:0"] if len(weights) == 2 else [f"w{i}:0" for i in range(len(weights))]
            sub.attrs["weight_names"] = [f"{name}/{k}".encode() for k in kinds]
            for kind, value in zip(kinds, weights):
                sub.create_dataset(f"{name}/{kind}", data=value)
        for key, value in (extra_attrs or {}).items():
            handle.attrs[key] = value
    if full:
        return h5_path
    (folder / f"{stem}.json").write_text(json.dumps(spec))
    return folder / f"{stem}.json"


def reference(layers, x: np.ndarray, channels_first=False) -> np.ndarray:
    """A plain NumPy forward pass of Conv2D(valid)/MaxPooling2D/Flatten/Dense/Dropout."""
    t = x.transpose(0, 3, 1, 2) if channels_first else x  # NCHW or NHWC as the model holds it
    for layer, weights in layers:
        kind, cfg = layer["class_name"], layer["config"]
        if kind == "Conv2D":
            kernel, bias = weights
            nhwc = t.transpose(0, 2, 3, 1) if channels_first else t
            n, h, w, _ = nhwc.shape
            out = np.zeros((n, h - 2, w - 2, kernel.shape[3]), np.float32)
            for dy in range(3):
                for dx in range(3):
                    out += np.einsum("nhwc,cf->nhwf", nhwc[:, dy:dy + h - 2, dx:dx + w - 2], kernel[dy, dx])
            out = _act(out + bias, cfg["activation"])
            t = out.transpose(0, 3, 1, 2) if channels_first else out
        elif kind == "MaxPooling2D":
            nhwc = t.transpose(0, 2, 3, 1) if channels_first else t
            n, h, w, c = nhwc.shape
            out = nhwc[:, : h // 2 * 2, : w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
            t = out.transpose(0, 3, 1, 2) if channels_first else out
        elif kind == "Flatten":
            t = t.reshape(len(t), -1)
        elif kind == "Dense":
            t = _act(t.reshape(len(t), -1) @ weights[0] + weights[1], cfg["activation"])
    return t


def _act(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "softmax":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return x


def run(model, batch, feeding=Feeding()):
    proto = build_onnx(model, feeding)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"digits": batch.astype(np.float32)})[0]


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


BATCH = RNG.random((5, 28, 28, 1), dtype=np.float32)


def small_cnn(data_format="channels_last"):
    return [conv_layer("conv2d", 4, 1, data_format=data_format), plain("MaxPooling2D", "max_pooling2d",
            pool_size=[2, 2], strides=[2, 2], padding="valid", data_format=data_format),
            plain("Dropout", "dropout", rate=0.25), plain("Flatten", "flatten", data_format=data_format),
            dense_layer("dense", 13 * 13 * 4, 10, "softmax")]


# ----------------------------------------------------------------------------
# Keras 2-era files translated
# ----------------------------------------------------------------------------
def test_keras2_config_with_batch_input_shape_on_the_first_layer(tmp_path):
    layers = small_cnn()
    layers[0][0]["config"]["batch_input_shape"] = [None, 28, 28, 1]  # no InputLayer, as Keras 2 wrote
    model = load_keras_model(write_keras2(tmp_path, layers, bare_list=True))  # Keras 2.0-2.2: a bare list
    assert model.format == "json+h5" and model.keras_version == "2.4.0" and model.input_shape == (28, 28, 1)
    assert any("batch_input_shape" in note for note in model.translated)
    np.testing.assert_allclose(run(model, BATCH), reference(layers, BATCH), atol=1e-5)


def test_channels_first_model_is_fed_in_its_own_layout(tmp_path):
    layers = small_cnn("channels_first")
    layers.insert(0, plain("InputLayer", "input", batch_input_shape=[None, 1, 28, 28]))
    model = load_keras_model(write_keras2(tmp_path, layers))
    assert model.data_format == "channels_first"
    assert any("channels-first" in note for note in model.translated)
    # Keras flattens channels-first maps channel by channel: the reference does the same.
    np.testing.assert_allclose(run(model, BATCH), reference(layers, BATCH, channels_first=True), atol=1e-5)


def test_flat_784_mlp_on_0_255_inputs_with_logits(tmp_path):
    layers = [plain("InputLayer", "input", batch_input_shape=[None, 784]),
              dense_layer("hidden", 784, 32, "relu"), dense_layer("logits", 32, 10, "linear")]
    layers[1][1][0] /= 255.0  # trained on 0-255 pixels
    model = load_keras_model(write_keras2(tmp_path, layers))
    assert model.input_shape == (784,) and model.output_activation == "linear"
    expected = softmax(reference(layers, BATCH.reshape(5, 784) * 255.0))
    np.testing.assert_allclose(run(model, BATCH, Feeding(255.0)), expected, atol=1e-5)


def test_full_model_h5_with_keras2_training_config(tmp_path):
    layers = small_cnn()
    layers.insert(0, plain("InputLayer", "input", batch_input_shape=[None, 28, 28, 1]))
    model = load_keras_model(write_keras2(tmp_path, layers, full=True))
    assert model.format == "h5"
    assert any("training config ignored" in note for note in model.translated)
    np.testing.assert_allclose(run(model, BATCH), reference(layers, BATCH), atol=1e-5)


def test_keras3_archive_read_in_memory(tmp_path):
    layers = small_cnn()
    config = {"class_name": "Sequential", "module": "keras", "registered_name": None, "config": {
        "name": "sequential", "layers": [{"class_name": "InputLayer", "module": "keras.layers", "registered_name": None,
                                          "config": {"name": "input", "batch_shape": [None, 28, 28, 1]}}]
        + [{**l, "module": "keras.layers", "registered_name": None} for l, _ in layers]}}
    weights = tmp_path / "model.weights.h5"
    with h5py.File(weights, "w") as handle:
        for layer, values in layers:
            # Keras 3 files a layer under its class (conv2d, conv2d_1, ...) and names it in an attribute.
            group = handle.create_group(f"layers/{layer['class_name'].lower()}/vars")
            group.attrs["name"] = layer["config"]["name"]
            for i, value in enumerate(values):
                group.create_dataset(str(i), data=value)
    archive = tmp_path / "digits.keras"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        zf.write(weights, "model.weights.h5")
    model = load_keras_model(archive)
    assert (model.format, model.keras_version) == ("keras", "3.15.1")
    np.testing.assert_allclose(run(model, BATCH), reference(layers, BATCH), atol=1e-5)
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("../../evil.py", "print('pwned')")
    with pytest.raises(RecognizerError, match="unexpected files"):
        load_keras_model(archive)


def test_keras3_files_match_keras_itself(tmp_path):
    keras = pytest.importorskip("keras", reason="Keras is needed to save a real Keras 3 model")
    from keras import layers

    keras.utils.set_random_seed(3)
    layers.Conv2D(4, 3), layers.Dense(3)  # taken names: the saved layers get numbered ones
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Rescaling(1 / 255.0), layers.Conv2D(4, 3),
                              layers.LeakyReLU(0.1), layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10)])
    model.save(tmp_path / "m.keras")
    expected = softmax(np.asarray(model.predict(BATCH * 255.0, verbose=0)))
    ours = load_keras_model(tmp_path / "m.keras")
    np.testing.assert_allclose(run(ours, BATCH, Feeding(255.0)), expected, atol=1e-4)


# ----------------------------------------------------------------------------
# Feeding detected
# ----------------------------------------------------------------------------
def _shipped_with(tmp_path, front_layers, name):
    """The shipped digit model (a teacher of the reading model) behind extra front
    layers: a model that expects another feeding."""
    spec = json.loads((ROOT / "models" / "teacher" / "model.json").read_text())
    layers = spec["config"]["layers"]
    layers[1:1] = front_layers
    folder = tmp_path / name
    folder.mkdir()
    (folder / "digits.json").write_text(json.dumps(spec))
    shutil.copy(ROOT / "models" / "teacher" / "model.h5", folder / "digits.h5")
    return load_keras_model(folder / "digits.json")


@pytest.mark.parametrize("front, expected", [
    ([], Feeding(1.0, False)),
    ([{"class_name": "Rescaling", "config": {"name": "to_unit", "scale": 1 / 255.0, "offset": 0.0}}], Feeding(255.0, False)),
    ([{"class_name": "Rescaling", "config": {"name": "invert", "scale": -1.0, "offset": 1.0}}], Feeding(1.0, True)),
])
def test_feeding_is_detected_from_how_the_model_reads(tmp_path, front, expected):
    from recognizer.feeding import detect_feeding

    report = detect_feeding(_shipped_with(tmp_path, front, "m"))
    assert report.feeding == expected
    assert report.accuracy >= 0.9 and not report.doubtful


# ----------------------------------------------------------------------------
# Safety: code is refused, never run
# ----------------------------------------------------------------------------
def _lambda_model(tmp_path: Path, sentinel: Path) -> Path:
    """A Lambda layer as Keras saves one: the function's marshalled bytecode.
    Run, it would write ``sentinel``."""
    namespace: dict = {}
    exec(f"def payload(x):\n    open({str(sentinel)!r}, 'w').write('ran')\n    return x\n", namespace)
    code = base64.b64encode(marshal.dumps(namespace["payload"].__code__)).decode()
    layers = small_cnn()
    layers.insert(0, plain("InputLayer", "input", batch_input_shape=[None, 28, 28, 1]))
    layers.insert(1, ({"class_name": "Lambda", "config": {
        "name": "lambda", "function": [code, None, None], "function_type": "lambda", "module": "__main__",
        "output_shape": None, "arguments": {}}}, []))
    return write_keras2(tmp_path, layers)


def test_a_lambda_layer_is_refused_and_nothing_runs(tmp_path, capsys):
    sentinel = tmp_path / "ran.txt"
    path = _lambda_model(tmp_path / "evil", sentinel)
    with pytest.raises(RecognizerError, match="Lambda layer: it holds Python code"):
        load_keras_model(path)
    image = tmp_path / "digit.png"
    shutil.copy(ROOT / "assets" / "images" / "digits_photo.jpg", image)
    for runtime in ("onnx", "keras"):
        assert main(["read", str(image), "--model", str(path), "--runtime", runtime, "--no-save"]) == 1
        assert "Lambda" in capsys.readouterr().err
    assert main(["model", "info", str(path)]) == 1
    assert not sentinel.exists()


def test_custom_objects_and_custom_activations_are_refused(tmp_path):
    layers = small_cnn()
    layers.insert(0, plain("InputLayer", "input", batch_input_shape=[None, 28, 28, 1]))
    layers[1][0]["registered_name"] = "my_package>FancyConv"
    with pytest.raises(RecognizerError, match="custom object 'my_package>FancyConv'"):
        load_keras_model(write_keras2(tmp_path / "a", layers))
    layers[1][0].pop("registered_name")
    layers[1][0]["config"]["activation"] = {"class_name": "Swishy", "module": "my_package", "config": {}}
    with pytest.raises(RecognizerError, match="refused"):
        load_keras_model(write_keras2(tmp_path / "b", layers))


def test_hdf5_external_links_and_external_storage_are_refused(tmp_path):
    layers = small_cnn()
    layers.insert(0, plain("InputLayer", "input", batch_input_shape=[None, 28, 28, 1]))
    path = write_keras2(tmp_path / "link", layers)
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as handle:
        handle["data"] = np.arange(4.0)
    with h5py.File(path.with_suffix(".h5"), "a") as handle:
        handle["conv2d"]["elsewhere"] = h5py.ExternalLink(str(secret), "/data")
    with pytest.raises(RecognizerError, match="external link"):
        load_keras_model(path)

    path = write_keras2(tmp_path / "storage", layers)
    raw = tmp_path / "bias.bin"
    raw.write_bytes(np.zeros(4, np.float32).tobytes())
    with h5py.File(path.with_suffix(".h5"), "a") as handle:
        del handle["conv2d"]["conv2d/bias:0"]
        handle["conv2d"].create_dataset("conv2d/bias:0", shape=(4,), dtype="<f4", external=[(str(raw), 0, 16)])
    with pytest.raises(RecognizerError, match="keeps its data in another file"):
        load_keras_model(path)


def test_shipped_files_are_checked_against_their_recorded_hashes(tmp_path):
    from recognizer.classify import load_classifier

    folder = tmp_path / "models"
    shutil.copytree(ROOT / "models", folder)
    assert load_classifier(str(folder)).predict(BATCH[..., 0]).shape == (5, 11)
    architecture = folder / "model.json"
    architecture.write_text(architecture.read_text().replace("\n", " \n", 1))  # one byte changed
    with pytest.raises(RecognizerError, match="sha256 differs"):
        load_classifier(str(folder))


def test_model_info_says_what_the_file_holds(tmp_path, capsys):
    layers = small_cnn()
    layers.insert(0, plain("InputLayer", "input", batch_input_shape=[None, 28, 28, 1]))
    path = write_keras2(tmp_path, layers, full=True)
    assert main(["model", "info", str(path)]) == 0
    out = capsys.readouterr().out
    for expected in ("format: h5", "Keras 2.4.0", "input: (28, 28, 1)", "output: 10 classes", "conv2d",
                     "Conv2D", "training config ignored", "fed inputs in 0-"):
        assert expected in out


def test_sigmoid_outputs_are_normalised(tmp_path):
    layers = [plain("InputLayer", "input", batch_input_shape=[None, 28, 28, 1]), plain("Flatten", "flatten"),
              dense_layer("out", 784, 10, "sigmoid")]
    model = load_keras_model(write_keras2(tmp_path, layers))
    scores = 1 / (1 + np.exp(-reference(layers[:2] + [({**layers[2][0], "config": {**layers[2][0]["config"],
                                                       "activation": "linear"}}, layers[2][1])], BATCH)))
    np.testing.assert_allclose(run(model, BATCH), scores / scores.sum(axis=1, keepdims=True), atol=1e-5)


def _functional(layers, inbound):
    items = []
    for (layer, _), sources in zip(layers, inbound):
        items.append({**layer, "name": layer["config"]["name"],
                      "inbound_nodes": [[[s, 0, 0, {}] for s in sources]] if sources else []})
    return items


def test_keras2_functional_chain_is_read_and_a_branch_refused(tmp_path):
    layers = [plain("InputLayer", "input_1", batch_input_shape=[None, 28, 28, 1])] + small_cnn()
    names = [l["config"]["name"] for l, _ in layers]
    chain = _functional(layers, [[]] + [[n] for n in names[:-1]])
    path = write_keras2(tmp_path / "chain", layers)
    spec = json.loads(path.read_text())
    spec.update(class_name="Model", config={"name": "model", "layers": chain, "input_layers": [["input_1", 0, 0]],
                                            "output_layers": [["dense", 0, 0]]})
    path.write_text(json.dumps(spec))
    model = load_keras_model(path)
    assert any("single chain" in note for note in model.translated)
    np.testing.assert_allclose(run(model, BATCH), reference(layers, BATCH), atol=1e-5)
    chain[-1]["inbound_nodes"] = [[["flatten", 0, 0, {}], ["input_1", 0, 0, {}]]]  # a skip connection
    path.write_text(json.dumps(spec))
    with pytest.raises(RecognizerError, match="not a single chain"):
        load_keras_model(path)
