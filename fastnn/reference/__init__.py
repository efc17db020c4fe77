"""The pure-NumPy reference: the oracle every fast backend is checked against.

Written to be read, in the course's notation. :mod:`fastnn.kernels` mirrors it
module for module and name for name.
"""

from fastnn.reference.activations import (
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
from fastnn.reference.initializers import INITIALIZERS, initialize_parameters
from fastnn.reference.layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from fastnn.reference.model import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    gradient_descent,
    predict,
    predict_proba,
    sigmoid_cross_entropy,
    update_parameters,
)

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
