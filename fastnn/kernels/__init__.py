"""Compiled kernels: the ``"numba"`` backend, twin for twin with :mod:`fastnn.reference`.

Every public name of the reference is here with the same signature (plus optional
``out=`` buffers); :func:`warmup` compiles every kernel ahead of time.
"""

from fastnn.kernels.activations import (
    ACTIVATIONS,
    DERIVATIVES,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from fastnn.kernels.engine import Trainer  # noqa: F401  (the engine; not a reference twin)
from fastnn.kernels.layers import linear_activation_backward, linear_activation_forward, linear_backward, linear_forward
from fastnn.kernels.model import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    gradient_descent,
    predict,
    predict_proba,
    sigmoid_cross_entropy,
    update_parameters,
)
from fastnn.reference.initializers import INITIALIZERS, initialize_parameters

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "INITIALIZERS",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "gradient_descent",
    "initialize_parameters",
    "leaky_relu",
    "leaky_relu_backward",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "predict_proba",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_cross_entropy",
    "tanh",
    "tanh_backward",
    "update_parameters",
]
