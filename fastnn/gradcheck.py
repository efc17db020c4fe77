"""Gradient checking for any network the engine trains: central differences of the cost,
one parameter entry at a time, against the backward pass.

The cost is the engine's, :mod:`fastnn.reference.training`'s: the head's summed loss plus
``(l2 / 2) sum ||W||^2``, over ``m``. Every head (sigmoid / binary cross-entropy, softmax /
categorical cross-entropy, identity / squared error), hidden activation and L2 strength
the engine supports can be checked. Dropout cannot: its masks make the cost a different
function at every step. fastnn's own tests check the reference's backward pass with it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from fastnn._typing import Parameters
from fastnn._validation import check_parameters, check_targets, check_X
from fastnn.reference.heads import HEADS
from fastnn.reference.regularization import l2_cost
from fastnn.reference.training import backward, forward
from fastnn.spec import TrainingSpec


@dataclass(frozen=True)
class GradientCheck:
    """The result of :func:`gradient_check`.

    Attributes
    ----------
    difference : float
        ``||g - g_approx|| / (||g|| + ||g_approx||)`` over all parameters (0 when both vanish).
    per_parameter : dict of str to float
        The same relative difference for each parameter (``"W1"``, ``"b1"``, ...).
    worst : str or None
        When ``difference`` exceeds ``threshold``: the parameter with the largest relative
        difference. None otherwise.
    worst_index : tuple of int or None
        Within ``worst``, the entry where the two gradients disagree most (absolutely).
    threshold : float
    gradients, approximations : dict
        The analytic gradients checked (``dW1``, ``db1``, ...) and their central differences.
    """

    difference: float
    per_parameter: dict
    worst: str | None
    worst_index: tuple | None
    threshold: float
    gradients: dict = field(repr=False)
    approximations: dict = field(repr=False)

    @property
    def ok(self) -> bool:
        """``difference <= threshold``."""
        return self.difference <= self.threshold


def _relative(g: np.ndarray, a: np.ndarray) -> float:
    denominator = np.linalg.norm(g) + np.linalg.norm(a)
    return float(np.linalg.norm(g - a) / denominator) if denominator > 0 else 0.0


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def gradient_check(
    X,
    Y,
    parameters: Parameters,
    *,
    hidden_activation: str = "relu",
    loss: str | None = None,
    l2: float = 0.0,
    gradients: dict | None = None,
    epsilon: float = 1e-7,
    threshold: float = 2e-7,
) -> GradientCheck:
    """Compare the gradients of the engine's cost with central differences.

    Parameters
    ----------
    X : (n_x, m) array_like
    Y : array_like
        Targets as :func:`fastnn.train` takes them for ``loss`` (``(n_L, m)`` 0/1 labels,
        one-hot ``(K, m)`` or integer ``(1, m)`` classes, real targets).
    parameters : dict
        ``{"W1", "b1", ..., "WL", "bL"}``; any layer sizes.
    hidden_activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"}
    loss : {None, "binary_crossentropy", "categorical_crossentropy", "squared_error"}
        None: binary cross-entropy.
    l2 : float
        The L2 strength (the course's ``lambd``).
    gradients : dict, optional
        ``{"dW1", "db1", ...}`` to check; by default the reference's backward pass
        (:func:`fastnn.reference.training.backward`) at ``parameters``.
    epsilon : float
        The shift of the central difference ``(J(w + eps) - J(w - eps)) / (2 eps)``.
    threshold : float
        Above this ``difference`` the check fails and names the worst parameter.

    Returns
    -------
    GradientCheck

    Notes
    -----
    Computed in float64 whatever the input's dtype (a difference quotient in float32 would
    measure rounding, not the gradient). ReLU-family activations have kinks: a unit whose
    pre-activation lies within ``epsilon`` of 0 makes the difference quotient straddle the
    kink; nudge the data or the parameters if a check fails on such a unit.
    """
    X = check_X(X, np.float64)
    parameters = check_parameters(parameters, X.shape[0], np.dtype(np.float64), n_out=None)
    L = len(parameters) // 2
    dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    if loss is None:
        loss = "binary_crossentropy"
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a real number >= 0, got {l2!r}")
    spec = TrainingSpec(dims, hidden_activation, loss, l2=float(l2))
    Y = check_targets(Y, loss, dims[-1], X)
    epsilon = _positive("epsilon", epsilon)
    threshold = _positive("threshold", threshold)
    m = X.shape[1]
    head = HEADS[loss]

    def cost(params: Parameters) -> float:
        _, caches = forward(X, params, spec)
        _, summed, _ = head(caches[-1][1], Y)
        return float((summed + l2_cost(params, spec.l2)) / m)

    if gradients is None:
        AL, caches = forward(X, parameters, spec)
        gradients = backward(AL, Y, caches, parameters, spec, m)
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict {{'dW1': ..., 'db1': ...}}, got {type(gradients).__name__}")
    checked, approximations, per_parameter = {}, {}, {}
    with np.errstate(over="ignore", invalid="ignore"):
        for key, value in parameters.items():
            g = gradients.get(f"d{key}")
            if g is None:
                raise ValueError(f"gradients has no d{key}")
            g = np.asarray(g, dtype=np.float64)
            if g.shape != value.shape:
                raise ValueError(f"d{key} has shape {g.shape} but {key} has {value.shape}")
            approx = np.empty_like(value)
            shifted = dict(parameters)
            for index in np.ndindex(value.shape):
                moved = value.copy()
                moved[index] = value[index] + epsilon
                shifted[key] = moved
                plus = cost(shifted)
                moved[index] = value[index] - epsilon
                minus = cost(shifted)
                approx[index] = (plus - minus) / (2 * epsilon)
            checked[f"d{key}"], approximations[f"d{key}"] = g, approx
            per_parameter[key] = _relative(g, approx)
    g_all = np.concatenate([v.ravel() for v in checked.values()])
    a_all = np.concatenate([v.ravel() for v in approximations.values()])
    if not (np.all(np.isfinite(g_all)) and np.all(np.isfinite(a_all))):
        raise FloatingPointError("the cost or its gradients are not finite at these parameters")
    difference = _relative(g_all, a_all)
    worst = worst_index = None
    if difference > threshold:
        worst = max(per_parameter, key=per_parameter.get)
        gap = np.abs(checked[f"d{worst}"] - approximations[f"d{worst}"])
        worst_index = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), gap.shape))
    return GradientCheck(difference, per_parameter, worst, worst_index, threshold, checked, approximations)
