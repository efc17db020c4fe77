"""Matrix products for the training loops: BLAS above a size, plain loops below it.

Below ``SMALL_PRODUCT`` multiply-adds a plain loop beats a BLAS call, whose fixed cost is
about a microsecond (the planar model's products are 400 to 3,200). Gram mode's ``dZ1 G``
skips the zeros of a sparse ``dZ1`` (:func:`_mm_gram`).
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels._blas import gemm
from fastnn.kernels._config import dot_products, elementwise, inlined, named, reduction
from fastnn.kernels.activations import _RELU, _activate, _derivative, _derive, _forward_hidden

_engine = reduction

SMALL_PRODUCT = 20_000


#: What a product does to each entry as it writes its last pass (:func:`_product_kernel`).
_PLAIN, _FORWARD, _BACKWARD = 0, 1, 2


@elementwise(python=False)
def _finish(v, post, act, bi, E, D, i, j, zero, slope):
    """Entry ``(i, j)`` of a finished product: as is, ``g(v + b_i)`` (:data:`_FORWARD`), or
    ``v g'(Z)`` from ``E`` (``A``) or ``D`` (:data:`_BACKWARD`)."""
    if post == _FORWARD:
        return _activate(v + bi, act, zero, slope)
    if post == _BACKWARD:
        return _derive(v, E, D, i, j, act, zero, slope)
    return v


def _product_kernel(post, act_):
    """The compiled product of one ``post`` and ``act`` (closure constants: each kernel
    compiles with its own loops, no branch inside them, and caches apart; :func:`_finish`
    receives them as plain integers, so that it compiles once for every kernel). Each kernel
    has a name of its own (:func:`~fastnn.kernels._config.named`)."""

    def product(A, B, out, b, E, D, zero, slope):
        """``out = A @ B``, each entry then finished by :func:`_finish` (``post``, the hidden
        activation ``act``, the bias ``b`` of a forward step, ``E`` of a backward one: ``A`` or
        ``D``), with the roundings of the product followed by the activation's own pass.

        Small products: each row of ``out`` in passes that add up to four terms each (one load
        and store of ``out`` per four multiply-adds instead of per one: 1.2x to 2x faster at the
        course's sizes), in a forward step two rows at a time when they take four terms or
        more (each load of ``B`` used twice: 1.15x to 1.25x faster on the Course II models'
        hidden layers; not in a backward step, whose product of ``W^T`` and reads of ``E``
        LLVM then compiles into a loop twice as slow, nor in plain products, where the extra
        loops would cost compile time for little), summed left to right as one term at a time
        would, bit for bit (compiled without reassociation, which could regroup a pass's
        terms); the last pass finishes the entries as it writes them (one pass over ``out``
        fewer). A layer's sizes are validated positive, so ``A`` has a column."""
        n, k = A.shape
        m = B.shape[1]
        # The closure's constants as plain integers for _finish: passed as they are, each
        # literal value compiles _finish (and _derive) once more; inlined, LLVM still folds them.
        post_, act = np.int64(post), np.int64(act_)
        if n * k * m > SMALL_PRODUCT:
            gemm(A, B, out)
            if post != _PLAIN:
                for i in range(n):
                    bi = b[i, 0] if post == _FORWARD else zero
                    for j in range(m):
                        out[i, j] = _finish(out[i, j], post_, act, bi, E, D, i, j, zero, slope)
            return
        i = 0
        while post == _FORWARD and k >= 4 and i + 2 <= n:  # two rows at a time, each load of B used for both
            h = i + 1
            bi = b[i, 0] if post == _FORWARD else zero
            bh = b[h, 0] if post == _FORWARD else zero
            f = post_ if k == 4 else _PLAIN
            a0, a1, a2, a3 = A[i, 0], A[i, 1], A[i, 2], A[i, 3]
            c0, c1, c2, c3 = A[h, 0], A[h, 1], A[h, 2], A[h, 3]
            for j in range(m):
                b0, b1, b2, b3 = B[0, j], B[1, j], B[2, j], B[3, j]
                v = a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3
                w = c0 * b0 + c1 * b1 + c2 * b2 + c3 * b3
                out[i, j] = _finish(v, f, act, bi, E, D, i, j, zero, slope)
                out[h, j] = _finish(w, f, act, bh, E, D, h, j, zero, slope)
            p = 4
            while p + 4 <= k:
                f = post_ if p + 4 == k else _PLAIN
                a0, a1, a2, a3 = A[i, p], A[i, p + 1], A[i, p + 2], A[i, p + 3]
                c0, c1, c2, c3 = A[h, p], A[h, p + 1], A[h, p + 2], A[h, p + 3]
                for j in range(m):
                    b0, b1, b2, b3 = B[p, j], B[p + 1, j], B[p + 2, j], B[p + 3, j]
                    v = out[i, j] + a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3
                    w = out[h, j] + c0 * b0 + c1 * b1 + c2 * b2 + c3 * b3
                    out[i, j] = _finish(v, f, act, bi, E, D, i, j, zero, slope)
                    out[h, j] = _finish(w, f, act, bh, E, D, h, j, zero, slope)
                p += 4
            while p < k:
                f = post_ if p == k - 1 else _PLAIN
                a0, c0 = A[i, p], A[h, p]
                for j in range(m):
                    b0 = B[p, j]
                    v = out[i, j] + a0 * b0
                    w = out[h, j] + c0 * b0
                    out[i, j] = _finish(v, f, act, bi, E, D, i, j, zero, slope)
                    out[h, j] = _finish(w, f, act, bh, E, D, h, j, zero, slope)
                p += 1
            i += 2
        while i < n:  # one row at a time
            bi = b[i, 0] if post == _FORWARD else zero
            f = post_ if k <= 4 else _PLAIN
            if k >= 4:
                a0, a1, a2, a3 = A[i, 0], A[i, 1], A[i, 2], A[i, 3]
                for j in range(m):
                    v = a0 * B[0, j] + a1 * B[1, j] + a2 * B[2, j] + a3 * B[3, j]
                    out[i, j] = _finish(v, f, act, bi, E, D, i, j, zero, slope)
            elif k == 3:
                a0, a1, a2 = A[i, 0], A[i, 1], A[i, 2]
                for j in range(m):
                    out[i, j] = _finish(a0 * B[0, j] + a1 * B[1, j] + a2 * B[2, j], f, act, bi, E, D, i, j, zero, slope)
            elif k == 2:
                a0, a1 = A[i, 0], A[i, 1]
                for j in range(m):
                    out[i, j] = _finish(a0 * B[0, j] + a1 * B[1, j], f, act, bi, E, D, i, j, zero, slope)
            else:
                a0 = A[i, 0]
                for j in range(m):
                    out[i, j] = _finish(a0 * B[0, j], f, act, bi, E, D, i, j, zero, slope)
            p = 4
            while p + 4 <= k:
                f = post_ if p + 4 == k else _PLAIN
                a0, a1, a2, a3 = A[i, p], A[i, p + 1], A[i, p + 2], A[i, p + 3]
                for j in range(m):
                    v = out[i, j] + a0 * B[p, j] + a1 * B[p + 1, j] + a2 * B[p + 2, j] + a3 * B[p + 3, j]
                    out[i, j] = _finish(v, f, act, bi, E, D, i, j, zero, slope)
                p += 4
            while p < k:
                f = post_ if p == k - 1 else _PLAIN
                a0 = A[i, p]
                for j in range(m):
                    out[i, j] = _finish(out[i, j] + a0 * B[p, j], f, act, bi, E, D, i, j, zero, slope)
                p += 1
            i += 1

    return elementwise(python=False)(named(product, f"_product_{post}_{act_}"))


#: ``product(A, B, out, b, E, D, zero, slope)`` of each use (:func:`_product_kernel`).
_plain_product = _product_kernel(_PLAIN, _RELU)
_relu_forward_product = _product_kernel(_FORWARD, _RELU)
_relu_backward_product = _product_kernel(_BACKWARD, _RELU)


@inlined
def _mm(A, B, out):
    """``out = A @ B`` (the product, entries as they are)."""
    _plain_product(A, B, out, out, out, out, 0.0, 0.0)


@inlined
def _mm_forward(W, A_prev, Z, b, D, act, zero, slope):
    """A hidden layer's forward step, ``A = g(W A_prev + b)`` into ``Z`` (and ``D = g'(Z)``
    for sigmoid and tanh). ReLU is applied by the product as it writes (:func:`_product_kernel`,
    inlined with the activation known: one loop per pass kind, no branch inside), the
    others take their own pass (:func:`_forward_hidden`)."""
    if act == _RELU:
        _relu_forward_product(W, A_prev, Z, b, Z, D, zero, slope)
    else:
        _plain_product(W, A_prev, Z, b, Z, D, zero, slope)
        _forward_hidden(Z, b, D, act, zero, slope)


@inlined
def _mm_backward(W, dZ, dA_prev, A_prev, D, act, zero, slope):
    """``dZ_prev = (W^T dZ) g'(Z_prev)`` into ``dA_prev``: for ReLU the product applies the
    derivative as it writes (:func:`_product_kernel`), the others take their own pass. ``db`` is
    left to :func:`_mm_nt_db` (a loop that writes and sums could add in an order that
    depends on where the arrays lie)."""
    if act == _RELU:
        _relu_backward_product(W.T, dZ, dA_prev, dA_prev, A_prev, D, zero, slope)
    else:
        _plain_product(W.T, dZ, dA_prev, dA_prev, A_prev, D, zero, slope)
        _derivative(dA_prev, A_prev, D, act, zero, slope)


@inlined
def _mm_nt(A, B, out):
    """``out = A @ B.T`` (a sum over the examples for each entry): :func:`_mm_nt_db` without
    the row sums."""
    no_sums = out.size < 0  # False, computed: a literal would make Numba compile _products_nt once more
    _products_nt(A, B, out, out, no_sums)


@inlined
def _mm_nt_db(A, B, out, db):
    """``out = A @ B.T`` and ``db = sum(A, axis=1)`` (float64 sums): a layer's ``dW`` and
    ``db`` from its ``dZ`` in one pass over the examples."""
    sums = db.size >= 0  # True, computed (see _mm_nt)
    _products_nt(A, B, out, db, sums)


@dot_products(python=False)
def _products_nt(A, B, out, db, sums):
    """Small products: two rows of ``A`` against two rows of ``B`` per pass over the examples
    (four sums sharing each load: 1.3x to 1.8x faster than one at a time); an odd last row of
    ``A`` against two rows of ``B`` at a time, and an odd last row of ``B`` paired with itself.
    With ``sums``, the first pass over each row of ``A`` also sums it. Only loads in the loops:
    one summation order wherever the arrays lie."""
    n, m = A.shape
    k = B.shape[0]
    if n * k * m > SMALL_PRODUCT:
        gemm(A, B.T, out)
        if sums:
            for i in range(n):
                acc = 0.0
                for j in range(m):
                    acc += float(A[i, j])
                db[i, 0] = acc
        return
    for i in range(0, n - 1, 2):
        i1 = i + 1
        for p in range(0, k, 2):
            p1 = min(p + 1, k - 1)
            c00 = c01 = c10 = c11 = s0 = s1 = 0.0
            for j in range(m):  # the row sums ride along (two adds of the loaded values)
                a0, a1 = float(A[i, j]), float(A[i1, j])
                b0, b1 = float(B[p, j]), float(B[p1, j])
                c00 += a0 * b0
                c01 += a0 * b1
                c10 += a1 * b0
                c11 += a1 * b1
                s0 += a0
                s1 += a1
            if sums and p == 0:
                db[i, 0] = s0
                db[i1, 0] = s1
            out[i, p] = c00
            out[i, p1] = c01
            out[i1, p] = c10
            out[i1, p1] = c11
    if n % 2:  # the last row alone (pairing it with itself would compute it twice)
        i = n - 1
        for p in range(0, k, 2):
            p1 = min(p + 1, k - 1)
            c00 = c01 = s0 = 0.0
            for j in range(m):
                a0 = float(A[i, j])
                c00 += a0 * float(B[p, j])
                c01 += a0 * float(B[p1, j])
                s0 += a0
            if sums and p == 0:
                db[i, 0] = s0
            out[i, p] = c00
            out[i, p1] = c01


@inlined
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
