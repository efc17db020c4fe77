"""Matrix products in compiled code with NumPy's own BLAS.

Numba's ``np.dot`` calls the BLAS that SciPy ships: another OpenBLAS, with its own pool of
threads. A process that runs NumPy products and compiled ones in turn (a scikit-learn
pipeline, a benchmark, ``fastnn``'s own Python-driven loop) then has two pools on the same
cores, and each pool's threads spin for a while after its call, slowing the other's next
one. So the compiled kernels call the ``gemm`` of the OpenBLAS that NumPy itself loads
(``scipy_cblas_dgemm64_`` and ``scipy_cblas_sgemm64_`` of the ``scipy-openblas64`` library
NumPy's wheels bundle): one pool, the very products NumPy computes (bit for bit ``A @ B``),
and the limits a user sets on NumPy's BLAS (``threadpoolctl``) apply to fastnn as well.

The functions are bound at import to two fixed symbol names (``llvmlite``'s ``add_symbol``),
which compiled code, cached code included, refers to by name. Where NumPy has no such
library (another build of NumPy, Accelerate on macOS), or with ``FASTNN_NUMPY_BLAS=0``, the
names are bound to Python callbacks with the same C signature that call ``np.matmul``:
the same results, a few microseconds more per call (products go to BLAS only above
``SMALL_PRODUCT`` multiply-adds). With ``NUMBA_DISABLE_JIT=1``, :func:`gemm` is ``np.dot``.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import llvmlite.binding as ll
import numpy as np
from numba import config, types

from fastnn.kernels._config import elementwise

#: CBLAS constants: row-major storage, no transpose, transpose.
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

#: The C signature of ``cblas_?gemm`` with 64-bit integers, pointers passed as integers
#: (the same registers on every 64-bit ABI fastnn runs on).
_C_ARGS = {
    np.dtype(np.float64): ctypes.c_double,
    np.dtype(np.float32): ctypes.c_float,
}


def _c_signature(real):
    i32, i64, ptr = ctypes.c_int32, ctypes.c_int64, ctypes.c_void_p
    return ctypes.CFUNCTYPE(None, i32, i32, i32, i64, i64, i64, real, ptr, i64, ptr, i64, real, ptr, i64)


def _numba_signature(real):
    i32, i64, ptr = types.int32, types.int64, types.uintp
    return types.void(i32, i32, i32, i64, i64, i64, real, ptr, i64, ptr, i64, real, ptr, i64)


def _numpy_library() -> ctypes.CDLL | None:
    """NumPy's bundled OpenBLAS, when it exports the 64-bit-integer CBLAS ``gemm``s."""
    if os.environ.get("FASTNN_NUMPY_BLAS", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    root = Path(np.__file__).resolve().parent
    for folder in (root.parent / "numpy.libs", root / ".dylibs"):
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else ():
            try:
                lib = ctypes.CDLL(str(path))
            except OSError:
                continue
            if hasattr(lib, "scipy_cblas_dgemm64_") and hasattr(lib, "scipy_cblas_sgemm64_"):
                return lib
    return None


def _matrix(address: int, rows: int, cols: int, ld: int, trans: int, dtype: np.dtype) -> np.ndarray:
    """The ``rows x cols`` operand a CBLAS call describes (row-major, leading dimension ``ld``)."""
    shape = (cols, ld) if trans == _TRANS else (rows, ld)
    buffer = (ctypes.c_byte * (shape[0] * shape[1] * dtype.itemsize)).from_address(address)
    stored = np.frombuffer(buffer, dtype).reshape(shape)
    return stored[:, :rows].T if trans == _TRANS else stored[:, :cols]


def _callback(dtype: np.dtype):
    """A Python ``cblas_?gemm`` (row-major, ``alpha = 1``, ``beta = 0``) on ``np.matmul``."""

    def gemm(order, trans_a, trans_b, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc):
        A = _matrix(a, M, K, lda, trans_a, dtype)
        B = _matrix(b, K, N, ldb, trans_b, dtype)
        np.matmul(A, B, out=_matrix(c, M, N, ldc, _NO_TRANS, dtype))

    return _c_signature(_C_ARGS[dtype])(gemm)


def _bind() -> str:
    """Bind the two symbol names; returns what they are bound to."""
    lib = _numpy_library()
    for dtype, name in ((np.dtype(np.float64), "d"), (np.dtype(np.float32), "s")):
        if lib is not None:
            function = getattr(lib, f"scipy_cblas_{name}gemm64_")
        else:
            function = _callback(dtype)
            _CALLBACKS.append(function)  # alive as long as the process
        ll.add_symbol(f"fastnn_cblas_{name}gemm", ctypes.cast(function, ctypes.c_void_p).value)
    return "numpy-openblas" if lib is not None else "numpy-matmul-callback"


_CALLBACKS: list = []
#: What the products call: ``"numpy-openblas"`` (NumPy's OpenBLAS directly) or
#: ``"numpy-matmul-callback"`` (through ``np.matmul``).
BOUND = _bind()

_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)
_dgemm = types.ExternalFunction("fastnn_cblas_dgemm", _numba_signature(types.float64))
_sgemm = types.ExternalFunction("fastnn_cblas_sgemm", _numba_signature(types.float32))


@elementwise
def _gemm(A, B, out):
    n, k = A.shape
    m = B.shape[1]
    contiguous = A.flags.c_contiguous or A.flags.f_contiguous
    contiguous &= B.flags.c_contiguous or B.flags.f_contiguous
    same = A.dtype == out.dtype and B.dtype == out.dtype and (out.dtype == _F64 or out.dtype == _F32)
    if not (contiguous and same and out.flags.c_contiguous):
        np.dot(A, B, out)
        return
    ta, lda = (_NO_TRANS, k) if A.flags.c_contiguous else (_TRANS, n)
    tb, ldb = (_NO_TRANS, m) if B.flags.c_contiguous else (_TRANS, k)
    if out.dtype == _F64:
        _dgemm(_ROW_MAJOR, ta, tb, n, m, k, 1.0, A.ctypes.data, lda, B.ctypes.data, ldb, 0.0, out.ctypes.data, m)
    else:
        _sgemm(_ROW_MAJOR, ta, tb, n, m, k, 1.0, A.ctypes.data, lda, B.ctypes.data, ldb, 0.0, out.ctypes.data, m)


def _gemm_python(A, B, out):
    np.dot(A, B, out)


#: ``gemm(A, B, out)``: ``out = A @ B`` (2-D float arrays; ``out`` C-contiguous) with NumPy's
#: BLAS, from compiled code. Other layouts or mixed dtypes go to ``np.dot``.
gemm = _gemm_python if config.DISABLE_JIT else _gemm
