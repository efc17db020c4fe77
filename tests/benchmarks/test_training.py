"""pytest-benchmark: the generic loop's mini-batch workloads and the estimators, per epoch.

Disabled in the normal test run (``--benchmark-disable``: each body runs once, on a smaller
slice of the large data, so these cannot rot); the full sizes run with

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m pytest tests/benchmarks --benchmark-only

Groups compare implementations of one workload: ``fastnn.train`` on both backends (moons
Adam), the compiled loop at scale (784 x 60,000 softmax Adam, both dtypes), and
``fastnn.sklearn`` against scikit-learn (moons). Each benchmark's result is its final cost, so
``--benchmark-json`` records what was computed beside how long it took.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastnn
from fastnn.datasets import load_moons

MOONS = dict(hidden_activation="relu", optimizer="adam", learning_rate=0.0007, batch_size=64, shuffle_seed=11)
SOFTMAX = dict(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.001, batch_size=200, init="he")


@pytest.mark.parametrize("backend, epochs", [("numpy", 20), ("numba", 1000)])
def test_moons_adam(benchmark, backend, epochs):
    X, Y = load_moons()
    fastnn.train(X, Y, [2, 5, 2, 1], num_iterations=1, backend=backend, **MOONS)  # compile outside
    benchmark.group = "moons 300, [2, 5, 2, 1], Adam, batch 64 (per call; epochs in the name)"
    benchmark.name = f"{backend}, {epochs} epochs"
    result = benchmark.pedantic(
        lambda: fastnn.train(X, Y, [2, 5, 2, 1], num_iterations=epochs, backend=backend, **MOONS),
        rounds=5, warmup_rounds=0, iterations=1,
    )  # fmt: skip
    assert np.isfinite(result.costs[-1])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_at_scale(benchmark, dtype, request):
    m = 60_000 if request.config.getoption("benchmark_only") else 2_000
    rng = np.random.default_rng(0)
    X = rng.random((784, m)).astype(dtype)
    labels = rng.integers(0, 10, (1, m))
    fastnn.train(X[:, :400], labels[:, :400], [784, 128, 64, 10], num_iterations=1, **SOFTMAX)
    benchmark.group = f"784 x {m:,} softmax, [784, 128, 64, 10], Adam, batch 200, one epoch"
    result = benchmark.pedantic(
        lambda: fastnn.train(X, labels, [784, 128, 64, 10], num_iterations=1, **SOFTMAX),
        rounds=3, warmup_rounds=0, iterations=1,
    )  # fmt: skip
    assert np.isfinite(result.costs[-1])


@pytest.mark.parametrize("library", ["fastnn", "scikit-learn"])
def test_estimator_moons(benchmark, library):
    from sklearn.datasets import make_moons

    if library == "fastnn":
        from fastnn.sklearn import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    X, y = make_moons(300, noise=0.2, random_state=3)
    epochs = 200

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return MLPClassifier((5, 2), batch_size=64, max_iter=epochs, tol=0.0, n_iter_no_change=epochs,
                                 random_state=0).fit(X, y)  # fmt: skip

    fit()
    benchmark.group = "MLPClassifier.fit, make_moons 300, (5, 2), Adam, batch 64, 200 epochs"
    result = benchmark.pedantic(fit, rounds=3, warmup_rounds=0, iterations=1)
    assert result.n_iter_ == epochs
