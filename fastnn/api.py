"""The idiomatic API: ``fastnn.train``, ``fastnn.predict`` and ``fastnn.predict_proba``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fastnn import _driver
from fastnn._typing import FloatArray, Parameters
from fastnn._validation import (
    check_choice,
    check_layer_dims,
    check_learning_rate,
    check_num_iterations,
    check_parameters,
    check_print_every,
    check_X,
    check_XY,
)
from fastnn.backends import get_backend, resolve_backend
from fastnn.kernels.engine import MODES
from fastnn.reference.activations import HIDDEN_ACTIVATIONS
from fastnn.reference.initializers import INITIALIZERS, initialize_parameters


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    parameters : dict
        ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}``, in the training dtype.
    costs : (num_iterations,) array
        The cost at every iteration, before that iteration's step.
    hidden_activation : str
    backend : str
    """

    parameters: Parameters
    costs: FloatArray
    hidden_activation: str
    backend: str

    def predict(self, X) -> FloatArray:
        """Classes (0.0 or 1.0) for the columns of ``X``, shape ``(1, m)``."""
        return predict(self.parameters, X, self.hidden_activation, backend=self.backend)

    def predict_proba(self, X) -> FloatArray:
        """Probabilities of class 1 for the columns of ``X``, shape ``(1, m)``."""
        return predict_proba(self.parameters, X, self.hidden_activation, backend=self.backend)


def train(
    X,
    Y,
    layer_dims: Sequence[int],
    *,
    hidden_activation: str = "relu",
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    init: str = "lecun",
    seed: int | None = 1,
    initial_parameters: Parameters | None = None,
    dtype=None,
    backend: str | None = None,
    print_every: int = 0,
    mode: str = "auto",
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    resume: str | os.PathLike | None = None,
    on_nonfinite: str = "raise",
) -> TrainResult:
    """Train an L-layer binary classifier by full-batch gradient descent.

    The defaults are the course's deep application: ReLU hidden layers, a sigmoid
    output, learning rate 0.0075, ``randn / sqrt(n_{l-1})`` weights drawn with seed 1.

    Parameters
    ----------
    X : (n_x, m) array_like
        One example per column. float32 stays float32; other real dtypes become float64.
    Y : (1, m) array_like
        Labels, 0 or 1.
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_{L-1}, 1]``.
    hidden_activation : {"relu", "leaky_relu", "tanh", "sigmoid"}
    learning_rate : float
    num_iterations : int
    init : {"lecun", "he", "xavier", "small", "zeros"}
        Used when ``initial_parameters`` is None.
    seed : int or None
        Seed of the initialisation (a local random stream; the global one is untouched).
    initial_parameters : dict, optional
        Starting point; copied, never modified.
    dtype : {None, "float32", "float64"}
        Overrides the dtype taken from ``X``.
    backend : {None, "numpy", "numba"}
        None picks the fastest installed.
    print_every : int
        Print the cost every this many iterations and at the last one (0: silent).
    mode : {"auto", "gram", "standard"}
        The numba engine's layer-1 algorithm: ``"gram"`` is exact and far cheaper when
        there are fewer examples than features; ``"auto"`` chooses by a cost model. The
        numpy backend (the reference) is always ``"standard"``.
    checkpoint : path, optional
        Save the run's state, its costs so far and the iteration count there (atomically)
        every ``checkpoint_every`` iterations, at the end, and on Ctrl-C, which then raises
        KeyboardInterrupt naming the file.
    checkpoint_every : int
        0: only at the end and on Ctrl-C.
    resume : path, optional
        Continue from a checkpoint of this same run (same data shape, layers, activation,
        learning rate, dtype and backend); the result is bit for bit that of an
        uninterrupted run. ``initial_parameters``, ``init`` and ``seed`` are then unused.
    on_nonfinite : {"raise", "stop"}
        When the cost (or the final parameters) stop being finite: raise FloatingPointError,
        or stop with a RuntimeWarning and return the last parameters whose cost was finite
        (``costs`` then ends at the first non-finite one, excluded).

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError, TypeError
        For inputs of the wrong shape, type or value.
    FloatingPointError
        If the cost stops being finite (training diverged).
    """
    X, Y = check_XY(X, Y, dtype)
    dims = check_layer_dims(layer_dims, X.shape[0])
    check_choice("hidden_activation", hidden_activation, HIDDEN_ACTIVATIONS)
    check_choice("init", init, INITIALIZERS)
    learning_rate = check_learning_rate(learning_rate)
    num_iterations = check_num_iterations(num_iterations)
    print_every = check_print_every(print_every)
    backend = resolve_backend(backend)
    check_choice("mode", mode, MODES)
    check_choice("on_nonfinite", on_nonfinite, ("raise", "stop"))
    if backend == "numpy" and mode == "gram":
        raise ValueError("mode='gram' needs backend='numba'; the numpy backend is the reference (standard mode)")
    if initial_parameters is None:
        parameters = initialize_parameters(dims, init, seed, X.dtype)
    else:
        parameters = check_parameters(initial_parameters, X.shape[0], X.dtype)
        given = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2 + 1)]
        if given != dims:
            raise ValueError(f"initial_parameters have layer sizes {given} but layer_dims is {dims}")

    def report(i: int, cost: float) -> None:
        print(f"Cost after iteration {i}: {cost:.6f}")

    parameters, costs = _driver.run(
        X,
        Y,
        parameters,
        hidden_activation,
        learning_rate,
        num_iterations,
        backend,
        report_at=_driver.report_points(num_iterations, print_every, last=True) if print_every else (),
        report=report,
        mode=mode,
        checkpoint=checkpoint,
        checkpoint_every=check_print_every(checkpoint_every, "checkpoint_every"),
        resume=resume,
        on_nonfinite=on_nonfinite,
    )
    return TrainResult(parameters, costs, hidden_activation, backend)


def predict_proba(
    parameters: Parameters, X, hidden_activation: str = "relu", *, backend: str | None = None
) -> FloatArray:
    """Probabilities of class 1, shape ``(1, m)``.

    Parameters
    ----------
    parameters : dict
        ``{"W1", "b1", ..., "WL", "bL"}`` with ``W1`` of shape ``(n_1, n_x)``.
    X : (n_x, m) array_like
    hidden_activation : str
        The activation the network was trained with.
    backend : {None, "numpy", "numba"}

    Raises
    ------
    FloatingPointError
        If the forward pass overflowed into NaN (finite inputs so large that ``W @ A`` sums
        ``inf`` and ``-inf``). Overflow to ``inf`` alone saturates the sigmoid to 0 or 1,
        which is the right probability, and passes silently.
    """
    X = check_X(X)
    parameters = check_parameters(parameters, X.shape[0], X.dtype)
    check_choice("hidden_activation", hidden_activation, HIDDEN_ACTIVATIONS)
    with np.errstate(over="ignore", invalid="ignore"):
        proba = get_backend(backend).predict_proba(parameters, X, hidden_activation)
    if np.isnan(proba).any():
        bad = np.flatnonzero(np.isnan(proba[0]))
        raise FloatingPointError(
            f"the forward pass overflowed for {bad.size} example(s) (first: column {bad[0]}): "
            f"X or the parameters are too large (largest |x| is {np.max(np.abs(X)):.3g})"
        )
    return proba


def predict(parameters: Parameters, X, hidden_activation: str = "relu", *, backend: str | None = None) -> FloatArray:
    """Classes, ``1.0`` where the probability exceeds 0.5 else ``0.0``; shape ``(1, m)``."""
    A = predict_proba(parameters, X, hidden_activation, backend=backend)
    return (A > 0.5).astype(A.dtype)


def accuracy(predictions: np.ndarray, Y) -> float:
    """Fraction of columns where ``predictions`` equals ``Y``."""
    return float(np.mean(np.asarray(predictions) == np.asarray(Y)))
