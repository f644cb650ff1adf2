"""Derive the fast-inference ONNX file from ``model.json`` + ``model.h5``.

``model.json``/``model.h5`` stay the source of truth. Reading digits must not
pay TensorFlow's ~2 s import, so this module translates the Keras layer
config and the HDF5 weights into an ONNX graph with plain ``onnx.helper``
calls: it needs h5py and onnx, never TensorFlow. The sha256 of both source
files is written into the ONNX metadata, so ``recognizer.model_files`` can
tell when the derived file is stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recognizer.errors import RecognizerError

EXPORTER_VERSION = "2"  # 2: the digit model reads only the marks the scene model accepts
OPSET = 17
INPUT_NAME = "digits"  # float32 [batch, 28, 28, 1], ink = 1, paper = 0
OUTPUT_NAME = "probabilities"  # float32 [batch, classes]
REJECT_AT = 0.5  # the scene model's "not a digit" at which the digit model is not asked

_SKIPPED = {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "InputLayer"}
_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax"}


def calibration_path(json_path: Path) -> Path:
    return Path(json_path).with_name("calibration.json")


def read_temperature(json_path: Path) -> float:
    """The softmax temperature in ``calibration.json`` beside the model (1.0 if none)."""
    path = calibration_path(json_path)
    if not path.is_file():
        return 1.0
    try:
        temperature = float(json.loads(path.read_text())["temperature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecognizerError(path, f"not a valid calibration file ({exc})") from exc
    if not 0.05 <= temperature <= 50:
        raise RecognizerError(path, f"temperature {temperature} is out of range")
    return temperature


def source_hashes(json_path: Path, h5_path: Path) -> dict[str, str]:
    """What the derived file was built from; any change makes it stale."""
    hashes = {"source_json_sha256": sha256_file(json_path), "source_h5_sha256": sha256_file(h5_path)}
    if calibration_path(json_path).is_file():
        hashes["source_calibration_sha256"] = sha256_file(calibration_path(json_path))
    scene = scene_pair(json_path)
    if scene is not None:
        hashes["source_scene_json_sha256"] = sha256_file(scene[0])
        hashes["source_scene_h5_sha256"] = sha256_file(scene[1])
    return hashes


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class KerasLayer:
    class_name: str
    name: str
    config: dict
    weights: list[np.ndarray] = field(default_factory=list)


# ----------------------------------------------------------------------------
# Reading the Keras files
# ----------------------------------------------------------------------------
def read_layers(json_path: Path) -> tuple[list[KerasLayer], tuple[int, ...]]:
    """Parse a Sequential (or single-chain Functional) model config.

    Returns the layers in order and the input shape without the batch axis.
    """
    try:
        spec = json.loads(Path(json_path).read_text())
    except FileNotFoundError as exc:
        raise RecognizerError(json_path, "model file not found") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecognizerError(json_path, f"not a valid Keras model.json ({exc})") from exc
    if not isinstance(spec, dict) or "config" not in spec:
        raise RecognizerError(json_path, "not a Keras model config (no 'config' key)")
    config = spec["config"]
    raw_layers = config["layers"] if isinstance(config, dict) else config
    if not isinstance(raw_layers, list) or not raw_layers:
        raise RecognizerError(json_path, "model config has no layers")

    layers = [
        KerasLayer(item["class_name"], item["config"]["name"], item["config"])
        for item in raw_layers
    ]
    input_shape = None
    for layer in layers:
        shape = layer.config.get("batch_shape") or layer.config.get("batch_input_shape")
        if shape:
            input_shape = tuple(int(d) for d in shape[1:])
            break
    if input_shape is None:
        raise RecognizerError(json_path, "model config does not state its input shape")
    return layers, input_shape


def attach_weights(layers: list[KerasLayer], h5_path: Path) -> None:
    """Fill each layer's weights from a Keras 2/3 HDF5 file, in saved order."""
    import h5py

    if not Path(h5_path).is_file():
        raise RecognizerError(h5_path, "model weights file not found")
    try:
        with h5py.File(h5_path, "r") as handle:
            group = handle["model_weights"] if "model_weights" in handle else handle
            names = [_text(n) for n in group.attrs.get("layer_names", [])]
            for layer in layers:
                if layer.name not in names:
                    continue
                layer_group = group[layer.name]
                weight_names = [_text(n) for n in layer_group.attrs.get("weight_names", [])]
                layer.weights = [np.asarray(layer_group[w], dtype=np.float32) for w in weight_names]
    except (OSError, KeyError) as exc:
        raise RecognizerError(h5_path, f"not a readable Keras HDF5 weights file ({exc})") from exc
    missing = [l.name for l in layers if _needs_weights(l) and not l.weights]
    if missing:
        raise RecognizerError(h5_path, f"no weights for layer(s) {', '.join(missing)}")


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _needs_weights(layer: KerasLayer) -> bool:
    return layer.class_name in {"Conv2D", "Dense", "BatchNormalization"}


# ----------------------------------------------------------------------------
# Building the ONNX graph
# ----------------------------------------------------------------------------
class _GraphBuilder:
    """Appends ONNX nodes to a linear chain, tracking the current tensor."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.current = INPUT_NAME
        self.layout = "NHWC"  # Keras' layout; ONNX convolutions want NCHW
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def constant(self, hint: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs) -> str:
        from onnx import helper

        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, [self.current, *inputs], [out], **attrs))
        self.current = out
        return out

    def to_layout(self, layout: str) -> None:
        if self.layout != layout:
            self.op("Transpose", [], perm=[0, 3, 1, 2] if layout == "NCHW" else [0, 2, 3, 1])
            self.layout = layout

    def activation(self, name: str | None, where: str) -> None:
        if name in (None, "linear"):
            return
        if name not in _ACTIVATIONS:
            raise RecognizerError(where, f"unsupported activation '{name}'")
        if name == "softmax":
            self.op("Softmax", [], axis=-1)
        else:
            self.op(_ACTIVATIONS[name], [])


def _pads(padding: str, kernel: tuple[int, int]) -> list[int]:
    if padding == "valid":
        return [0, 0, 0, 0]
    top, left = (kernel[0] - 1) // 2, (kernel[1] - 1) // 2
    return [top, left, kernel[0] - 1 - top, kernel[1] - 1 - left]


def _add_layer(graph: _GraphBuilder, layer: KerasLayer, source: str) -> None:
    cfg, kind = layer.config, layer.class_name
    where = f"{source} (layer {layer.name})"
    if kind in _SKIPPED:
        return
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise RecognizerError(where, "channels_first layers are not supported yet")
    if kind == "Conv2D":
        if tuple(cfg.get("dilation_rate", (1, 1))) != (1, 1) or cfg.get("groups", 1) != 1:
            raise RecognizerError(where, "dilated or grouped convolutions are not supported")
        graph.to_layout("NCHW")
        kernel = layer.weights[0].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        inputs = [graph.constant("kernel", kernel)]
        if cfg.get("use_bias", True):
            inputs.append(graph.constant("bias", layer.weights[1]))
        size = tuple(cfg["kernel_size"])
        if cfg["padding"] == "same" and any(s != 1 for s in cfg["strides"]):
            raise RecognizerError(where, "'same' padding with strides is not supported")
        graph.op("Conv", inputs, kernel_shape=list(size), strides=list(cfg["strides"]),
                 pads=_pads(cfg["padding"], size))
        graph.activation(cfg.get("activation"), where)
    elif kind in {"MaxPooling2D", "AveragePooling2D"}:
        graph.to_layout("NCHW")
        pool = tuple(cfg["pool_size"])
        strides = tuple(cfg.get("strides") or pool)
        op = "MaxPool" if kind == "MaxPooling2D" else "AveragePool"
        graph.op(op, [], kernel_shape=list(pool), strides=list(strides),
                 pads=_pads(cfg.get("padding", "valid"), pool))
    elif kind == "BatchNormalization":
        gamma, beta, mean, var = _batch_norm_weights(layer)
        scale = gamma / np.sqrt(var + float(cfg.get("epsilon", 1e-3)))
        shift = beta - mean * scale
        if graph.layout == "NCHW":
            scale, shift = scale[:, None, None], shift[:, None, None]
        graph.op("Mul", [graph.constant("bn_scale", scale.astype(np.float32))])
        graph.op("Add", [graph.constant("bn_shift", shift.astype(np.float32))])
    elif kind == "Flatten":
        graph.to_layout("NHWC")  # Keras flattens in height, width, channel order
        graph.op("Flatten", [], axis=1)
    elif kind == "GlobalAveragePooling2D":
        graph.to_layout("NCHW")
        graph.op("GlobalAveragePool", [])
        graph.op("Flatten", [], axis=1)
    elif kind == "Dense":
        graph.op("MatMul", [graph.constant("dense_kernel", layer.weights[0])])
        if cfg.get("use_bias", True):
            graph.op("Add", [graph.constant("dense_bias", layer.weights[1])])
        graph.activation(cfg.get("activation"), where)
    elif kind in {"Activation", "ReLU", "Softmax"}:
        name = {"ReLU": "relu", "Softmax": "softmax"}.get(kind, cfg.get("activation"))
        graph.activation(name, where)
    else:
        raise RecognizerError(where, f"layer type {kind} is not supported")


def _batch_norm_weights(layer: KerasLayer) -> tuple[np.ndarray, ...]:
    cfg, weights = layer.config, list(layer.weights)
    channels = weights[-1].shape[0]
    gamma = weights.pop(0) if cfg.get("scale", True) else np.ones(channels, np.float32)
    beta = weights.pop(0) if cfg.get("center", True) else np.zeros(channels, np.float32)
    mean, var = weights
    return gamma, beta, mean, var


def scene_pair(json_path: Path) -> tuple[Path, Path] | None:
    """The scene model (``scene.json`` + ``scene.h5``) beside a digit model, if there is one."""
    folder = Path(json_path).parent
    pair = (folder / "scene.json", folder / "scene.h5")
    return pair if all(p.is_file() for p in pair) else None


def _network(graph: _GraphBuilder, json_path: Path, h5_path: Path,
             source: str = INPUT_NAME) -> tuple[str, int, tuple[int, ...]]:
    """Append one Keras network reading ``source`` (the input, or some of its
    rows); return its output, classes, input shape."""
    layers, input_shape = read_layers(json_path)
    attach_weights(layers, h5_path)
    graph.current, graph.layout = source, "NHWC"
    for layer in layers:
        _add_layer(graph, layer, str(json_path))
    if len(input_shape) == 3:
        graph.to_layout("NHWC")
    classes = next(l.weights[0].shape[-1] for l in reversed(layers) if l.class_name == "Dense")
    return graph.current, int(classes), input_shape


def _calibrated(graph: _GraphBuilder, temperature: float) -> None:
    """softmax(log(p) / T): confidences that mean what they say, T fitted on held-out data."""
    if temperature != 1.0:
        graph.op("Clip", [graph.constant("eps", np.array(1e-12, np.float32))])
        graph.op("Log", [])
        graph.op("Mul", [graph.constant("inv_t", np.array(1.0 / temperature, np.float32))])
        graph.op("Softmax", [], axis=-1)


def _node(graph: _GraphBuilder, op: str, inputs: list[str], **attrs) -> str:
    """One node off the chain (the cascade below branches and merges)."""
    from onnx import helper

    out = graph.name(op.lower())
    graph.nodes.append(helper.make_node(op, inputs, [out], **attrs))
    return out


def _combine(graph: _GraphBuilder, digits_out: str, scene_out: str) -> str:
    """Digit model (10 classes) + scene model (10 digits + "not a digit") -> 11 classes.

    "Not a digit" comes from the scene model, which learnt it; the digit
    distribution is the average of both models' (the scene model's taken
    given that the mark is a digit). The two err on different digits, so
    together they read MNIST better than either alone.
    """
    ten, eleven = graph.constant("ten", np.array([10], np.int64)), graph.constant("eleven", np.array([11], np.int64))
    zero, axis = graph.constant("zero", np.array([0], np.int64)), graph.constant("axis", np.array([1], np.int64))
    one = graph.constant("one", np.array(1.0, np.float32))
    half = graph.constant("half", np.array(0.5, np.float32))
    not_digit = _node(graph, "Slice", [scene_out, ten, eleven, axis])
    scene_digits = _node(graph, "Slice", [scene_out, zero, ten, axis])
    is_digit = _node(graph, "Sub", [one, not_digit])
    tiny = graph.constant("tiny", np.array(1e-6, np.float32))
    given_digit = _node(graph, "Div", [scene_digits, _node(graph, "Max", [is_digit, tiny])])
    mean = _node(graph, "Mul", [_node(graph, "Add", [digits_out, given_digit]), half])
    return _node(graph, "Concat", [_node(graph, "Mul", [mean, is_digit]), not_digit], axis=1)


def _cascade(graph: _GraphBuilder, scene_out: str, digit_pair: tuple[Path, Path]) -> str:
    """Ask the digit model only about the marks the scene model calls digits.

    Where the scene model says "not a digit" (p >= 0.5) the label is "not a
    digit" whatever the digit model says, so its answer is not needed: those
    rows keep the scene model's output. On forms and cluttered photos most
    marks are print, rules and specks, and the digit model's half of the work
    shrinks with them. The rows asked for are gathered by index and their
    combined reading scattered back, all inside the graph.
    """
    ten, eleven = graph.constant("ten", np.array([10], np.int64)), graph.constant("eleven", np.array([11], np.int64))
    axis = graph.constant("axis", np.array([1], np.int64))
    not_digit = _node(graph, "Slice", [scene_out, ten, eleven, axis])
    accepted = _node(graph, "Less", [not_digit, graph.constant("reject_at", np.array(REJECT_AT, np.float32))])
    flat = _node(graph, "Squeeze", [accepted, axis])
    where = _node(graph, "Transpose", [_node(graph, "NonZero", [flat])], perm=[1, 0])  # [k, 1]
    rows = _node(graph, "Squeeze", [where, axis])  # [k]
    digits_out, classes, _ = _network(graph, *digit_pair, source=_node(graph, "Gather", [INPUT_NAME, rows], axis=0))
    if classes != 10:
        raise RecognizerError(digit_pair[0], f"expected a 10-class digit model beside the scene model, found {classes}")
    combined = _combine(graph, digits_out, _node(graph, "Gather", [scene_out, rows], axis=0))
    return _node(graph, "ScatterND", [scene_out, where, combined])


def build_onnx(json_path: Path, h5_path: Path):
    """Return an ``onnx.ModelProto`` equivalent to the Keras model(s).

    With a scene model beside the digit model, the scene model reads every
    mark and the digit model those it calls digits (``_cascade``); the two
    readings are combined (``_combine``), the scene model's calibration
    applied to its output before that.
    """
    import onnx
    from onnx import TensorProto, helper

    graph = _GraphBuilder()
    scene = scene_pair(json_path)
    if scene is not None:
        _, scene_classes, input_shape = _network(graph, *scene)
        if scene_classes != 11:
            raise RecognizerError(scene[0], f"expected an 11-class scene model, found {scene_classes} classes")
        _calibrated(graph, read_temperature(json_path))
        graph.current = _cascade(graph, graph.current, (json_path, h5_path))
        classes = 11
    else:
        _, classes, input_shape = _network(graph, json_path, h5_path)
        _calibrated(graph, read_temperature(json_path))
    graph.nodes.append(helper.make_node("Identity", [graph.current], [OUTPUT_NAME]))
    onnx_graph = helper.make_graph(
        graph.nodes,
        "recognizer",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", *input_shape])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", classes])],
        graph.initializers,
    )
    model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # readable by any onnxruntime from 1.14 on
    helper.set_model_props(model, {**source_hashes(json_path, h5_path), "exporter_version": EXPORTER_VERSION})
    onnx.checker.check_model(model)
    return model


def export_onnx(json_path: Path, h5_path: Path, onnx_path: Path) -> Path:
    """Write the ONNX file next to (or wherever asked for) the Keras pair."""
    model = build_onnx(json_path, h5_path)
    onnx_path = Path(onnx_path)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = onnx_path.with_suffix(".onnx.tmp")
    tmp.write_bytes(model.SerializeToString())
    tmp.replace(onnx_path)  # atomic: a reader never sees half a file
    return onnx_path
