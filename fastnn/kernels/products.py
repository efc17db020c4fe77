"""Matrix products for the training loops: BLAS above a size, plain loops below it.

Below ``SMALL_PRODUCT`` multiply-adds a plain loop beats a BLAS call, whose fixed cost is
about a microsecond (the planar model's products are 400 to 3,200). Gram mode's ``dZ1 G``
skips the zeros of a sparse ``dZ1`` (:func:`_mm_gram`).
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels._config import elementwise
from fastnn.kernels._config import reduction as _engine

SMALL_PRODUCT = 20_000


@elementwise
def _mm(A, B, out):
    """``out = A @ B`` (``A`` has at least one column: layer sizes are validated positive).

    Small products: each row of ``out`` in passes that add up to four terms each (one load
    and store of ``out`` per four multiply-adds instead of per one: 1.2x to 2x faster at the
    course's sizes), summed left to right as one term at a time would, bit for bit (compiled
    without reassociation, which could regroup a pass's terms)."""
    n, k = A.shape
    m = B.shape[1]
    if n * k * m > SMALL_PRODUCT:
        np.dot(A, B, out)
        return
    for i in range(n):
        if k >= 4:
            a0, a1, a2, a3 = A[i, 0], A[i, 1], A[i, 2], A[i, 3]
            for j in range(m):
                out[i, j] = a0 * B[0, j] + a1 * B[1, j] + a2 * B[2, j] + a3 * B[3, j]
        elif k == 3:
            a0, a1, a2 = A[i, 0], A[i, 1], A[i, 2]
            for j in range(m):
                out[i, j] = a0 * B[0, j] + a1 * B[1, j] + a2 * B[2, j]
        elif k == 2:
            a0, a1 = A[i, 0], A[i, 1]
            for j in range(m):
                out[i, j] = a0 * B[0, j] + a1 * B[1, j]
        else:
            a0 = A[i, 0]
            for j in range(m):
                out[i, j] = a0 * B[0, j]
        p = 4
        while p + 4 <= k:
            a0, a1, a2, a3 = A[i, p], A[i, p + 1], A[i, p + 2], A[i, p + 3]
            for j in range(m):
                out[i, j] = out[i, j] + a0 * B[p, j] + a1 * B[p + 1, j] + a2 * B[p + 2, j] + a3 * B[p + 3, j]
            p += 4
        while p < k:
            a0 = A[i, p]
            for j in range(m):
                out[i, j] = out[i, j] + a0 * B[p, j]
            p += 1


@_engine
def _mm_nt(A, B, out):
    """``out = A @ B.T`` (a sum over the examples for each entry).

    Small products: two rows of ``A`` against two rows of ``B`` per pass over the examples
    (four sums sharing each load: 1.3x to 1.8x faster than one at a time); with an odd count
    the last row pairs with itself."""
    n, m = A.shape
    k = B.shape[0]
    if n * k * m > SMALL_PRODUCT:
        np.dot(A, B.T, out)
        return
    for i in range(0, n, 2):
        i1 = min(i + 1, n - 1)
        for p in range(0, k, 2):
            p1 = min(p + 1, k - 1)
            c00 = c01 = c10 = c11 = 0.0
            for j in range(m):
                a0, a1 = float(A[i, j]), float(A[i1, j])
                b0, b1 = float(B[p, j]), float(B[p1, j])
                c00 += a0 * b0
                c01 += a0 * b1
                c10 += a1 * b0
                c11 += a1 * b1
            out[i, p] = c00
            out[i, p1] = c01
            out[i1, p] = c10
            out[i1, p1] = c11


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
