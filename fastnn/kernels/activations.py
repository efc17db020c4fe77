"""Activations and their derivatives: compiled twins of :mod:`fastnn.reference.activations`.

Same names, same table keys, plus ``out=`` buffers. Every kernel is one Numba loop that
LLVM vectorizes: ``exp`` and ``tanh`` come from :mod:`fastnn.kernels._vmath`, written as
plain arithmetic, because a loop calling ``math.exp`` or ``np.tanh`` compiles to one scalar
libm call per element (see ``shared/PERF.md``). sigmoid and tanh are within 2 and 3 ulp of
the reference; float32 inputs go through float64 and are rounded once.

Training uses two more tables, ``TRAIN_FORWARD`` and ``TRAIN_BACKWARD``: the forward pass
turns ``Z`` into ``A`` in place and, for sigmoid and tanh, writes ``g'(Z)`` in the same pass
(from the same ``exp``); the backward pass turns ``dA`` into ``dZ`` in place (from that, or
from the sign of ``A`` for the ReLUs) and fuses ``db = sum(dZ, axis=1)``. Training never
keeps ``Z``.

Private kernels take 1-D (elementwise) or 2-D C-contiguous arrays and the dtype's
constants as arguments: float32 arithmetic stays float32 (a Python ``1.0`` would
promote it to float64).
"""

from __future__ import annotations

import functools

import numpy as np

from fastnn._typing import FloatArray
from fastnn.kernels._config import elementwise, inlined, reduction
from fastnn.kernels._vmath import (
    exp_nonpositive,
    math_constants,
    sigmoid_grad_scalar,
    sigmoid_scalar,
    tanh_and_grad,
    tanh_grad_scalar,
    tanh_scalar,
)
from fastnn.reference.activations import LEAKY_SLOPE
from fastnn.spec import HIDDEN_ACTIVATIONS

# ---------------------------------------------------------------------------------------
# Compiled loops


@elementwise
def _neg_abs(z, out):
    for i in range(z.size):
        out[i] = -abs(z[i])


@elementwise
def _sigmoid(z, out):
    c = math_constants()
    for i in range(z.size):
        out[i] = sigmoid_scalar(float(z[i]), c)


@elementwise
def _tanh(z, out):
    c = math_constants()
    for i in range(z.size):
        out[i] = tanh_scalar(float(z[i]), c)


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
def _sigmoid_backward(dA, z, out):
    c = math_constants()
    for i in range(dA.size):
        out[i] = float(dA[i]) * sigmoid_grad_scalar(float(z[i]), c)


@elementwise
def _tanh_backward(dA, z, out):
    c = math_constants()
    for i in range(dA.size):
        out[i] = float(dA[i]) * tanh_grad_scalar(float(z[i]), c)


@elementwise
def _relu_backward(dA, z, out, zero):
    for i in range(dA.size):
        out[i] = zero if z[i] <= zero else dA[i]


@elementwise
def _leaky_relu_backward(dA, z, out, slope):
    for i in range(dA.size):
        out[i] = dA[i] * slope if z[i] <= 0 else dA[i]


# Derivatives from the forward output A, in place on dA (which becomes dZ), then
# db[i] = sum_j dZ[i, j]. Arrays are 2-D C-contiguous (n_l, m). Each row is written in one
# loop and summed in a second that only reads: a reassociated sum in a loop that also
# writes would add in one order or another depending on where the arrays lie in memory
# (LLVM runs a scalar copy of the vectorized loop when what it writes lies close to what it
# reads), so the same run could give other bits; a read-only loop always takes one path.


@reduction(python=False)
def _row_sum(dZ, i):
    acc = 0.0  # float64 even for float32 data: m can be 60,000
    for j in range(dZ.shape[1]):
        acc += float(dZ[i, j])
    return acc


@reduction
def _scale_dz_db(dA, D, db):
    # D = g'(Z) in float64, written by the forward pass (sigmoid and tanh: 1 - A or 1 - A**2
    # would cancel); float64 so that float32 data is rounded once, as in sigmoid_backward.
    n, m = dA.shape
    for i in range(n):
        for j in range(m):
            dA[i, j] = float(dA[i, j]) * D[i, j]
        db[i, 0] = _row_sum(dA, i)


@reduction
def _relu_dz_db(dA, A, db, zero):
    # A > 0 exactly where Z > 0, and a NaN Z gives a NaN A: the course's dZ[Z <= 0] = 0.
    n, m = dA.shape
    for i in range(n):
        for j in range(m):
            dA[i, j] = zero if A[i, j] <= zero else dA[i, j]
        db[i, 0] = _row_sum(dA, i)


@reduction
def _leaky_relu_dz_db(dA, A, db, slope):
    n, m = dA.shape
    for i in range(n):
        for j in range(m):
            dA[i, j] = dA[i, j] * slope if A[i, j] <= 0 else dA[i, j]
        db[i, 0] = _row_sum(dA, i)


# Forward activations fused with the bias, in place on Z (which becomes A).


@elementwise
def _bias_add(Z, b):
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            Z[i, j] += bi


@elementwise
def _bias_sigmoid(Z, b, A):
    c = math_constants()
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = Z[i, j] + bi
            Z[i, j] = z
            A[i, j] = sigmoid_scalar(float(z), c)


@elementwise
def _bias_tanh(Z, b, A):
    c = math_constants()
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = Z[i, j] + bi
            Z[i, j] = z
            A[i, j] = tanh_scalar(float(z), c)


# Training's forward passes, in place on Z (which becomes A): one array, so LLVM need not
# guard against A and Z overlapping (with two names for one array it falls back to a
# scalar loop, 4 to 7 times slower).


@elementwise
def _bias_sigmoid_train(Z, b, D):
    c = math_constants()
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = float(Z[i, j] + bi)
            e = exp_nonpositive(-abs(z), c)
            Z[i, j] = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
            D[i, j] = e / (1.0 + e * (2.0 + e))


@elementwise
def _bias_tanh_train(Z, b, D):
    c = math_constants()
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            t, g = tanh_and_grad(float(Z[i, j] + bi), c)
            Z[i, j] = t
            D[i, j] = g


@elementwise
def _bias_relu_train(Z, b, zero):
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = Z[i, j] + bi
            Z[i, j] = zero if z <= zero else z


@elementwise
def _bias_leaky_relu_train(Z, b, slope):
    n, m = Z.shape
    for i in range(n):
        bi = b[i, 0]
        for j in range(m):
            z = Z[i, j] + bi
            Z[i, j] = z if z > 0 else z * slope


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
# The training loops' dispatch on the hidden activation: one table of codes, one branch per
# code in each direction, and an unknown code raises (never a silent fallback).

#: Hidden activation codes (:data:`fastnn.spec.HIDDEN_ACTIVATIONS` order).
ACT_CODES = {name: code for code, name in enumerate(HIDDEN_ACTIVATIONS)}
_SIGMOID, _TANH, _RELU, _LEAKY, _IDENTITY = (
    ACT_CODES[n] for n in ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
)


@inlined
def _forward_hidden(Z, b, D, act, zero, slope):
    """Bias and hidden activation in place on ``Z``; ``D = g'(Z)`` for sigmoid and tanh.
    Inlined (as :func:`_backward_hidden`): where ``act`` is a constant, in
    :mod:`fastnn.kernels.ops`, the other activations' branches are pruned before typing, and
    their kernels never compiled."""
    if act == _SIGMOID:
        _bias_sigmoid_train(Z, b, D)
    elif act == _TANH:
        _bias_tanh_train(Z, b, D)
    elif act == _RELU:
        _bias_relu_train(Z, b, zero)
    elif act == _LEAKY:
        _bias_leaky_relu_train(Z, b, slope)
    elif act == _IDENTITY:
        _bias_add(Z, b)
    else:
        raise ValueError("unknown activation code")


@elementwise(python=False)
def _activate(z, act, zero, slope):
    """``g(z)`` for the ReLUs and identity (``z`` already holds the bias), with the rounding
    of their pass kernels (``_bias_relu_train`` and kin)."""
    if act == _RELU:
        return zero if z <= zero else z
    if act == _LEAKY:
        return z if z > 0 else z * slope
    return z


@elementwise(python=False)
def _derive(da, A, D, i, j, act, zero, slope):
    """Entry ``(i, j)`` of ``dZ = dA * g'(Z)`` from ``dA``'s ``da``: from the sign of ``A``
    for the ReLUs, from ``D`` (``g'(Z)`` in float64) for sigmoid and tanh; the rounding of
    :func:`_backward_hidden`'s kernels."""
    if act == _RELU:
        return zero if A[i, j] <= zero else da
    if act == _LEAKY:
        return da * slope if A[i, j] <= 0 else da
    if act == _IDENTITY:
        return da
    return float(da) * D[i, j]


@elementwise(python=False)
def _derivative(dA, A, D, act, zero, slope):
    """``dZ = dA * g'(Z)`` in place on ``dA`` (:func:`_derive`), without ``db``."""
    n, m = dA.shape
    for i in range(n):
        for j in range(m):
            dA[i, j] = _derive(dA[i, j], A, D, i, j, act, zero, slope)


@reduction
def _row_sums(dZ, db):
    """``db = sum(dZ, axis=1)`` (float64 sums; only loads in the loop)."""
    for i in range(dZ.shape[0]):
        db[i, 0] = _row_sum(dZ, i)


@inlined
def _backward_hidden(dA, A, D, db, act, zero, slope):
    """``dZ = dA * g'(Z)`` in place on ``dA`` and its row sums into ``db``."""
    if act == _SIGMOID or act == _TANH:
        _scale_dz_db(dA, D, db)
    elif act == _RELU:
        _relu_dz_db(dA, A, db, zero)
    elif act == _LEAKY:
        _leaky_relu_dz_db(dA, A, db, slope)
    elif act == _IDENTITY:
        _row_sums(dA, db)
    else:
        raise ValueError("unknown activation code")


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
    _sigmoid(_flat(Z), _flat(out))
    return out


def tanh(Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Hyperbolic tangent."""
    (Z,) = _prepare(Z)
    out = _out_like(out, Z)
    _tanh(_flat(Z), _flat(out))
    return out


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
    _sigmoid_backward(_flat(dA), _flat(Z), _flat(out))
    return out


def tanh_backward(dA: FloatArray, Z: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``dZ = dA * (1 - tanh(Z)**2)``."""
    dA, Z = _prepare(dA, Z)
    out = _out_like(out, dA)
    _tanh_backward(_flat(dA), _flat(Z), _flat(out))
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


#: ``FORWARD[name](Z, b, A)``: ``Z <- Z + b`` and ``A <- g(Z)`` in one pass over the
#: output. ``A`` may be ``Z`` itself (training keeps no ``Z``).
FORWARD = {
    "sigmoid": _bias_sigmoid,
    "tanh": _bias_tanh,
    "relu": lambda Z, b, A: _bias_relu(Z, b, A, constants(Z.dtype)["zero"]),
    "leaky_relu": lambda Z, b, A: _bias_leaky_relu(Z, b, A, constants(Z.dtype)["slope"]),
}

#: Training's forward pass: ``TRAIN_FORWARD[name](Z, b, D)`` turns ``Z`` into
#: ``A = g(Z + b)`` in place and writes ``D = g'(Z + b)`` (a float64 array) where the
#: backward pass cannot get it exactly from ``A`` (sigmoid, tanh); the ReLUs leave ``D`` alone.
TRAIN_FORWARD = {
    "sigmoid": _bias_sigmoid_train,
    "tanh": _bias_tanh_train,
    "relu": lambda Z, b, D: _bias_relu_train(Z, b, constants(Z.dtype)["zero"]),
    "leaky_relu": lambda Z, b, D: _bias_leaky_relu_train(Z, b, constants(Z.dtype)["slope"]),
}

#: Training's backward pass: ``TRAIN_BACKWARD[name](dA, A, D, db)`` turns ``dA`` into
#: ``dZ = dA * g'(Z)`` in place (from ``D``, or from the sign of ``A`` for the ReLUs) and
#: writes ``db = sum(dZ, axis=1)`` (not yet divided by ``m``), in one pass.
TRAIN_BACKWARD = {
    "sigmoid": lambda dA, A, D, db: _scale_dz_db(dA, D, db),
    "tanh": lambda dA, A, D, db: _scale_dz_db(dA, D, db),
    "relu": lambda dA, A, D, db: _relu_dz_db(dA, A, db, constants(dA.dtype)["zero"]),
    "leaky_relu": lambda dA, A, D, db: _leaky_relu_dz_db(dA, A, db, constants(dA.dtype)["slope"]),
}
