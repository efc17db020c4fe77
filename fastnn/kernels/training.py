"""Compiled twin of :mod:`fastnn.reference.training`: the generic training loop.

Every head, hidden activation, optimizer, mini-batch size, L2 strength, dropout rate and
decay schedule runs through one compiled loop (:func:`_epochs`), many epochs per call: the
shuffle (:mod:`fastnn.kernels.batching`), the gather of each mini-batch into preallocated
buffers, the dropout masks (:mod:`fastnn.kernels.regularization`), the head
(:mod:`fastnn.kernels.heads`), the update (:mod:`fastnn.kernels.optimizers`) and the
epoch's learning rate all happen in compiled code; Python is re-entered once per chunk of
epochs. What differs between runs is read from one :class:`Hyper` tuple of codes and
numbers, built from the :class:`~fastnn.spec.TrainingSpec` by :class:`EpochTrainer`.

Buffers travel as three named tuples of typed lists (index ``l`` is layer ``l``; index 0 a
placeholder): :class:`Params` (``W``, ``b``), :class:`Grads` (the raw gradient sums and the
optimizer's moments) and :class:`Work` (one batch's activations, derivatives, masks and
``dZ``, with the gathered ``X`` and ``Y``); a run with a smaller last mini-batch has a
second :class:`Work` of that size.
"""

from __future__ import annotations

import contextlib
import math
from collections import namedtuple

import numba
import numpy as np
from numba.typed import List

from fastnn._typing import FloatArray, Parameters
from fastnn.kernels._config import COMMON, REDUCTION_FASTMATH
from fastnn.kernels.activations import ACT_CODES, _backward_hidden, _forward_hidden, constants
from fastnn.kernels.batching import _N, _permutation
from fastnn.kernels.heads import HEAD_CODES, _head
from fastnn.kernels.optimizers import OPTIMIZER_CODES, _update
from fastnn.kernels.products import _mm, _mm_nt, _mm_tn
from fastnn.kernels.regularization import _dropout_backward, _dropout_forward, _key, _squares
from fastnn.reference.optimizers import MOMENTS
from fastnn.spec import DECAYS, TrainingSpec

_engine = numba.njit(fastmath=REDUCTION_FASTMATH, **COMMON)

#: Decay codes (:data:`fastnn.spec.DECAYS` order).
DECAY_CODES = {name: code for code, name in enumerate(DECAYS)}
_CONSTANT, _INVERSE, _STEP = (DECAY_CODES[n] for n in (None, "inverse", "step"))

Params = namedtuple("Params", "W b")
Grads = namedtuple("Grads", "dW db VW Vb SW Sb")
Work = namedtuple("Work", "X Y A D M dZ")
#: The run's settings as the compiled loop reads them (codes, then numbers in float64).
Hyper = namedtuple(
    "Hyper",
    "act head opt decay lr beta beta1 beta2 epsilon l2 keep_prob decay_rate decay_interval "
    "batch shuffle_seed dropout_seed zero slope",
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


@_engine
def _gather(X, Y, perm, start, Xb, Yb):
    """Columns ``perm[start : start + B]`` of ``X`` and ``Y`` into the batch buffers."""
    for src, dst in ((X, Xb), (Y, Yb)):
        n, B = dst.shape
        for i in range(n):
            for j in range(B):
                dst[i, j] = src[i, perm[start + j]]


@_engine
def _step(X, Y, p, g, w, hp, lr, t):
    """One mini-batch (``X``, ``Y``: its columns): forward, summed loss plus the L2 term of the
    weights before the step, backward, update. ``t``: mini-batches done before this one.
    Returns the batch's term of the epoch cost (float64, not divided by ``m``)."""
    L = len(p.W) - 1
    B = X.shape[1]
    for l in range(1, L + 1):
        if l == 1:
            _mm(p.W[1], X, w.A[1])
        else:
            _mm(p.W[l], w.A[l - 1], w.A[l])
        if l < L:
            _forward_hidden(w.A[l], p.b[l], w.D[l], hp.act, hp.zero, hp.slope)
            if hp.keep_prob < 1.0:
                _dropout_forward(w.A[l], w.M[l], hp.keep_prob, _key(hp.dropout_seed, t, l))
    cost = _head(hp.head, w.A[L], p.b[L], Y, w.dZ[L], g.db[L])
    if hp.l2 > 0:
        squares = 0.0
        for l in range(1, L + 1):
            squares += _squares(p.W[l])
        cost += hp.l2 / 2 * squares
    l2_over_b = hp.l2 / B
    for l in range(L, 0, -1):
        if l == 1:
            _mm_nt(w.dZ[1], X, g.dW[1])
        else:
            _mm_nt(w.dZ[l], w.A[l - 1], g.dW[l])
            _mm_tn(p.W[l], w.dZ[l], w.dZ[l - 1])
            if hp.keep_prob < 1.0:
                _dropout_backward(w.dZ[l - 1], w.M[l - 1], hp.keep_prob)
            _backward_hidden(w.dZ[l - 1], w.A[l - 1], w.D[l - 1], g.db[l - 1], hp.act, hp.zero, hp.slope)
        beta, beta1, beta2, epsilon = hp.beta, hp.beta1, hp.beta2, hp.epsilon
        _update(hp.opt, p.W[l], g.dW[l], g.VW[l], g.SW[l], B, l2_over_b, lr, beta, beta1, beta2, epsilon, t + 1)
        _update(hp.opt, p.b[l], g.db[l], g.Vb[l], g.Sb[l], B, 0.0, lr, beta, beta1, beta2, epsilon, t + 1)
    return cost


@_engine
def _epochs(X, Y, p, g, full, last, perm, key, hp, costs, epoch0, t0):
    """``costs.size`` epochs from epoch ``epoch0`` and mini-batch count ``t0``; returns the new count."""
    m = X.shape[1]
    B = min(hp.batch, m)
    t = t0
    for i in range(costs.size):
        epoch = epoch0 + i
        lr = _epoch_lr(hp.decay, hp.lr, hp.decay_rate, hp.decay_interval, epoch)
        total = 0.0
        if B == m:  # full batch: the examples in order, no gather
            total += _step(X, Y, p, g, full, hp, lr, t)
            t += 1
        else:
            if hp.shuffle_seed >= 0:
                _permutation(hp.shuffle_seed + epoch, perm, key)
            for start in range(0, m, B):
                w = full if m - start >= B else last
                _gather(X, Y, perm, start, w.X, w.Y)
                total += _step(w.X, w.Y, p, g, w, hp, lr, t)
                t += 1
        costs[i] = total / m
    return t


def _dummy(dtype) -> np.ndarray:
    return np.zeros((1, 1), dtype)


def _typed(arrays: list, dtype) -> List:
    """A typed list with the placeholder at index 0."""
    return List([_dummy(dtype), *arrays])


class EpochTrainer:
    """Any :class:`~fastnn.spec.TrainingSpec` on one data set, epochs in chunks, resumable.

    Every buffer is allocated here, once; :meth:`run` runs any number of epochs in one
    compiled call. The interface is the driver's (``run``, ``parameters``, ``state``,
    ``restore``, ``blas_threads``, ``flops_per_iteration``).

    Parameters
    ----------
    X : (n_x, m) array
    Y : (n_L, m) array
        Of the dtype of ``X`` (validated by the caller).
    parameters : dict
        Starting point; copied.
    spec : TrainingSpec
    """

    mode = "standard"
    loop = "epochs"

    def __init__(self, X: FloatArray, Y: FloatArray, parameters: Parameters, spec: TrainingSpec):
        X = np.ascontiguousarray(X)
        Y = np.ascontiguousarray(Y, dtype=X.dtype)
        dtype = X.dtype
        dims, m = list(spec.layer_dims), X.shape[1]
        L = len(dims) - 1
        self.X, self.Y, self.spec, self.dtype, self.L, self.m = X, Y, spec, dtype, L, m
        B = m if spec.batch_size is None else min(spec.batch_size, m)
        self.batch = B
        W = [np.array(parameters[f"W{l}"], dtype=dtype, order="C") for l in range(1, L + 1)]
        b = [np.array(parameters[f"b{l}"], dtype=dtype, order="C") for l in range(1, L + 1)]
        self.params = Params(_typed(W, dtype), _typed(b, dtype))
        moments = MOMENTS[spec.optimizer]

        def moment(name, arrays):
            return _typed([np.zeros_like(a) for a in arrays] if name in moments else [_dummy(dtype)] * L, dtype)

        self.grads = Grads(
            _typed([np.empty_like(w) for w in W], dtype),
            _typed([np.empty_like(v) for v in b], dtype),
            moment("v", W),
            moment("v", b),
            moment("s", W),
            moment("s", b),
        )
        keeps_derivative = spec.hidden_activation in ("sigmoid", "tanh")
        dropout = spec.keep_prob < 1
        flat = {
            "A": [np.empty(d * B, dtype) for d in dims[1:]],
            "dZ": [np.empty(d * B, dtype) for d in dims[1:]],
            "D": [np.empty(d * B) if keeps_derivative and l < L else None for l, d in enumerate(dims[1:], 1)],
            "M": [np.empty(d * B, dtype) if dropout and l < L else None for l, d in enumerate(dims[1:], 1)],
        }
        gathers = B < m

        def work(size: int) -> Work:
            def views(name, kind):
                return _typed(
                    [
                        _dummy(kind) if a is None else a[: d * size].reshape(d, size)
                        for a, d in zip(flat[name], dims[1:], strict=True)
                    ],
                    kind,
                )

            return Work(
                np.empty((dims[0], size), dtype) if gathers else _dummy(dtype),
                np.empty((dims[-1], size), dtype) if gathers else _dummy(dtype),
                views("A", dtype),
                views("D", np.float64),
                views("M", dtype),
                views("dZ", dtype),
            )

        self.full = work(B)
        self.last = work(m % B) if gathers and m % B else self.full
        self.perm = np.arange(m, dtype=np.int64)
        self.key = np.empty(_N, np.uint64)
        c = constants(dtype)
        self.hyper = Hyper(
            ACT_CODES[spec.hidden_activation],
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
            c["zero"],
            c["slope"],
        )
        self.epoch = 0
        self.t = 0
        #: Multiply-adds of one epoch's products, about (forward, dW and dA per layer).
        self.flops_per_iteration = 3 * sum(2.0 * a * b * m for a, b in zip(dims, dims[1:], strict=False))

    def blas_threads(self):
        """BLAS keeps its threads (the products of a batch are small or BLAS-bound alike)."""
        return contextlib.nullcontext()

    def run(self, num_epochs: int) -> FloatArray:
        """Run ``num_epochs`` epochs in one compiled call; returns their costs."""
        costs = np.empty(num_epochs, self.dtype)
        if num_epochs:
            self.t = _epochs(
                self.X, self.Y, self.params, self.grads, self.full, self.last, self.perm, self.key, self.hyper,
                costs, self.epoch, self.t,
            )  # fmt: skip
            self.epoch += num_epochs
        return costs

    def parameters(self) -> Parameters:
        """The current parameters (copies)."""
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = self.params.W[l].copy()
            out[f"b{l}"] = self.params.b[l].copy()
        return out

    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue bit for bit (copies): parameters, moments
        (``v_W1``, ``s_W1``, ...), and the epoch and mini-batch counters."""
        out = self.parameters()
        lists = {"v_W": self.grads.VW, "v_b": self.grads.Vb, "s_W": self.grads.SW, "s_b": self.grads.Sb}
        for prefix, arrays in lists.items():
            if prefix[0] in MOMENTS[self.spec.optimizer]:
                for l in range(1, self.L + 1):
                    out[f"{prefix}{l}"] = arrays[l].copy()
        out["epoch"], out["t"] = np.array(self.epoch), np.array(self.t)
        return out

    @classmethod
    def restore(cls, X, Y, state: dict, spec: TrainingSpec) -> EpochTrainer:
        """A trainer that continues from :meth:`state` exactly where the saved one stood."""
        trainer = cls(X, Y, {k: v for k, v in state.items() if k[0] in "Wb"}, spec)
        lists = {"v_W": trainer.grads.VW, "v_b": trainer.grads.Vb, "s_W": trainer.grads.SW, "s_b": trainer.grads.Sb}
        for prefix, arrays in lists.items():
            if prefix[0] in MOMENTS[spec.optimizer]:
                for l in range(1, trainer.L + 1):
                    np.copyto(arrays[l], state[f"{prefix}{l}"])
        trainer.epoch, trainer.t = int(state["epoch"]), int(state["t"])
        return trainer
