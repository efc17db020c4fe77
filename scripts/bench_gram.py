"""Gram mode beyond gradient descent: ``fastnn.train`` in ``mode="gram"`` against
``mode="standard"`` and the numpy backend (the reference), side by side.

Workloads: the cat data (209 x 12288, ``$FASTNN_DATA_DIR`` or ``../shared/data``), the
course's four-layer model ``[12288, 20, 7, 5, 1]`` (ReLU), trained with

* the course's momentum (beta 0.9) and L2 (``l2=0.7``), and
* scikit-learn's Nesterov momentum, softmax over two classes, L2 0.1 and inverse decay,

runs the classic engine never saw (it takes full-batch gradient descent of sigmoid units
only). Each entry is the median over interleaved rounds (A B C A B C ...) of the whole public
call divided by its iterations (Gram mode runs more of them, so its one-off ``X.T @ X`` and
final ``W1`` are spread over them as a user's 2,500 would be). Before timing, the costs of
every backend are checked against the reference's (float64, 1e-12 relative).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/bench_gram.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import fmt, machine  # noqa: E402

import fastnn  # noqa: E402
from fastnn import datasets  # noqa: E402

DIMS = [12288, 20, 7, 5, 1]
RUNS = {
    "momentum + L2": dict(optimizer="momentum", l2=0.7, learning_rate=0.0075),
    "Nesterov, softmax, L2, decay": dict(
        optimizer="sklearn_nesterov", loss="categorical_crossentropy", l2=0.1, decay="inverse", decay_rate=0.01
    ),
}
#: Iterations per call: Gram mode, standard mode, the reference.
ITERATIONS = {"gram": 2500, "standard": 20, "numpy": 10}


def call(X, Y, dims, options, how, n):
    backend, mode = ("numpy", "auto") if how == "numpy" else ("numba", how)
    start = time.perf_counter()
    result = fastnn.train(X, Y, dims, num_iterations=n, backend=backend, mode=mode, **options)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 2 if args.quick else 5
    train_x, train_y, *_ = datasets.load_catvnoncat()
    X = datasets.flatten_images(train_x) / 255.0
    Y = train_y.reshape(1, -1).astype(np.float64)
    print(machine())
    print(f"{'run':<30} {'reference':>11} {'standard':>11} {'gram':>11} {'gram vs standard':>17} {'vs reference':>13}")
    for name, options in RUNS.items():
        dims = list(DIMS)
        if options.get("loss") == "categorical_crossentropy":
            dims[-1] = 2
            options = {"learning_rate": 0.0075, **options}
        # Checked first: every way the same costs (reference's first 10 iterations).
        ref = call(X, Y, dims, options, "numpy", ITERATIONS["numpy"])[1].costs
        for how in ("gram", "standard"):
            costs = call(X, Y, dims, options, how, ITERATIONS["numpy"])[1].costs
            np.testing.assert_allclose(costs, ref, rtol=1e-12)
        times = {how: [] for how in ITERATIONS}
        for _ in range(rounds):
            for how, n in ITERATIONS.items():
                times[how].append(call(X, Y, dims, options, how, n)[0] / n)
        med = {how: statistics.median(t) for how, t in times.items()}
        print(
            f"{name:<30} {fmt(med['numpy']):>11} {fmt(med['standard']):>11} {fmt(med['gram']):>11} "
            f"{med['standard'] / med['gram']:>16.1f}x {med['numpy'] / med['gram']:>12.1f}x"
        )


if __name__ == "__main__":
    main()
