"""Drop-in for Course II's "Regularization" notebook (2021 edition) and its ``reg_utils``.

Same names, signatures, defaults, return values and printed lines; :func:`model` trains on a
fastnn backend (``backend=``: ``"numpy"`` or ``"numba"``, default the fastest installed), L2
and dropout included.

Dropout, documented: the notebook's ``forward_propagation_with_dropout`` calls
``np.random.seed(1)`` before drawing its masks (``np.random.rand(n_1, m) < keep_prob``, then
``rand(n_2, m)``), so every iteration of its ``model`` drops the same units of the same
examples. This module reproduces that exactly: the masks are drawn once per run from a local
``np.random.RandomState(1)`` (the engine's ``dropout_stream="course"``) and reused at every
iteration, on both backends, NumPy's global random state untouched. ``fastnn.train(...,
keep_prob=...)`` instead draws fresh masks at every step, as dropout is meant to.

:func:`initialize_parameters` draws ``randn / sqrt(n_{l-1})`` from seed 3, the notebook's, from
a local stream. The cost :func:`model` prints is fastnn's cross-entropy of the logits (plus the
L2 term), equal to the notebook's ``log``-of-probabilities form up to rounding.
"""

from __future__ import annotations

import numbers

import numpy as np

from fastnn._typing import Parameters
from fastnn._validation import check_layer_dims, check_learning_rate, check_num_iterations, check_parameters, check_XY
from fastnn.course._common import (
    cross_entropy,
    predict_binary,
    relu_net_backward,
    relu_net_forward,
    run_spec,
    unpack_cache,
    update_parameters,  # noqa: F401  (the notebook's helper)
)
from fastnn.reference import initializers as _init
from fastnn.reference.regularization import course_masks, dropout_forward
from fastnn.spec import TrainingSpec

#: The seed the notebook's dropout re-seeds NumPy with at every forward pass.
DROPOUT_SEED = 1


def initialize_parameters(layer_dims) -> Parameters:
    """``randn / sqrt(n_{l-1})`` weights from seed 3, zero biases (reg_utils')."""
    return _init.initialize_parameters(check_layer_dims(layer_dims, binary=False), "lecun", 3)


def forward_propagation(X, parameters) -> tuple[np.ndarray, tuple]:
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID (any depth).

    Returns
    -------
    A3 : (1, m) array
    cache : tuple
        ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``.
    """
    return relu_net_forward(X, parameters)


def backward_propagation(X, Y, cache) -> dict:
    """Gradients of :func:`compute_cost`: ``dZ3, dW3, db3, dA2, dZ2, ...``."""
    return relu_net_backward(X, Y, cache)


def compute_cost(a3, Y) -> float:
    """Mean cross-entropy of the probabilities ``a3`` ``(1, m)`` against ``Y`` (the notebook's formula)."""
    return cross_entropy(a3, Y)


def predict(X, y, parameters) -> np.ndarray:
    """``(1, m)`` int64 predictions ``a3 > 0.5``; prints ``Accuracy: ...`` as the notebook does."""
    return predict_binary(X, y, parameters)


def _lambd(lambd) -> float:
    if isinstance(lambd, bool) or not isinstance(lambd, numbers.Real) or not np.isfinite(lambd) or lambd < 0:
        raise ValueError(f"lambd must be a real number >= 0, got {lambd!r}")
    return float(lambd)


def _keep_prob(keep_prob) -> float:
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, numbers.Real) or not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob!r}")
    return float(keep_prob)


def compute_cost_with_regularization(A3, Y, parameters, lambd) -> float:
    """:func:`compute_cost` plus ``lambd / (2 m) * sum over layers of ||W[l]||^2``.

    Parameters
    ----------
    A3 : (1, m) array
        Probabilities.
    Y : (1, m) array of 0 and 1
    parameters : dict
        ``W1, b1, ..., WL, bL`` (biases are not penalised).
    lambd : float

    Returns
    -------
    float
    """
    parameters = check_parameters(parameters, None, None, n_out=None)
    m = np.shape(A3)[1] if np.ndim(A3) == 2 else 1
    squares = sum(np.sum(np.square(value)) for key, value in parameters.items() if key.startswith("W"))
    return cross_entropy(A3, Y) + 1.0 / m * _lambd(lambd) / 2 * squares


def backward_propagation_with_regularization(X, Y, cache, lambd) -> dict:
    """Gradients of :func:`compute_cost_with_regularization`: :func:`backward_propagation`'s
    with ``dW[l]`` plus ``lambd / m * W[l]``."""
    return relu_net_backward(X, Y, cache, lambd=_lambd(lambd))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5) -> tuple[np.ndarray, tuple]:
    """:func:`forward_propagation` with inverted dropout on the hidden layers: ``A[l] * D[l] / keep_prob``.

    The masks are the notebook's, ``np.random.seed(1)`` then ``rand(n_l, m) < keep_prob``
    layer by layer, drawn from a local ``RandomState(1)``: the same masks at every call.

    Returns
    -------
    A3 : (1, m) array
    cache : tuple
        ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``, ``D[l]`` the 0/1 masks
        and ``A[l]`` the activations after dropout.
    """
    keep_prob = _keep_prob(keep_prob)
    AL, cache = relu_net_forward(X, parameters)
    X = np.asarray(X, dtype=AL.dtype)
    layers = [cache[i : i + 4] for i in range(0, len(cache), 4)]
    dims = [X.shape[0]] + [W.shape[0] for _, _, W, _ in layers]
    masks = course_masks(dims, X.shape[1], keep_prob, DROPOUT_SEED, AL.dtype)
    # Recompute forward with the masks applied (the next layer sees the dropped activations).
    out: list = []
    A = X
    L = len(layers)
    from fastnn.reference.activations import relu, sigmoid

    for l, (_, _, W, b) in enumerate(layers, start=1):
        Z = W @ A + b
        if l < L:
            D = masks[l - 1]
            A = dropout_forward(relu(Z), D, keep_prob)
            out += [Z, D, A, W, b]
        else:
            A = sigmoid(Z)
            out += [Z, A, W, b]
    return A, tuple(out)


def backward_propagation_with_dropout(X, Y, cache, keep_prob) -> dict:
    """Gradients through :func:`forward_propagation_with_dropout`'s masks: ``dA[l]`` is
    multiplied by ``D[l]`` and divided by ``keep_prob``, as ``A[l]`` was."""
    keep_prob = _keep_prob(keep_prob)
    if not isinstance(cache, tuple | list) or len(cache) < 4 or (len(cache) - 4) % 5:
        raise ValueError(
            "cache must be the tuple (Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL) that "
            "forward_propagation_with_dropout returns"
        )
    hidden = (len(cache) - 4) // 5
    masks, plain = [], []
    for l in range(hidden):
        Z, D, A, W, b = cache[5 * l : 5 * l + 5]
        masks.append(np.asarray(D))
        plain += [Z, A, W, b]
    plain += list(cache[-4:])
    X = np.asarray(X)
    layers = unpack_cache(tuple(plain), X)
    for l, D in enumerate(masks, start=1):
        if D.shape != layers[l - 1][1].shape:
            raise ValueError(f"cache's D{l} has shape {D.shape} but A{l} has {layers[l - 1][1].shape}")
    return relu_net_backward(X, Y, tuple(plain), masks=masks, keep_prob=keep_prob)


def model(
    X,
    Y,
    learning_rate=0.3,
    num_iterations=30000,
    print_cost=True,
    lambd=0,
    keep_prob=1,
    backend: str | None = None,
) -> Parameters:
    """The notebook's ``[n_x, 20, 3, 1]`` ReLU network by full-batch gradient descent on a fastnn
    backend, with L2 (``lambd``) or the notebook's fixed-mask dropout (``keep_prob``), not both
    (the notebook asserts the same).

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array of 0 and 1
    learning_rate : float
    num_iterations : int
    print_cost : bool
        Print ``Cost after iteration i: cost`` every 10,000 iterations.
    lambd : float
        L2 strength.
    keep_prob : float
        Probability of keeping a hidden unit (1: no dropout).
    backend : {None, "numpy", "numba"}

    Returns
    -------
    dict
        The trained parameters.
    """
    X, Y = check_XY(X, Y)
    lambd, keep_prob = _lambd(lambd), _keep_prob(keep_prob)
    if lambd != 0 and keep_prob != 1:
        raise ValueError(
            f"the notebook's model uses L2 or dropout, not both; got lambd={lambd} and keep_prob={keep_prob}"
        )
    learning_rate = check_learning_rate(learning_rate)
    num_iterations = check_num_iterations(num_iterations)
    layers_dims = [X.shape[0], 20, 3, 1]
    spec = TrainingSpec(
        layers_dims,
        "relu",
        learning_rate=learning_rate,
        l2=lambd,
        keep_prob=keep_prob,
        dropout_seed=DROPOUT_SEED,
        dropout_stream="course" if keep_prob < 1 else "counter",
        dtype=X.dtype.name,
    )
    parameters = {k: v.astype(X.dtype) for k, v in initialize_parameters(layers_dims).items()}
    parameters, _ = run_spec(
        X,
        Y,
        parameters,
        spec,
        num_iterations,
        backend,
        report_at=range(0, num_iterations, 10000) if print_cost else (),
        report=lambda i, cost: print(f"Cost after iteration {i}: {cost}"),
    )
    return parameters
