"""Shape checks for the course modules' building blocks: a ValueError naming the mismatch
instead of NumPy's silent broadcasting (a ``b`` of shape ``(n,)`` would add along the wrong axis)."""

from __future__ import annotations

import numpy as np

from fastnn._validation import as_matrix, check_choice
from fastnn.reference.activations import ACTIVATIONS


def layer(A, W, b, activation: str | None = None) -> None:
    """``Z = W @ A + b`` must fit: ``W`` is ``(n_l, n_{l-1})``, ``A`` is ``(n_{l-1}, m)``, ``b`` is ``(n_l, 1)``."""
    A, W, b = np.asarray(A), np.asarray(W), np.asarray(b)
    if A.ndim != 2 or W.ndim != 2:
        raise ValueError(f"A and W must be 2-D, got shapes {A.shape} and {W.shape}")
    if W.shape[1] != A.shape[0]:
        raise ValueError(f"W has shape {W.shape} but A has {A.shape[0]} rows: W @ A does not fit")
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"b must have shape ({W.shape[0]}, 1) to match W {W.shape}, got {b.shape}")
    if activation is not None:
        check_choice("activation", activation, ACTIVATIONS)


def cost(AL, Y) -> np.ndarray:
    """``AL`` and ``Y`` of one size, ``Y`` of zeros and ones; returns ``Y`` shaped like ``AL``, as the course does."""
    AL = as_matrix("AL", AL)
    Y = np.asarray(Y)
    if Y.size != AL.size:
        raise ValueError(f"AL has shape {AL.shape} but Y has {Y.size} labels")
    Y = Y.reshape(AL.shape)
    if not np.all((Y == 0) | (Y == 1)):
        raise ValueError("Y must hold only 0 and 1 (binary labels)")
    return Y


def grads_match(parameters: dict, grads: dict) -> None:
    """Every ``d{key}`` present and of ``parameters[key]``'s shape."""
    for key, value in parameters.items():
        grad = grads.get(f"d{key}")
        if grad is None:
            raise ValueError(f"grads has no d{key}")
        if np.shape(grad) != np.shape(value):
            raise ValueError(f"d{key} has shape {np.shape(grad)} but {key} has {np.shape(value)}")
