"""Training speed: fastnn's compiled engine against fastnn's NumPy reference, side by side.

For each workload the two run interleaved (reference, engine, reference, engine, ...) for
several rounds; the table gives median seconds per iteration and their ratio. The engine's
time is a whole run (set-up, Gram matrix, every iteration) divided by its iterations; the
reference runs fewer iterations (its time per iteration is constant). For 784 x 60,000
the reference is the course's composition of ``L_model_forward``, ``L_model_backward`` and
``update_parameters``, and "BLAS alone" times just the step's matrix products into
preallocated buffers, in the same interleaved rounds. Then peak memory (tracemalloc) of the cat model, 10 against 2,500
iterations. Run it with the BLAS environment a user would have:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/bench_training.py

``--quick`` skips 784 x 60,000 and takes fewer rounds. Needs the cat data
(``$FASTNN_DATA_DIR`` or ``../shared/data``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import fmt, machine  # noqa: E402

from fastnn import datasets  # noqa: E402
from fastnn import reference as R  # noqa: E402
from fastnn.kernels.engine import Trainer  # noqa: E402


def data_dir() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if "FASTNN_DATA_DIR" not in os.environ and shared.is_dir():
        os.environ["FASTNN_DATA_DIR"] = str(shared)


def workloads(quick: bool):
    train_x, train_y, _, _, _ = datasets.load_catvnoncat()
    X, Y = datasets.flatten_images(train_x), train_y.astype(float)
    Xp, Yp = datasets.load_planar_dataset()
    Yp = Yp.astype(float)
    yield (
        "cat L-layer [12288, 20, 7, 5, 1], 2,500 it.",
        X,
        Y,
        R.initialize_parameters([12288, 20, 7, 5, 1], "lecun", 1),
        "relu",
        0.0075,
        2500,
        30,
    )
    yield (
        "cat 2-layer [12288, 7, 1], 2,500 it.",
        X,
        Y,
        R.initialize_parameters([12288, 7, 1], "small", 1),
        "relu",
        0.0075,
        2500,
        30,
    )
    yield (
        "cat logistic [12288, 1], 2,000 it.",
        X,
        Y,
        R.initialize_parameters([12288, 1], "zeros", 1),
        "relu",
        0.005,
        2000,
        30,
    )
    yield (
        "planar [2, 4, 1] tanh, 10,000 it.",
        Xp,
        Yp,
        R.initialize_parameters([2, 4, 1], "small", 2),
        "tanh",
        1.2,
        10000,
        500,
    )
    if not quick:
        rng = np.random.default_rng(0)
        Xb = rng.random((784, 60000))
        Yb = (rng.random((1, 60000)) > 0.5).astype(float)
        pb = R.initialize_parameters([784, 128, 64, 1], "he", 0)
        yield "784 x 60,000 [784, 128, 64, 1] float64", Xb, Yb, pb, "relu", 0.01, 3, 2
        yield (
            "784 x 60,000 [784, 128, 64, 1] float32",
            Xb.astype(np.float32),
            Yb.astype(np.float32),
            {k: v.astype(np.float32) for k, v in pb.items()},
            "relu",
            0.01,
            3,
            2,
        )


def reference_step(X, Y, params, act, lr, n):
    """The course's own composition of the reference's building blocks."""
    for _ in range(n):
        AL, caches = R.L_model_forward(X, params, act)
        params = R.update_parameters(params, R.L_model_backward(AL, Y, caches, act), lr)
    return params


def engine_run(X, Y, params, act, lr, n):
    trainer = Trainer(X, Y, params, act, lr, "auto", n)
    trainer.run(n)
    return trainer.parameters(), trainer.mode


def blas_alone(X, params):
    """One iteration's unavoidable products (forward, dW for every layer, dA for layers > 1) into
    preallocated buffers, as a callable."""
    L = len(params) // 2
    W = [None] + [params[f"W{l}"] for l in range(1, L + 1)]
    A = [X] + [np.empty((W[l].shape[0], X.shape[1]), X.dtype) for l in range(1, L + 1)]
    dW = [None] + [np.empty_like(W[l]) for l in range(1, L + 1)]

    def step():
        for l in range(1, L + 1):
            np.matmul(W[l], A[l - 1], out=A[l])
        for l in range(L, 0, -1):
            np.matmul(A[l], A[l - 1].T, out=dW[l])
            if l > 1:
                np.matmul(W[l].T, A[l], out=A[l - 1])

    step()  # warm: first-touch of the buffers
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--only", default="", help="run the workloads whose name contains this text")
    args = parser.parse_args()
    data_dir()
    rounds = args.rounds or (2 if args.quick else 3)
    print(f"Machine: {machine()}\n")
    print("| workload | reference, per it. | fastnn engine, per it. | mode | speed-up | BLAS alone, per it. |")
    print("|---|---:|---:|---|---:|---:|")
    for name, X, Y, params, act, lr, n, n_ref in workloads(args.quick):
        if args.only not in name:
            continue
        engine_run(X, Y, params, act, lr, 2)  # compile outside the timing
        blas_step = blas_alone(X, params) if "784" in name else None
        t_ref, t_eng, t_blas = [], [], []
        for _ in range(rounds):
            if blas_step is not None:  # in the same rounds, so the ratio sees the same machine state
                t0 = time.perf_counter()
                for _ in range(n):
                    blas_step()
                t_blas.append((time.perf_counter() - t0) / n)
            t0 = time.perf_counter()
            if "784" in name:
                reference_step(X, Y, params, act, lr, n_ref)
            else:
                R.gradient_descent(X, Y, params, act, lr, n_ref)
            t_ref.append((time.perf_counter() - t0) / n_ref)
            t0 = time.perf_counter()
            _, mode = engine_run(X, Y, params, act, lr, n)
            t_eng.append((time.perf_counter() - t0) / n)
        ref, eng = statistics.median(t_ref), statistics.median(t_eng)
        blas = ""
        if t_blas:
            b = statistics.median(t_blas)
            blas = f"{fmt(b)} (engine {eng / b:.2f}x)"
        print(f"| {name} | {fmt(ref)} | {fmt(eng)} | {mode} | {ref / eng:.1f}x | {blas} |", flush=True)

    train_x, train_y, _, _, _ = datasets.load_catvnoncat()
    X, Y = datasets.flatten_images(train_x), train_y.astype(float)
    params = R.initialize_parameters([12288, 20, 7, 5, 1], "lecun", 1)
    engine_run(X, Y, params, "relu", 0.0075, 2)
    peaks = {}
    for n in (10, 2500):
        tracemalloc.start()
        engine_run(X, Y, params, "relu", 0.0075, n)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    dims, m = [12288, 20, 7, 5, 1], X.shape[1]
    floor = X.nbytes + Y.nbytes + sum(v.nbytes for v in params.values())
    floor += sum(2 * d * m * 8 for d in dims[1:]) + sum(
        v.nbytes for v in params.values()
    )  # A and dZ per layer, dW and db
    print(
        f"\nPeak memory allocated by a cat L-layer run (tracemalloc; X, {X.nbytes / 1e6:.1f} MB, is already in memory):"
    )
    p10, p2500 = peaks[10] / 1e6, peaks[2500] / 1e6
    print(f"10 iterations: {p10:.2f} MB; 2,500 iterations: {p2500:.2f} MB; ratio {p2500 / p10:.3f}.")
    print(
        f"(X + Y + parameters + one set of activations and gradients = {floor / 1e6:.1f} MB; "
        f"X + peak = {(X.nbytes + peaks[2500]) / floor:.2f}x of it)"
    )


if __name__ == "__main__":
    main()
