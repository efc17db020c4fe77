"""Training speed: what users call, the compiled engine alone, and fastnn's NumPy reference, side by side.

For each workload (``workloads.py``) the reference, the engine alone and each public entry
point run interleaved (A B C A B C ...) for several rounds; the table gives median seconds
per iteration and their ratios. The public entry point is what users call: the course's
drop-in for the course's models (printing its cost lines into a buffer), ``fastnn.train``
otherwise; its time is the whole call (validation, initialisation, training, the result).
The engine's is a :class:`~fastnn.kernels.engine.Trainer` from the same starting parameters:
its set-up (Gram matrix), every iteration and the final parameters. The reference runs fewer
iterations (its time per iteration is constant). For 784 x 60,000 the reference is the course's
composition of ``L_model_forward``, ``L_model_backward`` and ``update_parameters``, and "BLAS
alone" times just the step's matrix products into preallocated buffers, in the same rounds.
Then peak memory (tracemalloc) of the cat model, 10 against 2,500 iterations. Run it with the
BLAS environment a user would have:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/bench_training.py

``--quick`` skips 784 x 60,000 and takes fewer rounds. Needs the cat data
(``$FASTNN_DATA_DIR`` or ``../shared/data``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import fmt, machine  # noqa: E402
from workloads import workloads  # noqa: E402

from fastnn import datasets  # noqa: E402
from fastnn import reference as R  # noqa: E402
from fastnn.kernels.engine import Trainer  # noqa: E402

#: Reference iterations per round (its time per iteration is constant).
REFERENCE_ITERATIONS = {
    "cat L-layer": 30,
    "cat 2-layer": 30,
    "cat logistic": 30,
    "planar": 500,
    "784 x 60,000": 2,
    "784 x 60,000, float32": 2,
}


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
    rounds = args.rounds or (2 if args.quick else 7)
    print(f"Machine: {machine()}\n")
    print(
        "| workload | reference, per it. | engine alone, per it. | mode | public entry point | per it. "
        "| public / engine | public vs reference | BLAS alone, per it. |"
    )
    print("|---|---:|---:|---|---|---:|---:|---:|---:|")
    for w in workloads(args.quick):
        if args.only not in w.name:
            continue
        X, Y, params, n = w.X, w.Y, w.parameters(w.X.dtype), w.iterations
        n_ref = REFERENCE_ITERATIONS[w.name]
        large = w.name.startswith("784")
        runs = {"engine": w.engine(X, Y, n)}
        runs.update({label: make(X, Y, n) for label, make in w.public})
        for run in runs.values():  # compile and touch everything outside the timing
            run()
        mode = Trainer(X, Y, params, w.activation, w.lr, "auto", n).mode
        blas_step = blas_alone(X, params) if large else None
        times = {name: [] for name in ["reference", "blas", *runs]}
        for _ in range(rounds):
            if blas_step is not None:  # in the same rounds, so the ratio sees the same machine state
                t0 = time.perf_counter()
                for _ in range(n):
                    blas_step()
                times["blas"].append((time.perf_counter() - t0) / n)
            t0 = time.perf_counter()
            if large:
                reference_step(X, Y, params, w.activation, w.lr, n_ref)
            else:
                R.gradient_descent(X, Y, params, w.activation, w.lr, n_ref)
            times["reference"].append((time.perf_counter() - t0) / n_ref)
            for name, run in runs.items():
                t0 = time.perf_counter()
                run()
                times[name].append((time.perf_counter() - t0) / n)
        med = {name: statistics.median(t) for name, t in times.items() if t}
        ref, eng = med["reference"], med["engine"]
        blas = f"{fmt(med['blas'])} (engine {eng / med['blas']:.2f}x)" if "blas" in med else ""
        for label, _ in w.public:
            pub = med[label]
            print(
                f"| {w.name}, {n:,} it. | {fmt(ref)} | {fmt(eng)} | {mode} | `{label}` | {fmt(pub)} "
                f"| {pub / eng:.3f} | {ref / pub:.1f}x | {blas} |",
                flush=True,
            )

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
