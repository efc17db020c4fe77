"""Drop-in for Course II's "Initialization" notebook (2021 edition) and its ``init_utils``.

Same names, signatures, defaults, return values and printed lines; :func:`model` trains on a
fastnn backend (``backend=``: ``"numpy"`` or ``"numba"``, default the fastest installed).
The initialisers return exactly the notebook's numbers (``np.random.seed(3)`` then ``randn``),
drawn from a local ``np.random.RandomState(3)``: NumPy's global random state is untouched.

One documented difference: the cost :func:`model` prints is fastnn's cross-entropy written
from the logits (``max(z, 0) - z y + log1p(exp(-|z|))``), finite for every finite ``z``.
The notebook's ``compute_loss`` takes ``log`` of the sigmoid's output, which is exactly 0 or 1
once ``|z|`` passes about 37: the "Random" (``randn * 10``) initialisation starts with such
saturated examples, so the notebook prints ``Cost after iteration 0: inf`` where this module
prints the true (large, finite) cost of those logits. Every later printed cost and both
accuracies agree with the notebook. :func:`compute_loss` itself keeps the notebook's formula
(it is given probabilities, not logits) and returns ``inf`` for such inputs.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import Parameters
from fastnn._validation import check_layer_dims, check_learning_rate, check_num_iterations, check_XY
from fastnn.course._common import (
    cross_entropy,
    predict_binary,
    relu_net_backward,
    relu_net_forward,
    run_spec,
    update_parameters,  # noqa: F401  (the notebook's helper)
)
from fastnn.reference import initializers as _init
from fastnn.spec import TrainingSpec

#: ``model``'s ``initialization`` choices.
INITIALIZATIONS = ("zeros", "random", "he")

_SEED = 3


def initialize_parameters_zeros(layers_dims) -> Parameters:
    """All weights and biases zero (the notebook's lesson: symmetry is never broken).

    Parameters
    ----------
    layers_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.

    Returns
    -------
    dict
        ``W[l]`` zeros ``(n_l, n_{l-1})``, ``b[l]`` zeros ``(n_l, 1)``.
    """
    return _init.initialize_parameters(check_layer_dims(layers_dims, binary=False), "zeros", _SEED)


def initialize_parameters_random(layers_dims) -> Parameters:
    """Large random weights ``randn * 10`` from seed 3, zero biases.

    Parameters
    ----------
    layers_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.

    Returns
    -------
    dict
        ``W[l]`` of shape ``(n_l, n_{l-1})``, ``b[l]`` zeros ``(n_l, 1)``; the numbers of
        ``np.random.seed(3)`` then ``np.random.randn(n_l, n_{l-1}) * 10`` layer by layer.
    """
    dims = check_layer_dims(layers_dims, binary=False)
    rng = np.random.RandomState(_SEED)
    parameters: Parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * 10
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims) -> Parameters:
    """He initialisation ``randn * sqrt(2 / n_{l-1})`` from seed 3, zero biases.

    Parameters
    ----------
    layers_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.

    Returns
    -------
    dict
        ``W[l]`` of shape ``(n_l, n_{l-1})``, ``b[l]`` zeros ``(n_l, 1)``.
    """
    return _init.initialize_parameters(check_layer_dims(layers_dims, binary=False), "he", _SEED)


def forward_propagation(X, parameters) -> tuple[np.ndarray, tuple]:
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID (any depth: ReLU hidden layers).

    Parameters
    ----------
    X : (n_x, m) array
    parameters : dict
        ``W1, b1, W2, b2, W3, b3``.

    Returns
    -------
    a3 : (1, m) array
    cache : tuple
        ``(z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)``.
    """
    return relu_net_forward(X, parameters)


def backward_propagation(X, Y, cache) -> dict:
    """Gradients of the mean cross-entropy: ``dz3, dW3, db3, da2, dz2, ...`` (the notebook's keys
    are lower case; both spellings are present).

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array of 0 and 1
    cache : tuple
        From :func:`forward_propagation`.

    Returns
    -------
    dict
    """
    grads = relu_net_backward(X, Y, cache)
    grads.update({key[0] + key[1].lower() + key[2:]: value for key, value in grads.items() if key[1] in "ZA"})
    return grads


def compute_loss(a3, Y) -> float:
    """Mean cross-entropy of the probabilities ``a3`` ``(1, m)`` against ``Y`` ``(1, m)``.

    The notebook's formula, from probabilities: ``inf`` when a probability is exactly 0 or 1
    on the wrong side (see the module notes).
    """
    return cross_entropy(a3, Y)


def predict(X, y, parameters) -> np.ndarray:
    """``(1, m)`` int64 predictions ``a3 > 0.5``; prints ``Accuracy: ...`` as the notebook does."""
    return predict_binary(X, y, parameters)


def model(
    X,
    Y,
    learning_rate=0.01,
    num_iterations=15000,
    print_cost=True,
    initialization="he",
    backend: str | None = None,
) -> Parameters:
    """The notebook's three-layer network ``[n_x, 10, 5, 1]`` (ReLU, ReLU, sigmoid), trained by
    full-batch gradient descent on a fastnn backend.

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array of 0 and 1
    learning_rate : float
    num_iterations : int
    print_cost : bool
        Print ``Cost after iteration i: cost`` every 1,000 iterations.
    initialization : {"zeros", "random", "he"}
    backend : {None, "numpy", "numba"}

    Returns
    -------
    dict
        The trained parameters.
    """
    X, Y = check_XY(X, Y)
    if initialization not in INITIALIZATIONS:
        raise ValueError(
            f"unknown initialization {initialization!r}; valid values are: {', '.join(map(repr, INITIALIZATIONS))}"
        )
    learning_rate = check_learning_rate(learning_rate)
    num_iterations = check_num_iterations(num_iterations)
    layers_dims = [X.shape[0], 10, 5, 1]
    init = {
        "zeros": initialize_parameters_zeros,
        "random": initialize_parameters_random,
        "he": initialize_parameters_he,
    }
    parameters = init[initialization](layers_dims)
    spec = TrainingSpec(layers_dims, "relu", learning_rate=learning_rate, dtype=X.dtype.name)
    parameters, _ = run_spec(
        X,
        Y,
        {k: v.astype(X.dtype) for k, v in parameters.items()},
        spec,
        num_iterations,
        backend,
        report_at=range(0, num_iterations, 1000) if print_cost else (),
        report=lambda i, cost: print(f"Cost after iteration {i}: {cost}"),
    )
    return parameters
