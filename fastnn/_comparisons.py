"""One table of side-by-side comparisons: each fused kernel against the NumPy it replaces.

``COMPARISONS[name](shape, dtype)`` builds the data (seeded) and returns
``{"numpy": f, "numba": g}``, two argument-less callables doing the same work; the
kernels are warmed up here, so compilation is never timed. The pytest-benchmark tests,
the asv suite and ``scripts/bench_kernels.py`` all read this table.

``shape`` is ``(n, m)``: the layer's width and the number of examples. The NumPy side is
the reference's expression, allocating as NumPy code does; the numba side writes into
buffers allocated here, as the training loop does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fastnn import kernels as K
from fastnn import reference as R
from fastnn.kernels.activations import TRAIN_BACKWARD, TRAIN_FORWARD
from fastnn.kernels.model import _descend, _flat

#: Shapes compared: the course's (cat layer 1, planar hidden layer) and a large one.
SHAPES = {"cat": (20, 209), "planar": (4, 400), "large": (128, 60_000)}


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    n, m = shape
    n_prev = 64
    return {
        "Z": rng.standard_normal(shape).astype(dtype) * 3,
        "dA": rng.standard_normal(shape).astype(dtype),
        "A_prev": rng.standard_normal((n_prev, m)).astype(dtype),
        "W": (rng.standard_normal((n, n_prev)) / 8).astype(dtype),
        "b": rng.standard_normal((n, 1)).astype(dtype),
        "ZL": rng.standard_normal((1, m)).astype(dtype) * 3,
        "Y": (rng.random((1, m)) > 0.5).astype(dtype),
    }


def _warm(pair: dict[str, Callable]) -> dict[str, Callable]:
    for f in pair.values():
        f()
    return pair


def activation(name: str):
    def make(shape, dtype):
        d = _data(shape, dtype)
        out = np.empty_like(d["Z"])
        return _warm(
            {"numpy": lambda: R.ACTIVATIONS[name](d["Z"]), "numba": lambda: K.ACTIVATIONS[name](d["Z"], out=out)}
        )

    return make


def derivative(name: str):
    def make(shape, dtype):
        d = _data(shape, dtype)
        out = np.empty_like(d["Z"])
        return _warm(
            {
                "numpy": lambda: R.DERIVATIVES[name](d["dA"], d["Z"]),
                "numba": lambda: K.DERIVATIVES[name](d["dA"], d["Z"], out=out),
            }
        )

    return make


def forward(name: str):
    """``A = g(W @ A_prev + b)``: the reference's layer against BLAS into a buffer plus training's
    fused pass (which also writes ``g'(Z)`` for sigmoid and tanh)."""

    def make(shape, dtype):
        d = _data(shape, dtype)
        A = np.empty(shape, dtype)
        D = np.empty(shape)
        g = TRAIN_FORWARD[name]

        def numba():
            np.matmul(d["W"], d["A_prev"], out=A)
            g(A, d["b"], D)

        return _warm(
            {"numpy": lambda: R.linear_activation_forward(d["A_prev"], d["W"], d["b"], name)[0], "numba": numba}
        )

    return make


def backward(name: str):
    """``dZ = dA * g'(Z)`` and ``db = sum(dZ, axis=1) / m``: NumPy against training's one fused pass."""

    def make(shape, dtype):
        d = _data(shape, dtype)
        A, D = d["Z"].copy(), np.empty(shape)
        TRAIN_FORWARD[name](A, np.zeros((shape[0], 1), dtype), D)
        dZ = np.empty(shape, dtype)
        db = np.empty((shape[0], 1), dtype)
        m = shape[1]
        g = TRAIN_BACKWARD[name]

        def numpy():
            dZ_ref = R.DERIVATIVES[name](d["dA"], d["Z"])
            return dZ_ref, np.sum(dZ_ref, axis=1, keepdims=True) / m

        def numba():
            np.copyto(dZ, d["dA"])  # the fused kernel works in place; training needs no copy
            g(dZ, A, D, db)

        return _warm({"numpy": numpy, "numba": numba})

    return make


def output(shape, dtype):
    """The output unit: ``AL``, the cost and ``dZL = AL - Y`` from the logits, over ``(1, m)``."""
    d = _data(shape, dtype)
    AL = np.empty_like(d["ZL"])
    dZ = np.empty_like(d["ZL"])
    return _warm(
        {
            "numpy": lambda: R.sigmoid_cross_entropy(d["ZL"], d["Y"]),
            "numba": lambda: K.sigmoid_cross_entropy(d["ZL"], d["Y"], out_A=AL, out_dZ=dZ),
        }
    )


def update(shape, dtype):
    """``W -= lr * dW / m`` in place against the reference's new array."""
    d = _data(shape, dtype)
    W = d["Z"].copy()
    dW = d["dA"]
    lr, m = np.dtype(dtype).type(0.01), np.dtype(dtype).type(shape[1])
    wf, gf = _flat(W), _flat(dW)
    return _warm({"numpy": lambda: W - lr * (dW / m), "numba": lambda: _descend(wf, gf, lr, m)})


def optimizer_step(name: str):
    """One step of optimizer ``name`` on one ``(n, m)`` parameter array: the reference's
    :func:`~fastnn.reference.optimizers.step` (new arrays, mean gradient) against the update
    training runs (:func:`fastnn.kernels.optimizers._update`: in place on the flat arrays, from
    the raw gradient sum). Both with L2; the step count stays at 10 (Adam's bias correction)."""

    def make(shape, dtype):
        from fastnn.kernels.optimizers import OPTIMIZER_CODES, _update
        from fastnn.reference.optimizers import init_state, step
        from fastnn.spec import TrainingSpec

        d = _data(shape, dtype)
        spec = TrainingSpec((shape[1], shape[0]), optimizer=name, dtype=np.dtype(dtype).name)
        B, l2, lr = 200.0, 0.1, 0.001
        P, G = d["Z"].copy(), d["dA"]
        state = {**init_state({"W1": P}, spec), "t": 9}
        grads = {"dW1": G / B + (l2 / B) * P}
        flat = [_flat(a) for a in (P.copy(), G, np.zeros_like(P), np.zeros_like(P))]
        code = OPTIMIZER_CODES[name]
        args = (P.size, B, l2 / B, lr, spec.beta, spec.beta1, spec.beta2, spec.epsilon, 10)
        return _warm(
            {
                "numpy": lambda: step({"W1": P}, grads, state, spec, lr),
                "numba": lambda: _update(code, *flat, *args),
            }
        )

    return make


COMPARISONS: dict[str, Callable] = {
    **{f"{name}": activation(name) for name in R.ACTIVATIONS},
    **{f"{name}_backward": derivative(name) for name in R.DERIVATIVES},
    **{f"forward_{name}": forward(name) for name in R.ACTIVATIONS},
    **{f"backward_{name}": backward(name) for name in R.DERIVATIVES},
    "sigmoid_cross_entropy": output,
    "update_parameters": update,
    **{f"{name}_step": optimizer_step(name) for name in ("momentum", "adam", "sklearn_adam")},
}
