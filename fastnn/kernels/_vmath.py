"""exp and tanh as plain arithmetic, so that LLVM vectorizes the loops that call them.

A Numba loop calling ``math.exp`` or ``np.tanh`` compiles to one scalar libm call per
element (the pip llvmlite has no SVML); these compile to straight-line arithmetic that
LLVM turns into SIMD code. They are inlined into the kernels that call them.

Method (Cody and Waite; Tang): ``x = k ln2 + r`` with ``|r| <= ln2 / 2``, ``ln2`` split in
a high part with trailing zero bits and a low part so that ``k * LN2_HI`` is exact;
``expm1(r)`` by its Taylor polynomial to degree 13 (truncation below 5e-18 relative),
written as ``r + r^2 q(r)`` so the leading term carries no rounding; ``2^k`` built from its
bits; every multiply-add one :func:`fma` (one rounding, and one instruction). Measured
against NumPy (``tests/test_vmath.py``): ``exp`` within 1 ulp (about 90 % bit-identical),
``tanh`` within 3 ulp, float64 and float32 (float32 inputs are computed in float64 and
rounded once).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from fastnn.kernels._config import COMMON

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: k * LN2_HI is exact for |k| < 2^20
LN2_LO = 1.90821492927058770002e-10

# Taylor coefficients 1/n! for n = 2 .. 13.
C2, C3, C4, C5 = 1 / 2, 1 / 6, 1 / 24, 1 / 120
C6, C7, C8, C9 = 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880
C10, C11, C12, C13 = 1 / 3628800, 1 / 39916800, 1 / 479001600, 1 / 6227020800

_inline = numba.njit(inline="always", **COMMON)


if numba.config.DISABLE_JIT:  # plain Python (coverage runs): bit casts through NumPy

    def _bits_to_f64(bits):
        # Python ints do not wrap at 64 bits as compiled code does: mask first.
        return float(np.array(int(bits) & 0xFFFF_FFFF_FFFF_FFFF, dtype=np.uint64).view(np.float64))

    def _f64_to_bits(x):
        return int(np.float64(x).view(np.int64))

    def fma(a, b, c):
        """``a * b + c`` rounded once, as the compiled intrinsic.

        The product split exactly into ``p + err`` (Dekker's algorithm) and the three summed
        with one rounding by ``math.fsum``; where the split could overflow or underflow,
        exact rational arithmetic instead.
        """
        a, b, c = float(a), float(b), float(c)
        p = a * b
        plain = p + c
        if not (math.isfinite(p) and math.isfinite(c)):
            return plain  # inf and NaN propagate as in the hardware instruction
        if 1e-270 < abs(p) and abs(a) < 1e290 and abs(b) < 1e290:
            a_hi, a_lo = _split(a)
            b_hi, b_lo = _split(b)
            err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
            result = math.fsum((p, err, c))
        else:
            exact = Fraction(a) * Fraction(b) + Fraction(c)
            try:
                result = float(exact)  # Fraction to float divides two ints: correctly rounded
            except OverflowError:
                return math.copysign(math.inf, exact)
        return result if result != 0 else (plain if plain == 0 else 0.0)  # the sign of an exact zero

    def _split(x):
        t = 134217729.0 * x  # 2^27 + 1 (Veltkamp)
        hi = t - (t - x)
        return hi, x - hi

else:

    @intrinsic
    def _bits_to_f64(typingctx, bits):
        """Reinterpret an int64 as the float64 with those bits (a free bitcast)."""
        if bits != types.int64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())

        return types.float64(types.int64), codegen

    @intrinsic
    def _f64_to_bits(typingctx, x):
        """Reinterpret a float64 as the int64 with its bits (a free bitcast)."""
        if x != types.float64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))

        return types.int64(types.float64), codegen

    @intrinsic
    def fma(typingctx, a, b, c):
        """``a * b + c`` rounded once (LLVM's ``llvm.fma``: one vfmadd instruction, vectorized).

        Explicit, unlike fastmath's ``contract``, so every kernel rounds the same way on
        every machine; where the CPU has no FMA unit LLVM calls libm's exact ``fma``.
        """
        if not (a == b == c == types.float64):
            return None

        def codegen(context, builder, signature, args):
            return builder.fma(*args)

        return types.float64(types.float64, types.float64, types.float64), codegen


# Adding 1.5 * 2^52 rounds a float64 of magnitude below 2^51 to the nearest integer, which
# then sits in the low bits of the sum's significand. It replaces a float-to-int
# conversion, which AVX2 cannot do on packed doubles (and so would not vectorize).
_ROUNDER = 6755399441055744.0


@_inline
def _pow2(k):
    """``2.0 ** k`` for an integer-valued float64 ``k`` in [-1022, 1023]."""
    return _bits_to_f64((_f64_to_bits(k + _ROUNDER) - _f64_to_bits(_ROUNDER) + 1023) << 52)


@_inline
def _round(x):
    """``x`` rounded to the nearest integer (ties to even), for ``|x| < 2^51``."""
    return (x + _ROUNDER) - _ROUNDER


@_inline
def _taylor_tail(r):
    """``q(r)`` with ``expm1(r) = r + r^2 q(r)``, for ``|r| <= ln2 / 2``.

    Estrin's scheme rather than Horner's: the same coefficients, a dependency chain of 4
    multiply-adds instead of 11 (the tail is scaled by ``r^2 <= 0.12``, so the different
    rounding order is invisible in the result), each one :func:`fma`.
    """
    r2 = r * r
    r4 = r2 * r2
    b0 = fma(fma(C5, r, C4), r2, fma(C3, r, C2))
    b1 = fma(fma(C9, r, C8), r2, fma(C7, r, C6))
    b2 = fma(fma(C13, r, C12), r2, fma(C11, r, C10))
    return fma(b2, r4 * r4, fma(b1, r4, b0))


@_inline
def _reduce(x):
    """``(k, r)`` with ``x = k ln2 + r``, ``k`` an integer-valued float64, ``|r| <= ln2 / 2``
    (plus an ulp); ``k LN2_HI`` is exact and ``r`` rounded once."""
    k = _round(x * LOG2E)
    return k, fma(k, -LN2_LO, fma(k, -LN2_HI, x))


@_inline
def _expm1_reduced(r):
    """``expm1(r)`` for ``|r| <= ln2 / 2``: ``r`` carries no rounding, the tail ``r^2 q(r)``
    one (0.5 ulp of a term at most a fifth of the result)."""
    return fma(r * r, _taylor_tail(r), r)


@_inline
def exp_nonpositive(x):
    """``exp(x)`` for float64 ``x <= 0`` (or NaN): subnormal results included, 0 below -745.

    ``2^k (1 + em)`` rounded once by one :func:`fma`. Below ``2^-1022`` the power of two is
    applied in two factors, so a subnormal result is rounded twice (within one step of
    ``2^-1074``). NaN propagates through the arithmetic: the clamp keeps it.
    """
    xc = -746.0 if x < -746.0 else x  # not max(): NaN must stay NaN
    k, r = _reduce(xc)
    ka = max(k, -1022.0)
    t2 = _pow2(ka)
    return fma(t2, _expm1_reduced(r), t2) * _pow2(k - ka)  # the second factor is 1 unless subnormal


@_inline
def expm1_nonpositive(x):
    """``expm1(x)`` for float64 ``x <= 0`` (or NaN); -1 below -40."""
    xc = -40.0 if x < -40.0 else x
    k, r = _reduce(xc)
    t = _pow2(k)
    return fma(t, _expm1_reduced(r), t - 1.0)


@_inline
def sigmoid_scalar(z):
    """The reference's ``1 / (1 + e)`` or ``e / (1 + e)`` with ``e = exp(-|z|)``, in float64."""
    e = exp_nonpositive(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@_inline
def tanh_scalar(z):
    """``tanh(z) = -sign(z) em / (2 + em)`` with ``em = expm1(-2|z|)``, in float64."""
    em = expm1_nonpositive(-2.0 * abs(z))
    return math.copysign(em / (-2.0 - em), z)  # NaN propagates; +-0 keep their sign


@_inline
def sigmoid_grad_scalar(z):
    """``sigmoid'(z) = e / (1 + e (2 + e))`` with ``e = exp(-|z|)``: the reference's formula."""
    e = exp_nonpositive(-abs(z))
    return e / (1.0 + e * (2.0 + e))


@_inline
def tanh_grad_scalar(z):
    """``tanh'(z) = 4 e / (1 + e (2 + e))`` with ``e = exp(-2 |z|)``: the reference's formula."""
    e = exp_nonpositive(-2.0 * abs(z))
    return 4.0 * e / (1.0 + e * (2.0 + e))


@_inline
def tanh_and_grad(z):
    """``(tanh(z), tanh'(z))`` from one range reduction and one polynomial.

    With ``x = -2 |z| = k ln2 + r`` and ``em = expm1(r)``, both from ``2^k`` and ``em`` by
    one :func:`fma` each: ``expm1(x) = 2^k em + (2^k - 1)`` gives ``tanh`` as
    :func:`tanh_scalar` does, and ``e = exp(x) = 2^k em + 2^k`` gives the reference's
    ``4 e / (1 + e (2 + e))``. Where ``e`` is subnormal (``|z| > 354``) it is rounded twice,
    as in :func:`exp_nonpositive`.
    """
    x = -2.0 * abs(z)
    xc = -746.0 if x < -746.0 else x  # NaN stays NaN
    k, r = _reduce(xc)
    em = _expm1_reduced(r)
    ka = max(k, -1022.0)
    t2 = _pow2(ka)
    em1 = fma(t2, em, t2 - 1.0)
    t = math.copysign(em1 / (-2.0 - em1), z)
    e = fma(t2, em, t2) * _pow2(k - ka)
    return t, 4.0 * e / fma(e, 2.0 + e, 1.0)
