"""How well a trained network does on a labelled set: its loss, accuracy and confusion matrix
for classifiers, mean squared error and R² for regressors."""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.reference.heads import HEADS, HIDDEN
from fastnn.spec import LOSSES


def logits(parameters: Parameters, X: FloatArray, hidden_activation: str) -> FloatArray:
    """The output layer's pre-activation ``ZL`` ``(n_L, m)`` of ``X`` ``(n_x, m)``."""
    L = len(parameters) // 2
    A = X
    for l in range(1, L):
        A = HIDDEN[hidden_activation](parameters[f"W{l}"] @ A + parameters[f"b{l}"])
    return parameters[f"W{L}"] @ A + parameters[f"b{L}"]


def mean_loss(parameters: Parameters, X: FloatArray, Y: np.ndarray, hidden_activation: str, loss: str) -> float:
    """The loss per example of ``loss`` (no L2 term), on ``X`` ``(n_x, m)``.

    Parameters
    ----------
    Y : array
        Zeros and ones ``(n_L, m)`` (binary cross-entropy), labels ``(1, m)`` in ``0..K-1``
        or one-hot ``(K, m)`` (categorical), values ``(n_L, m)`` (squared error).

    Returns
    -------
    float
        NaN for an empty set.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; valid values are: {', '.join(map(repr, LOSSES))}")
    m = X.shape[1]
    if m == 0:
        return float("nan")
    ZL = logits(parameters, X, hidden_activation)
    Y = np.asarray(Y, dtype=ZL.dtype)
    if loss == "categorical_crossentropy" and Y.shape[0] == 1 and ZL.shape[0] > 1:
        onehot = np.zeros_like(ZL)
        onehot[Y[0].astype(np.int64), np.arange(m)] = 1
        Y = onehot
    with np.errstate(over="ignore"):
        _, summed, _ = HEADS[loss](ZL, Y)
    return float(summed) / m


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """``(K, K)`` counts: row = true class, column = predicted class (indices ``0..K-1``)."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(true, dtype=np.int64).ravel(), np.asarray(predicted, dtype=np.int64).ravel()), 1)
    return counts


def regression_scores(predicted: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """``{"mse", "rmse", "r2"}`` of ``predicted`` against ``Y`` (both ``(n_y, m)``), over all
    outputs; R² is ``1 - SS_res / SS_tot`` with ``SS_tot`` about each output's mean (NaN for
    a constant target)."""
    predicted = np.asarray(predicted, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    residual = predicted - Y
    mse = float(np.mean(residual**2)) if residual.size else float("nan")
    total = float(np.sum((Y - Y.mean(axis=1, keepdims=True)) ** 2)) if Y.size else 0.0
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else float("nan")
    return {"mse": mse, "rmse": float(np.sqrt(mse)), "r2": r2}
