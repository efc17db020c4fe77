"""Drop-in for the course's week 3 "Planar data classification with one hidden layer".

Same names, signatures, defaults, return values and printed lines; ``nn_model`` trains
on a fastnn backend (``backend=``). ``initialize_parameters`` draws from seed 2, as the
notebook whose expected output starts at cost 0.693048.
"""

from __future__ import annotations

import numpy as np

from fastnn._validation import check_learning_rate, check_parameters, check_X
from fastnn.api import predict_proba
from fastnn.course import _checks
from fastnn.course._common import fit
from fastnn.reference import activations as _act
from fastnn.reference import initializers as _init
from fastnn.reference import model as _model


def layer_sizes(X, Y):
    """``(n_x, n_h, n_y)`` with ``n_h = 4``."""
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y):
    """``randn * 0.01`` weights from seed 2, zero biases."""
    return _init.initialize_parameters([n_x, n_h, n_y], "small", 2)


def forward_propagation(X, parameters):
    """Tanh hidden layer, sigmoid output; returns ``(A2, cache)`` with cache keys Z1, A1, Z2, A2."""
    X = check_X(X)
    parameters = check_parameters(parameters, X.shape[0], X.dtype)
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = _act.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    """Cross-entropy cost as a float."""
    return float(_model.compute_cost(A2, _checks.cost(A2, Y)))


def backward_propagation(parameters, cache, X, Y):
    """Gradients ``dW1, db1, dW2, db2``."""
    X = check_X(X)
    parameters = check_parameters(parameters, X.shape[0], X.dtype)
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    if A1.shape != (parameters["W1"].shape[0], m):
        raise ValueError(f"cache['A1'] has shape {A1.shape}, expected {(parameters['W1'].shape[0], m)}")
    dZ2 = A2 - _checks.cost(A2, Y)
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient step; returns new parameters."""
    _checks.grads_match(parameters, grads)
    return _model.update_parameters(parameters, grads, check_learning_rate(learning_rate))


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False, backend=None):
    """Train the one-hidden-layer tanh network (learning rate 1.2); returns the parameters.

    Prints ``Cost after iteration i: c`` every 1000 iterations when ``print_cost``.
    """
    n_x, _, n_y = layer_sizes(X, Y)
    parameters, _ = fit(
        X,
        Y,
        initialize_parameters(n_x, n_h, n_y),
        "tanh",
        1.2,
        num_iterations,
        backend,
        print_every=1000 if print_cost else 0,
        print_last=False,
        line="Cost after iteration {}: {:f}",
    )
    return parameters


def predict(parameters, X):
    """Boolean predictions ``(1, m)``: ``A2 > 0.5``."""
    return predict_proba(parameters, X, "tanh") > 0.5
