"""Compiled twins of :mod:`fastnn.reference.optimizers`: one update kernel for every optimizer.

:func:`_update` applies one optimizer step to the flat parameters (all weights, then all
biases) from their raw gradient sums ``G`` (``dZ @ A_prev.T`` or ``sum(dZ)``, not yet
divided by the batch size ``B``): the gradient is ``g = G / B + l2_over_b * P`` for the first
``n_l2`` entries (the weights) and ``G / B + 0 * P`` for the rest (the biases), then the step
of ``code`` in float64, the moments ``V`` and ``S`` updated in place. Training runs
exactly this kernel; :func:`step` wraps it with the reference's signature.
"""

from __future__ import annotations

import math

import numpy as np

from fastnn._typing import Parameters
from fastnn.kernels._config import inlined
from fastnn.kernels._division import quotient, reciprocal
from fastnn.reference.optimizers import MOMENTS
from fastnn.reference.optimizers import init_state as init_state
from fastnn.spec import OPTIMIZERS, TrainingSpec

#: Optimizer codes the compiled update branches on, in :data:`fastnn.spec.OPTIMIZERS` order.
OPTIMIZER_CODES = {name: code for code, name in enumerate(OPTIMIZERS)}
_GD, _MOMENTUM, _ADAM, _SK_MOMENTUM, _SK_NESTEROV, _SK_ADAM = (
    OPTIMIZER_CODES[name] for name in ("gd", "momentum", "adam", "sklearn_momentum", "sklearn_nesterov", "sklearn_adam")
)


@inlined
def _apply(code, p, g_raw, v, s, n_l2, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2):
    """The step of ``code`` on the flat arrays, the first ``n_l2`` entries with the L2 term
    ``l2_over_b * p``, the others with ``0 * p`` (Adam's bias corrections ``c1 = 1 - beta1^t``,
    ``c2 = 1 - beta2^t`` computed once by the caller).

    The arithmetic is in the parameters' dtype, operation for operation the reference's
    NumPy expressions, whose Python-float scalars take the arrays' dtype (a float32 step in
    float32: 3x faster than in float64 for the same roundings as the reference's). The
    divisions by the batch size and by Adam's corrections are
    :func:`~fastnn.kernels._division.quotient`'s in float64: the same quotients without a
    divide instruction (the course's Adam step at scale 1.13x to 1.15x faster). One loop
    over all the entries, the L2 factor chosen per entry: two calls on the weights and the
    biases apart cost 185 ns a step on the 30 parameters of the moons model against 108 ns
    (scikit-learn's Adam, timed in a compiled loop, bit for bit the same). Indices run from 0:
    from a variable start, Numba's wraparound for a possibly negative index keeps LLVM from
    vectorizing (Adam: 3.3x slower; ``tests/test_codegen.py``).

    Inlined into callers that are all compiled without fastmath flags (the step kernels of
    :mod:`fastnn.kernels.ops`, and :func:`_update` as Python calls it): where ``code`` is a
    constant, the other optimizers' loops are pruned before typing."""
    f = p.dtype.type
    B_, l2_b, lr_, beta_, beta1_, beta2_, eps = f(B), f(l2_over_b), f(lr), f(beta), f(beta1), f(beta2), f(epsilon)
    rest, rest1, rest2, none = f(1.0 - beta), f(1.0 - beta1), f(1.0 - beta2), f(0.0)
    by_B = reciprocal(B_)
    n = p.size
    if code == _GD:
        for i in range(n):
            g = quotient(g_raw[i], B_, by_B) + (l2_b if i < n_l2 else none) * p[i]
            p[i] = p[i] - lr_ * g
        return
    if code == _MOMENTUM:
        for i in range(n):
            g = quotient(g_raw[i], B_, by_B) + (l2_b if i < n_l2 else none) * p[i]
            v[i] = beta_ * v[i] + rest * g
            p[i] = p[i] - lr_ * v[i]
        return
    if code == _SK_MOMENTUM:
        for i in range(n):
            g = quotient(g_raw[i], B_, by_B) + (l2_b if i < n_l2 else none) * p[i]
            v[i] = beta_ * v[i] - lr_ * g
            p[i] = p[i] + v[i]
        return
    if code == _SK_NESTEROV:
        for i in range(n):
            g = quotient(g_raw[i], B_, by_B) + (l2_b if i < n_l2 else none) * p[i]
            v[i] = beta_ * v[i] - lr_ * g
            p[i] = p[i] + (beta_ * v[i] - lr_ * g)
        return
    if code == _ADAM:  # the course's: corrected moments, epsilon outside the corrected root
        c1_, c2_ = f(c1), f(c2)
        by_c1, by_c2 = reciprocal(c1_), reciprocal(c2_)
        for i in range(n):
            g = quotient(g_raw[i], B_, by_B) + (l2_b if i < n_l2 else none) * p[i]
            v[i] = beta1_ * v[i] + rest1 * g
            s[i] = beta2_ * s[i] + rest2 * (g * g)
            p[i] = p[i] - lr_ * quotient(v[i], c1_, by_c1) / (np.sqrt(quotient(s[i], c2_, by_c2)) + eps)
        return
    if code == _SK_ADAM:  # scikit-learn's: the correction folded into the step, epsilon on the raw root
        lr_t = f(lr * math.sqrt(c2) / c1)
        for i in range(n):
            g = quotient(g_raw[i], B_, by_B) + (l2_b if i < n_l2 else none) * p[i]
            v[i] = beta1_ * v[i] + rest1 * g
            s[i] = beta2_ * s[i] + rest2 * (g * g)
            p[i] = p[i] - lr_t * v[i] / (np.sqrt(s[i]) + eps)
        return
    raise ValueError("unknown optimizer code")


@inlined
def _update(code, P, G, V, S, n_l2, B, l2_over_b, lr, beta, beta1, beta2, epsilon, t):
    """One step of optimizer ``code`` on the flat arrays ``P``, ``G`` (and the moments ``V``,
    ``S`` it keeps; unused ones may be any array), ``t`` the 1-based step count (Adam's bias
    correction). Entries ``[:n_l2]`` of ``P`` carry the L2 term ``l2_over_b * P`` (the
    weights, laid out first), the rest none (the biases: a term ``0.0 * P``, as the
    reference's ``dW + 0``). An unknown code raises. One call per step, on 1-d arrays: a
    reshape here, or the bias corrections' powers computed per parameter array, cost more
    than a small network's whole update."""
    c1, c2 = _corrections(code, beta1, beta2, t)
    _apply(code, P, G, V, S, n_l2, B, l2_over_b, lr, beta, beta1, beta2, epsilon, c1, c2)


@inlined
def _corrections(code, beta1, beta2, t):
    """Adam's bias corrections ``(1 - beta1^t, 1 - beta2^t)`` at step ``t`` (1-based) for the
    Adams, ``(1.0, 1.0)`` for the others."""
    c1 = c2 = 1.0
    if code == _ADAM or code == _SK_ADAM:
        c1 = 1.0 - beta1 ** float(t)  # libm pow, as Python computes the reference's (an integer power rounds otherwise)
        c2 = 1.0 - beta2 ** float(t)
    return c1, c2


def step(
    parameters: Parameters, grads: dict, state: dict, spec: TrainingSpec, learning_rate: float
) -> tuple[Parameters, dict]:
    """One step of ``spec.optimizer``; new dicts, the inputs untouched (see the reference's twin).

    ``grads`` hold the mean gradients ``dW``, ``db`` (L2 included), as the reference's.
    """
    code = OPTIMIZER_CODES[spec.optimizer]
    t = state["t"] + 1
    new = {key: np.array(value, order="C") for key, value in parameters.items()}
    moments = {
        name: {key: np.array(v, order="C") for key, v in state[name].items()} for name in MOMENTS[spec.optimizer]
    }
    dummy = np.zeros(1)
    for key, P in new.items():
        G = np.ascontiguousarray(grads[f"d{key}"], dtype=P.dtype).reshape(-1)
        V = moments["v"][key].reshape(-1) if "v" in moments else dummy
        S = moments["s"][key].reshape(-1) if "s" in moments else dummy
        rate = float(learning_rate)
        _update(code, P.reshape(-1), G, V, S, 0, 1.0, 0.0, rate, spec.beta, spec.beta1, spec.beta2, spec.epsilon, t)
    return new, {**state, "t": t, **moments}
