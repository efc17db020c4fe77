"""An L-layer network: hidden layers of one activation, a sigmoid output unit.

Parameters are ``{"W1", "b1", ..., "WL", "bL"}``; ``X`` is ``(n_x, m)`` and ``Y`` is
``(1, m)`` of zeros and ones.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.reference.activations import sigmoid
from fastnn.reference.layers import linear_activation_backward, linear_activation_forward, linear_backward


def n_layers(parameters: Parameters) -> int:
    """Number of layers ``L`` (weight matrices) in ``parameters``."""
    return len(parameters) // 2


def L_model_forward(X: FloatArray, parameters: Parameters, hidden_activation: str = "relu") -> tuple[FloatArray, list]:
    """Forward pass: ``L - 1`` hidden layers, then a sigmoid output unit.

    Returns
    -------
    AL : (1, m) array
        Probabilities of class 1.
    caches : list of tuple
        One ``((A_prev, W, b), Z)`` per layer.
    """
    caches = []
    A = X
    L = n_layers(parameters)
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], hidden_activation)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL: FloatArray, Y: FloatArray) -> float:
    """Binary cross-entropy ``-mean(Y log AL + (1 - Y) log(1 - AL))``.

    Only the log of the true class's probability is taken, so a confident correct
    prediction (``AL == 1``, ``Y == 1``) costs 0 rather than ``0 * log(0) = NaN``.
    """
    m = Y.shape[1]
    p_true = np.where(Y == 1, AL, 1 - AL)
    return -np.sum(np.log(p_true)) / m


def sigmoid_cross_entropy(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, float, FloatArray]:
    """The output unit and its loss, from the logits ``ZL``, in a stable form.

    Returns
    -------
    AL : (1, m) array
        ``sigmoid(ZL)``.
    cost : float
        ``mean(max(ZL, 0) - ZL * Y + log1p(exp(-|ZL|)))``, equal to the cross-entropy of
        ``AL``; finite for any finite ``ZL``.
    dZL : (1, m) array
        ``AL - Y``: the gradient of the *summed* loss with respect to ``ZL``. Valid for a
        sigmoid output with binary cross-entropy only; it replaces the course's
        ``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, which is 0/0 when ``AL`` rounds to 0 or 1.
    """
    AL = sigmoid(ZL)
    m = Y.shape[1]
    cost = np.sum(np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))) / m
    return AL, cost, AL - Y


def L_model_backward(
    AL: FloatArray, Y: FloatArray, caches: list, hidden_activation: str = "relu"
) -> dict[str, FloatArray]:
    """Backward pass of :func:`L_model_forward` under binary cross-entropy.

    Returns
    -------
    dict
        ``dW[l]``, ``db[l]`` for every layer and ``dA[l]`` for ``l = 0 .. L-1``
        (``dA0`` is the gradient with respect to ``X``).
    """
    grads = {}
    L = len(caches)
    linear_cache, _ = caches[L - 1]
    dZL = AL - Y  # sigmoid + cross-entropy, fused (see sigmoid_cross_entropy)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZL, linear_cache)
    for l in reversed(range(1, L)):
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            grads[f"dA{l}"], caches[l - 1], hidden_activation
        )
    return grads


def update_parameters(parameters: Parameters, grads: dict, learning_rate: float) -> Parameters:
    """One gradient-descent step ``W -= learning_rate * dW``; returns new arrays."""
    return {key: value - value.dtype.type(learning_rate) * grads[f"d{key}"] for key, value in parameters.items()}


def predict_proba(parameters: Parameters, X: FloatArray, hidden_activation: str = "relu") -> FloatArray:
    """Probabilities of class 1, shape ``(1, m)``."""
    return L_model_forward(X, parameters, hidden_activation)[0]


def predict(parameters: Parameters, X: FloatArray, hidden_activation: str = "relu") -> FloatArray:
    """Predicted classes, ``1.0`` where the probability exceeds 0.5, else ``0.0``; shape ``(1, m)``."""
    AL = predict_proba(parameters, X, hidden_activation)
    return (AL > 0.5).astype(AL.dtype)


def gradient_descent(
    X: FloatArray,
    Y: FloatArray,
    parameters: Parameters,
    hidden_activation: str,
    learning_rate: float,
    num_iterations: int,
) -> tuple[Parameters, FloatArray]:
    """Full-batch gradient descent, written the course's way.

    Returns
    -------
    parameters : dict
        The parameters after ``num_iterations`` steps (new arrays).
    costs : (num_iterations,) array
        The cost at every iteration, before that iteration's step.
    """
    costs = np.empty(num_iterations, dtype=X.dtype)
    L = n_layers(parameters)
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters, hidden_activation)
        _, costs[i], _ = sigmoid_cross_entropy(caches[L - 1][1], Y)
        grads = L_model_backward(AL, Y, caches, hidden_activation)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs
