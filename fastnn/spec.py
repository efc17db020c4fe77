"""One training specification: a frozen, validated description of a run.

Built once at the public boundary (:func:`fastnn.train`, the course drop-ins, the estimators)
and passed whole to every layer below; it is what checkpoints and saved models record and
what ``resume`` compares. The name-keyed tables here are the only lists of valid heads,
optimizers and schedules: an unknown name is an error when the spec is built, never a
fallback further down.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from fastnn._validation import check_choice, check_layer_dims

#: Hidden activations, in the order of the compiled dispatch codes.
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")

#: Loss to the output activation it is paired with. Each pair is a canonical link, so the
#: output layer's gradient is ``dZ = A - Y`` for all three.
LOSSES = {
    "binary_crossentropy": "sigmoid",  # one unit: binary; several: multi-label, summed over units
    "categorical_crossentropy": "softmax",
    "squared_error": "identity",  # per example 1/2 * sum over outputs of (a - y)^2
    "poisson": "exp",  # counts; per example sum over outputs of y log(y / a) - y + a
}

#: Optimizer to the hyperparameters it reads (beside the learning rate).
OPTIMIZERS = {
    "gd": (),
    # The course's forms.
    "momentum": ("beta",),  # v = beta v + (1 - beta) dW;  W -= lr v
    "adam": ("beta1", "beta2", "epsilon"),  # bias-corrected moments, epsilon outside the root
    # scikit-learn's forms (its estimators need them): the learning rate inside the velocity,
    # and Adam with the bias correction folded into the step size.
    "sklearn_momentum": ("beta",),  # v = beta v - lr g;  W += v
    "sklearn_nesterov": ("beta",),  # v = beta v - lr g;  W += beta v - lr g
    "sklearn_adam": ("beta1", "beta2", "epsilon"),
}

#: Where dropout masks come from: "counter", fresh masks at every mini-batch from the
#: counter-based stream of :mod:`fastnn.reference.regularization`; "course", the
#: Regularization notebook's masks, drawn once per run as
#: ``np.random.RandomState(dropout_seed).rand(n_l, m) < keep_prob`` for hidden layers
#: ``l = 1 .. L-1`` in order and reused at every iteration (the notebook re-seeds the global
#: generator at every forward call); full batch only.
DROPOUT_STREAMS = ("counter", "course")

#: Learning-rate decay per epoch (None: constant).
DECAYS = (None, "inverse", "step")

DTYPES = ("float32", "float64")

#: Largest seed NumPy's legacy RandomState accepts; a shuffle seed leaves room for the epochs.
MAX_SEED = 2**32 - 1


def _real(name: str, value, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) and not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    bad = (
        not math.isfinite(value)
        or value < low
        or value > high
        or (low_open and value == low)
        or (high_open and value == high)
    )
    if bad:
        if high == math.inf:
            raise ValueError(f"{name} must be {'positive' if low_open else '>= 0'} and finite, got {value!r}")
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def _integer(name: str, value, low: int, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an int{' or None' if allow_none else ''}, got {value!r}")
    value = int(value)
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


@dataclass(frozen=True)
class TrainingSpec:
    """A run: network, loss, optimizer and its hyperparameters, batching, regularization,
    schedule and dtype. Validated when built; immutable; JSON-able via :meth:`to_dict`.

    Attributes
    ----------
    layer_dims : tuple of int
        ``(n_x, n_1, ..., n_L)``.
    hidden_activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"}
    loss : {"binary_crossentropy", "categorical_crossentropy", "squared_error", "poisson"}
        Picks the output activation (:data:`LOSSES`).
    optimizer : str
        A key of :data:`OPTIMIZERS`.
    learning_rate, beta, beta1, beta2, epsilon : float
    batch_size : int or None
        None (or ``m`` and more): full batch, the examples in order. Otherwise mini-batches
        of this many examples (the last smaller).
    shuffle_seed : int or None
        With mini-batches, epoch ``e`` (from 0) visits the examples in the order
        ``np.random.RandomState(shuffle_seed + e).permutation(m)``, the course's; None: in order.
        ``shuffle_seed + e`` must stay below 2**32 (checked when the run's length is known).
    l2 : float
        L2 strength (the course's lambda): a batch of ``B`` examples adds
        ``(l2 / 2) sum ||W||^2`` to its summed loss, all divided by ``B``; biases excluded.
    keep_prob : float
        Inverted dropout on hidden layers (1: none).
    dropout_seed : int
        Key of the dropout masks' counter-based stream (see :mod:`fastnn.reference.regularization`),
        or the seed of the course's masks.
    dropout_stream : {"counter", "course"}
        :data:`DROPOUT_STREAMS`; "course" needs full batch (``batch_size=None``) and a seed
        below 2**32.
    decay : {None, "inverse", "step"}
        The course's convention, the rate recomputed after each epoch from that epoch's
        index: epoch 0 trains at ``learning_rate``, and epoch ``e >= 1`` at
        ``lr / (1 + decay_rate * (e - 1))`` ("inverse") or
        ``lr / (1 + decay_rate * floor((e - 1) / decay_interval))`` ("step").
    decay_rate : float
    decay_interval : int
    dtype : {"float64", "float32"}
    """

    layer_dims: tuple[int, ...]
    hidden_activation: str = "relu"
    loss: str = "binary_crossentropy"
    optimizer: str = "gd"
    learning_rate: float = 0.0075
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    batch_size: int | None = None
    shuffle_seed: int | None = 0
    l2: float = 0.0
    keep_prob: float = 1.0
    dropout_seed: int = 0
    dropout_stream: str = "counter"
    decay: str | None = None
    decay_rate: float = 1.0
    decay_interval: int = 1000
    dtype: str = "float64"

    def __post_init__(self) -> None:
        def put(name, value):
            object.__setattr__(self, name, value)

        dims = check_layer_dims(self.layer_dims, binary=False)
        put("layer_dims", tuple(dims))
        check_choice("hidden_activation", self.hidden_activation, HIDDEN_ACTIVATIONS)
        check_choice("loss", self.loss, LOSSES)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("decay", self.decay, DECAYS)
        check_choice("dtype", self.dtype, DTYPES)
        if self.loss == "categorical_crossentropy" and dims[-1] < 2:
            raise ValueError(
                f"loss='categorical_crossentropy' needs at least 2 output units (layer_dims[-1] = K >= 2), "
                f"got layer_dims[-1] = {dims[-1]}; for two classes with one unit use 'binary_crossentropy'"
            )
        put("learning_rate", _real("learning_rate", self.learning_rate, 0.0, math.inf, low_open=True))
        for name in ("beta", "beta1", "beta2"):
            put(name, _real(name, getattr(self, name), 0.0, 1.0, high_open=True))
        put("epsilon", _real("epsilon", self.epsilon, 0.0, math.inf, low_open=True))
        put("l2", _real("l2", self.l2, 0.0, math.inf))
        put("keep_prob", _real("keep_prob", self.keep_prob, 0.0, 1.0, low_open=True))
        put("decay_rate", _real("decay_rate", self.decay_rate, 0.0, math.inf))
        put("batch_size", _integer("batch_size", self.batch_size, 1, allow_none=True))
        put("decay_interval", _integer("decay_interval", self.decay_interval, 1))
        shuffle_seed = _integer("shuffle_seed", self.shuffle_seed, 0, allow_none=True)
        if shuffle_seed is not None and shuffle_seed > MAX_SEED:
            raise ValueError(f"shuffle_seed must be at most 2**32 - 1, got {shuffle_seed}")
        put("shuffle_seed", shuffle_seed)
        dropout_seed = _integer("dropout_seed", self.dropout_seed, 0)
        if dropout_seed > 2**64 - 1:
            raise ValueError(f"dropout_seed must be at most 2**64 - 1, got {dropout_seed}")
        put("dropout_seed", dropout_seed)
        check_choice("dropout_stream", self.dropout_stream, DROPOUT_STREAMS)
        if self.dropout_stream == "course":
            if self.batch_size is not None:
                raise ValueError(
                    "dropout_stream='course' reuses one set of masks for the whole data set: it needs "
                    f"full batch (batch_size=None), got batch_size={self.batch_size}"
                )
            if dropout_seed > MAX_SEED:
                raise ValueError(f"dropout_stream='course' needs dropout_seed at most 2**32 - 1, got {dropout_seed}")

    @property
    def output_activation(self) -> str:
        """``"sigmoid"``, ``"softmax"`` or ``"identity"``: the loss's pair."""
        return LOSSES[self.loss]

    def flops(self, m: int) -> float:
        """Multiply-adds of an epoch's products on ``m`` examples, about (forward, ``dW`` and
        ``dA`` per layer): what the driver sizes its chunks of compiled calls by."""
        dims = self.layer_dims
        return 3.0 * sum(2.0 * a * b * m for a, b in zip(dims, dims[1:], strict=False))

    @property
    def n_layers(self) -> int:
        """``L``, the number of weight layers."""
        return len(self.layer_dims) - 1

    def to_dict(self) -> dict:
        """Plain JSON types, for checkpoints and saved models."""
        out = asdict(self)
        out["layer_dims"] = list(self.layer_dims)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> TrainingSpec:
        """The spec :meth:`to_dict` described; unknown keys are a ValueError."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; known: {sorted(names)}")
        return cls(**data)

    def effective(self, m: int) -> dict:
        """:meth:`to_dict` with the settings that cannot change a run on ``m`` examples set to
        None: the batching of a full batch (``batch_size`` of ``m`` or more, and its shuffle),
        the dropout seed without dropout, and the hyperparameters the optimizer does not read.
        Two specs with equal effective settings train the same run; ``resume`` compares these."""
        out = self.to_dict()
        if self.batch_size is None or self.batch_size >= m:
            out["batch_size"] = out["shuffle_seed"] = None
        if self.keep_prob == 1:
            out["dropout_seed"] = out["dropout_stream"] = None
        for name in ("beta", "beta1", "beta2", "epsilon"):
            if name not in OPTIMIZERS[self.optimizer]:
                out[name] = None
        if self.decay is None:
            out["decay_rate"] = out["decay_interval"] = None
        elif self.decay == "inverse":
            out["decay_interval"] = None
        return out
