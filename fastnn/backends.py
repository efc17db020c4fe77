"""The backend registry: a name to the module that trains and predicts.

Each backend module provides ``gradient_descent`` and ``predict_proba`` with the
signatures of :mod:`fastnn.reference`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from fastnn._validation import check_choice

#: Backend name to module path, fastest last.
BACKENDS = {"numpy": "fastnn.reference", "numba": "fastnn.kernels"}


def available_backends() -> list[str]:
    """Names of the backends whose modules import on this machine."""
    names = []
    for name, path in BACKENDS.items():
        try:
            importlib.import_module(path)
        except ImportError:
            continue
        names.append(name)
    return names


def default_backend() -> str:
    """The fastest installed backend."""
    return available_backends()[-1]


def resolve_backend(name: str | None) -> str:
    """``name`` checked against the registry, or the default when ``None``."""
    if name is None:
        return default_backend()
    return check_choice("backend", name, BACKENDS)


def get_backend(name: str | None) -> ModuleType:
    """The module behind backend ``name`` (``None``: the default)."""
    return importlib.import_module(BACKENDS[resolve_backend(name)])
