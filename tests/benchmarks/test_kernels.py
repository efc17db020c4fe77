"""pytest-benchmark: every fused kernel against the NumPy it replaces (``fastnn._comparisons``).

Disabled in the normal test run (``--benchmark-disable`` in pyproject: each body still runs
once, so these cannot rot); run them with

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python -m pytest tests/benchmarks --benchmark-only

Groups are ``kernel|shape|dtype``, so each group compares the two backends. Kernels are
compiled and warmed while the table builds the pair, outside the timed call.
"""

from __future__ import annotations

import numpy as np
import pytest

from fastnn._comparisons import COMPARISONS, SHAPES

CASES = [
    (name, shape_name, dtype)
    for name in COMPARISONS
    for shape_name in ("cat", "large")
    for dtype in ("float64", "float32")
]


@pytest.fixture(scope="module")
def pairs():
    cache = {}

    def get(name, shape_name, dtype):
        key = (name, shape_name, dtype)
        if key not in cache:
            shape = SHAPES[shape_name]
            if name == "sigmoid_cross_entropy":
                shape = (1, shape[1])
            cache[key] = COMPARISONS[name](shape, np.dtype(dtype))
        return cache[key]

    return get


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("name, shape_name, dtype", CASES)
def test_kernel(benchmark, pairs, name, shape_name, dtype, backend, request):
    if shape_name == "large" and not request.config.getoption("benchmark_only"):
        pytest.skip("large shapes run with --benchmark-only (building them adds seconds to the test run)")
    benchmark.group = f"{name}|{shape_name}|{dtype}"
    benchmark.pedantic(pairs(name, shape_name, dtype)[backend], rounds=5, warmup_rounds=1, iterations=1)
