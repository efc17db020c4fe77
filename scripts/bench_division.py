"""The optimizer step's divisions: :func:`fastnn.kernels._division.quotient` against the divide
instruction, in the step the engine runs.

One epoch's steps of the 60,000 x 784 softmax model (``[784, 128, 64, 10]``, 109,386
parameters, batch 200: 300 steps), float64, the parameters, gradient sums and moments in
flat arrays as the engine keeps them: the engine's step kernel
(:func:`fastnn.kernels.optimizers._apply`, whose divisions by the batch size and by Adam's
bias corrections are quotients) against the same loop written with ``/`` (the reference's
expressions, here in the script). Both run the same 300 steps from the same arrays; their
results are checked bit for bit, then timed in alternation (median of 7 rounds).

    python scripts/bench_division.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import machine  # noqa: E402

from fastnn.kernels.optimizers import OPTIMIZER_CODES, _apply  # noqa: E402

N, STEPS, B = 109_386, 300, 200.0
LR, BETA1, BETA2, EPS = 0.001, 0.9, 0.999, 1e-8


@numba.njit(error_model="numpy")
def _divided_course(p, g_raw, v, s, c1, c2):
    for i in range(p.size):
        g = g_raw[i] / B + 0.0 * p[i]
        v[i] = BETA1 * v[i] + (1.0 - BETA1) * g
        s[i] = BETA2 * s[i] + (1.0 - BETA2) * (g * g)
        p[i] = p[i] - LR * (v[i] / c1) / (np.sqrt(s[i] / c2) + EPS)


@numba.njit(error_model="numpy")
def _divided_sklearn(p, g_raw, v, s, c1, c2):
    lr_t = LR * math.sqrt(c2) / c1
    for i in range(p.size):
        g = g_raw[i] / B + 0.0 * p[i]
        v[i] = BETA1 * v[i] + (1.0 - BETA1) * g
        s[i] = BETA2 * s[i] + (1.0 - BETA2) * (g * g)
        p[i] = p[i] - lr_t * v[i] / (np.sqrt(s[i]) + EPS)


def _epochs(step):
    @numba.njit(error_model="numpy")
    def run(p, g, v, s, t0):
        for t in range(t0 + 1, t0 + STEPS + 1):
            step(p, g, v, s, 1.0 - BETA1 ** float(t), 1.0 - BETA2 ** float(t))

    return run


def _engine(code):
    @numba.njit(error_model="numpy")
    def step(p, g, v, s, c1, c2):
        _apply(code, p, g, v, s, p.size, B, 0.0, LR, 0.9, BETA1, BETA2, EPS, c1, c2)

    return step


def main() -> None:
    print(f"Machine: {machine()}\n")
    print("| step (float64, 109,386 parameters, 300 steps) | quotients (fastnn) | divisions | ratio |")
    print("|---|---:|---:|---:|")
    for name, divided in (("adam", _divided_course), ("sklearn_adam", _divided_sklearn)):
        runs = {"quotients": _epochs(_engine(OPTIMIZER_CODES[name])), "divisions": _epochs(divided)}
        rng = np.random.default_rng(0)
        start = [rng.standard_normal(N), rng.standard_normal(N) * 0.01]
        arrays = {k: [start[0].copy(), start[1].copy(), np.zeros(N), np.zeros(N)] for k in runs}
        for k, run in runs.items():
            run(*arrays[k], 0)
        for a, b in zip(arrays["quotients"], arrays["divisions"], strict=True):
            assert np.array_equal(a, b), "the two steps differ"
        times = {k: [] for k in runs}
        for r in range(7):
            for k, run in runs.items():
                t0 = time.perf_counter()
                run(*arrays[k], STEPS * (r + 1))
                times[k].append(time.perf_counter() - t0)
        for a, b in zip(arrays["quotients"], arrays["divisions"], strict=True):
            assert np.array_equal(a, b), "the two steps differ"
        q, d = (statistics.median(times[k]) * 1e3 for k in runs)
        print(f"| {name} | {q:.2f} ms | {d:.2f} ms | {d / q:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
