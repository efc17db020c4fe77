"""fastnn.sklearn's estimators against scikit-learn's, the same fits side by side.

Workloads (issue #13):

* moons: ``make_moons(300, noise=0.2)``, ``(5, 2)``, Adam, batch 64, 2,000 epochs;
* digits: scikit-learn's digits (1,797 x 64) scaled by 1/16, ``(100,)``, Adam, batch "auto" (200), 200 epochs;
* synthetic 60,000 x 784, 10 classes, ``(128, 64)``, Adam, batch 200, float64 and float32, 3 epochs.

Every fit runs with ``tol=0`` and ``n_iter_no_change=max_iter`` so that both libraries run every
epoch; the two fits' loss curves are checked equal (rtol 1e-9 float64, 1e-4 float32) before
anything is timed. Each entry is the median over interleaved rounds (scikit-learn, fastnn,
BLAS alone, ...) of seconds per epoch of the public ``fit`` (validation, initialisation and
every Python step included). "BLAS alone" is one epoch's products at the same batch size
(forward, ``dW`` for every layer, ``dA`` for every layer above the first) into preallocated
buffers with NumPy's BLAS: the floor both libraries sit on.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/bench_sklearn.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import fmt, machine  # noqa: E402
from bench_minibatch import blas_epoch  # noqa: E402

from fastnn.sklearn import MLPClassifier  # noqa: E402


def workloads(quick: bool):
    X, y = make_moons(300, noise=0.2, random_state=3)
    yield "make_moons 300, (5, 2), Adam, batch 64", X, y, dict(hidden_layer_sizes=(5, 2), batch_size=64), 2000, 100
    if quick:
        return
    X, y = load_digits(return_X_y=True)
    yield "digits 1,797 x 64, (100,), Adam, batch 200", X / 16, y, dict(hidden_layer_sizes=(100,)), 200, 20
    rng = np.random.default_rng(0)
    X = rng.random((60_000, 784))
    y = rng.integers(0, 10, 60_000)
    for dtype in (np.float64, np.float32):
        name = f"60,000 x 784, 10 classes, (128, 64), Adam, batch 200, {np.dtype(dtype).name}"
        # float32: 300 Adam steps an epoch amplify float32 rounding (the two libraries' sums run in
        # other orders): the curves agree to 1e-6 after one epoch, 3e-5 after two, 2e-4 after three
        check = 3 if dtype == np.float64 else 1
        yield name, X.astype(dtype), y, dict(hidden_layer_sizes=(128, 64), batch_size=200), 3, check


def per_epoch(estimator, X, y) -> float:
    t0 = time.perf_counter()
    estimator.fit(X, y)
    return (time.perf_counter() - t0) / estimator.n_iter_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="moons only, fewer rounds")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"Machine: {machine()}\n")
    header = ["workload", "scikit-learn, per epoch", "fastnn, per epoch", "speed-up"]
    header += ["BLAS alone, per epoch", "fastnn / BLAS"]
    print("| " + " | ".join(header) + " |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, X, y, params, epochs, check_epochs in workloads(args.quick):
        common = dict(random_state=0, tol=0.0, **params)
        ref = SkMLPClassifier(max_iter=check_epochs, n_iter_no_change=check_epochs, **common).fit(X, y)
        comp = MLPClassifier(max_iter=check_epochs, n_iter_no_change=check_epochs, **common).fit(X, y)
        rtol = 1e-9 if X.dtype == np.float64 else 1e-4
        np.testing.assert_allclose(comp.loss_curve_, ref.loss_curve_, rtol=rtol)
        batch = params.get("batch_size", min(200, X.shape[0]))
        dims = [X.shape[1], *params["hidden_layer_sizes"], len(np.unique(y))]
        blas = blas_epoch(np.ascontiguousarray(X.T), dims, batch)
        sk_epochs = max(1, epochs // 20) if X.shape[0] < 10_000 else 1
        t_sk, t_fast, t_blas = [], [], []
        for _ in range(rounds):
            t_sk.append(per_epoch(SkMLPClassifier(max_iter=sk_epochs, n_iter_no_change=sk_epochs, **common), X, y))
            t_fast.append(per_epoch(MLPClassifier(max_iter=epochs, n_iter_no_change=epochs, **common), X, y))
            t0 = time.perf_counter()
            blas()
            t_blas.append(time.perf_counter() - t0)
        s, f, b = (statistics.median(t) for t in (t_sk, t_fast, t_blas))
        print(f"| {name} | {fmt(s)} | {fmt(f)} | {s / f:.1f}x | {fmt(b)} | {f / b:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
