"""What the compiler makes of the hottest elementwise loops: they must stay vectorized.

A loop that silently stops vectorizing keeps every result bit for bit, so no parity test
sees it, yet it runs several times slower. This happened to the optimizer step: its loops
ran from a start index passed as a variable, which Numba must treat as possibly negative
(wraparound), and LLVM then kept them scalar (the float64 Adam step 3.3x slower on the
109,386 parameters of ``[784, 128, 64, 10]``, the old and the new kernel timed in one process;
``scripts/bench_kernels.py`` rows ``*_step`` time it at other sizes). These tests read the
machine code of a fresh compile (not the disk cache) on x86-64, where a vectorized division or
square root is a packed instruction (``divpd``/``vdivpd``, ``sqrtps``...), a scalar one
``divsd`` or ``divss``. Likewise the gather of large batches must keep requesting the lines
of the rows it reads next (``prefetcht1``): without it every result is the same too.
"""

from __future__ import annotations

import platform
import re

import numba
import numpy as np
import pytest

from fastnn.kernels._views import PREFETCH_LOCALITY
from fastnn.kernels.optimizers import OPTIMIZER_CODES, _apply
from fastnn.kernels.training import _gather

pytestmark = [
    pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="reads x86-64 machine code"),
    pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing is compiled under NUMBA_DISABLE_JIT"),
    pytest.mark.skipif(
        numba.config.BOUNDSCHECK or numba.config.OPT == 0 or not numba.config.LOOP_VECTORIZE,
        reason="bounds checks, NUMBA_OPT=0 or NUMBA_LOOP_VECTORIZE=0 keep loops scalar by design",
    ),
]


def _machine_code(kernel, *args) -> str:
    """The assembly of ``kernel`` compiled afresh (same options, no cache) for ``args``; an
    ``int`` among them is typed as a literal (its branches on other values are pruned)."""
    options = {k: v for k, v in kernel.targetoptions.items() if k != "nopython"}
    fresh = numba.njit(**{**options, "cache": False})(kernel.py_func)
    fresh.compile(tuple(numba.types.literal(a) if type(a) is int else numba.typeof(a) for a in args))
    (signature,) = fresh.signatures
    return fresh.inspect_asm(signature)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_CODES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimizer_step_divides_and_roots_packed(optimizer, dtype):
    p, g, v, s = (np.ones(64, dtype) for _ in range(4))
    code = OPTIMIZER_CODES[optimizer]
    n_l2 = np.int64(40)  # a variable, as the callers pass it
    asm = _machine_code(_apply, code, p, g, v, s, n_l2, 1.0, 0.0, 0.1, 0.9, 0.9, 0.999, 1e-8, 0.5, 0.5)
    suffix = "pd" if dtype == np.float64 else "ps"
    # Every optimizer divides the raw gradient by the batch size (in float64 a product and two
    # fused multiply-adds: fastnn.kernels._division; in float32 a division); both Adams take a
    # square root.
    quotient = r"\bvfn?m(add|sub)\d{3}pd\b" if dtype == np.float64 else r"\bv?divps\b"
    assert re.search(quotient, asm), f"no packed quotient: {optimizer}'s loop is scalar"
    if "adam" in optimizer:
        assert re.search(rf"\bv?sqrt{suffix}\b", asm), f"no packed square root: {optimizer}'s loop is scalar"


def test_row_gather_prefetches_the_rows_ahead():
    """The gather of rows (large ``X``) requests the lines of the rows it reads next, with the
    locality asked (``PREFETCH_LOCALITY`` 2: x86's ``prefetcht1``). Without it every result is
    the same, and the at-scale epoch's gathers take a third longer again
    (``fastnn.kernels.training.GATHER_AHEAD``)."""
    mnemonic = {0: "prefetchnta", 1: "prefetcht2", 2: "prefetcht1", 3: "prefetcht0"}[PREFETCH_LOCALITY]
    XT, Y, perm = np.zeros((10, 20)), np.zeros((1, 10)), np.arange(10)
    Xb, Yb = np.zeros((5, 20)), np.zeros((1, 5))
    asm = _machine_code(_gather, XT, Y, perm, np.int64(0), Xb, Yb, True)
    assert re.search(rf"\b{mnemonic}\b", asm), f"the gather of rows gives no {mnemonic} hint"
