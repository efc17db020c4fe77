"""exp and tanh as plain arithmetic, so that LLVM vectorizes the loops that call them.

A Numba loop calling ``math.exp`` or ``np.tanh`` compiles to one scalar libm call per
element (the pip llvmlite has no SVML); these compile to straight-line arithmetic that
LLVM turns into SIMD code. They are inlined into the kernels that call them.

Method (Cody and Waite; Tang): ``x = k ln2 + r`` with ``|r| <= ln2 / 2``, ``ln2`` split in
a high part with trailing zero bits and a low part so that ``k * LN2_HI`` is exact;
``expm1(r)`` by its Taylor polynomial to degree 13 (truncation below 5e-18 relative),
written as ``r + r^2 q(r)`` so the leading term carries no rounding; ``2^k`` built from its
bits. Measured against NumPy over the ranges the kernels see (``tests/test_vmath.py``):
within 1 ulp for ``exp``, 2 ulp for ``tanh``, float64 and float32 (float32 inputs are
computed in float64 and rounded once).
"""

from __future__ import annotations

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


# Adding 1.5 * 2^52 rounds a float64 of magnitude below 2^51 to the nearest integer, which
# then sits in the low bits of the sum's significand. It replaces a float-to-int
# conversion, which AVX2 cannot do on packed doubles (and so would not vectorize).
_ROUNDER = 6755399441055744.0
_DEEP_M = 2.0**-968


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
    rounding order is invisible in the result).
    """
    r2 = r * r
    r4 = r2 * r2
    b0 = (C2 + C3 * r) + (C4 + C5 * r) * r2
    b1 = (C6 + C7 * r) + (C8 + C9 * r) * r2
    b2 = (C10 + C11 * r) + (C12 + C13 * r) * r2
    return (b0 + b1 * r4) + b2 * (r4 * r4)


@_inline
def _expm1_reduced(r):
    """``expm1(r)`` for ``|r| <= ln2 / 2``."""
    return r + (r * r) * _taylor_tail(r)


@_inline
def exp_nonpositive(x):
    """``exp(x)`` for float64 ``x <= 0`` (or NaN): subnormal results included, 0 below -745."""
    xc = max(x, -746.0)
    k = _round(xc * LOG2E)
    hi = xc - k * LN2_HI  # exact
    lo = -k * LN2_LO
    r = hi + lo
    r_err = (hi - r) + lo  # what r lost to rounding (Fast2Sum: |hi| >= |lo|)
    # p = 1 + r + r^2 q(r) + r_err, with the rounding of 1 + r carried as well: about
    # 0.5 ulp in all, so that p is the correctly rounded exp(r) nearly always.
    s = 1.0 + r
    s_err = (1.0 - s) + r
    c = s_err + ((r * r) * _taylor_tail(r) + r_err)
    p = s + c
    y = p * _pow2(max(k, -1022.0))
    # Subnormal results: (s + c) 2^k must be rounded once, to a multiple of 2^-1074, not
    # to 53 bits first. Scaled by 2^54 that quantum is Q = 2^-1020; adding M = 2^52 Q
    # rounds to multiples of Q (Fast2Sum keeps what that rounding dropped).
    deep = k < -1022.0 or (k == -1022.0 and p < 1.0)
    scale = _pow2(max(k, -1076.0) + 54.0)
    t = s * scale
    tc = c * scale
    v = _DEEP_M + t
    t_err = t - (v - _DEEP_M)
    v2 = v + (t_err + tc)
    y_deep = (v2 - _DEEP_M) * 5.551115123125783e-17  # 2^-54, exact
    y = y_deep if deep else y
    return x if x != x else y


@_inline
def expm1_nonpositive(x):
    """``expm1(x)`` for float64 ``x <= 0`` (or NaN); -1 below -40."""
    xc = max(x, -40.0)
    k = _round(xc * LOG2E)
    r = (xc - k * LN2_HI) - k * LN2_LO
    em = _expm1_reduced(r)
    t = _pow2(k)
    y = t * em + (t - 1.0)
    return x if x != x else y


@_inline
def sigmoid_scalar(z):
    """The reference's ``1 / (1 + e)`` or ``e / (1 + e)`` with ``e = exp(-|z|)``, in float64."""
    e = exp_nonpositive(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@_inline
def tanh_scalar(z):
    """``tanh(z) = -sign(z) em / (2 + em)`` with ``em = expm1(-2|z|)``, in float64."""
    em = expm1_nonpositive(-2.0 * abs(z))
    t = -em / (2.0 + em)
    return -t if z < 0 else (z if (z != z or z == 0) else t)  # NaN and +-0 pass through


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


# 1 / (2n + 1) for the atanh series (module constants: Numba folds them in).
I3, I5, I7, I9, I11, I13 = 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13
I15, I17, I19, I21, I23 = 1 / 15, 1 / 17, 1 / 19, 1 / 21, 1 / 23


@_inline
def log1p_unit(e):
    """``log1p(e)`` for float64 ``e`` in [0, 1], as ``c + 2 atanh(s)``: no libm call.

    For ``e <= sqrt(2) - 1``: ``c = 0``, ``s = e / (2 + e)``; above it ``1 + e = 2 (1 + f)``
    with ``f = (e - 1) / 2``, so ``c = ln 2`` and ``s = f / (2 + f)``. Either way
    ``|s| <= 0.172`` and the odd series to ``s^23`` is below 1e-17 relative. Accurate to a
    few ulp: it serves the cost, a sum checked to 1e-9 relative.
    """
    high = e > 0.41421356237309503
    f = (e - 1.0) * 0.5 if high else e
    c = 0.6931471805599453 if high else 0.0
    s = f / (2.0 + f)
    s2 = s * s
    s4 = s2 * s2
    s8 = s4 * s4
    # sum_{n=1..11} s2^n / (2n + 1), by Estrin's scheme
    b0 = (I3 + s2 * I5) + s4 * (I7 + s2 * I9)
    b1 = (I11 + s2 * I13) + s4 * (I15 + s2 * I17)
    b2 = (I19 + s2 * I21) + s4 * I23
    q = (b0 + s8 * b1) + (s8 * s8) * b2
    return c + 2.0 * (s + s * (s2 * q))


@_inline
def tanh_and_grad(z):
    """``(tanh(z), tanh'(z))`` from one range reduction and one polynomial.

    With ``x = -2 |z| = k ln2 + r`` and ``em = expm1(r)``: ``expm1(x) = 2^k em + (2^k - 1)``
    gives ``tanh`` as :func:`tanh_scalar` does, and ``exp(x) = 2^k (1 + em)`` (the sum
    compensated as in :func:`exp_nonpositive`) gives ``4 e / (1 + e (2 + e))``. Where ``e``
    is subnormal (``|z| > 354``) it is rounded twice, within one subnormal step.
    """
    x = -2.0 * abs(z)
    xc = max(x, -746.0)
    k = _round(xc * LOG2E)
    hi = xc - k * LN2_HI
    lo = -k * LN2_LO
    r = hi + lo
    r_err = (hi - r) + lo
    tail = (r * r) * _taylor_tail(r)
    t2 = _pow2(max(k, -1022.0))
    em1 = t2 * (r + tail) + (t2 - 1.0)
    t = -em1 * (1.0 / (2.0 + em1))  # one division shared with nothing else: 3 ulp, as tanh_scalar
    t = -t if z < 0 else (z if (z != z or z == 0) else t)
    s = 1.0 + r
    p = s + (((1.0 - s) + r) + (tail + r_err))
    deep = k < -1022.0
    e = (p * _pow2(max(k, -1076.0) + 54.0)) * 5.551115123125783e-17 if deep else p * t2
    g = 4.0 * e / (1.0 + e * (2.0 + e))
    return t, (z if z != z else g)
