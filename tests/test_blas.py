"""The compiled kernels' BLAS products (:mod:`fastnn.kernels._blas`) against NumPy's ``A @ B``.

Oracle: NumPy's matmul (``ref_``). With NumPy's OpenBLAS bound, the products (``comp_``) are
NumPy's bit for bit wherever NumPy calls ``gemm`` too (not for a row times a column, which
NumPy computes with ``dot``), for every layout the loops use; with the adapter on SciPy's BLAS
(bound where NumPy has no such library, forced here with ``FASTNN_NUMPY_BLAS=0``), within a
few ulp (another OpenBLAS). Each binding runs in a fresh process.
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
    import sys
    import numpy as np
    from fastnn.kernels._blas import BOUND, gemm
    print(BOUND)
    exact = BOUND == "numpy-openblas"
    rng = np.random.default_rng(0)

    def check(a, b, dtype):
        comp_out = np.full((a.shape[0], b.shape[1]), np.nan, dtype)
        gemm(a, b, comp_out)
        ref_out = a @ b
        assert comp_out.dtype == dtype, dtype
        if exact and a.shape[0] > 1 and b.shape[1] > 1:  # NumPy calls gemm too: the same bits
            assert np.array_equal(comp_out, ref_out), (dtype, a.shape, b.shape)
        else:  # NumPy calls dot, or another BLAS computes
            np.testing.assert_allclose(comp_out, ref_out, rtol=10 * np.finfo(dtype).eps * a.shape[1])

    for dtype in (np.float64, np.float32):
        for n, k, m in ((3, 5, 4), (40, 70, 33), (1, 9, 1), (7, 1, 5)):
            A = rng.standard_normal((n, k)).astype(dtype)
            B = rng.standard_normal((k, m)).astype(dtype)
            for a in (A, np.asfortranarray(A)):
                for b in (B, np.asfortranarray(B), np.ascontiguousarray(B.T).T):  # the last: a transposed view
                    check(a, b, dtype)
        A = rng.standard_normal((6, 16)).astype(dtype)
        check(A[:, ::2], rng.standard_normal((8, 5)).astype(dtype), dtype)  # strided: np.dot
        check(rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((3, 10)).astype(dtype)[:, ::2], dtype)
    mismatched = ((np.ones((4, 5)), np.empty((2, 5))), (np.ones((3, 5)), np.empty((2, 4))))
    for args in ((np.ones((2, 3)), b, out) for b, out in mismatched):
        try:
            gemm(*args)
        except ValueError as exc:
            assert "shapes" in str(exc)
        else:
            sys.exit("mismatched shapes were not refused")
    print("ok")
    """
)


def run(env: dict) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout.split()


pytestmark = pytest.mark.skipif(config.DISABLE_JIT, reason="gemm is np.dot without the JIT")


def test_products_are_numpys_through_numpys_openblas():
    expected = "numpy-openblas" if _blas._numpy_gemms() is not None else "scipy-blas-adapter"
    assert _blas.BOUND == expected
    assert run({"FASTNN_CACHE": "0"}) == [expected, "ok"]


def test_products_through_the_adapter():
    assert run({"FASTNN_CACHE": "0", "FASTNN_NUMPY_BLAS": "0"}) == ["scipy-blas-adapter", "ok"]


def test_cached_code_calls_whatever_the_names_are_bound_to(tmp_path):
    """Cached kernels call the symbol names, bound anew in each process: code cached under one
    binding runs correctly under the other."""
    env = {"FASTNN_CACHE": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
    first = run(env)[0]
    assert any(tmp_path.rglob("*_blas*.nbi")), "nothing was cached"
    other = {"numpy-openblas": "0", "scipy-blas-adapter": "1"}[first]
    assert run({**env, "FASTNN_NUMPY_BLAS": other})[1] == "ok"


def test_numpy_wheels_openblas_is_found():
    """NumPy's wheels for Linux bundle scipy-openblas64 (``numpy.libs``): found there."""
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    if not any("scipy_openblas64" in p.name for p in (folder.iterdir() if folder.is_dir() else ())):
        pytest.skip("this NumPy does not bundle scipy-openblas64")
    assert _blas._numpy_gemms() is not None
