"""The order in which an epoch visits the examples, and its mini-batches.

Epoch ``e`` (counted from 0 over the whole run) shuffles with
``np.random.RandomState(shuffle_seed + e).permutation(m)``: the numbers the course's
``random_mini_batches(X, Y, mini_batch_size, seed)`` draws after ``np.random.seed(seed)``,
from a local generator, so NumPy's global random state is never touched. The batches are
then consecutive slices of that order, the last one smaller when ``batch_size`` does not
divide ``m``.
"""

from __future__ import annotations

import numpy as np


def epoch_permutation(m: int, shuffle_seed: int | None, epoch: int) -> np.ndarray:
    """The order of the ``m`` examples in epoch ``epoch``.

    Parameters
    ----------
    m : int
        Number of examples.
    shuffle_seed : int or None
        None: the examples in order.
    epoch : int
        Absolute epoch number, from 0 (a resumed run continues the count).

    Returns
    -------
    (m,) int array
        ``np.random.RandomState(shuffle_seed + epoch).permutation(m)``, or ``np.arange(m)``.
    """
    if shuffle_seed is None:
        return np.arange(m)
    return np.random.RandomState(shuffle_seed + epoch).permutation(m)


def mini_batches(permutation: np.ndarray, batch_size: int | None) -> list[np.ndarray]:
    """Consecutive slices of ``permutation``: the column indices of each mini-batch.

    Parameters
    ----------
    permutation : (m,) int array
        From :func:`epoch_permutation`.
    batch_size : int or None
        None, or at least ``m``: one batch of all the examples.

    Returns
    -------
    list of int arrays
        ``permutation[0:batch_size]``, ``permutation[batch_size:2 * batch_size]``, ...; the
        last one holds the ``m % batch_size`` left over, when there are any.
    """
    m = len(permutation)
    if batch_size is None or batch_size >= m:
        return [permutation]
    return [permutation[start : start + batch_size] for start in range(0, m, batch_size)]
