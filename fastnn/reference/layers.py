"""One layer forward and backward, in the course's notation and plain NumPy.

Caches are the course's: ``linear_cache = (A_prev, W, b)`` and
``cache = (linear_cache, Z)``.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray
from fastnn.reference.activations import ACTIVATIONS, DERIVATIVES


def linear_forward(A: FloatArray, W: FloatArray, b: FloatArray) -> tuple[FloatArray, tuple]:
    """``Z = W @ A + b``.

    Parameters
    ----------
    A : (n_{l-1}, m) array
    W : (n_l, n_{l-1}) array
    b : (n_l, 1) array

    Returns
    -------
    Z : (n_l, m) array
    cache : tuple
        ``(A, W, b)``, for :func:`linear_backward`.
    """
    Z = W @ A + b
    return Z, (A, W, b)


def linear_activation_forward(
    A_prev: FloatArray, W: FloatArray, b: FloatArray, activation: str
) -> tuple[FloatArray, tuple]:
    """``A = g(W @ A_prev + b)`` for ``g = ACTIVATIONS[activation]``.

    Returns
    -------
    A : (n_l, m) array
    cache : tuple
        ``((A_prev, W, b), Z)``.
    """
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = ACTIVATIONS[activation](Z)
    return A, (linear_cache, Z)


def linear_backward(dZ: FloatArray, cache: tuple) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of the linear part of a layer.

    Parameters
    ----------
    dZ : (n_l, m) array
    cache : tuple
        ``(A_prev, W, b)`` from :func:`linear_forward`.

    Returns
    -------
    dA_prev : (n_{l-1}, m) array
        ``W.T @ dZ``.
    dW : (n_l, n_{l-1}) array
        ``dZ @ A_prev.T / m``.
    db : (n_l, 1) array
        ``sum(dZ, axis=1) / m``.
    """
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_backward(
    dA: FloatArray, cache: tuple, activation: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradients of ``A = g(W @ A_prev + b)``: ``dZ = dA * g'(Z)``, then the linear part.

    Returns
    -------
    dA_prev, dW, db : arrays
        As :func:`linear_backward`.
    """
    linear_cache, Z = cache
    dZ = DERIVATIVES[activation](dA, Z)
    return linear_backward(dZ, linear_cache)
