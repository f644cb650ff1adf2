"""Derive the fast-inference ONNX file from Keras model files.

The Keras files stay the source of truth. Reading digits must not pay
TensorFlow's ~2 s import, so this module translates the layer list that
``recognizer.keras_files`` read (as data, safely) into an ONNX graph with
plain ``onnx.helper`` calls: it needs h5py and onnx, never TensorFlow. The
graph also adapts our input to what the model expects (``Feeding``: value
range, polarity, image or flat vector, channels first or last) and its output
to probabilities (softmax of logits, normalised sigmoids). The sha256 of every
source file is written into the ONNX metadata, so ``recognizer.model_files``
can tell when the derived file is stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.errors import RecognizerError
from recognizer.keras_files import KerasLayer, KerasModel, load_keras_model

EXPORTER_VERSION = "4"  # 2: the digit model reads only what the scene model accepts; 3: feeding, any Keras era;
# 4: batch norms folded into the next convolution or dense layer
OPSET = 17
INPUT_NAME = "digits"  # float32 [batch, 28, 28, 1], ink = 1, paper = 0
OUTPUT_NAME = "probabilities"  # float32 [batch, classes]
REJECT_AT = 0.5  # the scene model's "not a digit" at which the digit model is not asked

_SKIPPED = {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "InputLayer"}
_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax", "elu": "Elu",
                "softplus": "Softplus"}


@dataclass(frozen=True)
class Feeding:
    """How our digits (28x28, ink 1, paper 0) are fed to a model: its value
    range and polarity. Detected once per model (``recognizer.feeding``)."""

    scale: float = 1.0  # 1: inputs in 0-1; 255: inputs in 0-255
    invert: bool = False  # True: the model learnt dark digits on light paper

    def describe(self) -> str:
        polarity = "dark ink on light (inverted)" if self.invert else "light ink on dark (as MNIST)"
        return f"inputs in 0-{self.scale:g}, {polarity}"

    def apply(self, digits: np.ndarray) -> np.ndarray:
        return ((1.0 - digits) if self.invert else digits) * np.float32(self.scale)


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


def source_hashes(model_path: Path, files: dict[str, Path] | None = None) -> dict[str, str]:
    """What the derived file is built from (``files``: ``source_files(model_path)`` if
    known already); any change makes it stale."""
    files = source_files(model_path) if files is None else files
    return {f"source_{role}_sha256": sha256_file(path) for role, path in files.items()}


def source_files(model_path: Path) -> dict[str, Path]:
    """The files a model is read from, by role: json/h5 (a pair), h5 (a full
    model) or keras, plus calibration and the scene pair beside a ``model.json``."""
    path = Path(model_path)
    if path.suffix == ".json":
        from recognizer.keras_files import weights_beside

        files = {"json": path, "h5": weights_beside(path)}
        if calibration_path(path).is_file():
            files["calibration"] = calibration_path(path)
        scene = scene_pair(path)
        if scene is not None:
            files["scene_json"], files["scene_h5"] = scene
        return files
    return {path.suffix.lstrip("."): path}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------
# Building the ONNX graph
# ----------------------------------------------------------------------------
class _GraphBuilder:
    """Appends ONNX nodes to a linear chain, tracking the current tensor and
    its layout: NHWC or NCHW for images, "flat" for vectors."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.current = INPUT_NAME
        self.layout = "NHWC"  # the tensor's layout now; ONNX convolutions want NCHW
        self.keras_layout = "NHWC"  # the model's own (channels_last), where Flatten and Reshape apply
        # A per-channel x * scale + shift (batch norms) not yet applied to ``current``: it is
        # folded into the next convolution or dense layer's weights where that is exact.
        self.pending: tuple[np.ndarray, np.ndarray] | None = None
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

    def to_layout(self, layout: str, where: str = "") -> None:
        if self.layout == "flat":
            raise RecognizerError(where, "an image layer follows a flat vector (add a Reshape layer)")
        if self.layout != layout:
            self.op("Transpose", [], perm=[0, 3, 1, 2] if layout == "NCHW" else [0, 2, 3, 1])
            self.layout = layout

    def defer_affine(self, scale: np.ndarray, shift: np.ndarray) -> None:
        """x * scale + shift per channel, applied later (composed with any already pending)."""
        scale, shift = scale.astype(np.float64), shift.astype(np.float64)
        if self.pending is not None:
            old_scale, old_shift = self.pending
            scale, shift = old_scale * scale, old_shift * scale + shift
        self.pending = scale, shift

    def take_pending(self) -> tuple[np.ndarray, np.ndarray] | None:
        pending, self.pending = self.pending, None
        return pending

    def flush(self) -> None:
        """Apply the pending affine as Mul and Add, where the next layer cannot absorb it."""
        pending = self.take_pending()
        if pending is None:
            return
        scale, shift = pending
        if self.layout == "NCHW":
            scale, shift = scale[:, None, None], shift[:, None, None]
        self.op("Mul", [self.constant("bn_scale", scale.astype(np.float32))])
        self.op("Add", [self.constant("bn_shift", shift.astype(np.float32))])

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


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, float)) else tuple(int(v) for v in value)


def _fold_into_conv(kernel: np.ndarray, bias: np.ndarray | None,
                    pending: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """An unpadded convolution (OIHW kernel) of x * scale + shift, as one convolution of x."""
    scale, shift = pending
    folded = kernel.astype(np.float64) * scale[None, :, None, None]
    bias = (np.zeros(kernel.shape[0]) if bias is None else bias.astype(np.float64))
    bias = bias + np.einsum("oihw,i->o", kernel.astype(np.float64), shift)
    return folded.astype(np.float32), bias.astype(np.float32)


def _fold_into_dense(kernel: np.ndarray, bias: np.ndarray | None, pending: tuple[np.ndarray, np.ndarray],
                     keras_layout: str) -> tuple[np.ndarray, np.ndarray]:
    """A dense layer of x * scale + shift, as one dense layer of x. A per-channel affine
    from before a Flatten is spread over the flattened features in Keras' order."""
    scale, shift = pending
    rows = kernel.shape[0]
    if len(scale) != rows:
        spread = np.tile if keras_layout == "NHWC" else np.repeat  # channels fastest, or slowest
        scale, shift = spread(scale, rows // len(scale)), spread(shift, rows // len(shift))
    folded = kernel.astype(np.float64) * scale[:, None]
    bias = (np.zeros(kernel.shape[1]) if bias is None else bias.astype(np.float64)) + shift @ kernel
    return folded.astype(np.float32), bias.astype(np.float32)


def _add_layer(graph: _GraphBuilder, layer: KerasLayer, source: str, following: str | None = None) -> None:
    """Append one Keras layer; ``following`` is the next layer's class (skipped ones passed over).

    Batch norms are not emitted where they stand: their affine waits in
    ``graph.pending`` and is folded into the next convolution (unpadded) or
    dense layer's weights, passing through pooling and dropout. Emitted as a
    Mul and an Add, each costs ONNX Runtime two layout reorders besides: the
    shipped pair read a form's crops in a third more time that way.
    """
    cfg, kind = layer.config, layer.class_name
    where = f"{source} (layer {layer.name})"
    if kind in _SKIPPED:
        return
    if kind == "BatchNormalization":
        gamma, beta, mean, var = _batch_norm_weights(layer)
        scale = gamma / np.sqrt(var + float(cfg.get("epsilon", 1e-3)))
        graph.defer_affine(scale, beta - mean * scale)
    elif kind == "Conv2D":
        if _pair(cfg.get("dilation_rate", (1, 1))) != (1, 1) or cfg.get("groups", 1) != 1:
            raise RecognizerError(where, "dilated or grouped convolutions are not supported")
        graph.to_layout("NCHW", where)
        kernel = layer.weights[0].transpose(3, 2, 0, 1)  # HWIO -> OIHW
        bias = layer.weights[1] if cfg.get("use_bias", True) else None
        padding = cfg.get("padding", "valid")
        if graph.pending is not None and padding == "valid":  # zero padding would not be shifted
            kernel, bias = _fold_into_conv(kernel, bias, graph.take_pending())
        graph.flush()
        inputs = [graph.constant("kernel", kernel)] + ([] if bias is None else [graph.constant("bias", bias)])
        size, strides = _pair(cfg["kernel_size"]), _pair(cfg.get("strides", (1, 1)))
        if padding == "same" and strides != (1, 1):
            raise RecognizerError(where, "'same' padding with strides is not supported")
        graph.op("Conv", inputs, kernel_shape=list(size), strides=list(strides), pads=_pads(padding, size))
        graph.activation(cfg.get("activation"), where)
    elif kind in {"MaxPooling2D", "AveragePooling2D"}:
        graph.to_layout("NCHW", where)
        op = "MaxPool" if kind == "MaxPooling2D" else "AveragePool"
        if op == "MaxPool" and graph.pending is not None and not np.all(graph.pending[0] > 0):
            graph.flush()  # the maximum of x * scale is not the maximum of x where scale < 0
        pool = _pair(cfg.get("pool_size", (2, 2)))
        strides = _pair(cfg.get("strides") or pool)
        graph.op(op, [], kernel_shape=list(pool), strides=list(strides),
                 pads=_pads(cfg.get("padding", "valid"), pool))
    elif kind == "Flatten":
        if following != "Dense":
            graph.flush()
        if graph.layout != "flat":
            graph.to_layout(graph.keras_layout, where)  # Keras flattens in its own layout's order
            graph.op("Flatten", [], axis=1)
            graph.layout = "flat"
    elif kind == "Reshape":
        graph.flush()
        target = [int(d) for d in cfg["target_shape"]]
        if len(target) not in (1, 3):
            raise RecognizerError(where, f"Reshape to {target} is not supported (a vector or an image)")
        if graph.layout != "flat":
            graph.to_layout(graph.keras_layout, where)
        graph.op("Reshape", [graph.constant("shape", np.array([-1, *target], np.int64))])
        graph.layout = "flat" if len(target) == 1 else graph.keras_layout
    elif kind == "Rescaling":
        graph.flush()
        scale, offset = np.asarray(cfg.get("scale", 1.0), np.float32), np.asarray(cfg.get("offset", 0.0), np.float32)
        if scale.size != 1 or offset.size != 1:
            raise RecognizerError(where, "per-channel Rescaling is not supported")
        graph.op("Mul", [graph.constant("rescale", scale.reshape(()))])
        graph.op("Add", [graph.constant("offset", offset.reshape(()))])
    elif kind == "GlobalAveragePooling2D":
        graph.to_layout("NCHW", where)  # an average of x * scale + shift is that of x, scaled and shifted
        graph.op("GlobalAveragePool", [])
        graph.op("Flatten", [], axis=1)
        graph.layout = "flat"
    elif kind == "Dense":
        if graph.layout != "flat":
            raise RecognizerError(where, "a Dense layer on an image (without Flatten) is not supported")
        kernel = layer.weights[0]
        bias = layer.weights[1] if cfg.get("use_bias", True) else None
        if graph.pending is not None:
            kernel, bias = _fold_into_dense(kernel, bias, graph.take_pending(), graph.keras_layout)
        graph.op("MatMul", [graph.constant("dense_kernel", kernel)])
        if bias is not None:
            graph.op("Add", [graph.constant("dense_bias", bias)])
        graph.activation(cfg.get("activation"), where)
    elif kind == "LeakyReLU":
        graph.flush()
        graph.op("LeakyRelu", [], alpha=float(cfg["negative_slope"]))
    elif kind in {"Activation", "ReLU", "Softmax"}:
        graph.flush()
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
    """The scene model (``scene.json`` + ``scene.h5``) beside a digit ``model.json``, if there is one."""
    if Path(json_path).name != "model.json":
        return None
    folder = Path(json_path).parent
    pair = (folder / "scene.json", folder / "scene.h5")
    return pair if all(p.is_file() for p in pair) else None


IMAGE_INPUTS = {(28, 28, 1): "NHWC", (1, 28, 28): "NCHW", (28, 28): "NHWC", (784,): "flat"}


def _feed(graph: _GraphBuilder, model: KerasModel, feeding: Feeding, source: str) -> None:
    """Our digits -> what the model reads: range, polarity, layout, shape."""
    layout = IMAGE_INPUTS.get(model.input_shape)
    if layout is None:
        raise RecognizerError(model.path, f"the model reads inputs of shape {model.input_shape}; a digit model "
                                          "reads 28x28 images (28,28,1), (1,28,28), (28,28) or 784-vectors")
    if model.data_format == "channels_first" and model.input_shape == (28, 28, 1):
        raise RecognizerError(model.path, "channels-first layers on a channels-last input are not supported")
    graph.current, graph.layout = source, "NHWC"
    graph.keras_layout = "NCHW" if model.data_format == "channels_first" else "NHWC"
    if feeding.invert:
        graph.current = _node(graph, "Sub", [graph.constant("one", np.array(1.0, np.float32)), source])
    if feeding.scale != 1.0:
        graph.op("Mul", [graph.constant("input_scale", np.array(feeding.scale, np.float32))])
    if layout == "flat":
        graph.op("Reshape", [graph.constant("flat", np.array([-1, 784], np.int64))])
        graph.layout = "flat"


def _scores_to_probabilities(graph: _GraphBuilder, activation: str) -> None:
    """Logits through a softmax, sigmoids normalised to sum to one."""
    if activation == "softmax":
        return
    if activation == "sigmoid":
        total = _node(graph, "ReduceSum", [graph.current, graph.constant("axes", np.array([1], np.int64))], keepdims=1)
        graph.op("Div", [_node(graph, "Max", [total, graph.constant("tiny", np.array(1e-12, np.float32))])])
    else:
        graph.op("Softmax", [], axis=-1)


def _network(graph: _GraphBuilder, model: KerasModel, feeding: Feeding = Feeding(),
             source: str = INPUT_NAME) -> tuple[str, int]:
    """Append one model reading ``source`` (the input, or some of its rows);
    return its output (probabilities) and number of classes."""
    _feed(graph, model, feeding, source)
    kept = [layer for layer in model.layers if layer.class_name not in _SKIPPED]
    following = {layer.name: after.class_name for layer, after in zip(kept, kept[1:])}
    for layer in model.layers:
        try:
            _add_layer(graph, layer, str(model.path), following.get(layer.name))
        except (KeyError, IndexError, TypeError, ValueError) as exc:  # a config or weights this reader can't follow
            raise RecognizerError(model.path, f"layer '{layer.name}' ({layer.class_name}) cannot be read "
                                              f"({type(exc).__name__}: {exc})") from exc
    graph.flush()
    if graph.layout != "flat":
        raise RecognizerError(model.path, "the model does not end in a vector of class scores")
    _scores_to_probabilities(graph, model.output_activation)
    return graph.current, model.classes


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


def _columns(graph: _GraphBuilder, tensor: str, start: int, stop: int) -> str:
    """Columns ``start:stop`` of a [batch, classes] tensor."""
    bounds = [graph.constant(name, np.array([v], np.int64)) for name, v in (("start", start), ("stop", stop), ("axis", 1))]
    return _node(graph, "Slice", [tensor, *bounds])


def _combine(graph: _GraphBuilder, digits_out: str, scene_out: str) -> str:
    """Digit model (10 classes) + scene model (10 digits + "not a digit") -> 11 classes.

    "Not a digit" comes from the scene model, which learnt it; the digit
    distribution is the average of both models' (the scene model's taken
    given that the mark is a digit). The two err on different digits, so
    together they read MNIST better than either alone.
    """
    one = graph.constant("one", np.array(1.0, np.float32))
    half = graph.constant("half", np.array(0.5, np.float32))
    not_digit = _columns(graph, scene_out, 10, 11)
    scene_digits = _columns(graph, scene_out, 0, 10)
    is_digit = _node(graph, "Sub", [one, not_digit])
    tiny = graph.constant("tiny", np.array(1e-6, np.float32))
    given_digit = _node(graph, "Div", [scene_digits, _node(graph, "Max", [is_digit, tiny])])
    mean = _node(graph, "Mul", [_node(graph, "Add", [digits_out, given_digit]), half])
    return _node(graph, "Concat", [_node(graph, "Mul", [mean, is_digit]), not_digit], axis=1)


def _cascade(graph: _GraphBuilder, scene_out: str, digits: KerasModel, feeding: Feeding) -> str:
    """Ask the digit model only about the marks the scene model calls digits.

    Where the scene model says "not a digit" (p >= 0.5) the label is "not a
    digit" whatever the digit model says, so its answer is not needed: those
    rows keep the scene model's output. On forms and cluttered photos most
    marks are print, rules and specks, and the digit model's half of the work
    shrinks with them. The rows asked for are gathered by index and their
    combined reading scattered back, all inside the graph.
    """
    axis = graph.constant("axis", np.array([1], np.int64))
    not_digit = _columns(graph, scene_out, 10, 11)
    accepted = _node(graph, "Less", [not_digit, graph.constant("reject_at", np.array(REJECT_AT, np.float32))])
    flat = _node(graph, "Squeeze", [accepted, axis])
    where = _node(graph, "Transpose", [_node(graph, "NonZero", [flat])], perm=[1, 0])  # [k, 1]
    rows = _node(graph, "Squeeze", [where, axis])  # [k]
    digits_out, classes = _network(graph, digits, feeding, source=_node(graph, "Gather", [INPUT_NAME, rows], axis=0))
    if classes != 10:
        raise RecognizerError(digits.path, f"expected a 10-class digit model beside the scene model, found {classes}")
    combined = _combine(graph, digits_out, _node(graph, "Gather", [scene_out, rows], axis=0))
    return _node(graph, "ScatterND", [scene_out, where, combined])


def build_onnx(model: KerasModel, feeding: Feeding = Feeding(), with_scene: bool = True):
    """Return an ``onnx.ModelProto`` that reads our digits as ``model`` would.

    With a scene model beside a ``model.json`` (the shipped pair), the scene
    model reads every mark and the digit model those it calls digits
    (``_cascade``); the two readings are combined (``_combine``), the scene
    model's calibration applied to its output before that. ``feeding`` adapts
    our input to the digit model (the scene model is ours: fed as trained).
    """
    import onnx
    from onnx import TensorProto, helper

    graph = _GraphBuilder()
    scene = scene_pair(model.path) if with_scene and model.format == "json+h5" else None
    temperature = read_temperature(model.path) if model.format == "json+h5" else 1.0
    if scene is not None:
        scene_model = load_keras_model(scene[0])
        _, scene_classes = _network(graph, scene_model)
        if scene_classes != 11:
            raise RecognizerError(scene[0], f"expected an 11-class scene model, found {scene_classes} classes")
        _calibrated(graph, temperature)
        graph.current = _cascade(graph, graph.current, model, feeding)
        classes = 11
    else:
        _, classes = _network(graph, model, feeding)
        _calibrated(graph, temperature)
    if classes not in (10, 11):
        raise RecognizerError(model.path, f"the model has {classes} outputs; a digit model has 10 "
                                          "(or 11 with 'not a digit')")
    graph.nodes.append(helper.make_node("Identity", [graph.current], [OUTPUT_NAME]))
    onnx_graph = helper.make_graph(
        graph.nodes,
        "recognizer",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", 28, 28, 1])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", classes])],
        graph.initializers,
    )
    proto = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)])
    proto.ir_version = 8  # readable by any onnxruntime from 1.14 on
    helper.set_model_props(proto, {**source_hashes(model.path), **describe(model, feeding)})
    onnx.checker.check_model(proto)
    return proto


def describe(model: KerasModel, feeding: Feeding) -> dict[str, str]:
    """What the derived file records about its source, for ``recognizer model info``."""
    return {
        "exporter_version": EXPORTER_VERSION,
        "source_format": model.format,
        "keras_version": model.keras_version or "unknown",
        "input_shape": json.dumps(list(model.input_shape)),
        "output_activation": model.output_activation,
        "feeding_scale": f"{feeding.scale:g}",
        "feeding_invert": str(feeding.invert).lower(),
        "translated": json.dumps(model.translated),
    }


def feeding_of(metadata: dict[str, str]) -> Feeding:
    return Feeding(float(metadata.get("feeding_scale", 1.0)), metadata.get("feeding_invert") == "true")


def _trained_here(model: KerasModel) -> bool:
    """Whether ``recognizer train`` made this model: a scene model stands beside
    it, or the ``history.json`` it wrote names the kind trained."""
    if model.format != "json+h5":
        return False
    if scene_pair(model.path) is not None:
        return True
    try:
        record = json.loads(Path(model.path).with_name("history.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("kind") in ("digits", "scene", "student")


def export_onnx(model_path: Path, onnx_path: Path, feeding: Feeding | None = None) -> Path:
    """Write the derived ONNX file of the model at ``model_path`` to ``onnx_path``.

    ``feeding`` None: detected (``recognizer.feeding``) for a model from
    elsewhere; the shipped and trained models (an 11-class scene model beside,
    or ``recognizer train``'s record) are fed as they were trained.
    """
    model = load_keras_model(model_path)
    if feeding is None:
        from recognizer.feeding import detect_feeding

        feeding = Feeding() if _trained_here(model) else detect_feeding(model).feeding
    proto = build_onnx(model, feeding)
    onnx_path = Path(onnx_path)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = onnx_path.with_suffix(".onnx.tmp")
    tmp.write_bytes(proto.SerializeToString())
    tmp.replace(onnx_path)  # atomic: a reader never sees half a file
    return onnx_path
