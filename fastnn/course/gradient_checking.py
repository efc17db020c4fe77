"""Drop-in for Course II's "Gradient Checking" notebook (2021 edition) and its ``gc_utils``.

Same names, signatures, defaults, return values and printed lines. The notebook's
``backward_propagation_n`` carries two planted bugs for the learner to find (``dW2`` doubled,
``db1`` four times too large); this module's is correct, so :func:`gradient_check_n` on it
prints the notebook's second expected value (``1.1890913024229996e-07``), and the first
(``0.2850931567761623``) comes back when those two bugs are applied to its gradients.

:func:`forward_propagation_n` keeps the notebook's arithmetic to the bit (``1 / (1 +
exp(-z))``, ``log`` of the probabilities, ``1/m`` times the sum), because a gradient check
divides rounding errors by ``2 * epsilon``: a cost that differs in its last bit moves the
reported difference in its tenth digit. For checking fastnn's own networks (every head,
activation and L2) use :func:`fastnn.gradient_check`.

The vector helpers are generalised to any number of layers and sizes, in the notebook's key
order ``W1, b1, W2, b2, ...``; :func:`vector_to_dictionary` takes the layer sizes (by default
the notebook's ``[4, 5, 3, 1]``).
"""

from __future__ import annotations

import numbers

import numpy as np

from fastnn._typing import Parameters
from fastnn._validation import as_matrix, check_layer_dims, check_parameters, check_X
from fastnn.course import _checks
from fastnn.course._common import relu_net_backward

#: The notebook's network, ``vector_to_dictionary``'s default.
NOTEBOOK_LAYERS = (4, 5, 3, 1)

#: Above this relative difference the notebook declares the backward pass wrong.
THRESHOLD = 2e-7


def _real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.floating | np.integer):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _epsilon(epsilon) -> float:
    epsilon = _real("epsilon", epsilon)
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive, got {epsilon!r}")
    return epsilon


def forward_propagation(x, theta):
    """The notebook's one-dimensional "network" ``J(theta) = theta * x``.

    Parameters
    ----------
    x, theta : real numbers

    Returns
    -------
    J : real number
    """
    return _real("theta", theta) * _real("x", x)


def backward_propagation(x, theta):
    """``dJ/dtheta = x`` for :func:`forward_propagation`."""
    _real("theta", theta)
    return _real("x", x)


def _report(difference: float, print_msg: bool) -> None:
    if print_msg:
        if difference > THRESHOLD:
            print(
                "\033[93m"
                + "There is a mistake in the backward propagation! difference = "
                + str(difference)
                + "\033[0m"
            )
        else:
            print(
                "\033[92m"
                + "Your backward propagation works perfectly fine! difference = "
                + str(difference)
                + "\033[0m"
            )


def _relative_difference(grad, gradapprox) -> float:
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return numerator / denominator if denominator > 0 else np.float64(0.0)


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    """Central difference of :func:`forward_propagation` against :func:`backward_propagation`.

    Parameters
    ----------
    x, theta : real numbers
    epsilon : float
        The shift: ``(J(theta + epsilon) - J(theta - epsilon)) / (2 epsilon)``.
    print_msg : bool
        Print the notebook's verdict (threshold ``2e-7``).

    Returns
    -------
    difference : float
        ``|grad - gradapprox| / (|grad| + |gradapprox|)``.
    """
    epsilon = _epsilon(epsilon)
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    difference = _relative_difference(backward_propagation(x, theta), gradapprox)
    _report(difference, print_msg)
    return difference


def _sigmoid(z):
    # The notebook's formula, not fastnn's overflow-free one: see the module notes.
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def forward_propagation_n(X, Y, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID (any depth) and its mean cross-entropy.

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) or (m,) array of 0 and 1
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    cost : float
        ``1/m * sum(-y log(a) - (1 - y) log(1 - a))``, the notebook's arithmetic.
    cache : tuple
        ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``.
    """
    X = check_X(X)
    parameters = check_parameters(parameters, X.shape[0], X.dtype)
    L = len(parameters) // 2
    m = X.shape[1]
    cache: list = []
    A = X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = np.dot(W, A) + b
        A = np.maximum(0, Z) if l < L else _sigmoid(Z)
        cache += [Z, A, W, b]
    Y = _checks.cost(A, Y)
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(A), Y) + np.multiply(-np.log(1 - A), 1 - Y)
    cost = 1.0 / m * np.sum(logprobs)
    return cost, tuple(cache)


def backward_propagation_n(X, Y, cache) -> dict:
    """The gradients of :func:`forward_propagation_n`'s cost, correct (without the notebook's
    planted bugs): ``dZ{l}, dW{l}, db{l}`` and ``dA{l}`` for the hidden layers."""
    return relu_net_backward(X, Y, cache)


def _n_layers(mapping: dict, prefix: str) -> int:
    L = sum(1 for key in mapping if key.startswith(f"{prefix}W"))
    expected = {f"{prefix}{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L == 0 or not expected <= set(mapping):
        raise ValueError(f"expected keys {prefix}W1, {prefix}b1, ..., {prefix}WL, {prefix}bL; got {sorted(mapping)}")
    return L


def dictionary_to_vector(parameters) -> tuple[np.ndarray, list[str]]:
    """``W1, b1, W2, b2, ...`` flattened (row-major) into one ``(n, 1)`` column.

    Returns
    -------
    theta : (n, 1) array
    keys : list of str
        For each entry of ``theta`` the name of the parameter it came from.
    """
    if not isinstance(parameters, dict):
        raise TypeError(f"parameters must be a dict {{'W1': ..., 'b1': ...}}, got {type(parameters).__name__}")
    L = _n_layers(parameters, "")
    pieces, keys = [], []
    for l in range(1, L + 1):
        for key in (f"W{l}", f"b{l}"):
            column = np.reshape(np.asarray(parameters[key], dtype=np.float64), (-1, 1))
            pieces.append(column)
            keys += [key] * column.shape[0]
    return np.concatenate(pieces, axis=0), keys


def gradients_to_vector(gradients) -> np.ndarray:
    """``dW1, db1, dW2, db2, ...`` flattened into one ``(n, 1)`` column (other keys ignored)."""
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict {{'dW1': ..., 'db1': ...}}, got {type(gradients).__name__}")
    L = _n_layers(gradients, "d")
    pieces = [
        np.reshape(np.asarray(gradients[f"d{p}{l}"], dtype=np.float64), (-1, 1)) for l in range(1, L + 1) for p in "Wb"
    ]
    return np.concatenate(pieces, axis=0)


def vector_to_dictionary(theta, layer_dims=NOTEBOOK_LAYERS) -> Parameters:
    """The inverse of :func:`dictionary_to_vector` for a network of sizes ``layer_dims``.

    Parameters
    ----------
    theta : (n, 1) or (n,) array
        ``n = sum over layers of n_l * (n_{l-1} + 1)``.
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``; the notebook's ``[4, 5, 3, 1]`` by default.

    Returns
    -------
    dict
        ``W[l]`` of shape ``(n_l, n_{l-1})`` and ``b[l]`` of shape ``(n_l, 1)``, copies.
    """
    dims = check_layer_dims(layer_dims, binary=False)
    theta = np.asarray(theta)
    if theta.ndim not in (1, 2) or (theta.ndim == 2 and theta.shape[1] != 1):
        raise ValueError(f"theta must be a column (n, 1) or a vector (n,), got shape {theta.shape}")
    flat = theta.reshape(-1)
    need = sum(n * (n_prev + 1) for n_prev, n in zip(dims, dims[1:], strict=False))
    if flat.size != need:
        raise ValueError(f"theta has {flat.size} entries but layer_dims {dims} need {need}")
    parameters: Parameters = {}
    at = 0
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        parameters[f"W{l}"] = flat[at : at + n * n_prev].reshape(n, n_prev).copy()
        at += n * n_prev
        parameters[f"b{l}"] = flat[at : at + n].reshape(n, 1).copy()
        at += n
    return parameters


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    """Central differences of :func:`forward_propagation_n`'s cost, one parameter entry at a
    time, against ``gradients``.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    gradients : dict
        ``dW1, db1, ..., dWL, dbL`` (as from :func:`backward_propagation_n`).
    X : (n_x, m) array
    Y : (1, m) or (m,) array of 0 and 1
    epsilon : float
    print_msg : bool
        Print the notebook's verdict (threshold ``2e-7``).

    Returns
    -------
    difference : float
        ``||grad - gradapprox|| / (||grad|| + ||gradapprox||)``.
    """
    epsilon = _epsilon(epsilon)
    X = check_X(X)
    parameters = check_parameters(parameters, X.shape[0], np.dtype(np.float64))
    L = len(parameters) // 2
    dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict {{'dW1': ..., 'db1': ...}}, got {type(gradients).__name__}")
    _checks.grads_match(parameters, gradients)
    values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector({f"d{key}": gradients[f"d{key}"] for key in parameters})
    if grad.shape != values.shape:
        raise ValueError(f"gradients hold {grad.shape[0]} entries but parameters {values.shape[0]}")
    as_matrix("gradients", grad)
    gradapprox = np.zeros_like(values)
    for i in range(values.shape[0]):
        theta_plus = values.copy()
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus, dims))
        theta_minus = values.copy()
        theta_minus[i] = theta_minus[i] - epsilon
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus, dims))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    difference = _relative_difference(grad, gradapprox)
    _report(difference, print_msg)
    return difference
