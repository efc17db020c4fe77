"""The idiomatic API: ``fastnn.train``, ``fastnn.predict`` and ``fastnn.predict_proba``."""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fastnn import _driver
from fastnn._typing import FloatArray, Parameters
from fastnn._validation import (
    check_choice,
    check_layer_dims,
    check_num_iterations,
    check_parameters,
    check_print_every,
    check_targets,
    check_X,
)
from fastnn.backends import get_backend, resolve_backend
from fastnn.kernels.engine import MODES
from fastnn.progress import Progress, make_progress
from fastnn.reference.heads import HIDDEN, OUTPUT_ACTIVATIONS
from fastnn.reference.initializers import INITIALIZERS, initialize_parameters
from fastnn.spec import LOSSES, MAX_SEED, TrainingSpec


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    parameters : dict
        ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}``, in the training dtype.
    costs : (num_iterations,) array
        The cost of every epoch (for full batch, every iteration, before its step).
    hidden_activation : str
    backend : str
    spec : TrainingSpec
        The whole run's settings.
    """

    parameters: Parameters
    costs: FloatArray
    hidden_activation: str
    backend: str
    spec: TrainingSpec | None = None

    @property
    def loss(self) -> str:
        return "binary_crossentropy" if self.spec is None else self.spec.loss

    def predict(self, X) -> np.ndarray:
        """Predictions for the columns of ``X``: see :func:`predict`."""
        return predict(self.parameters, X, self.hidden_activation, loss=self.loss, backend=self.backend)

    def predict_proba(self, X) -> FloatArray:
        """Probabilities for the columns of ``X``: see :func:`predict_proba`."""
        return predict_proba(self.parameters, X, self.hidden_activation, loss=self.loss, backend=self.backend)

    def save(self, path: str | os.PathLike):
        """Write the parameters with the run's spec, backend and final cost as metadata (:func:`fastnn.save`)."""
        from fastnn import io

        final = float(self.costs[-1]) if self.costs.size else None
        metadata = {**(self.spec.to_dict() if self.spec else {}), "backend": self.backend, "final_cost": final}
        metadata["hidden_activation"] = self.hidden_activation
        return io.save(path, self.parameters, **metadata)


def train(
    X,
    Y,
    layer_dims: Sequence[int],
    *,
    hidden_activation: str = "relu",
    loss: str | None = None,
    optimizer: str = "gd",
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    batch_size: int | None = None,
    shuffle_seed: int | None = 0,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    l2: float = 0.0,
    keep_prob: float = 1.0,
    decay: str | None = None,
    decay_rate: float = 1.0,
    decay_interval: int = 1000,
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
    progress: bool | Progress = False,
    client=None,
) -> TrainResult:
    """Train a feed-forward network: any head, optimizer, mini-batches, L2, dropout, decay.

    The defaults are the course's deep application: ReLU hidden layers, a sigmoid output
    with binary cross-entropy, full-batch gradient descent at learning rate 0.0075,
    ``randn / sqrt(n_{l-1})`` weights drawn with seed 1.

    Parameters
    ----------
    X : (n_x, m) array_like
        One example per column. float32 stays float32; other real dtypes become float64.
    Y : array_like
        ``(n_L, m)`` zeros and ones for binary cross-entropy (several rows: multi-label);
        one-hot ``(K, m)`` or integer labels ``(1, m)`` in ``0..K-1`` for categorical
        cross-entropy; real ``(n_y, m)`` targets for squared error, non-negative ones for Poisson.
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    hidden_activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"}
    loss : {None, "binary_crossentropy", "categorical_crossentropy", "squared_error", "poisson"}
        None: binary cross-entropy when ``layer_dims[-1] == 1``. The output activation follows
        (sigmoid, softmax, identity, exp).
    optimizer : {"gd", "momentum", "adam", "sklearn_momentum", "sklearn_nesterov", "sklearn_adam"}
        The course's forms (``momentum``: ``v = beta v + (1 - beta) dW``; ``adam``: bias-corrected
        moments, ``epsilon`` outside the root) and scikit-learn's (see :mod:`fastnn.spec`).
    learning_rate : float
    num_iterations : int
        Epochs (for full batch, iterations).
    batch_size : int or None
        None: full batch. Otherwise mini-batches, the last one smaller.
    shuffle_seed : int or None
        Epoch ``e`` visits the examples in the order ``RandomState(shuffle_seed + e).permutation(m)``
        (the course's); None: in order. Full batch never shuffles.
    beta, beta1, beta2, epsilon : float
    l2 : float
        L2 strength (the course's ``lambd``); biases excluded.
    keep_prob : float
        Inverted dropout on hidden layers; masks from a counter-based stream keyed by ``seed``,
        fresh at every mini-batch, identical on both backends.
    decay : {None, "inverse", "step"}
        The course's learning-rate decay per epoch (``decay_rate``, ``decay_interval``).
    init : {"lecun", "he", "xavier", "small", "zeros"}
        Used when ``initial_parameters`` is None.
    seed : int or None
        Seed of the initialisation and key of the dropout masks (local streams; the global one
        is untouched); None: an unseeded initialisation and dropout key 0.
    initial_parameters : dict, optional
        Starting point; copied, never modified.
    dtype : {None, "float32", "float64"}
        Overrides the dtype taken from ``X``.
    backend : {None, "numpy", "numba"}
        None picks the fastest installed.
    print_every : int
        Print the cost every this many epochs and at the last one (0: silent).
    mode : {"auto", "gram", "standard"}
        The numba engine's layer-1 algorithm for full-batch runs whose step is linear in the
        gradient (``"gd"``, ``"momentum"``, ``"sklearn_momentum"``, ``"sklearn_nesterov"``; with
        any head, L2, dropout and decay): ``"gram"`` works through ``X.T @ X`` (exact, and far
        cheaper when there are fewer examples than features); ``"auto"`` chooses by a cost
        model (and never for ``X.T @ X`` above 1 GiB). Other runs (mini-batches, Adam) are
        standard; a forced ``"gram"`` there is a ValueError saying why.
    checkpoint : path, optional
        Save the run's state, its costs so far and the epoch count there (atomically)
        every ``checkpoint_every`` epochs, at the end, and on Ctrl-C, which then raises
        KeyboardInterrupt naming the file.
    checkpoint_every : int
        0: only at the end and on Ctrl-C.
    resume : path, optional
        Continue from a checkpoint of this same run (same data shape, backend and training
        settings, those that change the run: see :meth:`fastnn.spec.TrainingSpec.effective`);
        the result is bit for bit that of an uninterrupted run. ``initial_parameters`` and
        ``init`` are then unused, and ``seed`` too unless there is dropout.
    on_nonfinite : {"raise", "stop"}
        When the cost (or the final parameters) stop being finite: raise FloatingPointError,
        or stop with a RuntimeWarning and return the last parameters whose cost was finite.
    progress : bool or fastnn.progress.Progress
        True: a tqdm bar (iteration or epoch, cost, rate, time left) when stdout is a terminal,
        else a plain line every ``print_every`` epochs and at the last one
        (``Cost after iteration I: C, elapsed: T s``); the ``print_every`` lines are then not
        printed as well. A :class:`fastnn.progress.Progress` (see :func:`fastnn.progress.make_progress`) shows
        what it shows and records its monitors. Either way it is told at the ends of the
        engine's compiled chunks, never once per iteration.
    client : distributed.Client, optional
        With Dask arrays ``X`` and ``Y`` (chunked along the examples only): data-parallel
        full-batch training on this Dask cluster (default: the current client); see
        :mod:`fastnn.dask`. Mini-batches, dropout, ``backend="numpy"`` and ``mode="gram"``
        are a ValueError there.

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
    data = None  # the training set on a Dask cluster (fastnn.dask.DaskData), or None
    if client is not None or _is_dask(X) or _is_dask(Y):
        from fastnn.dask import DaskData

        X = data = DaskData(X, Y, client, dtype)  # its layout checked; its values on the workers, below
    else:
        X = check_X(X, dtype)
    dims = check_layer_dims(layer_dims, X.shape[0], binary=False)
    if loss is None:
        if dims[-1] != 1:
            raise ValueError(
                f"layer_dims[-1] is {dims[-1]}: say which loss, one of {', '.join(map(repr, LOSSES))} "
                "(None means binary cross-entropy of one output unit)"
            )
        loss = "binary_crossentropy"
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED
    ):
        raise ValueError(f"seed must be an int in [0, 2**32 - 1] or None, got {seed!r}")
    spec = TrainingSpec(
        dims, hidden_activation, loss, optimizer, learning_rate, beta, beta1, beta2, epsilon, batch_size,
        shuffle_seed, l2, keep_prob, dropout_seed=0 if seed is None else int(seed), decay=decay,
        decay_rate=decay_rate, decay_interval=decay_interval, dtype=X.dtype.name,
    )  # fmt: skip
    Y = check_targets(Y, loss, dims[-1], X) if data is None else data
    check_choice("init", init, INITIALIZERS)
    num_iterations = check_num_iterations(num_iterations)
    print_every = check_print_every(print_every)
    checkpoint_every = check_print_every(checkpoint_every, "checkpoint_every")
    backend = resolve_backend(backend)
    check_choice("mode", mode, MODES)
    check_choice("on_nonfinite", on_nonfinite, ("raise", "stop"))
    if data is not None:
        from fastnn.dask import check_spec

        check_spec(spec, X.shape[1], backend, mode)
    if backend == "numpy" and mode == "gram":
        raise ValueError("mode='gram' needs backend='numba'; the numpy backend is the reference (standard mode)")
    mini_batches = spec.batch_size is not None and spec.batch_size < X.shape[1]
    if mini_batches and spec.shuffle_seed is not None and spec.shuffle_seed + max(num_iterations - 1, 0) > MAX_SEED:
        raise ValueError(
            f"shuffle_seed + epoch must stay below 2**32 (RandomState's seeds): shuffle_seed={spec.shuffle_seed} "
            f"with num_iterations={num_iterations} goes past it"
        )
    if initial_parameters is None:
        parameters = initialize_parameters(dims, init, seed, X.dtype)
    else:
        parameters = check_parameters(initial_parameters, X.shape[0], X.dtype, n_out=dims[-1])
        given = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2 + 1)]
        if given != dims:
            raise ValueError(f"initial_parameters have layer sizes {given} but layer_dims is {dims}")
    unit = "epoch" if mini_batches else "iteration"
    if progress is True:
        progress = make_progress("auto", every=print_every)
    elif progress is False or progress is None:
        progress = None
    elif not isinstance(progress, Progress):
        raise TypeError(f"progress must be True, False or a fastnn.progress.Progress, got {type(progress).__name__}")

    def report(i: int, cost: float) -> None:
        print(f"Cost after {unit} {i}: {cost:.6f}")

    if progress is not None:
        progress.start(num_iterations, unit)
    try:
        if data is not None:
            data.persist(spec)  # checked, contiguous partitions on the workers for the run
        parameters, costs = _driver.run(
            X,
            Y,
            parameters,
            spec,
            num_iterations,
            backend if data is None else "dask",
            report_at=_driver.report_points(num_iterations, print_every, last=True)
            if print_every and progress is None
            else (),
            report=report,
            mode=mode,
            checkpoint=checkpoint,
            checkpoint_every=checkpoint_every,
            resume=resume,
            on_nonfinite=on_nonfinite,
            on_chunk=None if progress is None else progress.update,
            chunk_at=() if progress is None else progress.points(num_iterations),
        )
    finally:
        if progress is not None:
            progress.close()
        if data is not None:
            data.close()
    return TrainResult(parameters, costs, hidden_activation, backend, spec)


def _is_dask(a) -> bool:
    """Whether ``a`` is a Dask collection, without importing Dask."""
    return type(a).__module__.partition(".")[0] == "dask"


def _output(parameters: Parameters, X, hidden_activation: str, loss: str, backend: str | None) -> FloatArray:
    """The network's output activations ``(n_L, m)``, validated, never NaN from overflow."""
    X = check_X(X)
    check_choice("loss", loss, LOSSES)
    parameters = check_parameters(parameters, X.shape[0], X.dtype, n_out=None)
    check_choice("hidden_activation", hidden_activation, HIDDEN)
    module = get_backend(backend)
    with np.errstate(over="ignore", invalid="ignore"):
        if loss == "binary_crossentropy" and hidden_activation in module.ACTIVATIONS:
            out = module.predict_proba(parameters, X, hidden_activation)
        else:  # heads beyond the sigmoid, and the identity hidden layer: the reference's forward pass
            A = X
            L = len(parameters) // 2
            for l in range(1, L + 1):
                Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
                A = HIDDEN[hidden_activation](Z) if l < L else OUTPUT_ACTIVATIONS[LOSSES[loss]](Z)
            out = A
    if np.isnan(out).any():
        bad = np.flatnonzero(np.isnan(out).any(axis=0))
        raise FloatingPointError(
            f"the forward pass overflowed for {bad.size} example(s) (first: column {bad[0]}): "
            f"X or the parameters are too large (largest |x| is {np.max(np.abs(X)):.3g})"
        )
    return out


def predict_proba(
    parameters: Parameters,
    X,
    hidden_activation: str = "relu",
    *,
    loss: str = "binary_crossentropy",
    backend: str | None = None,
) -> FloatArray:
    """Class probabilities: ``(n_L, m)`` sigmoid outputs (binary, multi-label), or ``(K, m)``
    softmax columns (categorical).

    Parameters
    ----------
    parameters : dict
        ``{"W1", "b1", ..., "WL", "bL"}`` with ``W1`` of shape ``(n_1, n_x)``.
    X : (n_x, m) array_like
    hidden_activation : str
        The activation the network was trained with.
    loss : {"binary_crossentropy", "categorical_crossentropy"}
        The loss it was trained with; ``"squared_error"`` and ``"poisson"`` have no
        probabilities (a ValueError).
    backend : {None, "numpy", "numba"}

    Raises
    ------
    FloatingPointError
        If the forward pass overflowed into NaN (finite inputs so large that ``W @ A`` sums
        ``inf`` and ``-inf``). Overflow to ``inf`` alone saturates the sigmoid to 0 or 1,
        which is the right probability, and passes silently.
    """
    if loss in ("squared_error", "poisson"):
        raise ValueError(f"predict_proba needs a classification loss; a {loss} network predicts values")
    return _output(parameters, X, hidden_activation, loss, backend)


def predict(
    parameters: Parameters,
    X,
    hidden_activation: str = "relu",
    *,
    loss: str = "binary_crossentropy",
    backend: str | None = None,
) -> np.ndarray:
    """Predictions: for binary cross-entropy ``1.0`` where the probability exceeds 0.5 else
    ``0.0``, shape ``(n_L, m)``; for categorical cross-entropy the class ``0..K-1`` of largest
    probability, an int64 ``(1, m)``; for squared error the values ``(n_y, m)``, for Poisson
    the predicted means ``exp(z)``."""
    A = _output(parameters, X, hidden_activation, loss, backend)
    if loss == "categorical_crossentropy":
        return np.argmax(A, axis=0)[None, :].astype(np.int64)
    if loss in ("squared_error", "poisson"):
        return A
    return (A > 0.5).astype(A.dtype)


def accuracy(predictions: np.ndarray, Y) -> float:
    """Fraction of columns where ``predictions`` equals ``Y``."""
    return float(np.mean(np.asarray(predictions) == np.asarray(Y)))
