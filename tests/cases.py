"""The edge-case generator every parity test draws from, and the tolerances they use."""

from __future__ import annotations

import itertools
import os

import numpy as np

DTYPES = (np.float64, np.float32)

#: Elementwise kernels: at most this many units in the last place from the reference.
ULP = 4
#: Results that go through a matrix product: relative tolerance per dtype.
MATMUL_RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-5}

#: (n, m) shapes: single row, single example, odd sizes, the course's, and a large one.
SHAPES = [(1, 1), (1, 7), (5, 1), (3, 17), (20, 209), (7, 209), (4, 400), (128, 6001)]
if os.environ.get("NUMBA_DISABLE_JIT") == "1":
    # Kernels run as Python loops: the large shape would take minutes and adds no branch.
    SHAPES = SHAPES[:-1]


def values(kind: str, shape: tuple[int, int], dtype, seed: int = 0) -> np.ndarray:
    """Arrays of ``kind``: normal, large (|z| up to 1000 in float64, 100 in float32),
    zeros (exact zeros mixed in, for relu), kink (values at and next to 0), nonfinite."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if kind == "normal":
        a = rng.standard_normal(shape) * 3
    elif kind == "large":
        big = 1000.0 if dtype == np.float64 else 100.0
        a = rng.uniform(-big, big, shape)
        a.flat[: min(a.size, 2)] = [big, -big][: min(a.size, 2)]
    elif kind == "zeros":
        a = rng.standard_normal(shape)
        a[rng.random(shape) < 0.3] = 0.0
        a.flat[0] = -0.0
    elif kind == "kink":
        tiny = np.finfo(dtype).tiny
        choices = np.array([0.0, -0.0, tiny, -tiny, 1e-30, -1e-30, 1e-7, -1e-7], dtype=dtype)
        a = rng.choice(choices, size=shape)
    elif kind == "nonfinite":
        a = rng.standard_normal(shape)
        specials = [np.nan, np.inf, -np.inf]
        for k in range(min(a.size, 3)):
            a.flat[k] = specials[k]
    else:
        raise ValueError(kind)
    return a.astype(dtype)


KINDS = ("normal", "large", "zeros", "kink")


def layouts(a: np.ndarray):
    """The same values as C-ordered, Fortran-ordered and read-only arrays."""
    yield "C", np.ascontiguousarray(a)
    yield "F", np.asfortranarray(a)
    ro = a.copy()
    ro.flags.writeable = False
    yield "readonly", ro


def grid(*axes):
    return list(itertools.product(*axes))
