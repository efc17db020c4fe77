"""A run's operations as function pointers: each compiled only when a run needs it.

The generic loop (:func:`fastnn.kernels.training._epochs`, and scikit-learn's,
:func:`fastnn.kernels.estimator._sk_epochs`) is compiled once per dtype. What depends on the
hidden activation, the head and the optimizer, it calls through the addresses of an
:class:`Ops` tuple, each made a function inside the loop (:func:`function`: Numba's
first-class functions, a ``FunctionType`` per slot, the same for every activation, head or
optimizer), so that a run compiles the kernels of its own
activation, head and optimizer and nothing of the others. Compiled into the loop behind
branches on codes read at run time, every one of them was compiled by every run: about a
quarter of the generic model's cold compile (README, "Compile latency").

Each kernel here is one of the dispatching functions (:func:`~fastnn.kernels.products._mm_forward`,
:func:`~fastnn.kernels.heads._head`, :func:`~fastnn.kernels.optimizers._apply`, ...) inlined
with its code a closure's constant: Numba prunes the other codes' branches before typing.
One kernel per code and kind, made once (:data:`KERNELS`), compiled per dtype on first use
or loaded from the disk cache. A call through a pointer costs a few nanoseconds, a handful
per mini-batch. The kernels must not raise: no exception crosses a pointer
(:class:`~fastnn.kernels._config._Pointed`). The codes' ``unknown code`` branches are pruned;
the one check left on their paths, ``gemm``'s on its operands' shapes
(:mod:`fastnn.kernels._blas`), cannot fail on the loop's own buffers, which the trainer sizes.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from types import MappingProxyType

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.numpy_support import as_dtype

from fastnn.kernels._config import elementwise, function_pointer, inlined, named
from fastnn.kernels.activations import ACT_CODES, _backward_hidden, _forward_hidden
from fastnn.kernels.gram import LINEAR_OPTIMIZERS, _gram_step
from fastnn.kernels.heads import HEAD_CODES, _head
from fastnn.kernels.optimizers import OPTIMIZER_CODES, _apply
from fastnn.kernels.products import _mm_backward, _mm_forward

#: The addresses of the kernels the generic loop calls (:class:`~fastnn.kernels.training.Hyper`'s
#: ``ops``: plain integers, which cost nothing to pass from Python; the loop makes each a
#: function with :func:`function`):
#:
#: - ``forward(W, A_prev, Z, b, D, zero, slope)``: a hidden layer's product, bias and
#:   activation (:func:`~fastnn.kernels.products._mm_forward`);
#: - ``backward(W, dZ, dA_prev, A_prev, D, zero, slope)``: ``(W^T dZ) g'(Z_prev)``
#:   (:func:`~fastnn.kernels.products._mm_backward`);
#: - ``activate(Z, b, D, zero, slope)``: bias and activation of a product taken apart
#:   (:func:`~fastnn.kernels.activations._forward_hidden`; Gram mode and examples as rows);
#: - ``derive(dA, A, D, db, zero, slope)``: ``dZ`` and ``db`` after the dropout mask
#:   (:func:`~fastnn.kernels.activations._backward_hidden`);
#: - ``head(Z, b, Y, dZ, db, clip) -> float``: the output layer and its loss
#:   (:func:`~fastnn.kernels.heads._head`);
#: - ``step(P, G, V, S, n_l2, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2)``: the
#:   optimizer's step (:func:`~fastnn.kernels.optimizers._apply`);
#: - ``gram_step(Q, qc, GdZ, dZ1, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon)``: its
#:   step on Gram mode's coordinates (:func:`~fastnn.kernels.gram._gram_step`).
#:
#: A slot the run never calls (``activate`` without its own first product, ``derive``
#: without dropout, ``gram_step`` outside Gram mode) holds a kernel that only fills its outputs
#: with NaN (compiled in a fraction of the real one's time; a call by mistake cannot go unseen).
Ops = namedtuple("Ops", "forward backward activate derive head step gram_step")

#: Every kernel made so far, by ``(kind, code)``: each made once, so that it compiles (or
#: loads) once per dtype in a process.
KERNELS: dict[tuple[str, int], object] = {}

_pointed = elementwise(python=False, pointer=True)


def _hidden_kernels(act: int) -> tuple:
    """``(forward, backward, activate, derive)`` of hidden activation code ``act``."""

    def forward(W, A_prev, Z, b, D, zero, slope):
        _mm_forward(W, A_prev, Z, b, D, act, zero, slope)

    def backward(W, dZ, dA_prev, A_prev, D, zero, slope):
        _mm_backward(W, dZ, dA_prev, A_prev, D, act, zero, slope)

    def activate(Z, b, D, zero, slope):
        _forward_hidden(Z, b, D, act, zero, slope)

    def derive(dA, A, D, db, zero, slope):
        _backward_hidden(dA, A, D, db, act, zero, slope)

    return forward, backward, activate, derive


def _head_kernel(code: int):
    def head(Z, b, Y, dZ, db, clip):
        return _head(code, Z, b, Y, dZ, db, clip)

    return head


def _step_kernel(code: int):
    def step(P, G, V, S, n_l2, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2):
        _apply(code, P, G, V, S, n_l2, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2)

    return step


def _gram_step_kernel(code: int):
    def gram_step(Q, qc, GdZ, dZ1, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon):
        _gram_step(code, Q, qc, GdZ, dZ1, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon)

    return gram_step


# The kernels of the slots a run never calls. Each fills what it would write with NaN: a
# call by mistake (a flag of the loop out of step with the slots chosen for it) makes the run
# fail loudly (``on_nonfinite``) instead of training without a layer's activation.


@inlined
def _poison(a):
    """Every entry of the 2-D ``a`` set to NaN (loops: an array assignment would compile
    NumPy's broadcasting)."""
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            a[i, j] = np.nan


def _nothing_activate(Z, b, D, zero, slope):
    _poison(Z)


def _nothing_derive(dA, A, D, db, zero, slope):
    _poison(dA)
    _poison(db)


def _nothing_gram_step(Q, qc, GdZ, dZ1, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon):
    for i in range(Q.size):
        Q[i] = np.nan


#: The factories of each kind, by the code table they are keyed by.
_FACTORIES = {
    "forward": (ACT_CODES, lambda code: _hidden_kernels(code)[0]),
    "backward": (ACT_CODES, lambda code: _hidden_kernels(code)[1]),
    "activate": (ACT_CODES, lambda code: _hidden_kernels(code)[2]),
    "derive": (ACT_CODES, lambda code: _hidden_kernels(code)[3]),
    "head": (HEAD_CODES, _head_kernel),
    "step": (OPTIMIZER_CODES, _step_kernel),
    "gram_step": ({name: OPTIMIZER_CODES[name] for name in LINEAR_OPTIMIZERS}, _gram_step_kernel),  # Gram mode's
}
#: The kernel of each kind that may go unused, for runs that never call it (code -1 in
#: :data:`KERNELS`).
_NOTHING = {"activate": _nothing_activate, "derive": _nothing_derive, "gram_step": _nothing_gram_step}


def _kernel(kind: str, name: str | None):
    """The kernel of ``kind`` for ``name`` (an activation, loss or optimizer name), or the
    unused slot's for None; made on first use."""
    codes, factory = _FACTORIES[kind]
    code = -1 if name is None else codes[name]  # a KeyError here is a bug: the spec validated the name
    key = (kind, code)
    if key not in KERNELS:
        func = _NOTHING[kind] if name is None else named(factory(code), f"_{kind}_{name}")
        KERNELS[key] = _pointed(func)
    return KERNELS[key]


@functools.cache
def signatures(dtype: np.dtype) -> MappingProxyType[str, numba.core.typing.Signature]:
    """Each slot's signature for data of ``dtype``: the types the generic loop passes (2-D
    C-contiguous views of its flat buffers, ``g'(Z)`` in float64, the dtype's constants,
    Gram mode's coordinates in float64)."""
    d = numba.from_dtype(np.dtype(dtype))
    a1, a2 = types.Array(d, 1, "C"), types.Array(d, 2, "C")
    f1, f2 = types.Array(types.float64, 1, "C"), types.Array(types.float64, 2, "C")
    f, i = types.float64, types.int64
    none = types.none
    return MappingProxyType(
        {
            "forward": none(a2, a2, a2, a2, f2, d, d),
            "backward": none(a2, a2, a2, a2, f2, d, d),
            "activate": none(a2, a2, f2, d, d),
            "derive": none(a2, a2, f2, a2, d, d),
            "head": f(a2, a2, a2, a2, a2, f),
            "step": none(a1, a1, a1, a1, i, f, f, f, f, f, f, f, f, f),
            "gram_step": none(f1, f1, a1, a1, i, f, f, f, f, f, f, f),
        }
    )  # read-only: the memoized mapping is shared


@functools.cache
def ops(
    activation: str, loss: str, optimizer: str, dtype: np.dtype, *, activate: bool, derive: bool, gram: bool
) -> Ops:
    """The addresses of one run's kernels: ``activation``'s, ``loss``'s and ``optimizer``'s for
    ``dtype``, compiled (or loaded) on the first call. ``activate``, ``derive``, ``gram``:
    whether the run calls those slots (otherwise they hold the unused slots' kernels).
    Memoized: finding each compiled kernel and its address took about 0.2 ms, more than
    building the rest of a small run's trainer.

    Addresses, not Numba's function objects: a function object passed from Python is
    converted at every call of the compiled loop (its signature unpickled, its address looked
    up: about 12 µs each, 85 µs a call for the seven slots), which a loop called once an epoch
    (early stopping) or once an evaluation (L-BFGS) pays every time."""
    sig = signatures(np.dtype(dtype))
    names = {
        "forward": activation,
        "backward": activation,
        "activate": activation if activate else None,
        "derive": activation if derive else None,
        "head": loss,
        "step": optimizer,
        "gram_step": optimizer if gram else None,
    }
    return Ops(*(function_pointer(_kernel(kind, names[kind]), sig[kind]) for kind in Ops._fields))


@intrinsic
def function(typingctx, address, kind, like):
    """The kernel at ``address`` (from :data:`Ops`) as a function compiled code can call, of
    slot ``kind``'s signature (a string literal) for the dtype of the array ``like``
    (:func:`signatures`, the one :func:`ops` compiled it for). A call with other argument
    types is a typing error."""
    if not (isinstance(address, types.Integer) and isinstance(kind, types.StringLiteral)):
        return None
    if not isinstance(like, types.Array) or kind.literal_value not in Ops._fields:
        return None
    fnty = types.FunctionType(signatures(as_dtype(like.dtype))[kind.literal_value])

    def codegen(context, builder, sig, args):
        value = cgutils.create_struct_proxy(fnty)(context, builder)
        value.c_addr = builder.inttoptr(args[0], ir.IntType(8).as_pointer())
        return value._getvalue()

    return fnty(address, kind, like), codegen


if numba.config.DISABLE_JIT:

    def function(address, kind, like):  # noqa: F811
        """The Python function itself (what :func:`function_pointer` gives without the JIT)."""
        return address


def warm(dtype: np.dtype) -> None:
    """Compile (or load) every kernel of every kind for ``dtype`` (:func:`fastnn.warmup`)."""
    sig = signatures(np.dtype(dtype))
    for kind, (codes, _) in _FACTORIES.items():
        for name in [*codes, *([None] if kind in _NOTHING else [])]:
            function_pointer(_kernel(kind, name), sig[kind])
