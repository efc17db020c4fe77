"""The compiled kernels' BLAS products (:mod:`fastnn.kernels._blas`) against NumPy's ``A @ B``.

Oracle: NumPy's matmul. The products call the very ``gemm`` of the OpenBLAS NumPy loads, so
on NumPy's wheels the results are NumPy's bit for bit wherever NumPy calls ``gemm`` too (not
for a row times a column, which NumPy computes with ``dot``), for every layout the loops use;
the fallback (a Python callback on ``np.matmul``, bound where NumPy has no such
library, forced here with ``FASTNN_NUMPY_BLAS=0`` in a fresh process) as well.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from numba import config

from fastnn.kernels import _blas

CHECK = textwrap.dedent(
    """
    import numpy as np
    from fastnn.kernels._blas import BOUND, gemm
    print(BOUND)
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        for n, k, m in ((3, 5, 4), (40, 70, 33), (1, 9, 1)):
            A = rng.standard_normal((n, k)).astype(dtype)
            B = rng.standard_normal((k, m)).astype(dtype)
            for a in (A, np.asfortranarray(A)):
                for b in (B, np.asfortranarray(B)):
                    out = np.full((n, m), np.nan, dtype)
                    gemm(a, b, out)
                    assert out.dtype == dtype, dtype
                    if n > 1 and m > 1:  # NumPy's matmul calls gemm too: the same bits
                        assert np.array_equal(out, a @ b), (dtype, n, k, m)
                    else:  # NumPy calls dot or gemv, which may add in another order
                        np.testing.assert_allclose(out, a @ b, rtol=10 * np.finfo(dtype).eps * k)
            view = np.ascontiguousarray(B.T).T  # a transposed view, as the loops pass
            out = np.empty((n, m), dtype)
            gemm(A, view, out)
            assert n == 1 or np.array_equal(out, A @ view)
    Ab = np.arange(24.0).reshape(4, 6)[:, ::2]  # neither C- nor F-contiguous: np.dot
    out = np.empty((4, 2))
    gemm(Ab, np.ones((3, 2)), out)
    assert np.array_equal(out, Ab @ np.ones((3, 2)))
    print("ok")
    """
)


def run(env: dict) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.skipif(config.DISABLE_JIT, reason="gemm is np.dot without the JIT")
def test_products_are_numpys_through_numpys_openblas():
    lib = _blas._numpy_library()
    expected = "numpy-openblas" if lib is not None else "numpy-matmul-callback"
    assert _blas.BOUND == expected
    assert run({"FASTNN_CACHE": "0"}) == [expected, "ok"]


def test_products_are_numpys_through_the_fallback():
    assert run({"FASTNN_CACHE": "0", "FASTNN_NUMPY_BLAS": "0"}) == ["numpy-matmul-callback", "ok"]


def test_numpy_wheels_openblas_is_found():
    """NumPy's wheels for Linux bundle scipy-openblas64 (``numpy.libs``): found there."""
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    if not any("scipy_openblas64" in p.name for p in (folder.iterdir() if folder.is_dir() else ())):
        pytest.skip("this NumPy does not bundle scipy-openblas64")
    assert _blas._numpy_library() is not None
