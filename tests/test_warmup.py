"""``fastnn.warmup()`` compiles what the public entry points then run.

In a fresh process (so that nothing compiled by another test hides a gap): ``warmup()``, then
the public calls of every loop (the classic engine's compiled and Python-driven loops in both
modes, the generic loop's heads and batchings, prediction, the estimators' solvers), both
dtypes, C- and F-ordered data. Afterwards no compiled function of ``fastnn.kernels`` may hold
a signature it did not hold after ``warmup()``: each one would be a compile on a user's first
call. The script runs twice and the second run is checked: the disk cache is then warm, the
state where a gap shows (seconds, when the test run has filled the cache already): a loop
loaded from the cache brings none of its callees, which a Python caller then compiles (or
loads) on its own. (Compiling afresh, under ``FASTNN_CACHE=0``, every callee comes with its
caller and a gap can hide: the test then proves less.) Mutation tried:
``warmup()`` without the Python-driven loop's kernels, or without the estimators: caught.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import importlib, pkgutil, warnings
import numpy as np
import fastnn
import fastnn.kernels as K
from numba.core.dispatcher import Dispatcher


def dispatchers():
    found = {}
    for info in pkgutil.iter_modules(K.__path__):
        for value in vars(importlib.import_module(f"fastnn.kernels.{info.name}")).values():
            for v in value.values() if isinstance(value, dict) else (value,):
                if isinstance(v, Dispatcher):
                    found[id(v)] = v
    return found


def signatures():
    return {d.py_func.__qualname__ + f"@{i}": len(d.overloads) for i, d in dispatchers().items()}


fastnn.warmup()
before = signatures()
rng = np.random.default_rng(0)
X = rng.standard_normal((2, 120))
y = (X[0] * X[1] > 0).astype(float)[None, :]
for dtype in ("float64", "float32"):
    Xd = X.astype(dtype)
    for data in (Xd, np.asfortranarray(Xd)):
        for act in ("relu", "tanh"):
            params = fastnn.train(data, y, [2, 4, 1], hidden_activation=act, num_iterations=3).parameters
            fastnn.predict(params, data, hidden_activation=act)
            fastnn.train(data, y, [2, 4, 3, 1], hidden_activation=act, num_iterations=3)
        fastnn.train(data, y.astype(int).ravel()[None, :], [2, 6, 2], loss="categorical_crossentropy",
                     optimizer="adam", batch_size=32, keep_prob=0.9, l2=0.1, num_iterations=2)
        fastnn.train(data, np.vstack([y, 1 - y]), [2, 5, 2], loss="binary_crossentropy", optimizer="momentum",
                     decay="inverse", num_iterations=2)
        fastnn.train(data, data, [2, 5, 2], loss="squared_error", optimizer="adam", batch_size=50,
                     num_iterations=2)
    wide = rng.random((3000, 60)).astype(dtype)
    labels = (rng.random((1, 60)) < 0.5).astype(float)
    for mode in ("gram", "standard"):
        fastnn.train(wide, labels, [3000, 20, 7, 5, 1], num_iterations=3, mode=mode)
    large = rng.random((784, 1000)).astype(dtype)  # an iteration of 1e8 flops: driven from Python
    for mode in ("gram", "standard"):
        fastnn.train(large, (rng.random((1, 1000)) < 0.5).astype(float), [784, 32, 1], num_iterations=2, mode=mode)
    try:
        from fastnn.sklearn import MLPClassifier, MLPRegressor
    except ImportError:
        continue
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver in ("adam", "sgd", "lbfgs"):
            MLPClassifier((5,), solver=solver, max_iter=3, dtype=dtype).fit(Xd.T, y.ravel())
            MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=3, dtype=dtype).fit(Xd.T, Xd[0])
after = signatures()
grown = sorted(name.split("@")[0] for name, count in after.items() if count != before.get(name, 0))
print("compiled after warmup():", ", ".join(grown) if grown else "nothing")
"""


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="nothing compiles without the JIT")
def test_nothing_compiles_after_warmup():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Twice: the first run fills the disk cache (in seconds when the test run already has), so
    # that the second, the one checked, starts warm whatever ran before it.
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=REPO, timeout=900
        )
        assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "compiled after warmup(): nothing", out.stdout[-3000:]
