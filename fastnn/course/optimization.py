"""Drop-in for Course II's "Optimization Methods" notebook (2021 edition, with learning-rate
decay) and its ``opt_utils_v1a``.

Same names, signatures, defaults, return values and printed lines. :func:`model` trains
through the engine (``backend=``: ``"numpy"`` or ``"numba"``, default the fastest
installed), never a Python loop over mini-batches: one :class:`~fastnn.spec.TrainingSpec`
holds the optimizer, the mini-batch size and the notebook's shuffles (``seed = 10``,
incremented before each epoch, so epoch ``e`` shuffles with ``RandomState(11 + e)``), and
its decay rule:

* ``decay=update_lr`` is the spec's ``"inverse"`` rule and ``decay=schedule_lr_decay`` its
  ``"step"`` rule with ``decay_interval=1000``; the notebook recomputes the rate after epoch
  ``i`` as ``decay(learning_rate0, i, decay_rate)``, which is the spec's convention (epoch
  ``e >= 1`` trains at ``decay(learning_rate0, e - 1, decay_rate)``).
* Another function is accepted when it computes one of those two schedules (checked, to
  1e-12 relative, at every epoch of the run; the learner's own ``update_lr`` passes); any
  other schedule is a ValueError, since the engine runs only these two.

Building blocks never modify their arguments (the notebook's update in place): they return
new arrays. Random draws (:func:`initialize_parameters`, :func:`random_mini_batches`) come
from local ``RandomState`` streams with the notebook's seeds, so NumPy's global random state
is untouched.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from fastnn._typing import Parameters
from fastnn._validation import check_layer_dims, check_learning_rate, check_num_iterations, check_parameters, check_XY
from fastnn.course import _checks
from fastnn.course._common import predict_binary, relu_net_backward, relu_net_forward, run_spec
from fastnn.reference import initializers as _init
from fastnn.reference import optimizers as _opt
from fastnn.reference import schedules as _schedules
from fastnn.reference.batching import epoch_permutation, mini_batches
from fastnn.spec import MAX_SEED, TrainingSpec

#: ``model``'s optimizers.
OPTIMIZERS = ("gd", "momentum", "adam")

#: The notebook's ``seed = 10``, incremented before the first shuffle.
FIRST_SHUFFLE_SEED = 11

#: ``schedule_lr_decay``'s interval when ``model`` calls it.
DECAY_INTERVAL = 1000


# ---- the helpers the notebook imports from opt_utils_v1a ---------------------------------------


def initialize_parameters(layer_dims) -> Parameters:
    """He initialisation ``randn * sqrt(2 / n_{l-1})`` from seed 3, zero biases (opt_utils')."""
    return _init.initialize_parameters(check_layer_dims(layer_dims, binary=False), "he", 3)


def forward_propagation(X, parameters) -> tuple[np.ndarray, tuple]:
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID; ``(a3, (z1, a1, W1, b1, ..., z3, a3, W3, b3))``."""
    return relu_net_forward(X, parameters)


def backward_propagation(X, Y, cache) -> dict:
    """Gradients of the mean cross-entropy of a batch: ``dW1, db1, ...`` (and ``dZ``, ``dA``)."""
    return relu_net_backward(X, Y, cache)


def compute_cost(a3, Y) -> float:
    """The SUMMED cross-entropy of a batch (not divided by its size): ``model`` adds the batches'
    sums over an epoch and divides by ``m`` once."""
    from fastnn.course._common import cross_entropy

    a3 = np.asarray(a3)
    return cross_entropy(a3, Y) * (a3.shape[1] if a3.ndim == 2 else 1)


def predict(X, y, parameters) -> np.ndarray:
    """``(1, m)`` int64 predictions ``a3 > 0.5``; prints ``Accuracy: ...`` as the notebook does."""
    return predict_binary(X, y, parameters)


# ---- the exercises -------------------------------------------------------------------------------


def _dims_of(parameters: Parameters) -> list[int]:
    L = len(parameters) // 2
    return [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]


def _checked(parameters) -> Parameters:
    return check_parameters(parameters, None, None, n_out=None)


def _moments(name: str, moments, parameters: Parameters) -> dict:
    """``{"W1": v["dW1"], ...}`` for the reference's optimizer state, shapes checked."""
    if not isinstance(moments, dict):
        raise TypeError(f"{name} must be a dict {{'dW1': ..., 'db1': ...}}, got {type(moments).__name__}")
    out = {}
    for key, value in parameters.items():
        if f"d{key}" not in moments:
            raise ValueError(f"{name} has no d{key}")
        m = np.asarray(moments[f"d{key}"], dtype=value.dtype)
        if m.shape != value.shape:
            raise ValueError(f"{name}['d{key}'] has shape {m.shape} but {key} has {value.shape}")
        out[key] = m
    return out


def _grads(parameters: Parameters, grads) -> dict:
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{'dW1': ..., 'db1': ...}}, got {type(grads).__name__}")
    _checks.grads_match(parameters, grads)
    return {f"d{key}": np.asarray(grads[f"d{key}"], dtype=value.dtype) for key, value in parameters.items()}


def update_parameters_with_gd(parameters, grads, learning_rate) -> Parameters:
    """One gradient-descent step ``W -= learning_rate * dW``; returns new arrays.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    grads : dict
        ``dW1, db1, ..., dWL, dbL``, shaped like the parameters.
    learning_rate : float

    Returns
    -------
    dict
    """
    parameters = _checked(parameters)
    spec = TrainingSpec(_dims_of(parameters), learning_rate=check_learning_rate(learning_rate))
    new, _ = _opt.gd_step(parameters, _grads(parameters, grads), {"t": 0}, spec, spec.learning_rate)
    return new


def random_mini_batches(X, Y, mini_batch_size=64, seed=0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the columns of ``(X, Y)`` with ``RandomState(seed).permutation(m)`` and cut them
    into mini-batches of ``mini_batch_size`` (the last one smaller).

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array
    mini_batch_size : int
    seed : int

    Returns
    -------
    list of (mini_batch_X, mini_batch_Y)
        ``(n_x, B)`` and ``(1, B)`` arrays, in ``X``'s and ``Y``'s dtypes.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(f"X must be 2-D (n_x, m) with at least one example, got shape {X.shape}")
    if Y.ndim != 2 or Y.shape != (1, X.shape[1]):
        raise ValueError(f"Y must have shape (1, m) = (1, {X.shape[1]}), got {Y.shape}")
    if isinstance(mini_batch_size, bool) or not isinstance(mini_batch_size, numbers.Integral) or mini_batch_size < 1:
        raise ValueError(f"mini_batch_size must be a positive int, got {mini_batch_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an int in [0, 2**32 - 1], got {seed!r}")
    order = epoch_permutation(X.shape[1], int(seed), 0)
    return [(X[:, batch], Y[:, batch]) for batch in mini_batches(order, int(mini_batch_size))]


def initialize_velocity(parameters) -> dict:
    """Zero velocities ``{"dW1", "db1", ...}`` shaped like the parameters."""
    return {f"d{key}": np.zeros_like(value) for key, value in _checked(parameters).items()}


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate) -> tuple[Parameters, dict]:
    """The course's momentum: ``v = beta v + (1 - beta) dW``, ``W -= learning_rate * v``.

    Returns
    -------
    parameters : dict
    v : dict
        New arrays; the arguments are left as they were.
    """
    parameters = _checked(parameters)
    spec = TrainingSpec(
        _dims_of(parameters), optimizer="momentum", beta=beta, learning_rate=check_learning_rate(learning_rate)
    )
    state = {"t": 0, "v": _moments("v", v, parameters)}
    new, state = _opt.momentum_step(parameters, _grads(parameters, grads), state, spec, spec.learning_rate)
    return new, {f"d{key}": value for key, value in state["v"].items()}


def initialize_adam(parameters) -> tuple[dict, dict]:
    """Zero first and second moments ``v``, ``s``: ``{"dW1", "db1", ...}`` shaped like the parameters."""
    parameters = _checked(parameters)
    return (
        {f"d{key}": np.zeros_like(value) for key, value in parameters.items()},
        {f"d{key}": np.zeros_like(value) for key, value in parameters.items()},
    )


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
) -> tuple[Parameters, dict, dict, dict, dict]:
    """The course's Adam step number ``t`` (from 1): bias-corrected moments, ``epsilon`` outside the root.

    Returns
    -------
    parameters, v, s, v_corrected, s_corrected : dict
        New arrays (``v_corrected = v / (1 - beta1**t)``, ``s_corrected = s / (1 - beta2**t)``).
    """
    parameters = _checked(parameters)
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
        raise ValueError(f"t (Adam's step count) must be an int >= 1, got {t!r}")
    spec = TrainingSpec(
        _dims_of(parameters),
        optimizer="adam",
        learning_rate=check_learning_rate(learning_rate),
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
    )
    state = {"t": int(t) - 1, "v": _moments("v", v, parameters), "s": _moments("s", s, parameters)}
    new, state = _opt.adam_step(parameters, _grads(parameters, grads), state, spec, spec.learning_rate)
    v_new = {f"d{key}": value for key, value in state["v"].items()}
    s_new = {f"d{key}": value for key, value in state["s"].items()}
    v_corrected = {key: value / (1 - spec.beta1**t) for key, value in v_new.items()}
    s_corrected = {key: value / (1 - spec.beta2**t) for key, value in s_new.items()}
    return new, v_new, s_new, v_corrected, s_corrected


def _rate(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a real number >= 0, got {value!r}")
    return float(value)


def update_lr(learning_rate0, epoch_num, decay_rate) -> float:
    """``learning_rate0 / (1 + decay_rate * epoch_num)``: decay at every epoch."""
    return _schedules.update_lr(
        check_learning_rate(learning_rate0), _rate("epoch_num", epoch_num), _rate("decay_rate", decay_rate)
    )


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000) -> float:
    """``learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval))``: decay every
    ``time_interval`` epochs."""
    if isinstance(time_interval, bool) or not isinstance(time_interval, numbers.Integral) or time_interval < 1:
        raise ValueError(f"time_interval must be a positive int, got {time_interval!r}")
    return _schedules.schedule_lr_decay(
        check_learning_rate(learning_rate0),
        _rate("epoch_num", epoch_num),
        _rate("decay_rate", decay_rate),
        int(time_interval),
    )


def _decay_rule(decay, learning_rate0: float, decay_rate: float, num_epochs: int) -> str | None:
    """The spec's rule that computes what ``decay`` computes at every epoch of the run."""
    if decay is None:
        return None
    if decay is update_lr:
        return "inverse"
    if decay is schedule_lr_decay:
        return "step"
    if not callable(decay):
        raise TypeError(f"decay must be None, update_lr, schedule_lr_decay or a function, got {decay!r}")
    epochs = range(max(num_epochs - 1, 1))
    given = np.array([float(decay(learning_rate0, e, decay_rate)) for e in epochs])
    rules = {
        "inverse": [learning_rate0 / (1 + decay_rate * e) for e in epochs],
        "step": [learning_rate0 / (1 + decay_rate * math.floor(e / DECAY_INTERVAL)) for e in epochs],
    }
    for rule, rates in rules.items():
        if np.allclose(given, rates, rtol=1e-12, atol=0):
            return rule
    raise ValueError(
        f"decay {getattr(decay, '__name__', decay)!r} computes neither update_lr's rates nor schedule_lr_decay's "
        f"(time_interval={DECAY_INTERVAL}); the engine runs only those two schedules"
    )


def model(
    X,
    Y,
    layers_dims,
    optimizer,
    learning_rate=0.0007,
    mini_batch_size=64,
    beta=0.9,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    num_epochs=5000,
    print_cost=True,
    decay=None,
    decay_rate=1,
    backend: str | None = None,
) -> Parameters:
    """The notebook's ReLU network trained by mini-batch ``"gd"``, ``"momentum"`` or ``"adam"``
    on a fastnn backend, from :func:`initialize_parameters`.

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array of 0 and 1
    layers_dims : sequence of int
        ``[n_x, n_1, ..., 1]``.
    optimizer : {"gd", "momentum", "adam"}
    learning_rate, mini_batch_size, beta, beta1, beta2, epsilon, num_epochs
        As the notebook's.
    print_cost : bool
        Print ``Cost after epoch i: c`` every 1,000 epochs (and, with ``decay``,
        ``learning rate after epoch i: r``, the rate the next epoch trains at).
    decay : None, update_lr, schedule_lr_decay (or a function computing one of them)
    decay_rate : float
    backend : {None, "numpy", "numba"}

    Returns
    -------
    dict
        The trained parameters.
    """
    X, Y = check_XY(X, Y)
    dims = check_layer_dims(layers_dims, X.shape[0])
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; valid values are: {', '.join(map(repr, OPTIMIZERS))}")
    learning_rate = check_learning_rate(learning_rate)
    num_epochs = check_num_iterations(num_epochs)
    decay_rate = _rate("decay_rate", decay_rate)
    rule = _decay_rule(decay, learning_rate, decay_rate, num_epochs)
    spec = TrainingSpec(
        dims,
        "relu",
        "binary_crossentropy",
        optimizer=optimizer,
        learning_rate=learning_rate,
        beta=beta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        batch_size=mini_batch_size,
        shuffle_seed=FIRST_SHUFFLE_SEED,
        decay=rule,
        decay_rate=decay_rate,
        decay_interval=DECAY_INTERVAL,
        dtype=X.dtype.name,
    )

    def report(i: int, cost: float) -> None:
        print(f"Cost after epoch {i}: {cost:f}")
        if rule is not None:
            print(f"learning rate after epoch {i}: {_schedules.learning_rate(spec, i + 1):f}")

    parameters = {k: v.astype(X.dtype) for k, v in initialize_parameters(dims).items()}
    parameters, _ = run_spec(
        X,
        Y,
        parameters,
        spec,
        num_epochs,
        backend,
        report_at=range(0, num_epochs, 1000) if print_cost else (),
        report=report,
    )
    return parameters
