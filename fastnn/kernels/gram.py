"""Gram mode for the generic loop: full-batch runs whose update is linear in the gradient.

With few examples and many features (the cat data: 209 x 12288) the first layer's products
``W1 X`` and ``dZ1 X^T`` dominate an iteration. When the whole data set is the batch and
the optimizer's step is linear (gradient descent, the course's momentum, scikit-learn's
classical and Nesterov momentum; L2, dropout, any head, any learning-rate schedule), every
``W1`` the run reaches is ``c W1_0 + M X^T``, for a number ``c`` and an ``n1 x m`` matrix
``M``, and every product with ``X`` can be taken in that form:

- the gradient of ``W1`` is ``(dZ1 X^T + l2 W1) / m``: ``(0, dZ1) / m + l2 / m (c, M)`` in
  coordinates ``(c, M)``, so one optimizer step on the coordinates, the raw gradient ``0`` for
  ``c`` and ``dZ1`` for ``M``, is the step of ``W1`` (the velocity has the same form);
- ``P = W1 X``, the layer's pre-activation, obeys the same step with ``dZ1 G`` as its raw
  gradient, ``G = X^T X`` (``m x m``, computed once): a product of ``n1 m^2`` multiply-adds
  instead of ``2 n1 n_x m``;
- ``||W1||^2`` (the L2 cost) is ``c^2 ||W1_0||^2 + c <P0, M> + <P, M>``, ``P0 = W1_0 X``;
- ``W1`` itself is built when asked for, one product ``M X^T``.

The steps are the optimizer's own kernel (:func:`~fastnn.kernels.optimizers._apply`) on these
arrays. The arrays live in :class:`~fastnn.kernels.training.Net`: ``Gm`` (``G``), ``Q`` (the
blocks below, ``n1 m`` entries each), ``qc`` (``c``, its velocity, a zero gradient and
``||W1_0||^2``), ``GdZ`` (``dZ1 G``, in the data's dtype) and ``idx`` (the zero-skipping
product's workspace, :func:`~fastnn.kernels.products._mm_gram`).

``Q`` and ``qc`` are float64 in float32 runs too. ``P`` is stepped in place every iteration
by increments far smaller than itself (``X`` enters it once per feature, ``W1`` does not):
in float32 its rounding would add up, step after step, to 2e-4 of the cost after 300
iterations of the cat model with momentum and L2, against 6e-8 in standard mode, where
``W1`` is rounded and ``W1 X`` computed afresh. In float64 the accumulation stays at the
level of the standard mode's (a few 1e-16). :func:`gram_refusal` says when the mode is exact.
Adam is not (its step divides by a root of squared gradients, entry by entry of ``W1``).
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels._config import elementwise, inlined, reduction
from fastnn.kernels.optimizers import _apply
from fastnn.spec import TrainingSpec

#: Optimizers whose step is linear in the parameters and the gradient.
LINEAR_OPTIMIZERS = ("gd", "momentum", "sklearn_momentum", "sklearn_nesterov")

#: The blocks of ``Net.Q``, in order, each ``n1 x m``: ``P = W1 X``, its velocity, ``M``,
#: its velocity, and ``P0 = W1_0 X``.
BLOCKS = ("P", "VP", "M", "VM", "P0")
_P, _VP, _M, _VM, _P0 = range(len(BLOCKS))
#: The entries of ``Net.qc``: ``c``, its velocity, a zero (``c``'s raw gradient), ``||W1_0||^2``.
_C, _VC, _ZERO, _W0_SQUARES = range(4)


def gram_refusal(spec: TrainingSpec, m: int) -> str | None:
    """None when Gram mode is exact for ``spec`` on ``m`` examples; otherwise the reason, for
    the ValueError of a forced ``mode="gram"``."""
    if spec.batch_size is not None and spec.batch_size < m:
        return "it needs the whole data set as the batch (batch_size=None)"
    if spec.optimizer not in LINEAR_OPTIMIZERS:
        return f"optimizer={spec.optimizer!r} is not linear in the gradient (Gram mode takes {LINEAR_OPTIMIZERS})"
    return None


@elementwise(python=False)
def _load_p(Q, A, k):
    """``A[:k] = P``: layer 1's pre-activation, into the activations' buffer (a loop: an
    array assignment would compile NumPy's broadcasting and its error messages: about a
    second of compile time)."""
    for i in range(k):
        A[i] = Q[_P * k + i]


@reduction(python=False)
def _w1_squares(Q, qc, k):
    """``||W1||^2`` from Gram mode's arrays (float64): ``c^2 ||W1_0||^2 + c <P0, M> + <P, M>``."""
    p0_m = 0.0
    p_m = 0.0
    for i in range(k):
        mi = float(Q[_M * k + i])
        p0_m += float(Q[_P0 * k + i]) * mi
        p_m += float(Q[_P * k + i]) * mi
    c = qc[_C]
    return c * c * qc[_W0_SQUARES] + c * p0_m + p_m


@inlined
def _gram_step(code, Q, qc, GdZ, dZ1, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon):
    """The step of optimizer ``code`` (linear) on ``P`` (raw gradient ``GdZ``, ``dZ1 G``), on
    ``M`` (raw gradient ``dZ1``; both flat, ``k = n1 m`` entries) and on ``c`` (raw gradient
    0); every one of them carries the L2 term. In float64 (``Q``, ``qc``) whatever the data's
    dtype. Inlined into the Gram-mode step kernels of :mod:`fastnn.kernels.ops` (no fastmath
    flags, as :func:`~fastnn.kernels.optimizers._apply` needs), each for one ``code``."""
    P, VP = Q[_P * k : (_P + 1) * k], Q[_VP * k : (_VP + 1) * k]
    M, VM = Q[_M * k : (_M + 1) * k], Q[_VM * k : (_VM + 1) * k]
    # Every entry carries the L2 term: n_l2 is each array's size (a variable; the literal 1
    # would have Numba compile _apply once more for it).
    _apply(code, P, GdZ, VP, VP, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon, 1.0, 1.0)
    _apply(code, M, dZ1, VM, VM, k, B, l2_over_b, lr, beta, beta1, beta2, epsilon, 1.0, 1.0)
    c, vc, zero = qc[_C : _C + 1], qc[_VC : _VC + 1], qc[_ZERO : _ZERO + 1]
    _apply(code, c, zero, vc, vc, c.size, B, l2_over_b, lr, beta, beta1, beta2, epsilon, 1.0, 1.0)


def gram_arrays(X: np.ndarray, W1: np.ndarray, allocate) -> tuple[np.ndarray, ...]:
    """``(G, Q, qc, GdZ)`` at the start of a run from ``W1_0``: ``G = X^T X`` (in the data's
    dtype, may hold inf: the caller checks), ``P = P0 = W1_0 X`` (float64), ``M`` and the
    velocities zero, ``c = 1``, and room for ``dZ1 G``. ``allocate(size, dtype, fill)`` makes
    the flat arrays (aligned)."""
    n1, m = W1.shape[0], X.shape[1]
    k = n1 * m
    with np.errstate(over="ignore", invalid="ignore"):
        G = X.T @ X
    Q = allocate(len(BLOCKS) * k, np.float64, 0)
    P0 = W1.astype(np.float64) @ X
    Q[_P * k : (_P + 1) * k] = P0.reshape(-1)
    Q[_P0 * k : (_P0 + 1) * k] = P0.reshape(-1)
    qc = np.zeros(4)
    qc[_C] = 1.0
    qc[_W0_SQUARES] = float(np.sum(np.square(W1.astype(np.float64))))
    return G, Q, qc, allocate(k, X.dtype, 0)


def gram_w1(X: np.ndarray, W1_0: np.ndarray, Q: np.ndarray, qc: np.ndarray) -> np.ndarray:
    """``W1 = c W1_0 + M X^T`` (in float64, returned in ``W1_0``'s dtype)."""
    n1, m = W1_0.shape[0], X.shape[1]
    k = n1 * m
    M = Q[_M * k : (_M + 1) * k].reshape(n1, m)
    return (qc[_C] * W1_0.astype(np.float64) + M @ X.T).astype(W1_0.dtype, copy=False)
