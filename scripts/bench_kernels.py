"""Each fused kernel against the NumPy it replaces, side by side, as a markdown table.

Runs every pair of ``fastnn._comparisons.COMPARISONS`` interleaved (numpy, numba, numpy,
numba, ...) for several rounds and reports the medians and their ratio. Run it with the
BLAS environment as a user would have it:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/bench_kernels.py

Options: ``--shape large`` (or cat, planar; repeatable), ``--dtype float32``, ``--rounds N``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from fastnn._comparisons import COMPARISONS, SHAPES


def timeit(f, budget=0.05):
    """Seconds per call: the number of calls is chosen to fill about ``budget`` seconds."""
    t0 = time.perf_counter()
    f()
    once = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(budget / once))
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n


def machine() -> str:
    try:
        from threadpoolctl import threadpool_info

        blas = "; ".join(
            f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} {i.get('num_threads')} threads"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        )
    except ImportError:
        blas = "threadpoolctl not installed"
    import numba

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = f"Python {platform.python_version()}, NumPy {np.__version__}, Numba {numba.__version__}"
    return f"{cpu}, {os.cpu_count()} cores; {versions}; BLAS: {blas}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES))
    parser.add_argument("--dtype", action="append", choices=("float64", "float32"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="names from the table")
    args = parser.parse_args()
    shapes = args.shape or ["cat", "large"]
    dtypes = args.dtype or ["float64"]
    print(f"Machine: {machine()}\n")
    print("| kernel | shape | dtype | NumPy | fastnn (numba) | speed-up |")
    print("|---|---|---|---:|---:|---:|")
    for name, make in COMPARISONS.items():
        if args.only and name not in args.only:
            continue
        for shape_name in shapes:
            shape = SHAPES[shape_name]
            if name == "sigmoid_cross_entropy":
                shape = (1, shape[1])
            for dtype in dtypes:
                pair = make(shape, np.dtype(dtype))
                times = {"numpy": [], "numba": []}
                for _ in range(args.rounds):
                    for side in ("numpy", "numba"):
                        times[side].append(timeit(pair[side]))
                t_np, t_nb = statistics.median(times["numpy"]), statistics.median(times["numba"])
                row = f"| {name} | {shape[0]} x {shape[1]} | {dtype} | {fmt(t_np)} | {fmt(t_nb)} | {t_np / t_nb:.2f}x |"
                print(row, flush=True)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


if __name__ == "__main__":
    main()
