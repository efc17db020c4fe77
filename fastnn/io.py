"""Saving and loading parameters: ``.npz`` files written atomically, read without pickle."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from fastnn._typing import Parameters

#: Version of the file layout written by :func:`save`.
FORMAT_VERSION = 1
_META_KEY = "__fastnn_metadata__"


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def write_atomic(path: str | os.PathLike, content: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write ``content`` (bytes, or a function writing to a binary file) to ``path`` atomically:
    a temporary file in the same folder, flushed, fsynced, then renamed over ``path``, so a
    crash leaves the old file or the new one, never a part. Returns ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(content, bytes | bytearray | memoryview):
                f.write(content)
            else:
                content(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it an ordinary file's mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _write_npz(path: Path, arrays: dict, meta: dict) -> Path:
    """Write ``arrays`` and the JSON ``meta`` to ``path`` atomically (:func:`write_atomic`)."""
    try:
        meta_bytes = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    except TypeError as exc:
        raise TypeError(f"metadata must be JSON-serialisable: {exc}") from None
    return write_atomic(path, lambda f: np.savez(f, **arrays, **{_META_KEY: meta_bytes}))


def _read_npz(path: Path) -> tuple[dict, dict]:
    """``(arrays, meta)`` of a file written by :func:`_write_npz`; ValueError for anything else."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb") as f:
        magic = f.read(6)
    if not magic.startswith((b"PK", b"\x80", b"\x93NUMPY")):  # zip, pickle, .npy: np.load tells those apart
        raise ValueError(f"{path} is not a readable fastnn parameter file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            if _META_KEY not in data.files:
                raise _Foreign(f"{path} is not a fastnn parameter file (no fastnn metadata entry)")
            meta = json.loads(bytes(data[_META_KEY]).decode())
            arrays = {k: data[k] for k in data.files if k != _META_KEY}
    except _Foreign as exc:
        raise ValueError(str(exc)) from None
    except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a readable fastnn parameter file ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise ValueError(f"{path} holds pickled objects; fastnn never loads those") from None
        raise ValueError(f"{path} is not a readable fastnn parameter file ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        version = meta.get("format_version") if isinstance(meta, dict) else meta
        raise ValueError(f"{path}: unsupported fastnn file format {version!r}")
    return arrays, meta


class _Foreign(Exception):
    pass


def save(path: str | os.PathLike, parameters: Parameters, **metadata) -> Path:
    """Write ``parameters`` and JSON ``metadata`` to an ``.npz`` file, atomically.

    The file is written to a temporary name in the same folder, flushed and fsynced,
    then renamed over ``path``: a crash leaves either the old file or the new one.

    Parameters
    ----------
    path : str or PathLike
    parameters : dict
        ``{"W1", "b1", ..., "WL", "bL"}``.
    **metadata
        JSON-serialisable values (NumPy scalars and arrays are converted).

    Returns
    -------
    Path
        The path written.
    """
    from fastnn import __version__
    from fastnn._validation import check_parameters

    params = check_parameters(parameters, n_out=None)
    L = len(params) // 2
    meta = {
        "format_version": FORMAT_VERSION,
        "fastnn_version": __version__,
        "layer_dims": [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)],
        "dtype": str(params["W1"].dtype),
        **_jsonable(metadata),
    }
    return _write_npz(Path(path), params, meta)


def load(path: str | os.PathLike) -> tuple[Parameters, dict]:
    """Read a file written by :func:`save`; returns ``(parameters, metadata)``.

    Loads with ``allow_pickle=False`` and checks shapes against the metadata.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, corrupted, holds pickled objects, or was not written by fastnn.
    """
    from fastnn._validation import check_parameters

    path = Path(path)
    arrays, meta = _read_npz(path)
    try:
        parameters = check_parameters(arrays, n_out=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: stored parameters are inconsistent: {exc}") from None
    L = len(parameters) // 2
    dims = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    if dims != meta.get("layer_dims"):
        raise ValueError(f"{path}: parameters have layer sizes {dims} but the metadata says {meta.get('layer_dims')}")
    return parameters, meta


def save_checkpoint(path: str | os.PathLike, state: dict, costs: np.ndarray, iteration: int, **settings) -> Path:
    """Write a training checkpoint atomically: the trainer's ``state`` arrays, the costs so far,
    the number of iterations done and the run's ``settings`` (checked on resume)."""
    from fastnn import __version__

    meta = {
        "format_version": FORMAT_VERSION,
        "fastnn_version": __version__,
        "kind": "checkpoint",
        "iteration": int(iteration),
        **_jsonable(settings),
    }
    arrays = {f"state_{k}": v for k, v in state.items()}
    arrays["costs"] = np.asarray(costs)
    return _write_npz(Path(path), arrays, meta)


def load_checkpoint(path: str | os.PathLike) -> tuple[dict, np.ndarray, dict]:
    """``(state, costs, meta)`` of a checkpoint written by :func:`save_checkpoint`."""
    path = Path(path)
    arrays, meta = _read_npz(path)
    if meta.get("kind") != "checkpoint" or "costs" not in arrays:
        raise ValueError(f"{path} is not a fastnn checkpoint")
    state = {k[len("state_") :]: v for k, v in arrays.items() if k.startswith("state_")}
    costs = arrays["costs"]
    if costs.ndim != 1 or costs.size != meta.get("iteration"):
        raise ValueError(
            f"{path}: checkpoint is inconsistent ({costs.size} costs for iteration {meta.get('iteration')})"
        )
    return state, costs, meta
