"""Mini-batch training speed: ``fastnn.train`` on the numba backend against the numpy backend
(the reference), and against BLAS alone, side by side.

Workloads:

* moons: the Course II "Optimization methods" model on its data (``fastnn.datasets.load_moons``),
  ``[2, 5, 2, 1]``, Adam (learning rate 0.0007), batch 64, shuffle seed 11; Python overhead
  per mini-batch is everything here.
* softmax at scale: 784 x 60,000 (uniform random features, 10 random classes),
  ``[784, 128, 64, 10]``, Adam, batch 200, float64 and float32; "BLAS alone" is one epoch's
  matrix products (forward, ``dW`` for every layer, ``dA`` for layers above the first) into
  preallocated buffers, NumPy's BLAS, timed in the same interleaved rounds.

Each entry is the median over rounds of seconds per epoch, every implementation timed through
the public entry point (a whole call, validation and initialisation included; at scale the
numba call runs 4 epochs, so its one-off set-up, the transposed copy of X included, is spread
over them), interleaved (A B A B ...). The numba run is checked against the numpy run (costs within 1e-12 relative
in float64) before timing.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/bench_minibatch.py [--quick]
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
from bench_training import blas_alone  # noqa: E402

import fastnn  # noqa: E402
from fastnn.datasets import load_moons  # noqa: E402
from fastnn.kernels.training import EpochTrainer  # noqa: E402
from fastnn.reference import initialize_parameters  # noqa: E402
from fastnn.spec import TrainingSpec  # noqa: E402


def softmax_data(dtype) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((784, 60_000)).astype(dtype)
    labels = rng.integers(0, 10, 60_000)[None, :]
    return X, labels


def blas_epoch(X, dims, batch):
    """One epoch's products at batch size ``batch`` (bench_training's step, once per batch)."""
    params = initialize_parameters(dims, "he", 1, X.dtype)
    step = blas_alone(np.ascontiguousarray(X[:, :batch]), params)

    def epoch():
        for _ in range(X.shape[1] // batch):
            step()

    return epoch


def timed(call, epochs: int) -> float:
    t0 = time.perf_counter()
    call()
    return (time.perf_counter() - t0) / epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="moons only, fewer rounds")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    print(f"Machine: {machine()}\n")
    print("| workload | numpy backend, per epoch | fastnn (numba), per epoch | speed-up | BLAS alone, per epoch |")
    print("|---|---:|---:|---:|---:|")

    X, Y = load_moons()
    kw = dict(hidden_activation="relu", optimizer="adam", learning_rate=0.0007, batch_size=64, shuffle_seed=11)
    ref = fastnn.train(X, Y, [2, 5, 2, 1], num_iterations=20, backend="numpy", **kw)
    comp = fastnn.train(X, Y, [2, 5, 2, 1], num_iterations=20, backend="numba", **kw)
    np.testing.assert_allclose(comp.costs, ref.costs, rtol=1e-12)
    n_ref, n_comp = 100, 5000
    t_ref, t_comp = [], []

    def run(n, backend):
        return lambda: fastnn.train(X, Y, [2, 5, 2, 1], num_iterations=n, backend=backend, **kw)

    for _ in range(rounds):
        t_ref.append(timed(run(n_ref, "numpy"), n_ref))
        t_comp.append(timed(run(n_comp, "numba"), n_comp))
    r, c = statistics.median(t_ref), statistics.median(t_comp)
    print(f"| moons 300, [2, 5, 2, 1], Adam, batch 64 | {fmt(r)} | {fmt(c)} | {r / c:.1f}x |  |", flush=True)
    if args.quick:
        return

    dims = [784, 128, 64, 10]
    for dtype in (np.float64, np.float32):
        X, labels = softmax_data(dtype)
        kw = dict(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.001, batch_size=200, init="he")
        small = slice(0, 2000)
        ref = fastnn.train(X[:, small], labels[:, small], dims, num_iterations=2, backend="numpy", **kw)
        comp = fastnn.train(X[:, small], labels[:, small], dims, num_iterations=2, backend="numba", **kw)
        np.testing.assert_allclose(comp.costs, ref.costs, rtol=1e-12 if dtype == np.float64 else 1e-5)
        blas = blas_epoch(X, dims, 200)
        blas()
        # The engine alone: one EpochTrainer built outside the timing (its set-up includes the
        # transposed copy of X, about a second for these 376 MB, mostly page faults), one epoch a call.
        spec = TrainingSpec(
            tuple(dims), "relu", "categorical_crossentropy", "adam", 0.001, batch_size=200, dtype=np.dtype(dtype).name
        )
        engine = EpochTrainer(
            X, np.eye(10, dtype=X.dtype)[:, labels[0]], initialize_parameters(dims, "he", 1, X.dtype), spec
        )
        engine.run(1)
        t_ref, t_comp, t_blas, t_engine = [], [], [], []

        def epochs(n, backend, X=X, labels=labels, kw=kw):
            return lambda: fastnn.train(X, labels, dims, num_iterations=n, backend=backend, **kw)

        for _ in range(max(2, rounds - 2)):
            t_blas.append(timed(blas, 1))
            t_ref.append(timed(epochs(1, "numpy"), 1))
            t_comp.append(timed(epochs(4, "numba"), 4))
            t_engine.append(timed(lambda engine=engine: engine.run(1), 1))
        r, c, b, e = (statistics.median(t) for t in (t_ref, t_comp, t_blas, t_engine))
        name = f"784 x 60,000, [784, 128, 64, 10] softmax, Adam, batch 200, {np.dtype(dtype).name}"
        print(
            f"| {name} | {fmt(r)} | {fmt(c)} | {r / c:.1f}x | {fmt(b)} (fastnn {c / b:.2f}x; "
            f"engine alone {fmt(e)}, {e / b:.2f}x) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
