"""Drop-in for the course's week 4 helpers ("Building your Deep Neural Network: Step by
Step" and "Deep Neural Network - Application", 2021 editions).

Same names, signatures, defaults, return values and printed lines; the training
loops run on a fastnn backend (``backend=``: ``"numpy"`` or ``"numba"``, default the
fastest installed). Two deliberate differences, both numerical hygiene: the output
gradient is the fused ``dZL = AL - Y`` (equal to the course's ``dAL`` chain up to rounding,
and never 0/0), and ``print_cost=False`` prints nothing (the notebooks' ``print_cost and
i % 100 == 0 or i == num_iterations - 1`` prints the last cost regardless). Costs are
recorded every 100 iterations, as the notebooks record them (the last one is printed, not recorded).
"""

from __future__ import annotations

import numpy as np

from fastnn._validation import check_choice, check_learning_rate, check_parameters, check_X
from fastnn.api import predict_proba
from fastnn.course import _checks
from fastnn.course._common import every_hundred, fit
from fastnn.reference import activations as _act
from fastnn.reference import initializers as _init
from fastnn.reference import layers as _layers
from fastnn.reference import model as _model

_LINE = "Cost after iteration {}: {}"


def sigmoid(Z):
    """Returns ``(A, cache)`` with ``cache = Z``, as the course's ``dnn_utils.sigmoid``."""
    return _act.sigmoid(Z), Z


def relu(Z):
    """Returns ``(A, cache)`` with ``cache = Z``, as the course's ``dnn_utils.relu``."""
    return _act.relu(Z), Z


def sigmoid_backward(dA, cache):
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(cache)``."""
    return _act.sigmoid_backward(dA, cache)


def relu_backward(dA, cache):
    """``dZ = dA`` where ``cache > 0``, else 0."""
    return _act.relu_backward(dA, cache)


def initialize_parameters(n_x, n_h, n_y):
    """Two-layer parameters: ``randn * 0.01`` from seed 1, zero biases."""
    return _init.initialize_parameters([n_x, n_h, n_y], "small", 1)


def initialize_parameters_deep(layer_dims):
    """L-layer parameters: ``randn / sqrt(n_{l-1})`` from seed 1, zero biases (the application's)."""
    return _init.initialize_parameters(list(layer_dims), "lecun", 1)


def linear_forward(A, W, b):
    """``Z = W @ A + b``; returns ``(Z, (A, W, b))``."""
    _checks.layer(A, W, b)
    return _layers.linear_forward(A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """``A = g(W @ A_prev + b)``; returns ``(A, ((A_prev, W, b), Z))``."""
    _checks.layer(A_prev, W, b, activation)
    return _layers.linear_activation_forward(A_prev, W, b, activation)


def linear_backward(dZ, cache):
    """``(dA_prev, dW, db)`` from ``dZ`` and the cache ``(A_prev, W, b)``."""
    A_prev, W, _ = cache
    if np.shape(dZ) != (W.shape[0], A_prev.shape[1]):
        raise ValueError(f"dZ must have shape {(W.shape[0], A_prev.shape[1])}, got {np.shape(dZ)}")
    return _layers.linear_backward(dZ, cache)


def linear_activation_backward(dA, cache, activation):
    """``dZ = dA * g'(Z)``, then :func:`linear_backward`."""
    check_choice("activation", activation, _act.DERIVATIVES)
    if np.shape(dA) != np.shape(cache[1]):
        raise ValueError(f"dA has shape {np.shape(dA)} but Z has {np.shape(cache[1])}")
    return _layers.linear_activation_backward(dA, cache, activation)


def L_model_forward(X, parameters):
    """ReLU hidden layers, sigmoid output; returns ``(AL, caches)``."""
    X = check_X(X)
    return _model.L_model_forward(X, check_parameters(parameters, X.shape[0], X.dtype), "relu")


def compute_cost(AL, Y):
    """Cross-entropy cost, a NumPy scalar."""
    return np.squeeze(_model.compute_cost(AL, _checks.cost(AL, Y)))


def L_model_backward(AL, Y, caches):
    """Gradients ``dA{l-1}``, ``dW{l}``, ``db{l}`` of :func:`L_model_forward`."""
    return _model.L_model_backward(AL, _checks.cost(AL, Y), caches, "relu")


def update_parameters(params, grads, learning_rate):
    """One gradient step; returns new parameters, ``params`` is left as it was."""
    _checks.grads_match(params, grads)
    return _model.update_parameters(params, grads, check_learning_rate(learning_rate))


def _train(X, Y, parameters, learning_rate, num_iterations, print_cost, backend):
    """The notebooks' training loop on a backend: ReLU hidden layers, costs every 100 and at the end."""
    parameters, costs = fit(
        X, Y, parameters, "relu", learning_rate, num_iterations, backend,
        print_every=100 if print_cost else 0, print_last=print_cost, line=_LINE,
    )  # fmt: skip
    return parameters, every_hundred(costs)


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, backend=None):
    """LINEAR -> RELU -> LINEAR -> SIGMOID, initialised by :func:`initialize_parameters`.

    Returns
    -------
    parameters : dict
    costs : list
        The cost at iterations 0, 100, 200, ...
    """
    n_x, n_h, n_y = layers_dims
    return _train(X, Y, initialize_parameters(n_x, n_h, n_y), learning_rate, num_iterations, print_cost, backend)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, backend=None):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID, initialised by :func:`initialize_parameters_deep`.

    Returns
    -------
    parameters : dict
    costs : list
        The cost at iterations 0, 100, 200, ...
    """
    return _train(X, Y, initialize_parameters_deep(layers_dims), learning_rate, num_iterations, print_cost, backend)


def predict(X, y, parameters):
    """Predicted classes ``(1, m)`` as floats; prints ``Accuracy: ...`` as the course does."""
    probas = predict_proba(parameters, X, "relu")
    m = probas.shape[1]
    p = (probas > 0.5).astype(float)
    print("Accuracy: " + str(np.sum((p == y) / m)))
    return p
