"""Matrix products for the training loops: BLAS above a size, plain loops below it.

Below ``SMALL_PRODUCT`` multiply-adds a plain loop beats a BLAS call, whose fixed cost is
about a microsecond (the planar model's products are 400 to 3,200). Gram mode's ``dZ1 G``
skips the zeros of a sparse ``dZ1`` (:func:`_mm_gram`).
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels._config import reduction as _engine

SMALL_PRODUCT = 20_000


@_engine
def _mm(A, B, out):
    """``out = A @ B`` (``A`` has at least one column: layer sizes are validated positive)."""
    n, k = A.shape
    if n * k * B.shape[1] > SMALL_PRODUCT:
        np.dot(A, B, out)
        return
    m = B.shape[1]
    for i in range(n):
        a = A[i, 0]
        for j in range(m):
            out[i, j] = a * B[0, j]
        for p in range(1, k):
            a = A[i, p]
            for j in range(m):
                out[i, j] += a * B[p, j]


@_engine
def _mm_nt(A, B, out):
    """``out = A @ B.T`` (a sum over the examples for each entry)."""
    n, m = A.shape
    k = B.shape[0]
    if n * k * m > SMALL_PRODUCT:
        np.dot(A, B.T, out)
        return
    for i in range(n):
        for p in range(k):
            acc = 0.0
            for j in range(m):
                acc += float(A[i, j]) * float(B[p, j])
            out[i, p] = acc


@_engine
def _mm_tn(A, B, out):
    """``out = A.T @ B``: :func:`_mm` on the transposed view (no copy)."""
    _mm(A.T, B, out)


#: Below this fraction of nonzero entries in ``dZ1``, Gram mode's ``dZ1 G`` skips the zeros
#: instead of calling BLAS (ReLU layers: 15 to 40 % nonzero on the cat model). Measured at
#: 20 x 209 x 209 against single-threaded OpenBLAS: the loop takes 0.45x BLAS's time at 20 %
#: nonzero, 0.83x at 40 %, 1.07x at 50 %.
SPARSE_FRACTION = 0.45


@_engine
def _mm_gram(dZ, G, out, idx):
    """``out = dZ @ G``, skipping the zero entries of ``dZ`` when at most ``SPARSE_FRACTION`` of
    them are nonzero.

    Row ``i`` of the product is the sum of ``dZ[i, p] G[p, :]`` over the nonzero
    ``dZ[i, p]``, whose columns ``p`` are first listed in ``idx`` (a workspace of ``k``
    integers); four such rows of ``G`` are added per pass over ``out[i]``. Dense ``dZ``
    (tanh, sigmoid layers) goes to :func:`_mm` (BLAS). NaN and inf are not zero: they
    propagate.
    """
    n, k = dZ.shape
    nonzero = 0
    for i in range(n):
        for p in range(k):
            nonzero += dZ[i, p] != 0
    if nonzero > SPARSE_FRACTION * n * k:
        _mm(dZ, G, out)
        return
    m = G.shape[1]
    for i in range(n):
        count = 0
        for p in range(k):
            if dZ[i, p] != 0:
                idx[count] = p
                count += 1
        for j in range(m):
            out[i, j] = 0.0
        t = 0
        while t + 4 <= count:
            p0, p1, p2, p3 = idx[t], idx[t + 1], idx[t + 2], idx[t + 3]
            a0, a1, a2, a3 = dZ[i, p0], dZ[i, p1], dZ[i, p2], dZ[i, p3]
            for j in range(m):
                out[i, j] += (a0 * G[p0, j] + a1 * G[p1, j]) + (a2 * G[p2, j] + a3 * G[p3, j])
            t += 4
        while t < count:
            p0 = idx[t]
            a0 = dZ[i, p0]
            for j in range(m):
                out[i, j] += a0 * G[p0, j]
            t += 1
