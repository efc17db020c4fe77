"""Weight initialisation schemes, drawn from a local random stream.

Every scheme draws ``W1, W2, ...`` in order from ``np.random.RandomState(seed)``:
exactly the numbers the course's ``np.random.seed(seed)`` then ``np.random.randn``
calls draw, without touching NumPy's global random state. Biases are zeros.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fastnn._typing import Parameters


def _zeros(rng: np.random.RandomState, n: int, n_prev: int) -> np.ndarray:
    return np.zeros((n, n_prev))


def _small(rng: np.random.RandomState, n: int, n_prev: int) -> np.ndarray:
    return rng.randn(n, n_prev) * 0.01


def _lecun(rng: np.random.RandomState, n: int, n_prev: int) -> np.ndarray:
    # The deep application notebook's randn / sqrt(n_{l-1}).
    return rng.randn(n, n_prev) / np.sqrt(n_prev)


def _he(rng: np.random.RandomState, n: int, n_prev: int) -> np.ndarray:
    return rng.randn(n, n_prev) * np.sqrt(2.0 / n_prev)


def _xavier(rng: np.random.RandomState, n: int, n_prev: int) -> np.ndarray:
    # Glorot and Bengio (2010), normal variant: variance 2 / (fan_in + fan_out).
    return rng.randn(n, n_prev) * np.sqrt(2.0 / (n_prev + n))


#: ``INITIALIZERS[name](rng, n_l, n_{l-1}) -> W[l]``.
INITIALIZERS = {
    "zeros": _zeros,
    "small": _small,
    "lecun": _lecun,
    "he": _he,
    "xavier": _xavier,
}


def initialize_parameters(
    layer_dims: Sequence[int], init: str = "lecun", seed: int | None = 1, dtype=np.float64
) -> Parameters:
    """Initial parameters ``{"W1", "b1", ..., "WL", "bL"}`` for ``layer_dims``.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n_x, n_1, ..., n_L]``.
    init : {"zeros", "small", "lecun", "he", "xavier"}
        ``small`` is ``randn * 0.01``; ``lecun`` is ``randn / sqrt(n_{l-1})``; ``he`` is
        ``randn * sqrt(2 / n_{l-1})``; ``xavier`` is ``randn * sqrt(2 / (n_{l-1} + n_l))``.
    seed : int or None
        Seed of the local ``RandomState``; the same seed gives the course's numbers.
    dtype : float32 or float64
        Draws are made in float64, then cast.

    Returns
    -------
    dict
        ``W[l]`` of shape ``(n_l, n_{l-1})`` and ``b[l]`` of shape ``(n_l, 1)``.
    """
    rng = np.random.RandomState(seed)
    draw = INITIALIZERS[init]
    parameters: Parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        parameters[f"W{l}"] = draw(rng, n, n_prev).astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return parameters
