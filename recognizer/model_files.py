"""Where the model lives, and keeping its derived ONNX file honest.

The Keras files (``model.json`` + ``model.h5``, a full-model ``.h5`` or a
``.keras`` file) are the source of truth; the ``.onnx`` file beside them is
derived and carries the sha256 of every source in its metadata. If a source
changes, the ONNX file is stale: it is rebuilt (next to the sources, or in
the user cache, keyed by the sources' hashes, when that folder is read-only),
never silently used. A folder with a ``SHA256SUMS`` file (the shipped
``models/``, and every folder ``recognizer train`` writes) has its files
checked against it at load: a changed or damaged file is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from recognizer.errors import RecognizerError

_PACKAGE_DIR = Path(__file__).resolve().parent
MODEL_DIR_ENV = "RECOGNIZER_MODEL_DIR"


@dataclass(frozen=True)
class ModelFiles:
    path: Path  # the model named: a model.json, a full-model .h5 or a .keras file
    onnx: Path  # where its derived file goes beside it

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def json(self) -> Path | None:
        return self.path if self.path.suffix == ".json" else None

    @property
    def h5(self) -> Path | None:
        if self.path.suffix == ".json":
            from recognizer.keras_files import weights_beside

            return weights_beside(self.path)
        return self.path if self.path.suffix == ".h5" else None


def default_model_dir() -> Path:
    """``$RECOGNIZER_MODEL_DIR``, else the shipped ``models/`` folder."""
    if os.environ.get(MODEL_DIR_ENV):
        return Path(os.environ[MODEL_DIR_ENV])
    for candidate in (_PACKAGE_DIR.parent / "models", _PACKAGE_DIR / "models"):
        if (candidate / "model.json").is_file():
            return candidate
    return _PACKAGE_DIR.parent / "models"


def locate(model: str | Path | None = None) -> ModelFiles:
    """Resolve ``--model``: a folder (its ``model.json``), a ``.json`` with its
    weights ``.h5`` beside it, a full-model ``.h5`` or a ``.keras`` file."""
    path = Path(model) if model else default_model_dir()
    if path.is_dir():
        path = path / "model.json"
    elif not path.exists():
        raise RecognizerError(path, "model not found")
    elif path.suffix == ".h5" and path.with_suffix(".json").is_file():
        path = path.with_suffix(".json")
    elif path.suffix not in (".json", ".h5", ".keras"):
        raise RecognizerError(path, "expected a model folder, a .json with its .h5 beside it, "
                                    "a full-model .h5 or a .keras file")
    if not path.is_file():
        raise RecognizerError(path, "model file missing")
    files = ModelFiles(path, path.with_suffix(".onnx"))
    if files.json is not None:
        files.h5  # noqa: B018 - raises the clear error now if the weights are missing
    return files


CHECKSUMS = "SHA256SUMS"


def write_checksums(folder: Path) -> Path:
    """Record the sha256 of a model folder's source files (``sha256sum -c`` reads it)."""
    from recognizer.export import sha256_file

    names = [n for n in ("model.json", "model.h5", "scene.json", "scene.h5", "calibration.json")
             if (folder / n).is_file()]
    path = Path(folder) / CHECKSUMS
    path.write_text("".join(f"{sha256_file(folder / n)}  {n}\n" for n in names))
    return path


def verify_checksums(folder: Path, hashes: dict[str, str] | None = None) -> None:
    """Refuse a model folder whose files differ from its ``SHA256SUMS`` (if it has one)."""
    from recognizer.export import sha256_file

    listing = Path(folder) / CHECKSUMS
    if not listing.is_file():
        return
    known = {path.name: digest for path, digest in (hashes or {}).items()}
    for line in listing.read_text().splitlines():
        if not line.strip():
            continue
        recorded, _, name = line.partition("  ")
        path = Path(folder) / name.strip()
        if not path.is_file():
            raise RecognizerError(path, f"listed in {CHECKSUMS} but missing")
        actual = known.get(path.name) or sha256_file(path)
        if actual != recorded.strip():
            raise RecognizerError(path, f"sha256 differs from the one recorded in {CHECKSUMS}: the file was "
                                        "changed or damaged (reinstall, or retrain with `recognizer train`)")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "recognizer"


def _is_current(onnx_path: Path, hashes: dict[str, str]):
    """Return an inference session if ``onnx_path`` matches the sources, else None."""
    from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

    if not onnx_path.is_file():
        return None
    unreadable = (ort_errors.Fail, ort_errors.InvalidProtobuf, ort_errors.InvalidGraph,
                  ort_errors.NoSuchFile, ort_errors.RuntimeException, RuntimeError, ValueError)
    try:
        session = _session(onnx_path)
    except unreadable:
        return None  # corrupt or foreign: the caller rebuilds it
    from recognizer.export import EXPORTER_VERSION

    meta = session.get_modelmeta().custom_metadata_map
    recorded = {k: v for k, v in meta.items() if k.startswith("source_") and k.endswith("_sha256")}
    if recorded == hashes and meta.get("exporter_version") == EXPORTER_VERSION:
        return session
    return None  # built from other files, or by an older exporter


def _session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # small batches: a second thread costs more than it gives
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_session(files: ModelFiles):
    """An onnxruntime session for the model, rebuilding a stale ONNX file."""
    from recognizer.export import source_files, source_hashes

    sources = source_files(files.path)
    hashes = source_hashes(files.path, sources)
    by_file = {path: hashes[f"source_{role}_sha256"] for role, path in sources.items()}
    verify_checksums(files.folder, by_file)
    key = hashlib.sha256("".join(sorted(hashes.values())).encode()).hexdigest()[:32]
    cached = _cache_dir() / f"{key}.onnx"
    for candidate in (files.onnx, cached):
        session = _is_current(candidate, hashes)
        if session is not None:
            return session

    from recognizer.export import export_onnx

    target = files.onnx if os.access(files.folder, os.W_OK) else cached
    try:
        export_onnx(files.path, target)
    except OSError as exc:
        raise RecognizerError(target, f"cannot write the derived ONNX file ({exc})") from exc
    session = _is_current(target, hashes)
    if session is None:
        raise RecognizerError(target, "rebuilt ONNX file does not load")
    meta = session.get_modelmeta().custom_metadata_map
    print(f"{files.onnx.name} was missing or stale: rebuilt {target} from {files.path.name} "
          f"({_detected(meta)})", file=sys.stderr)
    return session


def _detected(meta: dict[str, str]) -> str:
    """What the derived file says about how the model is read, in one phrase."""
    from recognizer.export import feeding_of

    output = {"softmax": "softmax out", "sigmoid": "sigmoids normalised", "linear": "logits through a softmax"}
    parts = [f"{meta.get('source_format', '?')} from Keras {meta.get('keras_version', '?')}",
             f"input {meta.get('input_shape', '?')}", feeding_of(meta).describe(),
             output.get(meta.get("output_activation", ""), meta.get("output_activation", "?"))]
    translated = json.loads(meta.get("translated", "[]"))
    if translated:
        parts.append("translated: " + "; ".join(translated))
    return ", ".join(parts)
