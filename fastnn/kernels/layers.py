"""One layer forward and backward: compiled twins of :mod:`fastnn.reference.layers`.

The matrix products go to NumPy's BLAS, writing into ``out=`` buffers; everything around
them (bias, activation, derivative, ``db``) is one compiled pass over the output.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray
from fastnn.kernels.activations import DERIVATIVES, FORWARD, _bias_add, _out, _prepare, _row_sums


def linear_forward(
    A: FloatArray, W: FloatArray, b: FloatArray, out: FloatArray | None = None
) -> tuple[FloatArray, tuple]:
    """``Z = W @ A + b`` into ``out``; returns ``(Z, (A, W, b))`` like the reference."""
    A, W, b = _prepare(A, W, b)
    Z = _out(out, (W.shape[0], A.shape[1]), A.dtype)
    np.matmul(W, A, out=Z)
    _bias_add(Z, b)
    return Z, (A, W, b)


def linear_activation_forward(
    A_prev: FloatArray, W: FloatArray, b: FloatArray, activation: str, out: FloatArray | None = None
) -> tuple[FloatArray, tuple]:
    """``A = g(W @ A_prev + b)``; bias and activation fused in one pass after the product.

    Returns ``(A, ((A_prev, W, b), Z))`` like the reference; ``out`` receives ``A``.
    """
    A_prev, W, b = _prepare(A_prev, W, b)
    shape = (W.shape[0], A_prev.shape[1])
    Z = np.empty(shape, A_prev.dtype)
    A = _out(out, shape, A_prev.dtype)
    np.matmul(W, A_prev, out=Z)
    FORWARD[activation](Z, b, A)
    return A, ((A_prev, W, b), Z)


def linear_backward(dZ: FloatArray, cache: tuple) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(dA_prev, dW, db)`` from ``dZ`` and the cache ``(A_prev, W, b)``, as the reference."""
    A_prev, W, _ = cache
    dZ, A_prev, W = _prepare(dZ, A_prev, W)
    m = A_prev.shape[1]
    dW = np.matmul(dZ, A_prev.T)
    dW /= m
    db = np.empty((dZ.shape[0], 1), dZ.dtype)
    _row_sums(dZ, db)
    db /= m
    dA_prev = np.matmul(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(
    dA: FloatArray, cache: tuple, activation: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``dZ = dA * g'(Z)`` (compiled), then :func:`linear_backward`."""
    linear_cache, Z = cache
    dZ = DERIVATIVES[activation](dA, Z)
    return linear_backward(dZ, linear_cache)
