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

    def _opaque(x):
        return x

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

    @intrinsic
    def _opaque(typingctx, x):
        """``x``, from an empty inline-assembly statement LLVM cannot see through.

        See :func:`math_constants`: a constant that LLVM cannot fold stays where a register
        allocator can keep it, instead of being reloaded from the constant pool (through a
        64-bit address: Numba's JIT uses the large code model) at every use.
        """
        if x != types.float64:
            return None

        def codegen(context, builder, signature, args):
            fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType()])
            return builder.call(ir.InlineAsm(fnty, "", "=x,0", side_effect=False), args)

        return types.float64(types.float64), codegen


# Adding 1.5 * 2^52 rounds a float64 of magnitude below 2^51 to the nearest integer, which
# then sits in the low bits of the sum's significand. It replaces a float-to-int
# conversion, which AVX2 cannot do on packed doubles (and so would not vectorize).
_ROUNDER = 6755399441055744.0

# Positions in the tuple math_constants() returns.
_Q = 0  # C2 .. C13 at _Q .. _Q + 11
_LOG2E, _ROUND, _NLN2_HI, _NLN2_LO = 12, 13, 14, 15
_ONE, _TWO, _MTWO, _FOUR = 16, 17, 18, 19
_XMIN, _KMIN, _XMIN_EXPM1 = 20, 21, 22


@_inline
def math_constants():
    """The constants of every function here, as a tuple to pass them.

    A kernel calls this once, before its loops, and passes the tuple to the functions it
    inlines. Written as literals, the two dozen constants of ``tanh`` do not fit in the 16
    vector registers, and LLVM reloads each one at every use, two instructions apiece;
    passed this way it keeps them in registers or one load away (the planar model's
    training step, mostly ``tanh``, runs 10 % faster). Results are bit-identical.
    """
    o = _opaque
    return (
        o(C2), o(C3), o(C4), o(C5), o(C6), o(C7), o(C8), o(C9), o(C10), o(C11), o(C12), o(C13),
        o(LOG2E), o(_ROUNDER), o(-LN2_HI), o(-LN2_LO),
        o(1.0), o(2.0), o(-2.0), o(4.0),
        o(-746.0), o(-1022.0), o(-40.0),
    )  # fmt: skip


@_inline
def _pow2(k, c):
    """``2.0 ** k`` for an integer-valued float64 ``k`` in [-1022, 1023]."""
    return _bits_to_f64((_f64_to_bits(k + c[_ROUND]) - _f64_to_bits(c[_ROUND]) + 1023) << 52)


@_inline
def _taylor_tail(r, c):
    """``q(r)`` with ``expm1(r) = r + r^2 q(r)``, for ``|r| <= ln2 / 2``.

    Estrin's scheme rather than Horner's: the same coefficients, a dependency chain of 4
    multiply-adds instead of 11 (the tail is scaled by ``r^2 <= 0.12``, so the different
    rounding order is invisible in the result), each one :func:`fma`.
    """
    r2 = r * r
    r4 = r2 * r2
    b0 = fma(fma(c[_Q + 3], r, c[_Q + 2]), r2, fma(c[_Q + 1], r, c[_Q]))
    b1 = fma(fma(c[_Q + 7], r, c[_Q + 6]), r2, fma(c[_Q + 5], r, c[_Q + 4]))
    b2 = fma(fma(c[_Q + 11], r, c[_Q + 10]), r2, fma(c[_Q + 9], r, c[_Q + 8]))
    return fma(b2, r4 * r4, fma(b1, r4, b0))


@_inline
def _reduce(x, c):
    """``(k, r)`` with ``x = k ln2 + r``, ``k`` an integer-valued float64, ``|r| <= ln2 / 2``
    (plus an ulp); ``k LN2_HI`` is exact and ``r`` rounded once."""
    k = (x * c[_LOG2E] + c[_ROUND]) - c[_ROUND]  # rounded to the nearest integer
    return k, fma(k, c[_NLN2_LO], fma(k, c[_NLN2_HI], x))


@_inline
def _expm1_reduced(r, c):
    """``expm1(r)`` for ``|r| <= ln2 / 2``: ``r`` carries no rounding, the tail ``r^2 q(r)``
    one (0.5 ulp of a term at most a fifth of the result)."""
    return fma(r * r, _taylor_tail(r, c), r)


@_inline
def exp_nonpositive(x, c):
    """``exp(x)`` for float64 ``x <= 0`` (or NaN): subnormal results included, 0 below -745.

    ``2^k (1 + em)`` rounded once by one :func:`fma`. Below ``2^-1022`` the power of two is
    applied in two factors, so a subnormal result is rounded twice (within one step of
    ``2^-1074``). NaN propagates through the arithmetic: the clamp keeps it.
    """
    xc = c[_XMIN] if x < c[_XMIN] else x  # not max(): NaN must stay NaN
    k, r = _reduce(xc, c)
    ka = max(k, c[_KMIN])
    t2 = _pow2(ka, c)
    return fma(t2, _expm1_reduced(r, c), t2) * _pow2(k - ka, c)  # the second factor is 1 unless subnormal


@_inline
def expm1_nonpositive(x, c):
    """``expm1(x)`` for float64 ``x <= 0`` (or NaN); -1 below -40."""
    xc = c[_XMIN_EXPM1] if x < c[_XMIN_EXPM1] else x
    k, r = _reduce(xc, c)
    t = _pow2(k, c)
    return fma(t, _expm1_reduced(r, c), t - c[_ONE])


@_inline
def sigmoid_scalar(z, c):
    """The reference's ``1 / (1 + e)`` or ``e / (1 + e)`` with ``e = exp(-|z|)``, in float64."""
    e = exp_nonpositive(-abs(z), c)
    return c[_ONE] / (c[_ONE] + e) if z >= 0 else e / (c[_ONE] + e)


@_inline
def tanh_scalar(z, c):
    """``tanh(z) = -sign(z) em / (2 + em)`` with ``em = expm1(-2|z|)``, in float64."""
    em = expm1_nonpositive(c[_MTWO] * abs(z), c)
    return math.copysign(em / (c[_MTWO] - em), z)  # NaN propagates; +-0 keep their sign


@_inline
def sigmoid_grad_scalar(z, c):
    """``sigmoid'(z) = e / (1 + e (2 + e))`` with ``e = exp(-|z|)``: the reference's formula."""
    e = exp_nonpositive(-abs(z), c)
    return e / (c[_ONE] + e * (c[_TWO] + e))


@_inline
def tanh_grad_scalar(z, c):
    """``tanh'(z) = 4 e / (1 + e (2 + e))`` with ``e = exp(-2 |z|)``: the reference's formula."""
    e = exp_nonpositive(c[_MTWO] * abs(z), c)
    return c[_FOUR] * e / (c[_ONE] + e * (c[_TWO] + e))


@_inline
def tanh_and_grad(z, c):
    """``(tanh(z), tanh'(z))`` from one range reduction and one polynomial.

    With ``x = -2 |z| = k ln2 + r`` and ``em = expm1(r)``, both from ``2^k`` and ``em`` by
    one :func:`fma` each: ``expm1(x) = 2^k em + (2^k - 1)`` gives ``tanh`` as
    :func:`tanh_scalar` does, and ``e = exp(x) = 2^k em + 2^k`` gives the reference's
    ``4 e / (1 + e (2 + e))``. Where ``e`` is subnormal (``|z| > 354``) it is rounded twice,
    as in :func:`exp_nonpositive`.
    """
    x = c[_MTWO] * abs(z)
    xc = c[_XMIN] if x < c[_XMIN] else x  # NaN stays NaN
    k, r = _reduce(xc, c)
    em = _expm1_reduced(r, c)
    ka = max(k, c[_KMIN])
    t2 = _pow2(ka, c)
    em1 = fma(t2, em, t2 - c[_ONE])
    t = math.copysign(em1 / (c[_MTWO] - em1), z)
    e = fma(t2, em, t2) * _pow2(k - ka, c)
    return t, c[_FOUR] * e / fma(e, c[_TWO] + e, c[_ONE])
