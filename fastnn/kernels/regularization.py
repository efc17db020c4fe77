"""Compiled twins of :mod:`fastnn.reference.regularization`: dropout masks from the same
counter-based stream, bit for bit, and the L2 term.

Training draws each hidden layer's mask inside the compiled loop (:func:`_dropout_forward`)
from ``(dropout_seed, t, l)`` alone: no generator to share between threads or to save in a
checkpoint beyond the mini-batch counter ``t``. The course's masks (``dropout_stream="course"``)
are drawn once in NumPy, as the reference draws them, and applied by :func:`_apply_mask`.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray
from fastnn.kernels._config import elementwise, reduction
from fastnn.reference.regularization import GOLDEN, dropout_key

__all__ = ["dropout_key", "dropout_mask", "dropout_uniforms", "l2_squares"]

_G = np.uint64(GOLDEN)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@elementwise(python=False)
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@elementwise(python=False)
def _key(seed, t, l):
    """``mix64(mix64(mix64(seed + GOLDEN) ^ t) ^ l)``, as the reference's :func:`dropout_key`."""
    return _mix64(_mix64(_mix64(np.uint64(seed) + _G) ^ np.uint64(t)) ^ np.uint64(l))


@elementwise(python=False)
def _uniform(key, counter):
    """``(mix64(key + counter * GOLDEN) >> 11) * 2**-53``, ``counter = i * B + j + 1``."""
    return float(_mix64(key + np.uint64(counter) * _G) >> np.uint64(11)) * 2.0**-53


@elementwise(python=False)
def _dropout_forward(A, M, keep_prob, key):
    """Draw the mask ``M`` (0/1) of the stream's ``key`` and apply it: ``A = A * M / keep_prob``."""
    n, B = A.shape
    for i in range(n):
        for j in range(B):
            kept = _uniform(key, i * B + j + 1) < keep_prob
            M[i, j] = 1.0 if kept else 0.0
            A[i, j] = A[i, j] * M[i, j] / keep_prob


@elementwise(python=False)
def _apply_mask(X, M, keep_prob):
    """``X = X * M / keep_prob``, in place: the backward step, and the forward one with a
    mask drawn beforehand (the course's, :func:`fastnn.reference.regularization.course_masks`)."""
    n, B = X.shape
    for i in range(n):
        for j in range(B):
            X[i, j] = X[i, j] * M[i, j] / keep_prob


@reduction
def _squares(W):
    """``sum(W**2)`` in float64."""
    w = W.reshape(-1)
    acc = 0.0
    for i in range(w.size):
        acc += float(w[i]) * float(w[i])
    return acc


def l2_squares(W: FloatArray) -> float:
    """``sum(W**2)`` of one weight array, compiled (float64)."""
    return _squares(np.ascontiguousarray(W))


@elementwise
def _uniforms(out, seed, t, l):
    key = _key(seed, t, l)
    n, B = out.shape
    for i in range(n):
        for j in range(B):
            out[i, j] = _uniform(key, i * B + j + 1)


def dropout_uniforms(shape: tuple[int, int], seed: int, t: int, l: int) -> np.ndarray:
    """The stream's uniforms for hidden layer ``l`` at mini-batch ``t``; see the reference's twin."""
    out = np.empty(shape)
    _uniforms(out, np.uint64(seed), np.uint64(t), np.uint64(l))
    return out


def dropout_mask(shape: tuple[int, int], keep_prob: float, seed: int, t: int, l: int, dtype=np.float64) -> FloatArray:
    """The mask ``D = (u < keep_prob)`` the compiled loop draws; see the reference's twin."""
    A = np.ones(shape, dtype)
    M = np.empty(shape, dtype)
    # keep_prob in float64, as the training loop and the reference compare u with it
    _mask(A, M, float(keep_prob), np.uint64(seed), np.uint64(t), np.uint64(l))
    return M


@elementwise
def _mask(A, M, keep_prob, seed, t, l):
    _dropout_forward(A, M, keep_prob, _key(seed, t, l))
