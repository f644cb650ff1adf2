"""Read Keras model files of any era as data, never as code.

A Keras model file can carry code: a ``Lambda`` layer holds marshalled Python
bytecode, a custom layer names a class to import, and an HDF5 file can point
at other files through external links or external storage. This module reads
what the reader needs (the layer list, the input shape, the weights) without
importing Keras, unpickling or evaluating anything:

- the config is parsed as JSON and every layer is checked against an
  allow-list of built-in layers before anything else happens; ``Lambda``,
  custom layers and custom activations are refused with a clear message;
- HDF5 files are walked link by link first; external links, soft links,
  external storage and virtual datasets are refused; weights are read as
  plain numeric arrays;
- old configs are translated: Keras 2's ``batch_input_shape`` and
  ``Sequential`` configs (list or dict), Keras 3's ``batch_shape`` and dtype
  policies, single-chain Functional models, channels-first layouts, flat
  784-input MLPs; training settings (optimizer ``lr``, loss ``reduction``)
  are ignored, since reading never trains.

Formats: ``model.json`` + weights ``.h5`` (Keras 2 or 3), a full-model
``.h5`` (config in its ``model_config`` attribute), a Keras 3 ``.keras`` zip.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recognizer.errors import RecognizerError

# Layers the exporter can translate. Anything else is refused, which is also
# what keeps code out: Lambda and custom layers are simply not on the list.
SUPPORTED_LAYERS = {
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization", "Flatten",
    "GlobalAveragePooling2D", "Dense", "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
    "Activation", "ReLU", "Softmax", "LeakyReLU", "Reshape", "Rescaling",
}
ALIASES = {"MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D"}
CODE_LAYERS = {"Lambda", "TFOpLambda", "SlicingOpLambda", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
ACTIVATIONS = {"relu", "sigmoid", "tanh", "softmax", "linear", "elu", "softplus", None}
KERAS_ARCHIVE_MEMBERS = {"config.json", "metadata.json", "model.weights.h5"}
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024  # a digit model is a few MB; refuse zip bombs


@dataclass
class KerasLayer:
    class_name: str
    name: str
    config: dict
    weights: list[np.ndarray] = field(default_factory=list)


@dataclass
class KerasModel:
    """What a model file holds, as plain data."""

    path: Path  # what the user named
    format: str  # "json+h5", "h5" or "keras"
    files: tuple[Path, ...]  # the files read (hashed for the derived file's cache key)
    layers: list[KerasLayer]
    input_shape: tuple[int, ...]  # without the batch axis, as the model declares it
    keras_version: str | None = None
    backend: str | None = None
    translated: list[str] = field(default_factory=list)  # what was changed to read it

    @property
    def data_format(self) -> str:
        formats = {l.config.get("data_format") for l in self.layers} - {None}
        return "channels_first" if "channels_first" in formats else "channels_last"

    @property
    def output_activation(self) -> str:
        """softmax, sigmoid or linear (logits): what the last layer gives out."""
        for layer in reversed(self.layers):
            if layer.class_name == "Softmax":
                return "softmax"
            if layer.class_name in {"Activation", "Dense"}:
                name = layer.config.get("activation") or "linear"
                if layer.class_name == "Dense" or name != "linear":
                    return name
        return "linear"

    @property
    def classes(self) -> int:
        dense = [l for l in self.layers if l.class_name == "Dense"]
        return int(dense[-1].config["units"]) if dense else 0

    @property
    def parameters(self) -> int:
        return int(sum(w.size for l in self.layers for w in l.weights))


# ----------------------------------------------------------------------------
# Finding the files
# ----------------------------------------------------------------------------
def load_keras_model(path: str | Path) -> KerasModel:
    """Read ``path``: a model folder, a ``.json`` (weights ``.h5`` beside it),
    a full-model ``.h5`` or a ``.keras`` file."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.json"
    if not path.exists():
        raise RecognizerError(path, "model file not found")
    if path.suffix == ".keras":
        return _from_keras_archive(path)
    if path.suffix == ".json":
        weights = weights_beside(path)
        return _from_config(path, _read_json(path), weights, "json+h5", (path, weights))
    if path.suffix == ".h5":
        if path.with_suffix(".json").is_file():
            return load_keras_model(path.with_suffix(".json"))
        return _from_full_h5(path)
    raise RecognizerError(path, "expected a model folder, a .json with its .h5, a full-model .h5 or a .keras file")


def weights_beside(json_path: Path) -> Path:
    """The weights of ``name.json``: ``name.h5``, ``name.weights.h5`` or ``model.h5`` beside it."""
    for candidate in (json_path.with_suffix(".h5"), json_path.with_suffix(".weights.h5"),
                      json_path.with_name("model.h5")):
        if candidate.is_file():
            return candidate
    raise RecognizerError(json_path.with_suffix(".h5"), "model weights file not found (expected beside the .json)")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecognizerError(path, f"not a valid Keras model.json ({exc})") from exc


def _from_full_h5(path: Path) -> KerasModel:
    with _open_h5(path) as handle:
        config = handle.attrs.get("model_config")
        if config is None:
            raise RecognizerError(path, "holds weights only (no model_config): give the .json beside it, "
                                        "or a full-model .h5 saved with model.save()")
        try:
            spec = json.loads(_text(config))
        except json.JSONDecodeError as exc:
            raise RecognizerError(path, f"its model_config is not valid JSON ({exc})") from exc
        model = _from_config(path, spec, path, "h5", (path,), handle=handle)
        if "training_config" in handle.attrs:
            model.translated.append("training config ignored (optimizer and loss settings such as 'lr' "
                                    "or reduction='auto' are not needed to read digits)")
    return model


def _from_keras_archive(path: Path) -> KerasModel:
    """A Keras 3 ``.keras`` zip: read in memory, nothing extracted to disk."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RecognizerError(path, f"not a .keras archive ({exc})") from exc
    with archive:
        names = set(archive.namelist())
        if not {"config.json", "model.weights.h5"} <= names:
            raise RecognizerError(path, "not a .keras archive (config.json or model.weights.h5 missing)")
        extra = sorted(n for n in names - KERAS_ARCHIVE_MEMBERS if not n.startswith("assets/"))
        if extra:
            raise RecognizerError(path, f"unexpected files in the archive: {', '.join(extra[:3])}")
        if sum(archive.getinfo(n).file_size for n in names) > MAX_ARCHIVE_BYTES:
            raise RecognizerError(path, "archive unpacks to more than 512 MB: refused")
        spec = json.loads(archive.read("config.json"))
        meta = json.loads(archive.read("metadata.json")) if "metadata.json" in names else {}
        weights = io.BytesIO(archive.read("model.weights.h5"))
    with _open_h5(weights, shown_as=path) as handle:
        model = _from_config(path, spec, path, "keras", (path,), handle=handle)
    model.keras_version = model.keras_version or meta.get("keras_version")
    return model


# ----------------------------------------------------------------------------
# The config: safety first, then translation
# ----------------------------------------------------------------------------
def _from_config(path: Path, spec, weights, fmt: str, files: tuple[Path, ...], handle=None) -> KerasModel:
    raw_layers, model_class = _layer_list(path, spec)
    check_safe(path, raw_layers)
    translated: list[str] = []
    layers = [_translate(path, item, translated) for item in raw_layers]
    if model_class in {"Model", "Functional"}:
        _check_single_chain(path, raw_layers)
        translated.append(f"{model_class} model read as a single chain of layers")
    input_shape = _input_shape(path, layers, translated)
    layers = [l for l in layers if l.class_name != "InputLayer"]
    model = KerasModel(path, fmt, files, layers, input_shape, spec.get("keras_version"), spec.get("backend"),
                       translated)
    if handle is not None:
        _attach(model, handle, str(path))
    else:
        with _open_h5(weights) as weights_handle:
            _attach(model, weights_handle, str(weights))
    return model


def _layer_list(path: Path, spec) -> tuple[list[dict], str]:
    if not isinstance(spec, dict) or "config" not in spec:
        raise RecognizerError(path, "not a Keras model config (no 'config' key)")
    model_class = str(spec.get("class_name", ""))
    if model_class not in {"Sequential", "Model", "Functional"}:
        raise RecognizerError(path, f"model class '{model_class}' is not supported (Sequential or Functional)")
    config = spec["config"]
    raw = config.get("layers") if isinstance(config, dict) else config  # Keras 2.0-2.2: a bare list
    if not isinstance(raw, list) or not raw or not all(isinstance(i, dict) for i in raw):
        raise RecognizerError(path, "model config has no layers")
    return raw, model_class


def _custom_name(node: dict) -> str | None:
    """The name of a custom (non-Keras) object, or None for a built-in one."""
    module, registered = node.get("module"), node.get("registered_name")
    if isinstance(module, str) and not module.startswith(("keras", "tf_keras", "tensorflow.keras")):
        return f"{module}.{node.get('class_name')}"
    if isinstance(registered, str) and registered not in {node.get("class_name"), ""}:
        return registered  # Keras 3 writes "package>Name" for registered custom objects
    name = node.get("class_name")
    if isinstance(name, str) and ">" in name:
        return name  # Keras 2's "Custom>..." names
    return None


def _walk(node):
    """Every dict inside a config, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check_safe(path: Path, raw_layers: list[dict]) -> None:
    """Refuse any layer or object that would need code from the file or from outside Keras.

    Nothing is built from the config before this check passes, and nothing
    from it is ever executed after: the layers are translated from plain
    values by ``recognizer.export``.
    """
    for item in raw_layers:
        kind = item.get("class_name")
        name = (item.get("config") or {}).get("name", "?")
        if kind in CODE_LAYERS:
            raise RecognizerError(path, f"layer '{name}' is a {kind} layer: it holds Python code, "
                                        "which is never run from a model file (refused)")
        for node in _walk(item):
            custom = _custom_name(node)
            if custom:
                raise RecognizerError(path, f"layer '{name}' needs the custom object '{custom}', "
                                            "code from outside Keras that is never loaded from a model file (refused)")
        activation = (item.get("config") or {}).get("activation")
        if isinstance(activation, dict) or activation not in ACTIVATIONS:
            raise RecognizerError(path, f"layer '{name}' uses the activation {activation!r}, "
                                        "which is not a built-in one this reader knows (refused)")
        if ALIASES.get(kind, kind) not in SUPPORTED_LAYERS:
            raise RecognizerError(path, f"layer '{name}' of type {kind} is not supported")


def _translate(path: Path, item: dict, translated: list[str]) -> KerasLayer:
    kind = str(item["class_name"])
    config = dict(item.get("config") or {})
    if kind in ALIASES:
        translated.append(f"{kind} read as {ALIASES[kind]}")
        kind = ALIASES[kind]
    if "name" not in config:
        raise RecognizerError(path, f"a {kind} layer has no name")
    if config.get("data_format") == "channels_first" and not any("channels-first" in t for t in translated):
        translated.append("channels-first layout: the input is transposed to the model's layout")
    if kind == "LeakyReLU":
        # Keras 2 wrote 'alpha', Keras 3 'negative_slope'.
        config["negative_slope"] = float(config.get("negative_slope", config.get("alpha", 0.3)))
    return KerasLayer(kind, str(config["name"]), config)


def _check_single_chain(path: Path, raw_layers: list[dict]) -> None:
    """A Functional model is read only when each layer takes the previous one's output."""
    previous = None
    for item in raw_layers:
        inbound = item.get("inbound_nodes") or []
        sources = {name for name in _inbound_names(inbound)}
        if previous is not None and sources != {previous}:
            raise RecognizerError(path, "the Functional model is not a single chain of layers (branches or "
                                        "several inputs): not supported")
        previous = (item.get("config") or {}).get("name", item.get("name"))


def _inbound_names(inbound) -> list[str]:
    """Layer names a Functional layer reads, from Keras 2 lists or Keras 3 dicts."""
    names = []
    for node in _walk(inbound):
        history = node.get("keras_history") if isinstance(node, dict) else None
        if history:
            names.append(history[0])
    if not names:  # Keras 2: [[["conv2d", 0, 0, {}]]]
        for call in inbound:
            for arg in call if isinstance(call, list) else []:
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    names.append(arg[0])
    return names


def _input_shape(path: Path, layers: list[KerasLayer], translated: list[str]) -> tuple[int, ...]:
    for layer in layers:
        cfg = layer.config
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if shape is None and cfg.get("input_shape") is not None:
            shape = [None, *cfg["input_shape"]]
        if shape:
            if layer.class_name != "InputLayer" and "batch_input_shape" in cfg:
                translated.append("Keras 2 batch_input_shape on the first layer read as an explicit input")
            try:
                return tuple(int(d) for d in shape[1:])
            except (TypeError, ValueError) as exc:
                raise RecognizerError(path, f"input shape {shape} is not fixed ({exc})") from exc
    raise RecognizerError(path, "model config does not state its input shape")


# ----------------------------------------------------------------------------
# HDF5: links and storage checked before any data is read
# ----------------------------------------------------------------------------
class _open_h5:
    """``h5py.File`` opened read-only after the whole file passed ``check_h5``."""

    def __init__(self, source, shown_as: Path | None = None) -> None:
        self.source, self.shown = source, shown_as or source

    def __enter__(self):
        import h5py

        if isinstance(self.source, (str, Path)) and not Path(self.source).is_file():
            raise RecognizerError(self.source, "model weights file not found")
        try:
            self.handle = h5py.File(self.source, "r")
        except OSError as exc:
            raise RecognizerError(self.shown, f"not a readable HDF5 file ({exc})") from exc
        try:
            check_h5(self.handle, self.shown)
        except BaseException:
            self.handle.close()
            raise
        return self.handle

    def __exit__(self, *exc) -> None:
        self.handle.close()


def check_h5(handle, shown: str | Path) -> None:
    """Refuse links to other files (or anywhere), external storage and virtual datasets.

    Keras writes none of these; a file that has them could make a reader open
    or read files elsewhere on the machine.
    """
    import h5py

    def visit(group, prefix: str) -> None:
        for name in group:
            link = group.get(name, getlink=True)
            where = f"{prefix}/{name}"
            if isinstance(link, h5py.ExternalLink):
                raise RecognizerError(shown, f"HDF5 external link at {where} (to {link.filename}): refused")
            if isinstance(link, h5py.SoftLink):
                raise RecognizerError(shown, f"HDF5 soft link at {where}: refused (Keras files have none)")
            item = group[name]
            if isinstance(item, h5py.Group):
                visit(item, where)
            elif isinstance(item, h5py.Dataset):
                if item.external:
                    raise RecognizerError(shown, f"HDF5 dataset {where} keeps its data in another file: refused")
                if item.is_virtual:
                    raise RecognizerError(shown, f"HDF5 dataset {where} is virtual (maps other files): refused")

    visit(handle, "")


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _needs_weights(layer: KerasLayer) -> bool:
    return layer.class_name in {"Conv2D", "Dense", "BatchNormalization"}


def _numeric(dataset, where: str) -> np.ndarray:
    if dataset.dtype.kind not in "fiu":
        raise RecognizerError(where, f"weight {dataset.name} is not numeric ({dataset.dtype}): refused")
    return np.asarray(dataset, dtype=np.float32)


def _attach(model: KerasModel, handle, where: str) -> None:
    """Fill each layer's weights, from Keras 2/3 HDF5 layouts or a ``.keras`` archive's."""
    group = handle["model_weights"] if "model_weights" in handle else handle
    model.keras_version = model.keras_version or _attr(group, "keras_version") or _attr(handle, "keras_version")
    model.backend = model.backend or _attr(group, "backend") or _attr(handle, "backend")
    names = [_text(n) for n in group.attrs.get("layer_names", [])]
    # .keras: layers/<class_name>[_k]/vars/<i>, the layer's own name in the vars group's attribute.
    archived = {}
    for key in group["layers"] if "layers" in group else []:
        variables = group["layers"][key].get("vars")
        if variables is not None:
            archived[_attr(variables, "name") or key] = variables
    for layer in model.layers:
        if layer.name in names:  # model.save_weights / model.save(".h5"), Keras 2 and 3
            layer_group = group[layer.name]
            layer.weights = [_numeric(layer_group[_text(w)], where)
                             for w in layer_group.attrs.get("weight_names", [])]
        elif layer.name in archived:
            variables = archived[layer.name]
            layer.weights = [_numeric(variables[k], where) for k in sorted(variables, key=int)]
    missing = [l.name for l in model.layers if _needs_weights(l) and not l.weights]
    if missing:
        raise RecognizerError(where, f"no weights for layer(s) {', '.join(missing)}")


def _attr(group, key: str) -> str | None:
    value = group.attrs.get(key)
    return None if value is None else _text(value)
