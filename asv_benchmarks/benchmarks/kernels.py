"""Every fused kernel against the NumPy it replaces (mirrors ``fastnn.kernels``).

The pairs come from ``fastnn._comparisons.COMPARISONS``, the table the pytest-benchmark
suite and ``scripts/bench_kernels.py`` use too; building a pair warms its kernels.
"""

from __future__ import annotations

import numpy as np

from fastnn._comparisons import COMPARISONS, SHAPES

from ._data import SMOKE


class TimeKernels:
    # The smoke run (_data.SMOKE) times the cat shape only: the large one runs the same code
    # on more data, and each case costs the run about a second of its own (168 cases: 266 s).
    params = (sorted(COMPARISONS), ["numpy", "numba"], ["float64", "float32"], ["cat"] if SMOKE else ["cat", "large"])
    param_names = ["kernel", "backend", "dtype", "shape"]
    timeout = 300

    def setup(self, kernel, backend, dtype, shape):
        shape = SHAPES[shape]
        if kernel == "sigmoid_cross_entropy":
            shape = (1, shape[1])
        self.call = COMPARISONS[kernel](shape, np.dtype(dtype))[backend]

    def time_kernel(self, kernel, backend, dtype, shape):
        self.call()
