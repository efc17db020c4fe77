"""Activations and their derivatives: compiled twins of :mod:`fastnn.reference.activations`.

Same names, same table keys, plus ``out=`` buffers. The plain-arithmetic parts are
Numba loops, which LLVM vectorizes; ``exp`` and ``tanh`` are NumPy's SIMD ufuncs writing
into the same buffers, because a Numba loop calling them compiles to scalar libm calls
(3 to 14 ns an element here, against NumPy's 0.5: see ``shared/PERF.md``).

The ``*_from_A`` derivatives compute ``dZ = dA * g'(Z)`` from the forward output ``A``
(``A (1 - A)``, ``1 - A**2``, ``A > 0``), so training never keeps ``Z`` and never takes a
second ``exp``. They fuse ``db = sum(dZ, axis=1)`` into the same pass.

Private kernels take 1-D (elementwise) or 2-D C-contiguous arrays and the dtype's
constants as arguments: float32 arithmetic stays float32 (a Python ``1.0`` would
promote it to float64).
"""

from __future__ import annotations

import functools

import numpy as np

from fastnn._typing import FloatArray
from fastnn.kernels._config import elementwise, reduction
from fastnn.reference.activations import LEAKY_SLOPE

# ---------------------------------------------------------------------------------------
# Compiled loops


@elementwise
def _neg_abs(z, out):
    for i in range(z.size):
        out[i] = -abs(z[i])


@elementwise
def _sigmoid_from_exp(z, e, out, one):
    # e = exp(-|z|); the two branches are the reference's, so results agree to the bit.
    for i in range(z.size):
        ei = e[i]
        out[i] = one / (one + ei) if z[i] >= 0 else ei / (one + ei)


@elementwise
def _relu(z, out, zero):
    for i in range(z.size):
        zi = z[i]
        out[i] = zero if zi <= zero else zi  # NaN stays NaN; -0.0 gives +0.0 like np.maximum


@elementwise
def _leaky_relu(z, out, slope):
    for i in range(z.size):
        zi = z[i]
        out[i] = zi if zi > 0 else zi * slope


@elementwise
def _sigmoid_backward(dA, s, out, one):
    for i in range(dA.size):
        si = s[i]
        out[i] = dA[i] * si * (one - si)


@elementwise
def _tanh_backward(dA, t, out, one):
    for i in range(dA.size):
        ti = t[i]
        out[i] = dA[i] * (one - ti * ti)


@elementwise
def _relu_backward(dA, z, out, zero):
    for i in range(dA.size):
        out[i] = zero if z[i] <= zero else dA[i]


@elementwise
def _leaky_relu_backward(dA, z, out, slope):
    for i in range(dA.size):
        out[i] = dA[i] * slope if z[i] <= 0 else dA[i]


# Derivatives from the forward output A, in place on dA (which becomes dZ), with db fused:
# db[i] = sum_j dZ[i, j]. Arrays are 2-D C-contiguous (n_l, m).


@reduction
def _sigmoid_dz_db(dA, A, db, one):
    n, m = dA.shape
    for i in range(n):
        acc = 0.0  # float64 even for float32 data: m can be 60,000
        for j in range(m):
            a = A[i, j]
            d = dA[i, j] * a * (one - a)
            dA[i, j] = d
            acc += d
        db[i, 0] = acc


@reduction
def _tanh_dz_db(dA, A, db, one):
    n, m = dA.shape
    for i in range(n):
        acc = 0.0  # float64 even for float32 data: m can be 60,000
        for j in range(m):
            a = A[i, j]
            d = dA[i, j] * (one - a * a)
            dA[i, j] = d
            acc += d
        db[i, 0] = acc


@reduction
def _relu_dz_db(dA, A, db, zero):
    # A > 0 exactly where Z > 0, and a NaN Z gives a NaN A: the course's dZ[Z <= 0] = 0.
    n, m = dA.shape
    for i in range(n):
        acc = 0.0  # float64 even for float32 data: m can be 60,000
        for j in range(m):
            d = zero if A[i, j] <= zero else dA[i, j]
            dA[i, j] = d
            acc += d
        db[i, 0] = acc


@reduction
def _leaky_relu_dz_db(dA, A, db, slope):
    n, m = dA.shape
    for i in range(n):
        acc = 0.0  # float64 even for float32 data: m can be 60,000
        for j in range(m):
            d = dA[i, j] * slope if A[i, j] <= 0 else dA[i, j]
            dA[i, j] = d
            acc += d
        db[i, 0] = acc


# Forward activations fused with the bias, in place on Z (which becomes A).


@elementwise
def _bias_add(Z, b):
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            Z[i, j] += bi


@elementwise
def _bias_relu(Z, b, A, zero):
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = Z[i, j] + bi
            Z[i, j] = z
            A[i, j] = zero if z <= zero else z


@elementwise
def _bias_leaky_relu(Z, b, A, slope):
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = Z[i, j] + bi
            Z[i, j] = z
            A[i, j] = z if z > 0 else z * slope


# ---------------------------------------------------------------------------------------
# Helpers shared with the layer and model kernels


@functools.cache
def constants(dtype: np.dtype) -> dict[str, np.floating]:
    """The scalars kernels need, in ``dtype``."""
    t = np.dtype(dtype).type
    return {"zero": t(0), "one": t(1), "slope": t(LEAKY_SLOPE)}


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1)


def _prepare(*arrays: np.ndarray) -> list[np.ndarray]:
    """C-contiguous copies where needed (once, at the boundary); read-only inputs are fine."""
    return [np.ascontiguousarray(a) for a in arrays]


def _out(out: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``out`` checked for ``shape`` and ``dtype``, or a new C-contiguous array."""
    if out is None:
        return np.empty(shape, dtype)
    if out.shape != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError(
            f"out must be a writeable C-contiguous {np.dtype(dtype)} array of shape {tuple(shape)}, "
            f"got {out.dtype} {out.shape}"
        )
    return out


def _out_like(out: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    return _out(out, like.shape, like.dtype)


# ---------------------------------------------------------------------------------------
# Public twins of the reference


def sigmoid(Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``1 / (1 + exp(-Z))`` in the reference's stable form; see :func:`fastnn.reference.sigmoid`."""
    (Z,) = _prepare(Z)
    out = _out_like(out, Z)
    zf, of = _flat(Z), _flat(out)
    _neg_abs(zf, of)
    np.exp(of, out=of)
    _sigmoid_from_exp(zf, of, of, constants(Z.dtype)["one"])
    return out


def tanh(Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Hyperbolic tangent (NumPy's SIMD ufunc into ``out``)."""
    (Z,) = _prepare(Z)
    out = _out_like(out, Z)
    return np.tanh(Z, out=out)


def relu(Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``max(Z, 0)``; NaN stays NaN."""
    (Z,) = _prepare(Z)
    out = _out_like(out, Z)
    _relu(_flat(Z), _flat(out), constants(Z.dtype)["zero"])
    return out


def leaky_relu(Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``Z`` where ``Z > 0``, else ``0.01 * Z``."""
    (Z,) = _prepare(Z)
    out = _out_like(out, Z)
    _leaky_relu(_flat(Z), _flat(out), constants(Z.dtype)["slope"])
    return out


def sigmoid_backward(dA: FloatArray, Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``."""
    dA, Z = _prepare(dA, Z)
    out = _out_like(out, dA)
    s = sigmoid(Z, out=out)
    _sigmoid_backward(_flat(dA), _flat(s), _flat(out), constants(dA.dtype)["one"])
    return out


def tanh_backward(dA: FloatArray, Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``dZ = dA * (1 - tanh(Z)**2)``."""
    dA, Z = _prepare(dA, Z)
    out = _out_like(out, dA)
    np.tanh(Z, out=out)
    _tanh_backward(_flat(dA), _flat(out), _flat(out), constants(dA.dtype)["one"])
    return out


def relu_backward(dA: FloatArray, Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``dZ = dA`` where ``Z > 0``, else 0."""
    dA, Z = _prepare(dA, Z)
    out = _out_like(out, dA)
    _relu_backward(_flat(dA), _flat(Z), _flat(out), constants(dA.dtype)["zero"])
    return out


def leaky_relu_backward(dA: FloatArray, Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``dZ = dA`` where ``Z > 0``, else ``0.01 * dA``."""
    dA, Z = _prepare(dA, Z)
    out = _out_like(out, dA)
    _leaky_relu_backward(_flat(dA), _flat(Z), _flat(out), constants(dA.dtype)["slope"])
    return out


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
}

DERIVATIVES = {
    "sigmoid": sigmoid_backward,
    "tanh": tanh_backward,
    "relu": relu_backward,
    "leaky_relu": leaky_relu_backward,
}


def _bias_sigmoid(Z: np.ndarray, b: np.ndarray, A: np.ndarray, scratch: np.ndarray) -> None:
    _bias_add(Z, b)
    zf, sf = _flat(Z), _flat(scratch)
    _neg_abs(zf, sf)
    np.exp(sf, out=sf)
    _sigmoid_from_exp(zf, sf, _flat(A), constants(Z.dtype)["one"])


def _bias_tanh(Z: np.ndarray, b: np.ndarray, A: np.ndarray, scratch: np.ndarray) -> None:
    _bias_add(Z, b)
    np.tanh(Z, out=A)


#: ``FORWARD[name](Z, b, A, scratch)``: ``Z <- Z + b`` and ``A <- g(Z)`` in one pass over
#: the output (plus NumPy's ufunc for exp/tanh). ``A`` may be ``Z`` itself (training keeps
#: no ``Z``); ``scratch`` is a C-contiguous buffer of ``Z``'s shape that may be overwritten
#: and may be ``A`` when ``A`` is not ``Z``.
FORWARD = {
    "sigmoid": _bias_sigmoid,
    "tanh": _bias_tanh,
    "relu": lambda Z, b, A, scratch: _bias_relu(Z, b, A, constants(Z.dtype)["zero"]),
    "leaky_relu": lambda Z, b, A, scratch: _bias_leaky_relu(Z, b, A, constants(Z.dtype)["slope"]),
}

#: ``BACKWARD_FROM_A[name](dA, A, db)``: ``dA <- dA * g'(Z)`` in place, computed from
#: ``A = g(Z)``, and ``db <- sum(dZ, axis=1)`` (not yet divided by ``m``).
BACKWARD_FROM_A = {
    "sigmoid": lambda dA, A, db: _sigmoid_dz_db(dA, A, db, constants(dA.dtype)["one"]),
    "tanh": lambda dA, A, db: _tanh_dz_db(dA, A, db, constants(dA.dtype)["one"]),
    "relu": lambda dA, A, db: _relu_dz_db(dA, A, db, constants(dA.dtype)["zero"]),
    "leaky_relu": lambda dA, A, db: _leaky_relu_dz_db(dA, A, db, constants(dA.dtype)["slope"]),
}
