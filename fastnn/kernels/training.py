"""Compiled twin of :mod:`fastnn.reference.training`: the generic training loop.

Every head, hidden activation, optimizer, mini-batch size, L2 strength, dropout rate and
decay schedule runs through one compiled loop (:func:`_epochs`), many epochs per call: the
shuffle (:mod:`fastnn.kernels.batching`), the gather of each mini-batch into preallocated
buffers, the dropout masks (:mod:`fastnn.kernels.regularization`), the head
(:mod:`fastnn.kernels.heads`), the update (:mod:`fastnn.kernels.optimizers`) and the
epoch's learning rate all happen in compiled code; Python is re-entered once per chunk of
epochs. What differs between runs is read from one :class:`Hyper` tuple of codes and
numbers, built from the :class:`~fastnn.spec.TrainingSpec` by :class:`EpochTrainer`; what
depends on the hidden activation, the head and the optimizer is called through the addresses it
holds (:mod:`fastnn.kernels.ops`), so that the loop compiles once per dtype and a run compiles
only its own activation's, head's and optimizer's kernels.

Buffers travel as one named tuple of flat arrays (:class:`Net`) with the offsets of each
layer in them; the loop takes views (a view costs nothing, a lookup in a typed list a call
into Numba's runtime, tens of them per mini-batch).
"""

from __future__ import annotations

import contextlib
import math
from collections import namedtuple

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.kernels._blas import gemm
from fastnn.kernels._config import inlined, reduction
from fastnn.kernels._views import prefetch, view2d
from fastnn.kernels.activations import _row_sums, constants
from fastnn.kernels.batching import EPOCH_KEY, _epoch_permutation
from fastnn.kernels.engine import MODES, _dummy, choose_mode
from fastnn.kernels.gram import _load_p, _w1_squares, gram_arrays, gram_refusal, gram_w1
from fastnn.kernels.heads import HEAD_CODES, _weigh
from fastnn.kernels.ops import function, ops
from fastnn.kernels.optimizers import OPTIMIZER_CODES, _corrections
from fastnn.kernels.products import (
    SMALL_PRODUCT,
    _mm,
    _mm_gram,
    _mm_nt,
    _mm_nt_db,
    _mm_tn,
)
from fastnn.kernels.regularization import _apply_mask, _dropout_forward, _key, _squares
from fastnn.reference.optimizers import MOMENTS
from fastnn.reference.regularization import course_masks
from fastnn.spec import DECAYS, TrainingSpec

_engine = reduction

#: Decay codes (:data:`fastnn.spec.DECAYS` order).
DECAY_CODES = {name: code for code, name in enumerate(DECAYS)}
_CONSTANT, _INVERSE, _STEP = (DECAY_CODES[n] for n in (None, "inverse", "step"))

#: The run's settings as the compiled loop reads them (the addresses of its activation's,
#: head's and optimizer's kernels, :class:`~fastnn.kernels.ops.Ops`; codes; then numbers in
#: float64). ``clip``: 0 (the exact loss), or the probability clip of scikit-learn's log-loss, which
#: its estimators set (read by the cross-entropy heads and by the weighted head, ``_weigh``).
#: ``rows``: gathered batches hold their examples as rows, ``(B, n_x)`` (:func:`_gather`).
#: ``gram``: Gram mode (:mod:`fastnn.kernels.gram`; full batch only).
Hyper = namedtuple(
    "Hyper",
    "ops head opt decay lr beta beta1 beta2 epsilon l2 keep_prob decay_rate decay_interval "
    "batch shuffle_seed dropout_seed fixed_masks loss_scale weighted clip zero slope rows gram",
)


@_engine
def _epoch_lr(decay, lr0, rate, interval, epoch):
    """The rate of epoch ``epoch`` (from 0): the course's, recomputed after each epoch from its index."""
    e = max(epoch - 1, 0)
    if decay == _CONSTANT:
        return lr0
    if decay == _INVERSE:
        return lr0 / (1 + rate * e)
    if decay == _STEP:
        return lr0 / (1 + rate * math.floor(e / interval))
    raise ValueError("unknown decay code")


#: Examples gathered together: rows of ``X.T`` read side by side, each run of columns of
#: the batch buffer written contiguously.
GATHER_BLOCK = 8

#: Rows gathered (``Hyper.rows``) while the lines of the row this many rows ahead are being
#: fetched (:func:`~fastnn.kernels._views.prefetch`): random rows of a large ``X`` each start
#: where the processor's own prefetcher has nothing to go on. 60,000 x 784, batch 200, 2-core
#: AMD EPYC: an epoch's gathers 35 to 37 ms in float64 and 14 to 16 ms in float32 at 4 rows,
#: 36 to 41 ms and 16 to 17 ms at 2, 35 to 43 ms and 14 to 20 ms at 8, against 47 to 55 ms and
#: 22 to 30 ms without (each gather a compiled loop as this one, ad-hoc script, medians of 5).
GATHER_AHEAD = 4
#: Bytes in a cache line (x86-64, AArch64's common ones), one prefetch each.
CACHE_LINE = 64

#: Above this many multiply-adds in the first layer's product of a batch, gathered batches hold
#: their examples as rows (``Hyper.rows``, :func:`_gather`): the product is BLAS's, which
#: reads the transposed view as fast, and the gather becomes a copy of whole rows (60,000 x
#: 784 float64, batch 200: 80 ms an epoch gathered into columns, about 20 ms as rows).
ROWS_MULTIPLY_ADDS = SMALL_PRODUCT


@_engine(python=False)
def _gather_weights(w, perm, start, wb):
    """Sample weights ``w[perm[start : start + B]]`` into ``wb`` (``B = wb.size``)."""
    order = perm[start : start + wb.size]
    for j in range(wb.size):
        wb[j] = w[np.uint64(order[j])]  # unsigned: no wraparound (see _gather)


#: ``_view(buf, offset, rows, cols)``: rows x cols of ``buf`` from ``offset``, a C-contiguous
#: view, no copy, borrowed (:func:`~fastnn.kernels._views.view2d`; ``buf`` must outlive it). The
#: intrinsic itself, typed where it is called: a function wrapping it was inlined at each of
#: its twenty-odd call sites, Numba's untyped passes and a deep copy of its IR every time.
_view = view2d


@_engine(python=False)
def _gather(XT, Y, perm, start, Xb, Yb, rows):
    """Examples ``perm[start : start + B]`` into the batch buffers, from ``XT`` (``X.T``, one
    example per contiguous row: a C-contiguous array, as :func:`~fastnn.kernels._views.prefetch`
    needs) and from ``Y``.

    ``rows``: ``Xb`` is ``(B, n_x)``, each example's row copied whole (a stream of contiguous
    reads and writes; the first layer's products read the transposed view, by BLAS), the
    row ``GATHER_AHEAD`` rows ahead requested meanwhile, line by line. Otherwise
    ``Xb`` is ``(n_x, B)``: up to ``GATHER_BLOCK`` features example by example (a block loop
    over two features takes 1.7x as long), beyond it ``GATHER_BLOCK`` examples side by side
    (transposing one row at a time takes 1.7 ns an entry of 60,000 x 784, mostly cache misses:
    the rows layout is for such data, whose first layer goes to BLAS anyway). Reading ``X``'s
    columns instead of ``XT``'s rows costs a cache miss per entry: 0.5 s an epoch of 60,000 x 784."""
    B = Yb.shape[1]
    # The batch's indices as unsigned: a signed index read from an array could be negative,
    # and Numba's wraparound for it adds a compare and a select to every entry copied.
    order = perm[start : start + B]
    if rows:
        n = Xb.shape[1]
        line = max(CACHE_LINE // XT.itemsize, 1)
        stride = np.uint64(XT.shape[1])
        for j in range(B):
            if j + GATHER_AHEAD < B:  # the lines of the row read GATHER_AHEAD rows from now
                q = np.uint64(order[j + GATHER_AHEAD]) * stride
                for i in range(0, n, line):
                    prefetch(XT, q + np.uint64(i))
                prefetch(XT, q + np.uint64(n - 1))
            p = np.uint64(order[j])
            for i in range(n):
                Xb[j, i] = XT[p, i]
    elif Xb.shape[0] <= GATHER_BLOCK:
        n = Xb.shape[0]
        for j in range(B):
            p = np.uint64(order[j])
            for i in range(n):
                Xb[i, j] = XT[p, i]
    else:
        n = Xb.shape[0]
        for j0 in range(0, B, GATHER_BLOCK):
            j1 = min(j0 + GATHER_BLOCK, B)
            for i in range(n):
                for j in range(j0, j1):
                    Xb[i, j] = XT[np.uint64(order[j]), i]
    n = Yb.shape[0]
    for i in range(n):
        for j in range(B):
            Yb[i, j] = Y[i, np.uint64(order[j])]


@inlined
def _batch_views(net, hp, n_x, n_y, size):
    """The batch buffers' views for ``size`` examples: ``X`` as ``(size, n_x)`` rows when
    ``hp.rows``, else ``(n_x, size)``; ``Y`` as ``(n_y, size)``."""
    Xb = _view(net.Xb, 0, size, n_x) if hp.rows else _view(net.Xb, 0, n_x, size)
    return Xb, _view(net.Yb, 0, n_y, size)


@inlined
def _gradient(X, Y, w, net, hp, t):
    """Forward and backward on one batch (``X``: its ``B`` columns, or with ``hp.rows`` its
    ``B`` rows, the first layer's products then reading ``X.T`` by BLAS; ``Y``: its ``B`` columns; ``w``: its sample
    weights when ``hp.weighted``, each example's loss and ``dZ`` scaled by its weight): the raw gradient
    sums (``dZ @ A_prev.T``, ``sum(dZ)``, not divided by ``B``, no L2 term) into ``net.G``.
    ``t``: mini-batches done before this one (the dropout stream's counter). Returns the summed
    loss times ``hp.loss_scale`` plus the L2 term ``(l2 / 2) sum ||W||^2`` of the current
    weights (float64, not divided by ``B``)."""
    d = net.dims
    L = d.size - 1
    B = Y.shape[1]
    derivative = net.D.size > 1
    dropout = hp.keep_prob < 1.0
    for l in range(1, L + 1):
        W = _view(net.P, net.w_off[l], d[l], d[l - 1])
        A = _view(net.A, net.a_off[l], d[l], B)
        A_prev = X if l == 1 else _view(net.A, net.a_off[l - 1], d[l - 1], B)
        own_product = l == 1 and (hp.gram or hp.rows)
        if own_product and hp.gram:  # W1 X is kept: P
            _load_p(net.Q, net.A[net.a_off[1] :], d[1] * B)
        elif own_product:  # the examples as rows: W X^T
            gemm(W, X.T, A)
        if l < L:
            D = _view(net.D, net.a_off[l], d[l], B) if derivative else net.D1
            b = _view(net.P, net.b_off[l], d[l], 1)
            if own_product:  # then the layer's own pass
                function(hp.ops.activate, "activate", net.P)(A, b, D, hp.zero, hp.slope)
            else:
                function(hp.ops.forward, "forward", net.P)(W, A_prev, A, b, D, hp.zero, hp.slope)
            if dropout:
                M = _view(net.M, net.a_off[l], d[l], B)
                if hp.fixed_masks:
                    _apply_mask(A, M, hp.keep_prob)
                else:
                    _dropout_forward(A, M, hp.keep_prob, _key(hp.dropout_seed, t, l))
        elif not own_product:
            _mm(W, A_prev, A)
    dZ = _view(net.dZ, net.a_off[L], d[L], B)
    b_L, db_L = _view(net.P, net.b_off[L], d[L], 1), _view(net.G, net.b_off[L], d[L], 1)
    A_L = _view(net.A, net.a_off[L], d[L], B)
    cost = function(hp.ops.head, "head", net.P)(A_L, b_L, Y, dZ, db_L, hp.clip)
    if hp.weighted:
        cost = _weigh(hp.head, A_L, Y, dZ, db_L, w, hp.clip)
    cost *= hp.loss_scale
    if hp.l2 > 0 and hp.gram:  # W1 is c W1_0 + M X^T, not the stored W1_0
        cost += hp.l2 / 2 * (_squares(net.P[d[1] * d[0] : net.n_w]) + _w1_squares(net.Q, net.qc, d[1] * B))
    elif hp.l2 > 0:
        cost += hp.l2 / 2 * _squares(net.P[: net.n_w])
    for l in range(L, 0, -1):
        dZ = _view(net.dZ, net.a_off[l], d[l], B)
        dW = _view(net.G, net.w_off[l], d[l], d[l - 1])
        A_prev = X if l == 1 else _view(net.A, net.a_off[l - 1], d[l - 1], B)
        if l == 1 and (hp.gram or hp.rows):
            if hp.gram:  # dZ G, P's raw gradient (M's is dZ)
                _mm_gram(dZ, net.Gm, _view(net.GdZ, 0, d[1], B), net.idx)
            else:  # dZ X, X the examples as rows
                _mm(dZ, X, dW)
            if not (l == L or dropout):
                _row_sums(dZ, _view(net.G, net.b_off[l], d[l], 1))
        elif l == L or dropout:  # db_L from the head; with dropout, from hp.ops.derive
            _mm_nt(dZ, A_prev, dW)
        else:  # dZ_l's row sums with dW_l: db_l
            _mm_nt_db(dZ, A_prev, dW, _view(net.G, net.b_off[l], d[l], 1))
        if l > 1:
            W = _view(net.P, net.w_off[l], d[l], d[l - 1])
            dZ_prev = _view(net.dZ, net.a_off[l - 1], d[l - 1], B)
            D = _view(net.D, net.a_off[l - 1], d[l - 1], B) if derivative else net.D1
            if dropout:  # the mask between the product and the derivative
                _mm_tn(W, dZ, dZ_prev)
                _apply_mask(dZ_prev, _view(net.M, net.a_off[l - 1], d[l - 1], B), hp.keep_prob)
                db = _view(net.G, net.b_off[l - 1], d[l - 1], 1)
                function(hp.ops.derive, "derive", net.P)(dZ_prev, A_prev, D, db, hp.zero, hp.slope)
            else:
                function(hp.ops.backward, "backward", net.P)(W, dZ, dZ_prev, A_prev, D, hp.zero, hp.slope)
    return cost


@inlined
def _step(X, Y, w, net, hp, lr, t):
    """One mini-batch: :func:`_gradient`, then the update of every parameter. Returns the
    batch's term of the epoch cost (float64, not divided by ``m``). With sample weights the
    gradient is divided by their sum instead of ``B``, and the term is the weighted mean's
    ``B`` times (scikit-learn's accounting)."""
    cost = _gradient(X, Y, w, net, hp, t)
    B = float(Y.shape[1])  # the gradient's divisor
    if hp.weighted:
        total = 0.0
        for j in range(Y.shape[1]):
            total += float(w[j])
        cost *= B / total
        B = total
    # Every gradient is computed from the parameters before the step: now the step, of the
    # weights (the first n_w entries, with their L2 term) and the biases, in one call.
    l2_over_b, beta, beta1, beta2, epsilon = hp.l2 / B, hp.beta, hp.beta1, hp.beta2, hp.epsilon
    c1, c2 = _corrections(hp.opt, beta1, beta2, t + 1)
    step = function(hp.ops.step, "step", net.P)
    if hp.gram:  # W1 through its Gram-mode coordinates, the rest of the parameters as they are
        d, b = net.dims, Y.shape[1]
        k, w1 = d[1] * b, d[1] * d[0]
        dZ1 = net.dZ[net.a_off[1] : net.a_off[1] + k]
        gram_step = function(hp.ops.gram_step, "gram_step", net.P)
        gram_step(net.Q, net.qc, net.GdZ, dZ1, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon)
        P, G, V, S = net.P[w1:], net.G[w1:], net.V[w1:], net.S[w1:]
        step(P, G, V, S, net.n_w - w1, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2)
    else:
        step(net.P, net.G, net.V, net.S, net.n_w, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2)
    return cost


@_engine(counted=False)
def _epochs(X, Y, net, perm, key, hp, costs, epoch0, t0):
    """``costs.size`` epochs from epoch ``epoch0`` and mini-batch count ``t0``; returns the new count.

    One call site of :func:`_step` (inlined here, with :func:`_gradient`), the full batch
    included: each call site would be a copy of the whole step to compile."""
    m = X.shape[1]
    B = min(hp.batch, m)
    n_x, n_y = X.shape[0], Y.shape[0]
    t = t0
    for i in range(costs.size):
        epoch = epoch0 + i
        lr = _epoch_lr(hp.decay, hp.lr, hp.decay_rate, hp.decay_interval, epoch)
        total = 0.0
        if B < m and hp.shuffle_seed >= 0:
            _epoch_permutation(hp.shuffle_seed, epoch, perm, key)
        for start in range(0, m, B):
            size = min(B, m - start)
            if B == m:  # full batch: the examples in order, no gather
                Xb, Yb, wb = X, Y, net.w
            else:
                Xb, Yb = _batch_views(net, hp, n_x, n_y, size)
                _gather(net.XT, Y, perm, start, Xb, Yb, hp.rows)
                wb = net.wb[:size]
                if hp.weighted:
                    _gather_weights(net.w, perm, start, wb)
            total += _step(Xb, Yb, wb, net, hp, lr, t)
            t += 1
        costs[i] = total / m
    return t


#: Bytes every work buffer's start is aligned to. ``np.empty`` aligns to 16: a buffer 16
#: bytes off a 32-byte boundary has every vector load straddle two halves of a cache line
#: (measured on the Initialization model, 2-core AMD EPYC: 7.7 microseconds an iteration
#: against 6.3 aligned).
ALIGN = 64
#: Up to this many bytes, the data is copied once per run where that pays
#: (:func:`_working_copy`).
ALIGNED_COPY = 1 << 22


def _aligned(size: int, dtype, fill=None) -> np.ndarray:
    """A new 1-D array of ``size`` entries starting on an :data:`ALIGN`-byte boundary."""
    dtype = np.dtype(dtype)
    raw = np.empty(size * dtype.itemsize + ALIGN, np.uint8)
    start = (-raw.ctypes.data) % ALIGN
    out = raw[start : start + size * dtype.itemsize].view(dtype)
    if fill is not None:
        out.fill(fill)
    return out


def _aligned_copy(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of ``a`` starting on an :data:`ALIGN`-byte boundary."""
    out = _aligned(a.size, a.dtype).reshape(a.shape)
    out[...] = a
    return out


def _working_copy(a: np.ndarray) -> np.ndarray:
    """``a`` (C-contiguous), or an aligned copy of it: always when it is read-only (another
    type to Numba: the whole training loop would compile again, about 30 seconds), and up to
    :data:`ALIGNED_COPY` bytes when it does not start on an :data:`ALIGN`-byte boundary (it is
    read every epoch)."""
    if not a.flags.writeable or (a.nbytes <= ALIGNED_COPY and a.ctypes.data % ALIGN):
        return _aligned_copy(a)
    return a


#: The flat buffers of a run, and the offsets of each layer in them (layer ``l``'s weights
#: ``P[w_off[l] : ...]``, shape ``(n_l, n_{l-1})``; all weights come first, then all biases,
#: so L2 and each update cover one contiguous range; ``A``, ``D``, ``M``, ``dZ`` hold
#: ``(n_l, B)`` per layer from ``a_off[l]``, for the largest batch ``B``; ``Gm``, ``Q``, ``qc``,
#: ``GdZ`` and ``idx``: Gram mode's arrays, :mod:`fastnn.kernels.gram`, placeholders otherwise).
Net = namedtuple("Net", "P G V S dims w_off b_off n_w A D D1 M dZ a_off Xb Yb XT w wb Gm Q qc GdZ idx")


class EpochTrainer:
    """Any :class:`~fastnn.spec.TrainingSpec` on one data set, epochs in chunks, resumable.

    Every buffer is allocated here, once, as a few flat arrays (:class:`Net`: one lookup of
    a typed list costs a call into Numba's runtime, tens of them per mini-batch; a view of a
    flat array costs nothing); :meth:`run` runs any number of epochs in one compiled call.
    The interface is the driver's (``run``, ``parameters``, ``state``, ``restore``,
    ``blas_threads``, ``flops_per_iteration``).

    Parameters
    ----------
    X : (n_x, m) array, or None with ``rows``
    Y : (n_L, m) array
        Of the dtype of ``X`` (validated by the caller).
    parameters : dict
        Starting point; copied.
    spec : TrainingSpec
    rows : (m, n_x) array, optional
        The examples as rows instead of ``X`` (scikit-learn's layout), read in place when
        C-contiguous (copied once when read-only, or up to 4 MB when misaligned:
        :func:`_working_copy`): every batch, the full one included, is gathered from it (for the
        estimators' loop, :mod:`fastnn.kernels.estimator`; :meth:`run` needs ``X``).
    sample_weight : (m,) array, optional
        Per-example weights, scikit-learn's ``sample_weight`` semantics (:func:`_step`); its
        clipped log-loss needs ``hyper.clip`` set too (``fastnn.sklearn`` sets it; the default,
        0, is the exact loss).
    mode : {"standard", "auto", "gram"}
        Gram mode (:mod:`fastnn.kernels.gram`) where it is exact: forced with ``"gram"`` (a
        ValueError where it is not exact, or where ``X.T @ X`` overflows), chosen by
        :func:`~fastnn.kernels.engine.choose_mode`'s cost model with ``"auto"``.
    expected_iterations : int
        For ``mode="auto"``'s cost model.
    """

    def __init__(
        self,
        X: FloatArray | None,
        Y: FloatArray,
        parameters: Parameters,
        spec: TrainingSpec,
        rows: FloatArray | None = None,
        sample_weight: FloatArray | None = None,
        mode: str = "standard",
        expected_iterations: int = 1000,
    ):
        if rows is not None:  # the examples as rows, gathered from in place (scikit-learn's layout)
            XT = _working_copy(np.ascontiguousarray(rows))
            X, dtype, m = _dummy(XT.dtype), XT.dtype, XT.shape[0]
        elif spec.batch_size is not None and spec.batch_size < X.shape[1]:
            # Gathered batches read the rows of X.T, and X only for its shape: X.T without a
            # copy when X is a transposed C array (the course's layout), and an empty array of
            # X's shape in its place (its pages are never touched).
            XT = _working_copy(np.ascontiguousarray(X.T))
            X, dtype, m = np.empty(X.shape, X.dtype), X.dtype, X.shape[1]
        else:
            X = _working_copy(np.ascontiguousarray(X))
            dtype, m = X.dtype, X.shape[1]
        Y = _working_copy(np.ascontiguousarray(Y, dtype=dtype))
        dims = list(spec.layer_dims)
        L = len(dims) - 1
        self.X, self.Y, self.spec, self.dtype, self.L, self.m = X, Y, spec, dtype, L, m
        self.from_rows = rows is not None
        B = m if spec.batch_size is None else min(spec.batch_size, m)
        self.batch = B
        special = rows is not None or sample_weight is not None
        gram = self._gram(X, parameters["W1"], spec, mode, special, expected_iterations)
        w_sizes = [dims[l] * dims[l - 1] for l in range(1, L + 1)]
        n_w = sum(w_sizes)
        w_off = np.zeros(L + 1, np.int64)
        b_off = np.zeros(L + 1, np.int64)
        w_off[1:] = np.cumsum([0, *w_sizes[:-1]])
        b_off[1:] = n_w + np.cumsum([0, *dims[1:-1]])
        n_p = n_w + sum(dims[1:])
        P = _aligned(n_p, dtype)
        for l in range(1, L + 1):
            P[w_off[l] : w_off[l] + w_sizes[l - 1]] = np.asarray(parameters[f"W{l}"], dtype).reshape(-1)
            P[b_off[l] : b_off[l] + dims[l]] = np.asarray(parameters[f"b{l}"], dtype).reshape(-1)
        moments = MOMENTS[spec.optimizer]
        a_off = np.zeros(L + 1, np.int64)
        a_off[1:] = np.cumsum([0, *[d * B for d in dims[1:-1]]])
        n_a = sum(d * B for d in dims[1:])
        derivative = spec.hidden_activation in ("sigmoid", "tanh")
        gathers = B < m or rows is not None
        self.net = Net(
            P,
            _aligned(n_p, dtype),
            _aligned(n_p if "v" in moments else 1, dtype, 0),
            _aligned(n_p if "s" in moments else 1, dtype, 0),
            np.array(dims, np.int64),
            w_off,
            b_off,
            n_w,
            _aligned(n_a, dtype),
            _aligned(n_a if derivative else 1, np.float64),
            _dummy(np.float64),
            _aligned(n_a if spec.keep_prob < 1 else 1, dtype),
            _aligned(n_a, dtype),
            a_off,
            _aligned(dims[0] * B if gathers else 1, dtype),
            _aligned(dims[-1] * B if gathers else 1, dtype),
            XT if gathers else _dummy(dtype),
            np.ones(1, dtype)
            if sample_weight is None
            else _working_copy(np.ascontiguousarray(sample_weight, dtype=dtype)),
            np.ones(B if sample_weight is not None and gathers else 1, dtype),
            *(
                gram
                if gram
                else (
                    _dummy(dtype),
                    _aligned(1, np.float64, 0),
                    np.zeros(4),
                    _aligned(1, dtype, 0),
                    np.empty(1, np.int64),
                )
            ),
        )
        if spec.keep_prob < 1 and spec.dropout_stream == "course":  # drawn once, reused (full batch)
            for l, mask in enumerate(course_masks(dims, m, spec.keep_prob, spec.dropout_seed, dtype), start=1):
                self.net.M[a_off[l] : a_off[l] + mask.size] = mask.reshape(-1)
        self.perm = np.arange(m, dtype=np.int64)
        self.key = np.zeros(EPOCH_KEY, np.uint64)  # the shuffle generator's workspace
        c = constants(dtype)
        # Which of the loop's optional calls this run makes (_gradient's own conditions: the
        # first layer's product taken apart, with Gram mode or examples as rows; dropout): the
        # slots it never calls hold kernels that poison their outputs (fastnn.kernels.ops).
        rows = bool(gathers and dims[0] * dims[1] * B > ROWS_MULTIPLY_ADDS) and not gram
        own_product = bool(gram) or rows
        self.hyper = Hyper(
            ops(
                spec.hidden_activation,
                spec.loss,
                spec.optimizer,
                dtype,
                activate=own_product and L > 1,
                derive=spec.keep_prob < 1 and L > 1,
                gram=bool(gram),
            ),
            HEAD_CODES[spec.loss],
            OPTIMIZER_CODES[spec.optimizer],
            DECAY_CODES[spec.decay],
            spec.learning_rate,
            spec.beta,
            spec.beta1,
            spec.beta2,
            spec.epsilon,
            spec.l2,
            spec.keep_prob,
            spec.decay_rate,
            spec.decay_interval,
            B,
            -1 if spec.shuffle_seed is None else spec.shuffle_seed,
            np.uint64(spec.dropout_seed),
            spec.dropout_stream == "course",
            1.0,
            sample_weight is not None,
            0.0,
            c["zero"],
            c["slope"],
            rows,
            bool(gram),
        )
        self.mode = "gram" if gram else "standard"
        self.epoch = 0
        self.t = 0
        self.flops_per_iteration = spec.flops(m)
        if gram:  # layer 1: n1 m^2 multiply-adds instead of 3 x 2 n1 n_x m
            self.flops_per_iteration += 2.0 * dims[1] * m * m - 6.0 * dims[1] * dims[0] * m

    def _gram(self, X, W1, spec, mode, special, expected_iterations):
        """Gram mode's arrays ``(Gm, Q, qc, GdZ, idx)`` when ``mode`` asks for it and it is exact
        (``special``: rows or sample weights, the estimators' runs, which never are), else None."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == "standard":
            return None
        why = "it is for fastnn.train's layout and unweighted runs" if special else gram_refusal(spec, X.shape[1])
        if why is not None:
            if mode == "gram":
                raise ValueError(f"mode='gram' is not exact for this run: {why}; use mode='auto' or 'standard'")
            return None
        dims, m = spec.layer_dims, X.shape[1]
        if mode == "auto" and choose_mode(dims[0], m, dims[1], expected_iterations) != "gram":
            return None
        W1 = np.ascontiguousarray(W1, X.dtype)
        G, Q, qc, GdZ = gram_arrays(X, W1, _aligned)
        if not np.isfinite(G).all():  # entries of X near 1e154 and beyond: X itself is finite
            if mode == "gram":
                raise ValueError(
                    "mode='gram' needs X.T @ X, which overflows for this X "
                    f"(largest |x| is {np.max(np.abs(X)):.3g}); use mode='standard'"
                )
            return None
        return G, Q, qc, GdZ, np.empty(m, np.int64)

    def blas_threads(self):
        """BLAS keeps its threads (the products of a batch are small or BLAS-bound alike)."""
        return contextlib.nullcontext()

    def run(self, num_epochs: int) -> FloatArray:
        """Run ``num_epochs`` epochs in one compiled call; returns their costs."""
        if self.from_rows:
            raise RuntimeError("a trainer built from rows is run by fastnn.kernels.estimator, not by run()")
        costs = np.empty(num_epochs, self.dtype)
        if num_epochs:
            self.t = _epochs(
                self.X, self.Y, self.net, self.perm, self.key, self.hyper, costs, self.epoch, self.t
            )  # fmt: skip
            self.epoch += num_epochs
        return costs

    def _arrays(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """``{"W1": ..., "b1": ...}`` copies out of a flat array laid out like the parameters."""
        net, dims = self.net, self.spec.layer_dims
        out = {}
        for l in range(1, self.L + 1):
            w = net.w_off[l]
            out[f"W{l}"] = flat[w : w + dims[l] * dims[l - 1]].reshape(dims[l], dims[l - 1]).copy()
            out[f"b{l}"] = flat[net.b_off[l] : net.b_off[l] + dims[l]].reshape(dims[l], 1).copy()
        return out

    def parameters(self) -> Parameters:
        """The current parameters (copies; in Gram mode ``W1`` is built here, a product with ``X``)."""
        out = self._arrays(self.net.P)
        if self.mode == "gram":
            out["W1"] = gram_w1(self.X, out["W1"], self.net.Q, self.net.qc)
        return out

    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue bit for bit (copies): the stored parameters (in Gram
        mode ``W1`` is then the starting one, ``gram_Q``, ``gram_qc`` hold its coordinates, and
        the stored moments of ``W1``, never stepped, stay zero), moments (``v_W1``, ``s_W1``,
        ...), and the epoch and mini-batch counters."""
        out = self._arrays(self.net.P)
        if self.mode == "gram":
            out["gram_Q"], out["gram_qc"] = self.net.Q.copy(), self.net.qc.copy()
        for moment, flat in (("v", self.net.V), ("s", self.net.S)):
            if moment in MOMENTS[self.spec.optimizer]:
                out.update({f"{moment}_{key}": value for key, value in self._arrays(flat).items()})
        out["epoch"], out["t"] = np.array(self.epoch), np.array(self.t)
        return out

    @classmethod
    def restore(cls, X, Y, state: dict, spec: TrainingSpec) -> EpochTrainer:
        """A trainer that continues from :meth:`state` exactly where the saved one stood."""
        mode = "gram" if "gram_Q" in state else "standard"
        trainer = cls(X, Y, {k: v for k, v in state.items() if k[0] in "Wb"}, spec, mode=mode)
        net, dims = trainer.net, spec.layer_dims
        if mode == "gram":
            if state["gram_Q"].size != net.Q.size:
                raise ValueError(
                    f"a Gram-mode state of {state['gram_Q'].size} entries, for a run that keeps {net.Q.size}: it "
                    "was written by another version of fastnn; start the run again"
                )
            net.Q[:] = state["gram_Q"]
            net.qc[:] = state["gram_qc"]
        for moment, flat in (("v", net.V), ("s", net.S)):
            if moment in MOMENTS[spec.optimizer]:
                for l in range(1, trainer.L + 1):
                    w = net.w_off[l]
                    flat[w : w + dims[l] * dims[l - 1]] = state[f"{moment}_W{l}"].reshape(-1)
                    flat[net.b_off[l] : net.b_off[l] + dims[l]] = state[f"{moment}_b{l}"].reshape(-1)
        trainer.epoch, trainer.t = int(state["epoch"]), int(state["t"])
        return trainer
