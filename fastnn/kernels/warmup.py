"""Compile every kernel ahead of time, for float32 and float64."""

from __future__ import annotations

import time

import numpy as np


def warmup(dtypes=("float64", "float32")) -> float:
    """Compile (or load from the on-disk cache) every kernel; returns the seconds taken.

    Runs each public kernel (the Course I blocks, the heads, the optimizer step), a
    two-iteration training per hidden activation in both modes of the classic engine (its
    compiled loops, and the kernels its Python-driven loop for large iterations calls), the
    generic loop (full batch and mini-batches: its Gram mode is the same compiled code) and
    every activation's, head's and optimizer's kernels it calls through pointers
    (:mod:`fastnn.kernels.ops`), its
    forward and backward pass alone (what ``fastnn.sklearn``'s L-BFGS and the Dask workers
    call), and, when scikit-learn is installed, the estimators' loop (``fastnn.sklearn``), on
    tiny data. Without it kernels compile lazily on first use.
    """
    from dataclasses import replace

    from fastnn import kernels as K
    from fastnn.kernels import ops
    from fastnn.kernels.engine import Trainer
    from fastnn.kernels.heads import HEADS
    from fastnn.kernels.optimizers import init_state, step
    from fastnn.kernels.training import EpochTrainer, _gradient
    from fastnn.spec import TrainingSpec

    start = time.perf_counter()
    for name in dtypes:
        dtype = np.dtype(name)
        rng = np.random.default_rng(0)
        X = rng.standard_normal((3, 4)).astype(dtype)
        Y = np.array([[0, 1, 1, 0]], dtype)
        params_2 = K.initialize_parameters([3, 2, 2], "he", 0, dtype)
        for activation in K.ACTIVATIONS:
            K.ACTIVATIONS[activation](X)
            K.DERIVATIVES[activation](X, X)
            params = K.initialize_parameters([3, 2, 1], "he", 0, dtype)
            for mode in ("gram", "standard"):
                Trainer(X, Y, params, activation, 0.1, mode).run(2)
                Trainer(X, Y, params, activation, 0.1, mode, python_driven=True).run(2)
            AL, caches = K.L_model_forward(X, params, activation)
            K.update_parameters(params, K.L_model_backward(AL, Y, caches, activation), 0.1)
        K.sigmoid_cross_entropy(X[:1], Y)
        K.compute_cost(AL, Y)
        K.gradient_descent(X, Y, params, "relu", 0.1, 1)
        # The generic loop: one compilation serves every head, optimizer and setting (codes it
        # reads at run time, and pointers to the kernels of each, all compiled here), full batch
        # and mini-batches.
        ops.warm(dtype)
        onehot = np.eye(2, dtype=dtype)[:, [0, 1, 1, 0]]
        spec = TrainingSpec((3, 2, 2), "tanh", "categorical_crossentropy", "adam", 0.1, batch_size=3, keep_prob=0.9)
        trainers = [EpochTrainer(X, onehot, params_2, replace(spec, batch_size=size)) for size in (None, 3)]
        for trainer in trainers:
            trainer.run(2)
        # The pass and the update that the loop inlines, compiled apart for their Python callers
        # (the arrays as the Dask workers pass them: the trainer's own C-ordered copies).
        full = trainers[0]
        _gradient(full.X, full.Y, full.net.w, full.net, full.hyper, 0)
        state = init_state(params_2, spec)
        grads = {f"d{key}": value for key, value in params_2.items()}
        step(params_2, grads, state, spec, 0.1)
        for head in HEADS.values():
            head(X[:2], onehot)
        _warm_estimators(X.T, dtype)
    return time.perf_counter() - start


def _warm_estimators(X: np.ndarray, dtype: np.dtype) -> None:
    """``fastnn.sklearn``'s loops (mini-batches, and L-BFGS), when scikit-learn is installed."""
    try:
        from fastnn.sklearn import MLPClassifier
    except ImportError:
        return
    import warnings

    y = np.array([0, 1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning, of course
        for solver in ("adam", "lbfgs"):
            MLPClassifier((2,), solver=solver, max_iter=2, batch_size=3, dtype=dtype.name).fit(X, y)
