"""The compiled training engine: whole gradient-descent loops in one compiled call.

:class:`Trainer` allocates every buffer once; :meth:`Trainer.run` runs any number of
iterations in one call into compiled code (BLAS products through NumPy's own OpenBLAS,
:mod:`fastnn.kernels._blas`,
everything around them in fused loops), so the cost of Python is paid once per chunk,
not per layer per iteration. ``dA0`` is never computed. Four loops share the kernels
(:attr:`Trainer.loop`): :func:`_run` for Gram mode at any depth, :func:`_run_shallow` for
one hidden layer in standard mode (no typed lists, the output layer's backward pass in one
sweep: the planar model's 7 microseconds an iteration), the generic loop
(:class:`~fastnn.kernels.training.EpochTrainer`, flat buffers and views) for more layers in
standard mode, and :func:`_run_large`, driven from Python with NumPy's BLAS, for
iterations of 1e8 flops and more.

Gram mode (``mode="gram"``), exact for full-batch gradient descent (the generic loop has
its own, for every linear step: :mod:`fastnn.kernels.gram`). With ``P = W1 X``,
the update ``W1 <- W1 - (lr / m) dZ1 X^T`` gives ``P <- P - (lr / m) dZ1 G`` with
``G = X^T X`` (m x m, computed once). When there are fewer examples than features (the
cat data: 209 x 12288) layer 1 then costs ``n1 m^2`` per iteration instead of
``2 n1 n_x m``. ``W1`` itself is ``W1_0 - (lr / m) (sum of every dZ1) X^T``, rebuilt when
the parameters are asked for. :func:`choose_mode` picks the mode from a cost model.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import numpy as np
from numba.typed import List
from threadpoolctl import ThreadpoolController

from fastnn._typing import FloatArray, Parameters
from fastnn.kernels._config import reduction
from fastnn.kernels.activations import (
    _IDENTITY,
    _LEAKY,
    _RELU,
    _SIGMOID,
    _TANH,
    ACT_CODES,
    _backward_hidden,
    _forward_hidden,
    _row_sums,
    constants,
)
from fastnn.kernels.heads import _sigmoid_bce
from fastnn.kernels.products import _mm, _mm_backward, _mm_forward, _mm_gram, _mm_nt, _mm_nt_db

MODES = ("auto", "gram", "standard")

#: Below this many flops in its largest matrix product, an iteration runs BLAS on one thread.
SMALL_GEMM_FLOPS = 8e6
#: From this many flops an iteration, the loop is driven from Python with NumPy's BLAS.
LARGE_ITERATION_FLOPS = 1e8

_engine = reduction


@_engine
def _descend(W, dW, lr, m):
    n, k = W.shape
    for i in range(n):
        for j in range(k):
            W[i, j] = W[i, j] - lr * (dW[i, j] / m)


@_engine
def _gram_step(P, S, dZ, GdZ, lr, m):
    """``P -= lr * (dZ G) / m`` (``GdZ`` holds ``dZ G``) and ``S += dZ``."""
    n, k = P.shape
    for i in range(n):
        for j in range(k):
            P[i, j] = P[i, j] - lr * (GdZ[i, j] / m)
            S[i, j] += dZ[i, j]


@_engine
def _run(X, Y, G, W, b, A, D, dW, db, dZ, P, S, GdZ, idx, costs, act, lr, m_t, zero, slope):
    """Gram mode, any depth (the standard mode's layered loop is the generic one,
    :class:`~fastnn.kernels.training.EpochTrainer`). Layer 1 is ``P``; the
    layers above it take the products of the generic loop."""
    # X is passed on its own, never through the list A (A[0] is a placeholder): a read-only X
    # would make every array of the list read-only to Numba's type system.
    L = len(W) - 1
    n1, m = P.shape
    for it in range(costs.size):
        A1 = A[1]
        for i in range(n1):  # A1 = P, a loop: an array assignment compiles NumPy's broadcasting
            for j in range(m):
                A1[i, j] = P[i, j]
        if L > 1:
            _forward_hidden(A[1], b[1], D[1], act, zero, slope)
        for l in range(2, L + 1):
            if l < L:
                _mm_forward(W[l], A[l - 1], A[l], b[l], D[l], act, zero, slope)
            else:
                _mm(W[l], A[l - 1], A[l])
        costs[it] = _sigmoid_bce(A[L], b[L], Y, dZ[L], db[L], 0.0) / X.shape[1]
        for l in range(L, 1, -1):
            if l == L:  # db_L from the head
                _mm_nt(dZ[l], A[l - 1], dW[l])
            else:
                _mm_nt_db(dZ[l], A[l - 1], dW[l], db[l])
            _mm_backward(W[l], dZ[l], dZ[l - 1], A[l - 1], D[l - 1], act, zero, slope)
            _descend(W[l], dW[l], lr, m_t)
            _descend(b[l], db[l], lr, m_t)
        if L > 1:  # db_1 (from the head when L = 1)
            _row_sums(dZ[1], db[1])
        _mm_gram(dZ[1], G, GdZ, idx)
        _gram_step(P, S, dZ[1], GdZ, lr, m_t)
        _descend(b[1], db[1], lr, m_t)


@_engine
def _shallow_backward(W2, dZ2, A1, D1, dZ1, dW2, db1, act, zero, slope):
    """The output layer's backward pass into one hidden layer, one sweep per hidden unit.

    ``dW2 = dZ2 A1^T``, ``dZ1 = (W2^T dZ2) g'(Z1)`` and ``db1 = sum(dZ1, axis=1)``: what
    :func:`_mm_nt`, :func:`_mm_tn` and :func:`_backward_hidden` compute, with the same
    roundings, in one sweep over the examples instead of three (measured on the planar model:
    4.5 microseconds an iteration, 6.7 with the sums in a second, read-only loop). It writes
    and sums in one loop, so its arrays come from one arena (:func:`_arena`).
    """
    n1, m = A1.shape
    for i in range(n1):
        w = W2[0, i]
        acc_w = 0.0
        acc_b = 0.0
        if act == _SIGMOID or act == _TANH:
            for j in range(m):
                acc_w += float(dZ2[0, j]) * float(A1[i, j])
                dZ1[i, j] = float(w * dZ2[0, j]) * D1[i, j]
                acc_b += float(dZ1[i, j])
        elif act == _RELU:
            for j in range(m):
                acc_w += float(dZ2[0, j]) * float(A1[i, j])
                dZ1[i, j] = zero if A1[i, j] <= zero else w * dZ2[0, j]
                acc_b += float(dZ1[i, j])
        elif act == _LEAKY:
            for j in range(m):
                acc_w += float(dZ2[0, j]) * float(A1[i, j])
                da = w * dZ2[0, j]
                dZ1[i, j] = da * slope if A1[i, j] <= 0 else da
                acc_b += float(dZ1[i, j])
        elif act == _IDENTITY:
            for j in range(m):
                acc_w += float(dZ2[0, j]) * float(A1[i, j])
                dZ1[i, j] = w * dZ2[0, j]
                acc_b += float(dZ1[i, j])
        else:
            raise ValueError("unknown activation code")
        dW2[0, i] = acc_w
        db1[i, 0] = acc_b


@_engine
def _run_shallow(X, Y, W1, b1, W2, b2, A1, D1, A2, dZ1, dZ2, dW1, db1, dW2, db2, costs, act, lr, m_t, zero, slope):
    """:func:`_run` for one hidden layer in standard mode, on arrays rather than lists.

    Small nets (the planar model: about 7 microseconds an iteration) pay for every typed
    list lookup (a reference count taken and dropped): this path has none, and it runs
    the output layer's backward pass in one sweep (:func:`_shallow_backward`).
    """
    for it in range(costs.size):
        _mm(W1, X, A1)
        _forward_hidden(A1, b1, D1, act, zero, slope)
        _mm(W2, A1, A2)
        costs[it] = _sigmoid_bce(A2, b2, Y, dZ2, db2, 0.0) / X.shape[1]
        _shallow_backward(W2, dZ2, A1, D1, dZ1, dW2, db1, act, zero, slope)
        _descend(W2, dW2, lr, m_t)
        _descend(b2, db2, lr, m_t)
        _mm_nt(dZ1, X, dW1)
        _descend(W1, dW1, lr, m_t)
        _descend(b1, db1, lr, m_t)


@_engine
def _large_forward(A, b, D, act, zero, slope):
    """:func:`_forward_hidden`, for :func:`_run_large` (Python cannot call it directly)."""
    _forward_hidden(A, b, D, act, zero, slope)


@_engine
def _large_cost(Z, b, Y, dZ, db):
    """:func:`_sigmoid_bce` (unclipped), for :func:`_run_large`."""
    return _sigmoid_bce(Z, b, Y, dZ, db, 0.0)


@_engine
def _large_backward(dZ, A, D, db, act, zero, slope):
    """:func:`_backward_hidden`, for :func:`_run_large`."""
    _backward_hidden(dZ, A, D, db, act, zero, slope)


def _run_large(X, Y, G, W, b, A, D, dW, db, dZ, P, S, GdZ, idx, costs, act, lr, m_t, zero, slope, gram):
    """:func:`_run` driven from Python, with NumPy's BLAS for the products.

    For iterations of a hundred million flops and more, where Python's cost per call is
    nothing. It was written when the compiled products called SciPy's OpenBLAS (Numba's
    ``np.dot``), up to 1.3 times slower than NumPy's in float32; they now call NumPy's own
    (:mod:`fastnn.kernels._blas`). Every other step is the same compiled kernel.
    """
    L = len(W) - 1
    for it in range(costs.size):
        for l in range(1, L + 1):
            if l == 1 and gram:
                A[1][:, :] = P
            else:
                np.matmul(W[l], X if l == 1 else A[l - 1], out=A[l])
            if l < L:
                _large_forward(A[l], b[l], D[l], act, zero, slope)
        costs[it] = _large_cost(A[L], b[L], Y, dZ[L], db[L]) / X.shape[1]
        for l in range(L, 0, -1):
            if l == 1 and gram:
                np.matmul(dZ[1], G, out=GdZ)
                _gram_step(P, S, dZ[1], GdZ, lr, m_t)
            else:
                np.matmul(dZ[l], (X if l == 1 else A[l - 1]).T, out=dW[l])
                if l > 1:
                    np.matmul(W[l].T, dZ[l], out=dZ[l - 1])
                    _large_backward(dZ[l - 1], A[l - 1], D[l - 1], db[l - 1], act, zero, slope)
                _descend(W[l], dW[l], lr, m_t)
            _descend(b[l], db[l], lr, m_t)


#: ``mode="auto"`` keeps to standard mode when ``G`` (``m x m``, float64) would take more bytes.
GRAM_MAX_BYTES = 1 << 30


def choose_mode(n_x: int, m: int, n1: int, num_iterations: int) -> str:
    """``"gram"`` when its multiply-adds (``G`` once, ``n1 m^2`` per iteration, ``W1`` at the
    end) come to less than 80 % of the standard layer 1's ``2 n1 n_x m`` per iteration, and
    ``G`` fits in :data:`GRAM_MAX_BYTES` (a forced ``mode="gram"`` is not bounded)."""
    if 8.0 * m * m > GRAM_MAX_BYTES:
        return "standard"
    standard = 2.0 * n1 * n_x * m * max(num_iterations, 1)
    gram = m * m * n_x + n1 * m * m * max(num_iterations, 1) + n1 * m * n_x
    return "gram" if gram < 0.8 * standard else "standard"


_one_thread_lock = threading.Lock()
_one_thread_users = [0, None]  # runs inside the limit, and the limit's context


@contextlib.contextmanager
def _one_blas_thread():
    """BLAS on one thread while at least one run asks for it, process-wide.

    A thread count is process state: two runs on two threads each restoring the count they
    found would leave it at one for good (the second found the first's). So the first run in
    sets the limit and the last one out lifts it."""
    with _one_thread_lock:
        if _one_thread_users[0] == 0:
            limit = _blas_controller().limit(limits=1, user_api="blas")
            limit.__enter__()
            _one_thread_users[1] = limit
        _one_thread_users[0] += 1
    try:
        yield
    finally:
        with _one_thread_lock:
            _one_thread_users[0] -= 1
            if _one_thread_users[0] == 0:
                _one_thread_users[1].__exit__(None, None, None)
                _one_thread_users[1] = None


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """One controller for the process: listing the loaded libraries reads ``/proc/self/maps``
    (about a millisecond), while limiting threads through a known controller takes 12 us."""
    # Compiled np.dot (non-contiguous operands only, :mod:`fastnn.kernels._blas`) calls
    # SciPy's BLAS: load it first, so that its threads are limited too.
    import scipy.linalg.cython_blas  # noqa: F401

    return ThreadpoolController()


#: Bytes between two arrays of an arena (and the alignment of each).
ARENA_GAP = 4096


def _arena(specs: list[tuple[tuple[int, int], np.dtype]]) -> list[np.ndarray]:
    """C-contiguous arrays of the given shapes and dtypes, carved from one allocation at fixed,
    page-separated offsets.

    A loop that writes one array and sums over another is compiled by LLVM in two copies, a
    vectorized one and a scalar one taken when the arrays lie close together in memory; with
    reassociated sums the two add in different orders. Separate ``np.empty`` calls put small
    arrays wherever the allocator finds room, so one run could take either copy and differ from
    the next in the last bit; arrays from one arena always sit the same way.
    """
    sizes = [int(np.prod(shape)) * np.dtype(dtype).itemsize for shape, dtype in specs]
    buffer = np.empty(sum(sizes) + ARENA_GAP * (len(specs) + 1), np.uint8)
    offset = (-buffer.ctypes.data) % ARENA_GAP
    out = []
    for (shape, dtype), size in zip(specs, sizes, strict=True):
        out.append(buffer[offset : offset + size].view(dtype).reshape(shape))
        offset += size + ARENA_GAP - size % ARENA_GAP
    return out


def _dummy(dtype=np.float64) -> np.ndarray:
    return np.zeros((1, 1), dtype)


class Trainer:
    """Gradient descent on one data set, resumable: every buffer allocated once.

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array
        Both C-contiguous, of one float dtype (validated by the caller).
    parameters : dict
        Starting point; copied.
    hidden_activation : str
    learning_rate : float
    mode : {"auto", "gram", "standard"}
    expected_iterations : int
        For ``mode="auto"``'s cost model.
    python_driven : bool, optional
        Run the iterations from Python (:func:`_run_large`); by default when an iteration
        takes :data:`LARGE_ITERATION_FLOPS` or more (:func:`fastnn.warmup` forces it on tiny
        data to compile what that loop calls).
    """

    def __init__(
        self,
        X: FloatArray,
        Y: FloatArray,
        parameters: Parameters,
        hidden_activation: str,
        learning_rate: float,
        mode: str = "auto",
        expected_iterations: int = 1000,
        *,
        python_driven: bool | None = None,
    ):
        from fastnn.kernels.training import _working_copy

        X = _working_copy(np.ascontiguousarray(X))
        Y = _working_copy(np.ascontiguousarray(Y, dtype=X.dtype))
        dtype = X.dtype
        L = len(parameters) // 2
        m = X.shape[1]
        self.X, self.Y, self.L, self.m, self.dtype = X, Y, L, m, dtype
        self.learning_rate = learning_rate
        self.act = ACT_CODES[hidden_activation]
        W = [np.array(parameters[f"W{l}"], dtype=dtype, order="C") for l in range(1, L + 1)]
        bs = [np.array(parameters[f"b{l}"], dtype=dtype, order="C") for l in range(1, L + 1)]
        dims = [X.shape[0]] + [w.shape[0] for w in W]
        requested = mode
        if mode == "auto":
            mode = choose_mode(dims[0], m, dims[1], expected_iterations)
        if mode == "gram":
            with np.errstate(over="ignore", invalid="ignore"):
                G = X.T @ X
            if not np.isfinite(G).all():  # entries of X near 1e154 and beyond: X itself is finite
                if requested == "gram":
                    raise ValueError(
                        "mode='gram' needs X.T @ X, which overflows for this X "
                        f"(largest |x| is {np.max(np.abs(X)):.3g}); use mode='standard'"
                    )
                mode = "standard"
        self.mode = mode
        gram = mode == "gram"
        # BLAS threads only pay for products of a few million flops and more; below that,
        # waking the second thread costs more than it saves (measured: the cat model in
        # Gram mode runs 1.8 times faster on one thread).
        gemm_flops = [2.0 * dims[l] * dims[l - 1] * m for l in range(1, L + 1)]
        if gram:
            gemm_flops[0] = 2.0 * dims[1] * m * m
        self.single_threaded_blas = max(gemm_flops) < SMALL_GEMM_FLOPS
        #: Multiply-adds of one iteration's products, about (forward, dW and dA per layer).
        self.flops_per_iteration = 3 * sum(gemm_flops)
        self.python_driven = (
            self.flops_per_iteration >= LARGE_ITERATION_FLOPS if python_driven is None else python_driven
        )
        self._limited = False
        self._generic = None
        if self.loop == "layers" and not gram:
            # The generic loop (views of flat buffers, no typed lists: 1.1x to 1.3x faster
            # on the course's three-layer models) runs the standard mode's iterations.
            from fastnn.kernels.training import EpochTrainer
            from fastnn.spec import TrainingSpec

            # The spec asks for a positive rate; this API takes any, as the reference does: the
            # loop reads the caller's from its Hyper tuple.
            spec = TrainingSpec(tuple(dims), hidden_activation, learning_rate=1.0, dtype=dtype.name)
            self._generic = EpochTrainer(X, Y, {**parameters}, spec)
            self._generic.hyper = self._generic.hyper._replace(lr=float(learning_rate))
            return
        self.W = List([_dummy(dtype)] + W)
        self.b = List([_dummy(dtype)] + bs)
        keeps_derivative = hidden_activation in ("sigmoid", "tanh")
        # A, D and dZ from one arena: the fused kernels' sums then add in the same order in
        # every run (see _arena).
        work = _arena(
            [((dims[l], m), dtype) for l in range(1, L + 1)]
            + [((dims[l], m) if keeps_derivative and l < L else (1, 1), np.float64) for l in range(1, L + 1)]
            + [((dims[l], m), dtype) for l in range(1, L + 1)]
        )
        self.A = List([_dummy(dtype)] + work[:L])
        self.D = List([_dummy()] + work[L : 2 * L])
        self.dW = List(
            [_dummy(dtype)] + [np.empty_like(w) if not (gram and l == 1) else _dummy(dtype) for l, w in enumerate(W, 1)]
        )
        self.db = List([_dummy(dtype)] + [np.empty_like(v) for v in bs])
        self.dZ = List([_dummy(dtype)] + work[2 * L :])
        if gram:
            self.G = G
            self.W1_0 = W[0].copy()
            # P and S in float64 whatever the data's dtype, P from the float64 product: in
            # float32 the cat model's costs drifted to a median 1.3e-3 of the float64 run's over
            # 300 iterations, against 3e-8 in standard mode (tests/test_gram.py).
            self.P = W[0].astype(np.float64) @ X
            self.S = np.zeros((dims[1], m), np.float64)
            self.GdZ = np.empty((dims[1], m), dtype)
            self.idx = np.empty(m, np.int64)
        else:
            self.G = self.P = self.S = self.GdZ = _dummy(dtype)
            self.idx = np.empty(1, np.int64)
        c = constants(dtype)
        self._consts = (dtype.type(learning_rate), dtype.type(m), c["zero"], c["slope"])

    @property
    def loop(self) -> str:
        """Which loop :meth:`run` uses: ``"python"`` (driven from Python, NumPy's BLAS),
        ``"one hidden layer"`` (:func:`_run_shallow`, standard mode) or ``"layers"``."""
        if self.python_driven:
            return "python"
        return "one hidden layer" if self.L == 2 and self.mode == "standard" else "layers"

    @contextlib.contextmanager
    def blas_threads(self):
        """The BLAS thread count this trainer's products want, for the duration of the block.

        :meth:`run` enters it itself; a caller running many chunks enters it once around
        them all (re-entering is free)."""
        if not self.single_threaded_blas or self._limited:
            yield
            return
        self._limited = True
        try:
            with _one_blas_thread():
                yield
        finally:
            self._limited = False

    def run(self, num_iterations: int) -> FloatArray:
        """Run ``num_iterations`` steps in one compiled call; returns their costs."""
        if self._generic is not None:
            with self.blas_threads():
                return self._generic.run(num_iterations)
        costs = np.empty(num_iterations, self.dtype)
        if num_iterations:
            lr, m_t, zero, slope = self._consts
            gram = self.mode == "gram"
            buffers = (self.X, self.Y, self.G, self.W, self.b, self.A, self.D, self.dW, self.db, self.dZ)
            with self.blas_threads():
                if self.loop != "one hidden layer":
                    args = (*buffers, self.P, self.S, self.GdZ, self.idx, costs, self.act, lr, m_t, zero, slope)
                    if self.loop == "python":
                        _run_large(*args, gram)
                    else:  # Gram mode (a layered loop in standard mode is the generic one)
                        _run(*args)
                else:
                    W, b, A, D, dW, db, dZ = self.W, self.b, self.A, self.D, self.dW, self.db, self.dZ
                    _run_shallow(
                        self.X, self.Y, W[1], b[1], W[2], b[2], A[1], D[1], A[2], dZ[1], dZ[2], dW[1], db[1],
                        dW[2], db[2], costs, self.act, lr, m_t, zero, slope,
                    )  # fmt: skip
        return costs

    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue this run bit for bit (copies): the stored ``W``, ``b``
        and, in Gram mode, ``P`` and ``S`` (``W1`` is then the starting ``W1``)."""
        if self._generic is not None:
            return self._generic.parameters()
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = (self.W1_0 if self.mode == "gram" and l == 1 else self.W[l]).copy()
            out[f"b{l}"] = self.b[l].copy()
        if self.mode == "gram":
            out["P"], out["S"] = self.P.copy(), self.S.copy()
        return out

    @classmethod
    def restore(cls, X, Y, state: dict, hidden_activation: str, learning_rate: float) -> Trainer:
        """A trainer that continues from :meth:`state` exactly where the saved one stood."""
        params = {k: v for k, v in state.items() if k[0] in "Wb"}
        trainer = cls(X, Y, params, hidden_activation, learning_rate, "gram" if "P" in state else "standard")
        if trainer.mode == "gram":
            np.copyto(trainer.P, state["P"])
            np.copyto(trainer.S, state["S"])
        return trainer

    def parameters(self) -> Parameters:
        """The current parameters (copies); in Gram mode ``W1`` is rebuilt here."""
        if self._generic is not None:
            return self._generic.parameters()
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = self.W[l].copy()
            out[f"b{l}"] = self.b[l].copy()
        if self.mode == "gram":
            step = self.dtype.type(self.learning_rate) / self.dtype.type(self.m)
            out["W1"] = (self.W1_0 - step * (self.S @ self.X.T)).astype(self.dtype, copy=False)
        return out
