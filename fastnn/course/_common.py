"""What the course modules share: validated training through a backend."""

from __future__ import annotations

import numpy as np

from fastnn import _driver
from fastnn._typing import Parameters
from fastnn._validation import check_learning_rate, check_num_iterations, check_parameters, check_XY
from fastnn.backends import resolve_backend
from fastnn.course import _checks
from fastnn.reference import model as _model
from fastnn.spec import TrainingSpec


def fit(
    X,
    Y,
    parameters: Parameters,
    hidden_activation: str,
    learning_rate: float,
    num_iterations: int,
    backend: str | None,
    print_every: int,
    print_last: bool,
    line: str,
):
    """Validate, train on ``backend`` and print ``line.format(i, cost)`` at the course's iterations.

    Returns ``(parameters, costs)`` with ``costs`` the cost of every iteration.
    """
    X, Y = check_XY(X, Y)
    return fit_checked(
        X,
        Y,
        check_parameters(parameters, X.shape[0], X.dtype),
        hidden_activation,
        check_learning_rate(learning_rate),
        check_num_iterations(num_iterations),
        backend,
        print_every,
        print_last,
        line,
    )


def fit_checked(
    X, Y, parameters, hidden_activation, learning_rate, num_iterations, backend, print_every, print_last, line
):
    """:func:`fit` for inputs already validated."""
    points = _driver.report_points(num_iterations, print_every, print_last)
    L = len(parameters) // 2
    dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    spec = TrainingSpec(dims, hidden_activation, learning_rate=learning_rate, dtype=X.dtype.name)
    return _driver.run(
        X,
        Y,
        parameters,
        spec,
        num_iterations,
        resolve_backend(backend),
        report_at=points,
        report=lambda i, cost: print(line.format(i, cost)),
    )


def every_hundred(costs: np.ndarray) -> list:
    """The course's recorded costs: iterations 0, 100, 200, ... (its ``i == num_iterations``
    never holds inside the loop, so the last iteration's cost is printed, not recorded)."""
    return list(costs[::100])


# --- Course II: the notebooks' three-layer ReLU network (init_utils, reg_utils, opt_utils) --------


def relu_net_forward(X, parameters) -> tuple[np.ndarray, tuple]:
    """LINEAR -> RELU -> ... -> LINEAR -> SIGMOID on validated copies of ``X`` and ``parameters``.

    Returns
    -------
    AL : (1, m) array
    cache : tuple
        ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``: for three layers the 12-tuple the Course II
        helper files hand to their ``backward_propagation``.
    """
    from fastnn._validation import check_X
    from fastnn.reference.activations import relu, sigmoid

    X = check_X(X)
    parameters = check_parameters(parameters, X.shape[0], X.dtype)
    L = len(parameters) // 2
    cache: list = []
    A = X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        A = relu(Z) if l < L else sigmoid(Z)
        cache += [Z, A, W, b]
    return A, tuple(cache)


def unpack_cache(cache, X: np.ndarray) -> list[tuple]:
    """The ``(Z, A, W, b)`` of each layer of a :func:`relu_net_forward` cache, checked against ``X``."""
    if not isinstance(cache, tuple | list) or len(cache) == 0 or len(cache) % 4:
        raise ValueError(
            "cache must be the tuple (Z1, A1, W1, b1, ..., ZL, AL, WL, bL) that forward_propagation returns"
        )
    layers = [tuple(np.asarray(a) for a in cache[i : i + 4]) for i in range(0, len(cache), 4)]
    m, n_prev = X.shape[1], X.shape[0]
    for l, (Z, A, W, b) in enumerate(layers, start=1):
        if W.ndim != 2 or W.shape[1] != n_prev or Z.shape != (W.shape[0], m) or A.shape != Z.shape:
            raise ValueError(
                f"cache layer {l}: W{l} {W.shape}, Z{l} {Z.shape}, A{l} {A.shape} do not fit X {X.shape} "
                f"(expected W{l} (n_{l}, {n_prev}) and Z{l}, A{l} (n_{l}, {m}))"
            )
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"cache layer {l}: b{l} must have shape ({W.shape[0]}, 1), got {b.shape}")
        n_prev = W.shape[0]
    return layers


def relu_net_backward(X, Y, cache, lambd: float = 0.0, masks=None, keep_prob: float = 1.0) -> dict:
    """Gradients of :func:`relu_net_forward`'s mean cross-entropy (plus ``lambd / (2 m) sum ||W||^2``).

    ``masks[l - 1]`` (optional) is hidden layer ``l``'s dropout mask: ``dA[l]`` is multiplied by it
    and divided by ``keep_prob``, as the forward pass did to ``A[l]``. Returns the Course II keys
    ``dZ{l}``, ``dW{l}``, ``db{l}`` and ``dA{l}`` (``l < L``).
    """
    from fastnn._validation import check_X

    X = check_X(X)
    layers = unpack_cache(cache, X)
    L = len(layers)
    AL = layers[-1][1]
    Y = _cost_labels(AL, Y)
    m = X.shape[1]
    grads: dict = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        _, _, W, _ = layers[l - 1]
        A_prev = X if l == 1 else layers[l - 2][1]
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = 1.0 / m * (dZ @ A_prev.T) + lambd / m * W
        grads[f"db{l}"] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 1:
            dA = W.T @ dZ
            if masks is not None:
                dA = dA * masks[l - 2] / keep_prob
            grads[f"dA{l - 1}"] = dA
            # ReLU's derivative read from its output, as the notebooks do: A > 0 exactly where Z > 0
            # (and where dropout zeroed A, dA is already 0).
            dZ = dA * (A_prev > 0)
    return grads


def _cost_labels(AL, Y) -> np.ndarray:
    from fastnn.course import _checks

    return _checks.cost(AL, Y)


def cross_entropy(a3, Y) -> float:
    """The notebooks' ``compute_cost`` / ``compute_loss``: ``1/m`` times the summed
    ``-log(a)`` (label 1) or ``-log(1 - a)`` (label 0), from the probabilities.

    An exactly saturated probability on the wrong side is an infinite loss, as in the
    notebooks (whose ``nansum`` drops only the ``0 * inf`` of the unselected term).
    """
    from fastnn._validation import as_matrix

    a3 = as_matrix("a3", a3)
    Y = _cost_labels(a3, Y)
    if np.any((a3 < 0) | (a3 > 1)):
        raise ValueError("a3 must hold probabilities in [0, 1]")
    with np.errstate(divide="ignore"):
        # log(1 - a), not log1p(-a): the notebooks' formula, so their printed costs come out to the bit.
        losses = np.where(Y == 1, -np.log(a3), -np.log(1 - a3))
    return float(1.0 / a3.shape[1] * np.sum(losses))


def update_parameters(parameters, grads, learning_rate) -> Parameters:
    """One gradient step ``W -= learning_rate * dW``, ``b -= learning_rate * db``; returns new
    arrays (``parameters`` is left as it was). The Initialization and Regularization notebooks'
    helper of that name."""
    parameters = check_parameters(parameters, None, None, n_out=None)
    _checks.grads_match(parameters, grads)
    return _model.update_parameters(parameters, grads, check_learning_rate(learning_rate))


def predict_binary(X, y, parameters) -> np.ndarray:
    """The Course II helpers' ``predict``: ``(1, m)`` int64 of ``a3 > 0.5``; prints ``Accuracy: ...``."""
    from fastnn._validation import check_X

    X = check_X(X)
    AL, _ = relu_net_forward(X, parameters)
    p = (AL > 0.5).astype(np.int64)
    y = np.asarray(y)
    if y.shape != p.shape:
        raise ValueError(f"y must have shape {p.shape} to match X's {X.shape[1]} examples, got {y.shape}")
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p


def run_spec(X, Y, parameters, spec: TrainingSpec, num_iterations: int, backend, report_at, report):
    """Train validated inputs as ``spec`` says on ``backend``; ``(parameters, costs)``."""
    return _driver.run(
        X, Y, parameters, spec, num_iterations, resolve_backend(backend), report_at=report_at, report=report
    )
