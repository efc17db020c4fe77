"""Compiled twins of :mod:`fastnn.reference.heads`: the output unit of every head.

Each head kernel takes the output layer's ``W @ A_prev`` in ``Z`` (``(K, B)``), adds the
bias and turns it into ``A`` in place, writes ``dZ = A - Y`` (every pair is a canonical
link), the row sums of ``dZ`` into ``db`` (``(K, 1)``, not yet divided by ``B``), and returns
the batch's SUMMED loss in float64. They sum without reassociation (the output layer is one
row, or a few: little to vectorize), so their bits never depend on where the buffers lie.
Training runs exactly these kernels (:func:`_head`), and
the public functions below wrap them with the reference's signatures.
"""

from __future__ import annotations

import math

import numpy as np

from fastnn._typing import FloatArray
from fastnn.kernels._config import elementwise, inlined, reduction
from fastnn.kernels._vmath import exp_nonpositive, math_constants
from fastnn.kernels.activations import _prepare, _row_sum
from fastnn.spec import LOSSES

#: Head codes the compiled dispatch (:func:`_head`) branches on, in :data:`fastnn.spec.LOSSES` order.
HEAD_CODES = {name: code for code, name in enumerate(LOSSES)}
_BCE, _CCE, _SE, _POISSON = (
    HEAD_CODES[name] for name in ("binary_crossentropy", "categorical_crossentropy", "squared_error", "poisson")
)

#: Examples per block of the sigmoid head's product of ``1 + e`` (each factor is at most 2).
LOG_BLOCK = 512

#: The largest difference allowed between an example's exact loss and the loss scikit-learn's
#: formula gives it, for the exact one to stand in (:func:`_sigmoid_bce` with ``clip > 0``).
#: A negative-labelled output ``z > 0`` has the loss ``log(1 + e^z) > log 2``; scikit-learn
#: computes ``-log(1 - p)`` from ``p = expit(z)`` rounded in the data's dtype, relative error
#: at most ``eps`` (the clip it uses), and ``1 - p`` is then exact (``p >= 1/2``) but its
#: relative error, and so the loss's absolute error, is at most ``eps p / (1 - p) = eps e^z``.
#: Below ``z = log(PICK_TOL / eps)`` (8.4 in float64; 0 in float32, where ``eps`` exceeds
#: ``PICK_TOL``) the two losses agree within ``PICK_TOL``, 1.5e-12 of the example's loss.
PICK_TOL = 1e-12


@elementwise(python=False)
def _picked(z, y, zr, zmax):
    """Whether an example's loss is taken from scikit-learn's formula (:func:`_sigmoid_bce`
    with ``clip > 0``): a negative-labelled output above ``zr`` (its ``-log(1 - a)`` is
    computed from a rounded ``a``, off the exact loss by up to 0.7 once ``a`` nears 1; below
    ``zr`` by at most :data:`PICK_TOL`), or any output beyond ``zmax`` (where the clip may act;
    also an infinite ``z``)."""
    return (z > zr and y != 1.0) or abs(z) > zmax


@reduction(python=False)
def _linear_part(Z, Y, k, zr, zmax):
    """``sum_j max(z, 0) - z y`` over row ``k``, the :func:`_picked` examples left out (loads
    only: one summation order wherever the arrays lie)."""
    acc = 0.0
    for j in range(Z.shape[1]):
        z, y = float(Z[k, j]), float(Y[k, j])
        acc += 0.0 if _picked(z, y, zr, zmax) else max(z, 0.0) - z * y
    return acc


@elementwise(python=False)
def _kept(E, Z, Y, k, j, zr, zmax):
    """``E[k, j]``, or 0 for a :func:`_picked` example."""
    return 0.0 if _picked(float(Z[k, j]), float(Y[k, j]), zr, zmax) else float(E[k, j])


@elementwise(python=False)
def _log1p_sum(E, Z, Y, k, start, stop, zr, zmax):
    """``sum_j log1p(e_j)`` over ``E[k, start:stop]`` as ``log1p(prod(1 + e) - 1)``, the
    :func:`_picked` examples left out (their ``e`` taken as 0, a factor of exactly 1).

    ``s = prod(1 + e) - 1`` is carried as ``s <- s + e + s e`` (each factor at most 2: no
    overflow), which keeps ``e``'s relative accuracy where ``1 + e`` would round it away (a
    confidently classified example: ``e`` below 2^-53); four chains, combined in a fixed
    order, so the sum never depends on how LLVM compiles the loop.
    """
    s0 = s1 = s2 = s3 = 0.0
    j = start
    while j + 4 <= stop:
        e0, e1, e2 = (
            _kept(E, Z, Y, k, j, zr, zmax),
            _kept(E, Z, Y, k, j + 1, zr, zmax),
            _kept(E, Z, Y, k, j + 2, zr, zmax),
        )
        e3 = _kept(E, Z, Y, k, j + 3, zr, zmax)
        s0 = s0 + e0 + s0 * e0
        s1 = s1 + e1 + s1 * e1
        s2 = s2 + e2 + s2 * e2
        s3 = s3 + e3 + s3 * e3
        j += 4
    while j < stop:
        e0 = _kept(E, Z, Y, k, j, zr, zmax)
        s0 = s0 + e0 + s0 * e0
        j += 1
    s01 = s0 + s1 + s0 * s1
    s23 = s2 + s3 + s2 * s3
    return math.log1p(s01 + s23 + s01 * s23)


@elementwise(python=False)
def _clipped_loss(code, a, y, clip):
    """One output's loss as scikit-learn computes it: from the probability ``a`` clipped to
    ``[clip, 1 - clip]``; binary cross-entropy (``code`` :data:`_BCE`) or the categorical
    term ``-y log p``."""
    p = min(max(a, clip), 1.0 - clip)
    loss = 0.0
    if y != 0:
        loss -= y * math.log(p)
    if code == _BCE and y != 1:
        loss -= (1.0 - y) * math.log(1.0 - p)
    return loss


@elementwise(python=False)
def _sigmoid_bce(Z, b, Y, dZ, db, clip):
    """Sigmoid units with binary cross-entropy, summed over units (multi-label) and examples.

    The loss of an example is ``max(z, 0) - z y + log1p(e)``, ``e = exp(-|z|)``. Row by row,
    in passes that either write or sum, never both (a reassociated sum in a loop that writes
    adds in one order or another depending on where the arrays lie in memory: LLVM runs a
    scalar copy of the vectorized loop when what it writes lies close to what it reads):
    ``z = Z + b`` and ``e`` (kept in ``dZ``); the linear part; the logarithms, one ``log1p``
    per block of examples (:func:`_log1p_sum`); ``A`` and ``dZ = A - Y``; ``db``.

    ``clip > 0`` (scikit-learn's estimators): the loss of an example is the one scikit-learn
    computes, ``-(y log p + (1 - y) log(1 - p))`` from the output ``p`` in the data's dtype
    clipped to ``[clip, 1 - clip]`` (:func:`_clipped_loss`), wherever that differs from the
    exact loss by more than :data:`PICK_TOL` (:func:`_picked`: a negative-labelled output above
    ``log(PICK_TOL / clip)``, at least 0, whose ``1 - p`` cancels, or ``|z|`` above
    ``-log(clip) - 1``, short of which the clip never acts); those examples are left out of the
    passes above and their losses added one by one (a logarithm each: the fewer, the faster).
    """
    c = math_constants()
    K, B = Z.shape
    zr, zmax = (math.inf, math.inf)
    if clip > 0:
        zr, zmax = max(0.0, math.log(PICK_TOL / clip)), -math.log(clip) - 1.0
    total = 0.0
    for k in range(K):
        bk = b[k, 0]
        picked = False
        for j in range(B):
            z = Z[k, j] + bk
            Z[k, j] = z
            dZ[k, j] = exp_nonpositive(-abs(float(z)), c)
            picked |= _picked(float(z), float(Y[k, j]), zr, zmax)
        total += _linear_part(Z, Y, k, zr, zmax)
        for start in range(0, B, LOG_BLOCK):
            total += _log1p_sum(dZ, Z, Y, k, start, min(start + LOG_BLOCK, B), zr, zmax)
        if picked:
            for j in range(B):
                z, y = float(Z[k, j]), float(Y[k, j])
                if _picked(z, y, zr, zmax):
                    e = float(dZ[k, j])
                    db[k, 0] = (1.0 if z >= 0 else e) * (1.0 / (1.0 + e))  # as below, in the data's dtype
                    total += _clipped_loss(np.int64(_BCE), float(db[k, 0]), y, clip)  # not a literal: one compile
        for j in range(B):
            z = float(Z[k, j])
            e = float(dZ[k, j])
            Z[k, j] = (1.0 if z >= 0 else e) * (1.0 / (1.0 + e))  # one division
            dZ[k, j] = Z[k, j] - Y[k, j]  # in the data's dtype, as the reference's AL - Y
        db[k, 0] = _row_sum(dZ, k)
    return total


@elementwise(python=False)
def _softmax_cce(Z, b, Y, dZ, db, clip):
    """Softmax over each column with categorical cross-entropy.

    Per column: ``s = z - max(z)``, ``e = exp(s)`` (never above 1), ``A = e / sum(e)``, and the
    loss ``-sum_k y_k (s_k - log(sum(e)))``, in float64 even for float32 data. Then, row by
    row, ``dZ = A - Y`` and its sums. ``clip > 0``: a column with a labelled probability
    outside ``[clip, 1 - clip]`` takes scikit-learn's clipped loss instead (:func:`_clipped_loss`).
    """
    c = math_constants()
    K, B = Z.shape
    total = 0.0
    for j in range(B):
        top = -math.inf
        for k in range(K):
            Z[k, j] += b[k, 0]
            top = max(top, float(Z[k, j]))
        norm = 0.0
        ys = 0.0
        weight = 0.0
        for k in range(K):
            s = float(Z[k, j]) - top
            e = exp_nonpositive(s, c)
            norm += e
            y = float(Y[k, j])
            ys += y * s
            weight += y
            dZ[k, j] = e  # the numerator (in the data's dtype), divided below
        clipped = False
        for k in range(K):
            Z[k, j] = float(dZ[k, j]) / norm
            a = float(Z[k, j])
            clipped |= clip > 0 and Y[k, j] != 0 and (a < clip or a > 1.0 - clip)
        if clipped:
            for k in range(K):
                total += _clipped_loss(np.int64(_CCE), float(Z[k, j]), float(Y[k, j]), clip)  # (as above)
        else:
            total += weight * math.log(norm) - ys
    for k in range(K):
        acc = 0.0
        for j in range(B):
            dZ[k, j] = Z[k, j] - Y[k, j]
            acc += float(dZ[k, j])
        db[k, 0] = acc
    return total


@elementwise(python=False)
def _identity_se(Z, b, Y, dZ, db):
    """Identity output with squared error, ``1/2 sum (a - y)^2``."""
    K, B = Z.shape
    total = 0.0
    for k in range(K):
        acc = 0.0
        sq = 0.0
        bk = b[k, 0]
        for j in range(B):
            Z[k, j] += bk
            dZ[k, j] = Z[k, j] - Y[k, j]
            r = float(dZ[k, j])
            acc += r
            sq += r * r
        db[k, 0] = acc
        total += sq
    return total / 2


@elementwise(python=False)
def _exp_poisson(Z, b, Y, dZ, db):
    """Exponential output with the Poisson loss, ``sum y log y - y z - y + exp(z)``."""
    K, B = Z.shape
    total = 0.0
    for k in range(K):
        acc = 0.0
        loss = 0.0
        bk = b[k, 0]
        for j in range(B):
            z = float(Z[k, j] + bk)
            y = float(Y[k, j])
            Z[k, j] = math.exp(z)
            dZ[k, j] = Z[k, j] - Y[k, j]
            acc += float(dZ[k, j])
            loss += (y * math.log(y) if y > 0 else 0.0) - y * z - y + float(Z[k, j])
        db[k, 0] = acc
        total += loss
    return total


@elementwise(python=False)
def _weigh(code, A, Y, dZ, db, w, clip):
    """Sample weights on a head already run: ``dZ[:, j] *= w[j]``, ``db`` its new row sums,
    and the returned loss ``sum_j w_j l_j`` with ``l_j`` computed as scikit-learn computes it
    (from the output ``A``, probabilities clipped to ``[clip, 1 - clip]``), for its estimators'
    ``sample_weight``."""
    K, B = A.shape
    total = 0.0
    for j in range(B):
        loss = 0.0
        for k in range(K):
            a, y = float(A[k, j]), float(Y[k, j])
            if code == _SE:
                loss += 0.5 * (y - a) * (y - a)
            elif code == _POISSON:
                loss += (y * math.log(y / a) if y > 0 else 0.0) - y + a
            else:
                loss += _clipped_loss(code, a, y, clip)
            dZ[k, j] = dZ[k, j] * w[j]
        total += float(w[j]) * loss
    for k in range(K):
        acc = 0.0
        for j in range(B):
            acc += float(dZ[k, j])
        db[k, 0] = acc
    return total


@inlined
def _head(code, Z, b, Y, dZ, db, clip):
    """The head of ``code`` (:data:`HEAD_CODES`); an unknown code raises, never falls through.
    ``clip``: 0 for the exact loss, else the probability clip of scikit-learn's log-loss
    (the cross-entropy heads; the others have none)."""
    if code == _BCE:
        return _sigmoid_bce(Z, b, Y, dZ, db, clip)
    if code == _CCE:
        return _softmax_cce(Z, b, Y, dZ, db, clip)
    if code == _SE:
        return _identity_se(Z, b, Y, dZ, db)
    if code == _POISSON:
        return _exp_poisson(Z, b, Y, dZ, db)
    raise ValueError("unknown head code")


def _public(code: int, ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    ZL = np.asarray(ZL)
    if ZL.dtype not in (np.float32, np.float64):
        raise TypeError(f"ZL must be a float32 or float64 array, got dtype {ZL.dtype}")
    Y = np.asarray(Y, dtype=ZL.dtype)
    if ZL.ndim != 2 or Y.shape != ZL.shape:  # the kernels read Y at ZL's indices
        raise ValueError(f"ZL must be 2-D, (n_L, m), and Y of the same shape; got ZL {ZL.shape}, Y {Y.shape}")
    ZL, Y = _prepare(ZL, Y)
    A = ZL.copy()
    dZ = np.empty_like(A)
    summed = _head(code, A, np.zeros((A.shape[0], 1), A.dtype), Y, dZ, np.empty((A.shape[0], 1), A.dtype), 0.0)
    return A, A.dtype.type(summed), dZ


def sigmoid_binary_crossentropy(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(AL, summed_loss, dZL)`` of sigmoid units with binary cross-entropy; see the reference's twin."""
    return _public(_BCE, ZL, Y)


def softmax_categorical_crossentropy(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(AL, summed_loss, dZL)`` of softmax with categorical cross-entropy; see the reference's twin."""
    return _public(_CCE, ZL, Y)


def identity_squared_error(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(AL, summed_loss, dZL)`` of the identity output with squared error; see the reference's twin."""
    return _public(_SE, ZL, Y)


def exp_poisson(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(AL, summed_loss, dZL)`` of the exponential output with the Poisson loss; see the reference's twin."""
    return _public(_POISSON, ZL, Y)


#: ``HEADS[loss](ZL, Y) -> (AL, summed_loss, dZL)``, keys as the reference's.
HEADS = {
    "binary_crossentropy": sigmoid_binary_crossentropy,
    "categorical_crossentropy": softmax_categorical_crossentropy,
    "squared_error": identity_squared_error,
    "poisson": exp_poisson,
}
