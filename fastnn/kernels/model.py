"""The L-layer network: compiled twins of :mod:`fastnn.reference.model`.

:func:`gradient_descent` is the ``"numba"`` backend's training loop: it runs the compiled
engine (:mod:`fastnn.kernels.engine`), buffers allocated once, ``dA0`` never computed.
"""

from __future__ import annotations

import math

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.kernels._config import elementwise, reduction
from fastnn.kernels.activations import (
    FORWARD,
    _flat,
    _neg_abs,
    _out,
    _prepare,
    constants,
)
from fastnn.kernels.layers import linear_activation_backward, linear_activation_forward, linear_backward
from fastnn.reference.model import n_layers


@elementwise  # no reassociation: a sum in a loop that writes would round by memory layout
def _sigmoid_xent(z, e, y, a_out, dz_out, one):
    """One pass over the output unit: ``A``, ``dZ = A - Y``, and the summed stable loss.

    ``e`` holds ``exp(-|z|)`` from NumPy's ufunc, so ``A`` is the reference's to the bit
    (``dZ = A - 1`` would turn a 1-ulp difference in ``A`` into hundreds). Returns
    ``(sum of losses, sum of dZ)``. ``a_out`` may be ``z``: each element is read before
    it is written.
    """
    cost = 0.0
    dz_sum = 0.0
    for j in range(z.size):
        zj = float(z[j])
        yj = float(y[j])
        ej = e[j]
        a = one / (one + ej) if zj >= 0 else ej / (one + ej)
        cost += max(zj, 0.0) - zj * yj + math.log1p(ej)
        a_out[j] = a
        dz_out[j] = a_out[j] - y[j]  # in the data's dtype, as the reference's AL - Y
        dz_sum += float(dz_out[j])
    return cost, dz_sum


@reduction
def _log_true_class(a, y):
    total = 0.0
    for j in range(a.size):
        total += math.log(float(a[j]) if y[j] == 1 else float(1 - a[j]))
    return total


@elementwise
def _descend(W, dW, lr, m):
    # The reference's W - lr * (dW / m), element for element.
    for i in range(W.size):
        W[i] = W[i] - lr * (dW[i] / m)


def L_model_forward(X: FloatArray, parameters: Parameters, hidden_activation: str = "relu") -> tuple[FloatArray, list]:
    """Forward pass; returns ``(AL, caches)`` like the reference."""
    caches = []
    A = X
    L = n_layers(parameters)
    for l in range(1, L + 1):
        activation = hidden_activation if l < L else "sigmoid"
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], activation)
        caches.append(cache)
    return A, caches


def compute_cost(AL: FloatArray, Y: FloatArray) -> float:
    """Binary cross-entropy of probabilities ``AL``, as the reference (compiled)."""
    AL, Y = _prepare(AL, Y)
    return AL.dtype.type(-_log_true_class(_flat(AL), _flat(Y)) / Y.shape[1])


def sigmoid_cross_entropy(
    ZL: FloatArray, Y: FloatArray, out_A: FloatArray | None = None, out_dZ: FloatArray | None = None
) -> tuple[FloatArray, float, FloatArray]:
    """``(AL, cost, dZL)`` from the logits in one pass; see the reference's twin."""
    ZL, Y = _prepare(ZL, Y)
    AL = _out(out_A, ZL.shape, ZL.dtype)
    dZ = _out(out_dZ, ZL.shape, ZL.dtype)
    z = _flat(ZL)
    _neg_abs(z, _flat(dZ))
    e = np.exp(_flat(dZ))
    cost, _ = _sigmoid_xent(z, e, _flat(Y), _flat(AL), _flat(dZ), constants(ZL.dtype)["one"])
    return AL, ZL.dtype.type(cost / Y.shape[1]), dZ


def L_model_backward(AL: FloatArray, Y: FloatArray, caches: list, hidden_activation: str = "relu") -> dict:
    """Gradients of :func:`L_model_forward`, with the fused ``dZL = AL - Y``; like the reference."""
    grads = {}
    L = len(caches)
    linear_cache, _ = caches[L - 1]
    dZL = np.subtract(AL, Y)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZL, linear_cache)
    for l in reversed(range(1, L)):
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            grads[f"dA{l}"], caches[l - 1], hidden_activation
        )
    return grads


def update_parameters(
    parameters: Parameters, grads: dict, learning_rate: float, out: Parameters | None = None
) -> Parameters:
    """``W - learning_rate * dW`` for every parameter, into ``out`` (``out=parameters``: in place)."""
    out = {key: np.array(value, order="C") for key, value in parameters.items()} if out is None else out
    for key, value in out.items():
        lr = value.dtype.type(learning_rate)
        grad = np.ascontiguousarray(grads[f"d{key}"], dtype=value.dtype)
        _descend(_flat(value), _flat(grad), lr, value.dtype.type(1))
    return out


def predict_proba(parameters: Parameters, X: FloatArray, hidden_activation: str = "relu") -> FloatArray:
    """Probabilities of class 1, ``(1, m)``: the forward pass in place, no caches kept."""
    (X,) = _prepare(X)
    L = n_layers(parameters)
    A = X
    for l in range(1, L + 1):
        W, b = _prepare(parameters[f"W{l}"], parameters[f"b{l}"])
        Z = np.matmul(W, A)
        FORWARD[hidden_activation if l < L else "sigmoid"](Z, b, Z)
        A = Z
    return A


def predict(parameters: Parameters, X: FloatArray, hidden_activation: str = "relu") -> FloatArray:
    """Classes, 1.0 where the probability exceeds 0.5, else 0.0; shape ``(1, m)``."""
    AL = predict_proba(parameters, X, hidden_activation)
    return (AL > 0.5).astype(AL.dtype)


def gradient_descent(
    X: FloatArray,
    Y: FloatArray,
    parameters: Parameters,
    hidden_activation: str,
    learning_rate: float,
    num_iterations: int,
    mode: str = "auto",
) -> tuple[Parameters, FloatArray]:
    """Full-batch gradient descent; same arguments and results as the reference's twin.

    Runs the compiled engine (:class:`fastnn.kernels.engine.Trainer`): one compiled call
    for all ``num_iterations``; ``mode`` picks the first layer's algorithm (see there).
    """
    from fastnn.kernels.engine import Trainer

    trainer = Trainer(X, Y, parameters, hidden_activation, learning_rate, mode, num_iterations)
    costs = trainer.run(num_iterations)
    return trainer.parameters(), costs
