"""Drop-in for the course's week 2 "Logistic Regression with a Neural Network mindset".

Same names, signatures, defaults, return values and printed lines; ``optimize`` and
``model`` train on a fastnn backend (``backend=``): logistic regression is the one-layer
network ``W1 = w.T``, ``b1 = [[b]]``.
"""

from __future__ import annotations

import numpy as np

from fastnn._validation import check_learning_rate, check_num_iterations, check_parameters, check_XY
from fastnn.api import predict_proba
from fastnn.course._common import every_hundred, fit_checked
from fastnn.reference import activations as _act


def sigmoid(z):
    """Logistic function of a scalar or an array."""
    return _act.sigmoid(np.asarray(z, dtype=float))


def initialize_with_zeros(dim):
    """``w`` of zeros ``(dim, 1)`` and ``b = 0.0``."""
    return np.zeros((dim, 1)), 0.0


def propagate(w, b, X, Y):
    """Cost and gradients ``{"dw": (n_x, 1), "db": float}`` of logistic regression."""
    X, Y = check_XY(X, Y)
    w = np.asarray(w)
    if w.shape != (X.shape[0], 1):
        raise ValueError(f"w must have shape ({X.shape[0]}, 1) to match X {X.shape}, got {w.shape}")
    m = X.shape[1]
    A = _act.sigmoid(w.T @ X + b)
    cost = -np.sum(np.where(Y == 1, np.log(A), np.log(1 - A))) / m
    dw = X @ (A - Y).T / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, np.squeeze(np.array(cost))


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False, backend=None):
    """Gradient descent from ``(w, b)``.

    Returns
    -------
    params : dict
        ``{"w": (n_x, 1), "b": float}``.
    grads : dict
        The gradients of the last iteration.
    costs : list
        The cost every 100 iterations.
    """
    X, Y = check_XY(X, Y)
    start = check_parameters({"W1": np.asarray(w).reshape(1, -1), "b1": np.full((1, 1), b)}, X.shape[0], X.dtype)
    learning_rate = check_learning_rate(learning_rate)
    num_iterations = check_num_iterations(num_iterations)
    parameters, costs = fit_checked(
        X,
        Y,
        start,
        "sigmoid",
        learning_rate,
        max(num_iterations - 1, 0),
        backend,
        print_every=100 if print_cost else 0,
        print_last=False,
        line="Cost after iteration {}: {:f}",
    )
    w, b = parameters["W1"].T.copy(), float(parameters["b1"][0, 0])
    grads, cost = propagate(w, b, X, Y)
    costs = every_hundred(costs)
    if num_iterations > 0:
        # The last iteration runs here, so that its gradients can be returned.
        i = num_iterations - 1
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
    return {"w": w, "b": b}, grads, costs


def predict(w, b, X):
    """Predictions ``(1, m)`` of 0.0 / 1.0: 1 where ``sigmoid(w.T X + b) > 0.5``."""
    X = np.asarray(X)
    w = np.asarray(w)
    if X.ndim != 2 or w.size != X.shape[0]:
        raise ValueError(f"w has {w.size} weights but X has shape {X.shape}: expected (n_x, m) with n_x = {w.size}")
    w = w.reshape(-1, 1)
    A = predict_proba({"W1": w.T, "b1": np.full((1, 1), float(b))}, X)
    return (A > 0.5).astype(float)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False, backend=None):
    """Train logistic regression from zeros; report train and test accuracy.

    Returns
    -------
    dict
        ``costs``, ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``,
        ``learning_rate``, ``num_iterations``.
    """
    w, b = initialize_with_zeros(np.asarray(X_train).shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost, backend)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        print(f"train accuracy: {100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100} %")
        print(f"test accuracy: {100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
