"""The one place where kernels' compile options are set.

Environment variables, read once at import:

``FASTNN_CACHE``
    ``1`` (default) caches compiled kernels on disk next to the package (or under
    ``NUMBA_CACHE_DIR`` when that is set); ``0`` compiles afresh in every process.
``FASTNN_NUMPY_BLAS``
    ``1`` (default): compiled products call NumPy's own OpenBLAS where it has one;
    ``0``: SciPy's, as where it has none (:mod:`fastnn.kernels._blas`).
``FASTNN_FASTMATH``
    ``1`` (default) lets *reductions* (sums over a row) be reassociated, so LLVM can
    vectorize them; ``0`` turns that off. No flag that assumes "no NaN" or "no inf" is
    ever used: NaN in must give NaN out, and ``np.isnan`` must not lie.

Sums of products (:func:`dot_products`) may also fuse a multiply and an add. Elementwise
kernels never get fastmath flags: contracting ``1 - t * t`` into a fused
multiply-add, say, would move results by far more than the 4 ulp the parity tests allow
where ``t`` is close to 1.
"""

from __future__ import annotations

import os

import numba


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "1" if default else "0").strip().lower()
    return value not in ("0", "false", "no", "off", "")


CACHE = _flag("FASTNN_CACHE", True)
FASTMATH = _flag("FASTNN_FASTMATH", True)
#: ``FASTNN_NUMPY_BLAS=0``: compiled products call SciPy's BLAS through a compiled adapter
#: instead of NumPy's OpenBLAS (:mod:`fastnn.kernels._blas`; for tests and comparisons).
NUMPY_BLAS = _flag("FASTNN_NUMPY_BLAS", True)

#: Options every kernel is compiled with. ``error_model="numpy"`` makes x / 0 give inf or
#: NaN as NumPy does (and lets divisions vectorize) instead of raising.
COMMON = {"cache": CACHE, "nogil": True, "error_model": "numpy"}

#: Flags for reduction kernels: reassociation only.
REDUCTION_FASTMATH = {"reassoc"} if FASTMATH else False


def elementwise(func):
    """Compile an elementwise kernel (no fastmath)."""
    return numba.njit(fastmath=False, **COMMON)(func)


def reduction(func):
    """Compile a kernel that sums (reassociation allowed when ``FASTNN_FASTMATH`` is on)."""
    return numba.njit(fastmath=REDUCTION_FASTMATH, **COMMON)(func)


#: Flags for sums of products: reassociation, and each multiply-add fused into one rounding.
PRODUCT_FASTMATH = {"reassoc", "contract"} if FASTMATH else False


def dot_products(func):
    """Compile a kernel of sums of products (``dW = dZ A^T``): as :func:`reduction`, and each
    multiply-add may be one fused instruction (one rounding instead of two: never less
    accurate; 1.03x to 1.06x faster on the Course II models, whose products are FMA-bound)."""
    return numba.njit(fastmath=PRODUCT_FASTMATH, **COMMON)(func)


def inlined(func):
    """Compile a function that Numba inlines into its callers before typing them (no call, no
    array returned through a call boundary, no compile of its own unless Python calls it).

    For tiny helpers: the 2-D views of the training loop's flat buffers, about 10 % of a
    small mini-batch's time when called. And for the levels of the training loops (one
    mini-batch's step and its gradient, the products' and the head's dispatching wrappers,
    the optimizer's update): Numba links every compiled callee into each caller and
    optimizes and generates its machine code again there, so each such level compiled on its
    own redid the work of everything below it (together about 7 of the generic loop's 31-34
    cold seconds; its moons epoch also runs about 20 % faster inlined).

    An inlined body is compiled with its *caller's* flags (``fastmath=False`` here only
    covers calls from Python). So it holds no floating-point arithmetic whose rounding a flag
    could change, or its callers are all :func:`reduction` kernels, as the step's sum of
    sample weights is reached only from the :func:`reduction` epoch loops.
    """
    return numba.njit(inline="always", fastmath=False, **COMMON)(func)
