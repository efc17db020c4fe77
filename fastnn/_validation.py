"""Input checks, made once at each public boundary and never inside a training loop.

Every failure is a ValueError or TypeError whose message names the argument and the
problem. Nothing here mutates its input; conversions return new arrays only when needed.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from fastnn._typing import FLOAT_DTYPES


def check_choice(name: str, value, options: Iterable[str]) -> str:
    """``value`` if it is one of ``options``, else a ValueError listing them."""
    options = tuple(options)
    if not (isinstance(value, str) or value is None) or value not in options:
        raise ValueError(f"unknown {name} {value!r}; valid values are: {', '.join(map(repr, options))}")
    return value


def resolve_dtype(dtype, default: np.dtype) -> np.dtype:
    """``dtype`` as float32 or float64 (``None`` gives ``default``)."""
    if dtype is None:
        return np.dtype(default)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; valid values are: 'float32', 'float64'")
    return resolved


def float_dtype_of(name: str, a: np.ndarray) -> np.dtype:
    """float32 for float32 arrays, float64 for other real numbers; TypeError otherwise."""
    kind = a.dtype.kind
    if kind in "biuf":
        return np.dtype(np.float32) if a.dtype == np.float32 else np.dtype(np.float64)
    what = {"c": "complex", "O": "object", "U": "string", "S": "bytes", "M": "datetime", "m": "timedelta"}
    raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype} ({what.get(kind, 'not numeric')})")


def check_finite(name: str, a: np.ndarray) -> None:
    """ValueError if ``a`` holds NaN or infinity (two reductions, no temporary array)."""
    if a.size == 0 or a.dtype.kind not in "fc":
        return
    lo, hi = np.min(a), np.max(a)
    if np.isnan(lo) or np.isnan(hi):
        raise ValueError(f"{name} contains NaN")
    if np.isinf(lo) or np.isinf(hi):
        raise ValueError(f"{name} contains infinity")


def as_matrix(name: str, a, dtype: np.dtype | None = None) -> np.ndarray:
    """``a`` as a finite, non-empty 2-D float array (of ``dtype`` if given)."""
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D array of numbers, got {type(a).__name__}")
    a = np.asarray(a)
    natural = float_dtype_of(name, a)
    target = natural if dtype is None else dtype
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, one example per column; got an array of shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {a.shape}): it needs at least one row and one example")
    check_finite(name, a)
    return a.astype(target, copy=False)


def check_X(X, dtype=None) -> np.ndarray:
    """``X`` of shape ``(n_x, m)`` as float32 or float64 (see :func:`as_matrix`)."""
    return as_matrix("X", X, None if dtype is None else resolve_dtype(dtype, np.float64))


def check_XY(X, Y, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Validate a training set; return ``X`` and ``Y`` in one float dtype.

    ``X`` is ``(n_x, m)``; ``Y`` is ``(1, m)`` of zeros and ones. float32 ``X`` stays
    float32 unless ``dtype`` says otherwise; other real dtypes become float64.
    """
    X = check_X(X, dtype)
    if isinstance(Y, (str, bytes)):
        raise TypeError(f"Y must be a (1, m) array of 0 and 1, got {type(Y).__name__}")
    Y = np.asarray(Y)
    float_dtype_of("Y", Y)
    if Y.ndim != 2 or Y.shape[0] != 1:
        raise ValueError(f"Y must have shape (1, m) = (1, {X.shape[1]}); got an array of shape {Y.shape}")
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"X and Y disagree on the number of examples: X has {X.shape[1]} columns, Y has {Y.shape[1]}")
    check_finite("Y", Y)
    values = np.unique(Y)
    bad = values[(values != 0) & (values != 1)]
    if bad.size:
        shown = ", ".join(repr(v.item()) for v in bad[:5]) + (", ..." if bad.size > 5 else "")
        raise ValueError(f"Y must hold only 0 and 1 (binary labels); found {shown}")
    return X, Y.astype(X.dtype, copy=False)


def check_layer_dims(layer_dims, n_x: int | None = None, binary: bool = True) -> list[int]:
    """``[n_x, n_1, ..., n_L]`` as a list of positive ints; ``binary``: ``n_L`` must be 1."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence | np.ndarray):
        raise TypeError(f"layer_dims must be a sequence of ints such as [n_x, 20, 7, 1], got {layer_dims!r}")
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(f"layer_dims needs at least an input and an output size, got {dims}")
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"layer_dims must hold ints, got {d!r} in {dims}")
        if d < 1:
            raise ValueError(f"every layer size must be at least 1, got {dims}")
    dims = [int(d) for d in dims]
    if n_x is not None and dims[0] != n_x:
        raise ValueError(f"layer_dims[0] is {dims[0]} but X has n_x = {n_x} rows")
    if binary and dims[-1] != 1:
        raise ValueError(f"layer_dims[-1] must be 1 (one sigmoid output unit), got {dims[-1]}")
    return dims


def check_learning_rate(learning_rate) -> float:
    """A positive, finite real learning rate as a float."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(f"learning_rate must be a real number, got {learning_rate!r}")
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be positive and finite, got {learning_rate!r}")
    return float(learning_rate)


def check_num_iterations(num_iterations) -> int:
    """A non-negative int."""
    if isinstance(num_iterations, bool) or not isinstance(num_iterations, numbers.Integral):
        raise TypeError(f"num_iterations must be an int, got {num_iterations!r}")
    if num_iterations < 0:
        raise ValueError(f"num_iterations must be >= 0, got {num_iterations}")
    return int(num_iterations)


def check_print_every(print_every, name: str = "print_every") -> int:
    """A non-negative int (0: never)."""
    if isinstance(print_every, bool) or not isinstance(print_every, numbers.Integral) or print_every < 0:
        raise ValueError(f"{name} must be an int >= 0 (0: never), got {print_every!r}")
    return int(print_every)


def check_parameters(
    parameters, n_x: int | None = None, dtype: np.dtype | None = None, n_out: int | None = 1
) -> dict[str, np.ndarray]:
    """Copies of ``{"W1", "b1", ..., "WL", "bL"}`` with chained, consistent shapes.

    Raises ValueError naming the first key or shape that is wrong, including a
    ``W1`` whose column count differs from ``n_x`` and, unless ``n_out`` is None, a last
    layer without ``n_out`` units.
    """
    if not isinstance(parameters, dict):
        raise TypeError(f"parameters must be a dict {{'W1': ..., 'b1': ...}}, got {type(parameters).__name__}")
    L = len(parameters) // 2
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L == 0 or set(parameters) != expected:
        raise ValueError(f"parameters must have keys W1, b1, ..., WL, bL; got {sorted(parameters)}")
    out = {}
    n_prev = n_x
    for l in range(1, L + 1):
        W = np.asarray(parameters[f"W{l}"])
        b = np.asarray(parameters[f"b{l}"])
        target = dtype if dtype is not None else float_dtype_of(f"W{l}", W)
        float_dtype_of(f"W{l}", W)
        float_dtype_of(f"b{l}", b)
        if W.ndim != 2:
            raise ValueError(f"W{l} must be 2-D (n_{l}, n_{l - 1}), got shape {W.shape}")
        if n_prev is not None and W.shape[1] != n_prev:
            what = "X has n_x" if l == 1 else f"W{l - 1} gives n_{l - 1}"
            raise ValueError(f"W{l} has shape {W.shape} but {what} = {n_prev}: expected ({W.shape[0]}, {n_prev})")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"b{l} must have shape ({W.shape[0]}, 1) to match W{l} {W.shape}, got {b.shape}")
        check_finite(f"W{l}", W)
        check_finite(f"b{l}", b)
        out[f"W{l}"] = np.array(W, dtype=target, order="C")
        out[f"b{l}"] = np.array(b, dtype=target, order="C")
        n_prev = W.shape[0]
    if n_out == 1 and out[f"W{L}"].shape[0] != 1:
        raise ValueError(f"W{L} must have one row (one sigmoid output unit), got shape {out[f'W{L}'].shape}")
    if n_out is not None and out[f"W{L}"].shape[0] != n_out:
        raise ValueError(f"W{L} has {out[f'W{L}'].shape[0]} rows but layer_dims[-1] is {n_out}")
    return out


def _shown(values: np.ndarray) -> str:
    return ", ".join(repr(v.item()) for v in values[:5]) + (", ..." if values.size > 5 else "")


def check_targets(Y, loss: str, n_out: int, X: np.ndarray) -> np.ndarray:
    """``Y`` for ``loss``, as a ``(n_out, m)`` array of ``X``'s dtype.

    ``binary_crossentropy``: zeros and ones, ``(n_out, m)`` (several rows: multi-label).
    ``categorical_crossentropy``: one-hot ``(K, m)`` columns, or integer labels ``(1, m)`` in
    ``0 .. K-1`` (turned into one-hot columns here). ``squared_error``: finite real targets
    ``(n_out, m)``; ``poisson``: the same, non-negative. A ValueError or TypeError names what
    is wrong, never broadcast.
    """
    m = X.shape[1]
    if isinstance(Y, (str, bytes)) or Y is None:
        raise TypeError(f"Y must be a 2-D array with one column per example, got {type(Y).__name__}")
    Y = np.asarray(Y)
    float_dtype_of("Y", Y)
    categorical = loss == "categorical_crossentropy"
    if Y.ndim != 2 or (Y.shape[0] not in (1, n_out) if categorical else Y.shape[0] != n_out):
        if categorical:
            raise ValueError(f"Y must have shape (K, m) = ({n_out}, {m}) one-hot, or (1, m) labels; got {Y.shape}")
        rows = "(1, m)" if n_out == 1 else "(n_L, m)"
        raise ValueError(f"Y must have shape {rows} = ({n_out}, {m}) to match layer_dims[-1]; got {Y.shape}")
    if Y.shape[1] != m:
        raise ValueError(f"X and Y disagree on the number of examples: X has {m} columns, Y has {Y.shape[1]}")
    check_finite("Y", Y)
    if categorical:
        if Y.shape[0] == 1 and n_out > 1:
            labels = Y[0]
            bad = np.unique(labels[(labels != np.round(labels)) | (labels < 0) | (labels >= n_out)])
            if bad.size:
                raise ValueError(
                    f"Y's class labels must be integers in 0..{n_out - 1} (K = {n_out}); found {_shown(bad)}"
                )
            onehot = np.zeros((n_out, m), X.dtype)
            onehot[labels.astype(np.int64), np.arange(m)] = 1
            return onehot
        bad = np.unique(Y[(Y != 0) & (Y != 1)])
        if bad.size:
            raise ValueError(f"one-hot Y must hold only 0 and 1; found {_shown(bad)}")
        sums = Y.sum(axis=0)
        if np.any(sums != 1):
            j = int(np.flatnonzero(sums != 1)[0])
            raise ValueError(f"one-hot Y needs exactly one 1 per column; column {j} has {int(sums[j])}")
        return Y.astype(X.dtype, copy=False)
    if loss == "binary_crossentropy":
        bad = np.unique(Y[(Y != 0) & (Y != 1)])
        if bad.size:
            raise ValueError(f"Y must hold only 0 and 1 (binary labels); found {_shown(bad)}")
    if loss == "poisson":
        bad = np.unique(Y[Y < 0])
        if bad.size:
            raise ValueError(f"Y must be non-negative for the poisson loss (counts or rates); found {_shown(bad)}")
    return Y.astype(X.dtype, copy=False)
