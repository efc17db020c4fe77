"""Compiled twin of :mod:`fastnn.reference.batching`: the course's shuffle, drawn in compiled code.

``np.random.RandomState(s).permutation(m)`` costs about 10 microseconds from Python even
with the generator reused (``RandomState(s)`` itself about 180: it gathers OS entropy before
seeding), as much as a whole epoch of a small network. :func:`_permutation` draws the same
numbers in compiled code: NumPy's legacy Mersenne Twister seeded by ``init_genrand`` (what
``RandomState(int)`` does), then the legacy shuffle, which walks ``i = m - 1, ..., 1`` and
swaps ``i`` with a ``j`` drawn uniformly from ``0..i`` by masked rejection of 32-bit draws.
``tests/test_batching.py`` checks it against ``RandomState`` bit for bit.
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels._config import elementwise
from fastnn.reference.batching import mini_batches  # slicing only: nothing to compile

__all__ = ["epoch_permutation", "mini_batches"]

_N = 624
_M = 397


@elementwise
def _mt_seed(seed, key):
    """``init_genrand``: the state of ``RandomState(seed)`` for an int seed in [0, 2**32)."""
    s = np.uint64(seed) & np.uint64(0xFFFFFFFF)
    for pos in range(_N):
        key[pos] = s
        s = (np.uint64(1812433253) * (s ^ (s >> np.uint64(30))) + np.uint64(pos + 1)) & np.uint64(0xFFFFFFFF)


@elementwise
def _twist(key, k, k1, km):
    y = (key[k] & np.uint64(0x80000000)) | (key[k1] & np.uint64(0x7FFFFFFF))
    key[k] = key[km] ^ (y >> np.uint64(1)) ^ (np.uint64(0x9908B0DF) if y & np.uint64(1) else np.uint64(0))


@elementwise
def _mt_refill(key):
    """The next 624 untempered words (the generator's twist), in its three ranges (no modulo)."""
    for k in range(_N - _M):
        _twist(key, k, k + 1, k + _M)
    for k in range(_N - _M, _N - 1):
        _twist(key, k, k + 1, k + _M - _N)
    _twist(key, _N - 1, 0, _M - 1)


@elementwise
def _mt_word(key, pos):
    """Tempered word ``pos`` of the current block."""
    y = key[pos]
    y ^= y >> np.uint64(11)
    y ^= (y << np.uint64(7)) & np.uint64(0x9D2C5680)
    y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
    y ^= y >> np.uint64(18)
    return y & np.uint64(0xFFFFFFFF)


@elementwise
def _mt_shuffle(out, key, pos):
    """NumPy's legacy ``RandomState.shuffle(out)`` for a 1-d array, continuing the generator
    whose state is ``key`` (the 624 words, as uint64) at word ``pos``; returns the new ``pos``.
    It walks ``i = m - 1, ..., 1`` and swaps ``i`` with a ``j`` drawn uniformly from ``0..i``
    by masked rejection of 32-bit draws."""
    for i in range(out.size - 1, 0, -1):
        mask = np.uint64(i)
        for shift in (1, 2, 4, 8, 16, 32):
            mask |= mask >> np.uint64(shift)
        while True:
            if pos == _N:
                _mt_refill(key)
                pos = 0
            value = _mt_word(key, pos) & mask
            pos += 1
            if value <= np.uint64(i):
                break
        j = np.int64(value)
        out[i], out[j] = out[j], out[i]
    return pos


@elementwise
def _permutation(seed, out, key):
    """``out[:] = RandomState(seed).permutation(out.size)``; ``key`` is a (624,) uint64 workspace."""
    for i in range(out.size):
        out[i] = i
    _mt_seed(seed, key)
    _mt_shuffle(out, key, _N)


def epoch_permutation(m: int, shuffle_seed: int | None, epoch: int) -> np.ndarray:
    """The order of the ``m`` examples in epoch ``epoch``; see the reference's twin."""
    out = np.empty(m, np.int64)
    if shuffle_seed is None:
        out[:] = np.arange(m)
    else:
        _permutation(shuffle_seed + epoch, out, np.empty(_N, np.uint64))
    return out
