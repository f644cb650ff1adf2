"""Where the model lives, and keeping its derived ONNX file honest.

``model.json`` + ``model.h5`` are the source of truth; ``model.onnx`` is a
derived file that carries the sha256 of both sources in its metadata. If the
sources change, the ONNX file is stale: it is rebuilt (next to the sources,
or in the user cache when that folder is read-only), never silently used.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from recognizer.errors import RecognizerError

_PACKAGE_DIR = Path(__file__).resolve().parent
MODEL_DIR_ENV = "RECOGNIZER_MODEL_DIR"


@dataclass(frozen=True)
class ModelFiles:
    json: Path
    h5: Path
    onnx: Path

    @property
    def folder(self) -> Path:
        return self.json.parent


def default_model_dir() -> Path:
    """``$RECOGNIZER_MODEL_DIR``, else the shipped ``models/`` folder."""
    if os.environ.get(MODEL_DIR_ENV):
        return Path(os.environ[MODEL_DIR_ENV])
    for candidate in (_PACKAGE_DIR.parent / "models", _PACKAGE_DIR / "models"):
        if (candidate / "model.json").is_file():
            return candidate
    return _PACKAGE_DIR.parent / "models"


def locate(model: str | Path | None = None) -> ModelFiles:
    """Resolve ``--model`` (a folder, or a ``.json`` with its ``.h5`` beside it)."""
    path = Path(model) if model else default_model_dir()
    if path.is_dir():
        json_path = path / "model.json"
    elif path.suffix == ".json":
        json_path = path
    elif path.suffix == ".h5" and path.with_suffix(".json").exists():
        json_path = path.with_suffix(".json")
    elif not path.exists():
        raise RecognizerError(path, "model not found")
    else:
        raise RecognizerError(path, "expected a model folder or a model.json with its .h5 beside it")
    for required in (json_path, json_path.with_suffix(".h5")):
        if not required.is_file():
            raise RecognizerError(required, "model file missing")
    return ModelFiles(json_path, json_path.with_suffix(".h5"), json_path.with_suffix(".onnx"))


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "recognizer"


def source_hashes(files: ModelFiles) -> dict[str, str]:
    from recognizer.export import source_hashes as hashes_of

    return hashes_of(files.json, files.h5)


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
    meta = session.get_modelmeta().custom_metadata_map
    recorded = {k: v for k, v in meta.items() if k.startswith("source_")}
    if recorded == hashes:
        return session
    return None


def _session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # small batches: a second thread costs more than it gives
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_session(files: ModelFiles):
    """An onnxruntime session for the model, rebuilding a stale ONNX file."""
    hashes = source_hashes(files)
    cached = _cache_dir() / f"{hashes['source_h5_sha256'][:16]}-{hashes['source_json_sha256'][:16]}.onnx"
    for candidate in (files.onnx, cached):
        session = _is_current(candidate, hashes)
        if session is not None:
            return session

    from recognizer.export import export_onnx

    target = files.onnx if os.access(files.folder, os.W_OK) else cached
    try:
        export_onnx(files.json, files.h5, target)
    except OSError as exc:
        raise RecognizerError(target, f"cannot write the derived ONNX file ({exc})") from exc
    session = _is_current(target, hashes)
    if session is None:
        raise RecognizerError(target, "rebuilt ONNX file does not load")
    print(f"{files.onnx.name} was missing or stale: rebuilt {target} from {files.json.name} + {files.h5.name}",
          file=sys.stderr)
    return session
