"""What the compiler makes of the hottest elementwise loops: they must stay vectorized.

A loop that silently stops vectorizing keeps every result bit for bit, so no parity test
sees it, yet it runs several times slower. This happened to the optimizer step: its loops
ran from a start index passed as a variable, which Numba must treat as possibly negative
(wraparound), and LLVM then kept them scalar (the float64 Adam step 3.3x slower on 109,386
parameters, ``scripts/bench_kernels.py`` rows ``adam_step``). These tests read the machine
code of a fresh compile (not the disk cache) on x86-64, where a vectorized division or square
root is a packed instruction (``divpd``/``vdivpd``, ``sqrtps``...), a scalar one ``divsd``.
"""

from __future__ import annotations

import platform
import re

import numba
import numpy as np
import pytest

from fastnn.kernels.optimizers import _apply

pytestmark = [
    pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="reads x86-64 machine code"),
    pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing is compiled under NUMBA_DISABLE_JIT"),
]


def _machine_code(kernel, *args) -> str:
    """The assembly of ``kernel`` compiled afresh (same options, no cache) for ``args``."""
    options = {k: v for k, v in kernel.targetoptions.items() if k != "nopython"}
    fresh = numba.njit(**{**options, "cache": False})(kernel.py_func)
    fresh.compile(tuple(numba.typeof(a) for a in args))
    (signature,) = fresh.signatures
    return fresh.inspect_asm(signature)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimizer_step_divides_and_roots_packed(dtype):
    p, g, v, s = (np.ones(64, dtype) for _ in range(4))
    asm = _machine_code(_apply, 2, p, g, v, s, 0, 64, 1.0, 0.0, 0.1, 0.9, 0.9, 0.999, 1e-8, 0.5, 0.5)
    suffix = "pd" if dtype == np.float64 else "ps"
    assert re.search(rf"\bv?div{suffix}\b", asm), "no packed division: the optimizer's loops are scalar"
    assert re.search(rf"\bv?sqrt{suffix}\b", asm), "no packed square root: Adam's loop is scalar"
