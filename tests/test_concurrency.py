"""Two threads training different models at once on the numba backend.

The kernels are compiled with ``nogil=True`` and never use Numba's parallel regions, so
there is no threading layer to trip; this checks that concurrent runs give exactly the
results of sequential ones.
"""

from __future__ import annotations

import threading

import numpy as np

import fastnn


def test_two_threads_train_different_models_correctly():
    rng = np.random.default_rng(0)
    problems = []
    for n_x, m, dims, act in [(30, 200, [8, 4], "relu"), (300, 40, [6], "tanh")]:
        X = rng.standard_normal((n_x, m))
        Y = (X[0] > 0).astype(float)[None, :]
        problems.append((X, Y, [n_x, *dims, 1], act))
    sequential = [
        fastnn.train(X, Y, d, hidden_activation=a, num_iterations=300, learning_rate=0.05) for X, Y, d, a in problems
    ]
    results = [None, None]
    errors = []

    def work(i):
        try:
            X, Y, d, a = problems[i]
            for _ in range(3):
                results[i] = fastnn.train(X, Y, d, hidden_activation=a, num_iterations=300, learning_rate=0.05)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    for seq, conc in zip(sequential, results, strict=True):
        np.testing.assert_array_equal(conc.costs, seq.costs)
        for key in seq.parameters:
            np.testing.assert_array_equal(conc.parameters[key], seq.parameters[key])
