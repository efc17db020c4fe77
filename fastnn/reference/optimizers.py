"""Parameter updates, one per optimizer, as a name-keyed table.

``OPTIMIZER_STEPS[name](parameters, grads, state, spec, learning_rate) -> (parameters, state)``
with the keys of :data:`fastnn.spec.OPTIMIZERS`. ``g`` below is the batch's gradient
``grads["dW1"]``, ``grads["db1"]``, ... (the L2 term already in it), applied to every
parameter the same way:

``gd``                ``W -= lr g``
``momentum``          ``v = beta v + (1 - beta) g;  W -= lr v``                  (the course's)
``adam``              ``v = beta1 v + (1 - beta1) g;  s = beta2 s + (1 - beta2) g**2;``
                      ``W -= lr (v / (1 - beta1**t)) / (sqrt(s / (1 - beta2**t)) + epsilon)``
                      (the course's, bias-corrected moments, epsilon outside the root)
``sklearn_momentum``  ``v = beta v - lr g;  W += v``                           (scikit-learn's SGD)
``sklearn_nesterov``  ``v = beta v - lr g;  W += beta v - lr g``  (with the new ``v``)
``sklearn_adam``      the same moments; ``W -= lr_t v / (sqrt(s) + epsilon)`` with
                      ``lr_t = lr sqrt(1 - beta2**t) / (1 - beta1**t)`` (scikit-learn's)

State: ``{"t": steps taken, "v": {key: first moment}, "s": {key: second moment}}``, the
moments keyed like the parameters (``"W1"``, ``"b1"``, ...) and only those the optimizer
reads (:data:`MOMENTS`). Every optimizer counts ``t``, one per mini-batch; Adam's bias
corrections use it after the increment (1 on the first step).

Steps return new dicts of new arrays and never write into their inputs. Scalars
(``learning_rate``, ``beta``, the bias corrections) are Python floats, so under NumPy's
promotion rules a float32 parameter stays float32.
"""

from __future__ import annotations

import math

import numpy as np

from fastnn._typing import Parameters
from fastnn.spec import TrainingSpec

#: The moments each optimizer keeps, by state key: ``v`` first, ``s`` second.
MOMENTS = {
    "gd": (),
    "momentum": ("v",),
    "adam": ("v", "s"),
    "sklearn_momentum": ("v",),
    "sklearn_nesterov": ("v",),
    "sklearn_adam": ("v", "s"),
}


def init_state(parameters: Parameters, spec: TrainingSpec) -> dict:
    """The state before the first step: ``t = 0`` and zero moments.

    Parameters
    ----------
    parameters : dict
        ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``.
    spec : TrainingSpec
        Its ``optimizer`` picks the moments.

    Returns
    -------
    dict
        ``{"t": 0}`` plus, for each moment in ``MOMENTS[spec.optimizer]``, a dict of zero
        arrays shaped and typed like the parameters.
    """
    state: dict = {"t": 0}
    for moment in MOMENTS[spec.optimizer]:
        state[moment] = {key: np.zeros_like(value) for key, value in parameters.items()}
    return state


def gd_step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """``W -= lr dW`` for every parameter."""
    lr = float(learning_rate)
    new = {key: W - lr * grads[f"d{key}"] for key, W in parameters.items()}
    return new, {**state, "t": state["t"] + 1}


def momentum_step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """The course's momentum: ``v = beta v + (1 - beta) dW;  W -= lr v``."""
    lr, beta = float(learning_rate), spec.beta
    new, v = {}, {}
    for key, W in parameters.items():
        v[key] = beta * state["v"][key] + (1 - beta) * grads[f"d{key}"]
        new[key] = W - lr * v[key]
    return new, {**state, "t": state["t"] + 1, "v": v}


def _moments(state: dict, key: str, g: np.ndarray, beta1: float, beta2: float) -> tuple[np.ndarray, np.ndarray]:
    """Adam's exponentially weighted first and second moments of ``g``."""
    v = beta1 * state["v"][key] + (1 - beta1) * g
    s = beta2 * state["s"][key] + (1 - beta2) * np.square(g)
    return v, s


def adam_step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """The course's Adam: bias-corrected moments, epsilon outside the square root."""
    lr, beta1, beta2, epsilon = float(learning_rate), spec.beta1, spec.beta2, spec.epsilon
    t = state["t"] + 1
    new, v, s = {}, {}, {}
    for key, W in parameters.items():
        v[key], s[key] = _moments(state, key, grads[f"d{key}"], beta1, beta2)
        v_corrected = v[key] / (1 - beta1**t)
        s_corrected = s[key] / (1 - beta2**t)
        new[key] = W - lr * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return new, {**state, "t": t, "v": v, "s": s}


def sklearn_momentum_step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """scikit-learn's SGD momentum, the learning rate inside the velocity: ``v = beta v - lr g;  W += v``."""
    lr, beta = float(learning_rate), spec.beta
    new, v = {}, {}
    for key, W in parameters.items():
        v[key] = beta * state["v"][key] - lr * grads[f"d{key}"]
        new[key] = W + v[key]
    return new, {**state, "t": state["t"] + 1, "v": v}


def sklearn_nesterov_step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """scikit-learn's Nesterov momentum: ``v = beta v - lr g;  W += beta v - lr g`` with the new ``v``."""
    lr, beta = float(learning_rate), spec.beta
    new, v = {}, {}
    for key, W in parameters.items():
        g = grads[f"d{key}"]
        v[key] = beta * state["v"][key] - lr * g
        new[key] = W + (beta * v[key] - lr * g)
    return new, {**state, "t": state["t"] + 1, "v": v}


def sklearn_adam_step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """scikit-learn's Adam: raw moments, the bias corrections folded into the step size.

    ``lr_t = lr sqrt(1 - beta2**t) / (1 - beta1**t)``;  ``W -= lr_t v / (sqrt(s) + epsilon)``.
    Equal to the course's Adam except where epsilon sits: here it is added to the
    uncorrected root, i.e. the course's epsilon times ``sqrt(1 - beta2**t)``.
    """
    beta1, beta2, epsilon = spec.beta1, spec.beta2, spec.epsilon
    t = state["t"] + 1
    lr_t = float(learning_rate) * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    new, v, s = {}, {}, {}
    for key, W in parameters.items():
        v[key], s[key] = _moments(state, key, grads[f"d{key}"], beta1, beta2)
        new[key] = W - lr_t * v[key] / (np.sqrt(s[key]) + epsilon)
    return new, {**state, "t": t, "v": v, "s": s}


#: ``OPTIMIZER_STEPS[name](parameters, grads, state, spec, learning_rate) -> (parameters, state)``;
#: keys are :data:`fastnn.spec.OPTIMIZERS`.
OPTIMIZER_STEPS = {
    "gd": gd_step,
    "momentum": momentum_step,
    "adam": adam_step,
    "sklearn_momentum": sklearn_momentum_step,
    "sklearn_nesterov": sklearn_nesterov_step,
    "sklearn_adam": sklearn_adam_step,
}


def step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """One update of ``spec.optimizer``.

    Parameters
    ----------
    parameters : dict
        ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``.
    grads : dict
        ``{"dW1": ..., "db1": ..., ...}`` shaped like the parameters (other keys ignored).
    state : dict
        From :func:`init_state` or a previous step.
    spec : TrainingSpec
        Names the optimizer and holds ``beta``, ``beta1``, ``beta2``, ``epsilon``.
    learning_rate : float
        This step's rate (the schedule's, not necessarily ``spec.learning_rate``).

    Returns
    -------
    parameters : dict
        New arrays.
    state : dict
        New dict: ``t`` plus one, the updated moments.
    """
    return OPTIMIZER_STEPS[spec.optimizer](parameters, grads, state, spec, learning_rate)
