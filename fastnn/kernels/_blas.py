"""Matrix products in compiled code with NumPy's own BLAS.

Numba's ``np.dot`` calls the BLAS that SciPy ships: another OpenBLAS, with its own pool of
threads. A process that runs NumPy products and compiled ones in turn (a scikit-learn
pipeline, a benchmark, ``fastnn``'s own Python-driven loop) then has two pools on the same
cores, and each pool's threads spin for a while after its call, slowing the other's next
one. So the compiled kernels call the ``gemm`` of the OpenBLAS that NumPy itself loads (the
64-bit-integer CBLAS ``?gemm`` of the ``scipy-openblas64`` library in NumPy's wheels, or of
an ``openblas64_`` build): one pool, NumPy's own products (the same bits as ``A @ B``
wherever NumPy calls ``gemm`` too), and the limits a user sets on NumPy's BLAS
(``threadpoolctl``) apply to fastnn as well.

The two functions are bound at import to fixed symbol names (``llvmlite``'s ``add_symbol``),
which compiled code, cached code included, refers to by name. Where NumPy has no such
library (a conda or distribution build, Accelerate on macOS), or with
``FASTNN_NUMPY_BLAS=0``, the names are bound to compiled adapters with the same C signature
that call Numba's ``np.dot`` (SciPy's BLAS, as before this module; no GIL taken). The names
carry a version: a change of their signature must change it, so that code cached against
the old one fails to link instead of calling with the wrong arguments. With
``NUMBA_DISABLE_JIT=1`` nothing is bound and :func:`gemm` is ``np.dot``.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import llvmlite.binding as ll
import numpy as np
from numba import carray, cfunc, config, types
from numba.extending import overload

from fastnn.kernels._config import CACHE, NUMPY_BLAS, elementwise

#: CBLAS constants: row-major storage, no transpose, transpose.
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
#: The symbol names compiled code calls (``{}``: ``d`` or ``s``); see the module docstring.
SYMBOL = "fastnn_cblas_{}gemm_v1"
#: Names of NumPy's 64-bit-integer CBLAS ``gemm`` (``{}``: ``d`` or ``s``), in the order tried.
_NUMPY_NAMES = ("scipy_cblas_{}gemm64_", "cblas_{}gemm64_")
_REALS = {"d": types.float64, "s": types.float32}


def _signature(real: types.Type, pointer: types.Type) -> types.Signature:
    """``cblas_?gemm`` with 64-bit integers: (order, trans_a, trans_b, M, N, K, alpha, A, lda,
    B, ldb, beta, C, ldc). Pointers and 64-bit integers travel in the same registers on every
    64-bit ABI fastnn runs on, so callers pass addresses as integers."""
    i32, i64 = types.int32, types.int64
    return types.void(i32, i32, i32, i64, i64, i64, real, pointer, i64, pointer, i64, real, pointer, i64)


def _numpy_gemms() -> dict[str, int] | None:
    """Addresses of the ``?gemm`` of the OpenBLAS NumPy ships, or None when it has none."""
    root = Path(np.__file__).resolve().parent
    for folder in (root.parent / "numpy.libs", root / ".dylibs"):
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else ():
            try:
                lib = ctypes.CDLL(str(path))
            except OSError:
                continue
            for name in _NUMPY_NAMES:
                if all(hasattr(lib, name.format(kind)) for kind in _REALS):
                    return {
                        kind: ctypes.cast(getattr(lib, name.format(kind)), ctypes.c_void_p).value for kind in _REALS
                    }
    return None


def _adapter(real: types.Type):
    """A compiled ``cblas_?gemm`` for the calls :func:`gemm` makes (row-major, contiguous
    operands: each leading dimension the operand's row length; ``alpha = 1``, ``beta = 0``)
    on Numba's ``np.dot``."""

    @cfunc(_signature(real, types.CPointer(real)), cache=CACHE, nopython=True)
    def adapter(order, trans_a, trans_b, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc):
        C = carray(c, (M, N))
        if trans_a == _NO_TRANS:
            if trans_b == _NO_TRANS:
                np.dot(carray(a, (M, K)), carray(b, (K, N)), C)
            else:
                np.dot(carray(a, (M, K)), carray(b, (N, K)).T, C)
        elif trans_b == _NO_TRANS:
            np.dot(carray(a, (K, M)).T, carray(b, (K, N)), C)
        else:
            np.dot(carray(a, (K, M)).T, carray(b, (N, K)).T, C)

    return adapter


_ADAPTERS: list = []  # alive as long as the process: compiled code holds their addresses


def _bind() -> str:
    """Bind the symbol names (see the module docstring); returns what they are bound to."""
    if config.DISABLE_JIT:
        return "np.dot (NUMBA_DISABLE_JIT)"
    addresses = _numpy_gemms() if NUMPY_BLAS else None
    bound = "numpy-openblas"
    if addresses is None:
        _ADAPTERS.extend(_adapter(real) for real in _REALS.values())
        addresses = {kind: adapter.address for kind, adapter in zip(_REALS, _ADAPTERS, strict=True)}
        bound = "scipy-blas-adapter"
    for kind, address in addresses.items():
        ll.add_symbol(SYMBOL.format(kind), address)
    return bound


#: What the products call: ``"numpy-openblas"`` (NumPy's OpenBLAS), ``"scipy-blas-adapter"``
#: (Numba's ``np.dot``, SciPy's BLAS) or ``np.dot`` without the JIT.
BOUND = _bind()

_F64 = np.dtype(np.float64)
_dgemm = types.ExternalFunction(SYMBOL.format("d"), _signature(types.float64, types.uintp))
_sgemm = types.ExternalFunction(SYMBOL.format("s"), _signature(types.float32, types.uintp))


def _strided_dot(A, B, out):
    """``np.dot(A, B, out)`` for operands that may be neither C- nor F-contiguous; returns
    whether it ran. Typed apart (:func:`_overload_strided_dot`): for operands typed C or F
    it compiles to ``False``, and Numba's ``np.dot`` is not compiled for them (about half a
    second of a cold start per layout pair)."""
    np.dot(A, B, out)
    return True


@overload(_strided_dot, jit_options={"cache": CACHE})
def _overload_strided_dot(A, B, out):
    if A.layout in "CF" and B.layout in "CF":
        return lambda A, B, out: False

    def impl(A, B, out):
        if (A.flags.c_contiguous or A.flags.f_contiguous) and (B.flags.c_contiguous or B.flags.f_contiguous):
            return False
        np.dot(A, B, out)
        return True

    return impl


@elementwise
def _gemm(A, B, out):
    n, k = A.shape
    m = B.shape[1]
    if B.shape[0] != k or out.shape[0] != n or out.shape[1] != m:
        raise ValueError("gemm: the shapes of A, B and out do not match")
    if _strided_dot(A, B, out):
        return
    ta, lda = (_NO_TRANS, k) if A.flags.c_contiguous else (_TRANS, n)
    tb, ldb = (_NO_TRANS, m) if B.flags.c_contiguous else (_TRANS, k)
    if out.dtype == _F64:
        _dgemm(_ROW_MAJOR, ta, tb, n, m, k, 1.0, A.ctypes.data, lda, B.ctypes.data, ldb, 0.0, out.ctypes.data, m)
    else:
        _sgemm(_ROW_MAJOR, ta, tb, n, m, k, 1.0, A.ctypes.data, lda, B.ctypes.data, ldb, 0.0, out.ctypes.data, m)


def _gemm_python(A: np.ndarray, B: np.ndarray, out: np.ndarray) -> None:
    np.dot(A, B, out)


#: ``gemm(A, B, out)``: ``out = A @ B``, for compiled code.
#:
#: ``A`` (n, k), ``B`` (k, m): float64 or float32 arrays of ``out``'s dtype (other or mixed
#: dtypes do not compile: Numba's ``np.dot``, typed for the other layouts, refuses them), each
#: C- or F-contiguous (a transposed view is read in place), or any other
#: strides (then Numba's ``np.dot``). ``out`` (n, m): C-contiguous (the only layout Numba's
#: ``np.dot`` writes either). Mismatched shapes raise ValueError. With NumPy's OpenBLAS bound
#: (:data:`BOUND`) the result is NumPy's ``A @ B`` bit for bit wherever NumPy calls ``gemm`` too
#: (not for a row times a column, which NumPy computes with ``dot``).
gemm = _gemm_python if config.DISABLE_JIT else _gemm
