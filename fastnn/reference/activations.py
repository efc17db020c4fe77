"""Activations and their derivatives, in plain NumPy.

Two tables drive everything: ``ACTIVATIONS[name](Z) -> A`` and
``DERIVATIVES[name](dA, Z) -> dZ`` (the chain rule ``dZ = dA * g'(Z)``, with ``Z``
as the cache, as in the course). The kernels in :mod:`fastnn.kernels.activations`
carry the same names and the same keys.

Every function keeps the dtype of its input: float32 in, float32 out.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray

#: Slope of leaky ReLU for negative inputs.
LEAKY_SLOPE = 0.01


def sigmoid(Z: FloatArray) -> FloatArray:
    """Logistic function ``1 / (1 + exp(-Z))``, shape kept.

    Written from ``e = exp(-|Z|)`` so that it never overflows: ``1 / (1 + e)`` where
    ``Z >= 0`` (the course's formula, to the bit) and ``e / (1 + e)`` where ``Z < 0``.
    """
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(Z: FloatArray) -> FloatArray:
    """Hyperbolic tangent, shape kept."""
    return np.tanh(Z)


def relu(Z: FloatArray) -> FloatArray:
    """``max(Z, 0)``, shape kept (NaN stays NaN)."""
    return np.maximum(Z, 0)


def leaky_relu(Z: FloatArray) -> FloatArray:
    """``Z`` where ``Z > 0``, else ``0.01 * Z``; shape kept."""
    return np.where(Z > 0, Z, Z * Z.dtype.type(LEAKY_SLOPE))


def sigmoid_backward(dA: FloatArray, Z: FloatArray) -> FloatArray:
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``.

    Written as ``dA * e / (1 + e (2 + e))`` with ``e = exp(-|Z|)``, which is
    ``e / (1 + e)**2``: the same number without the cancellation in ``1 - s`` that loses
    every digit as ``s`` approaches 1, and with fewer roundings than squaring ``1 + e``.
    """
    e = np.exp(-np.abs(Z))
    return dA * (e / (1 + e * (2 + e)))


def tanh_backward(dA: FloatArray, Z: FloatArray) -> FloatArray:
    """``dZ = dA * (1 - tanh(Z)**2)``.

    Written as ``dA * 4 e / (1 + e (2 + e))`` with ``e = exp(-2 |Z|)``, which is
    ``4 e / (1 + e)**2``: the same number without the cancellation in ``1 - t**2`` as
    ``|t|`` approaches 1.
    """
    e = np.exp(-2 * np.abs(Z))
    return dA * (4 * e / (1 + e * (2 + e)))


def relu_backward(dA: FloatArray, Z: FloatArray) -> FloatArray:
    """``dZ = dA`` where ``Z > 0``, else 0 (the course's ``dZ[Z <= 0] = 0``)."""
    return np.where(Z <= 0, 0, dA).astype(dA.dtype, copy=False)


def leaky_relu_backward(dA: FloatArray, Z: FloatArray) -> FloatArray:
    """``dZ = dA`` where ``Z > 0``, else ``0.01 * dA``."""
    return np.where(Z <= 0, dA * dA.dtype.type(LEAKY_SLOPE), dA)


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
