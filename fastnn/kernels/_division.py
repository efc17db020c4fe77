"""Division by a divisor fixed for a whole loop, correctly rounded, without a divide instruction.

The optimizer steps divide every gradient sum by the batch size and, for the course's Adam,
both moments by their bias corrections: three divisions per parameter by numbers fixed for
the step. In float64 a vector divide is the slowest instruction of those loops; here each
is a product and two fused multiply-adds (one epoch's 300 steps of the 60,000 x 784 softmax
model's 109,386 parameters: the course's Adam 1.13x to 1.15x faster, scikit-learn's 1.26x to 1.28x,
``python scripts/bench_division.py``). Call :func:`reciprocal` once before the loop and
:func:`quotient` inside it: the result is the IEEE quotient ``a / b``, bit for bit the
reference's NumPy division, in the range below. float32 keeps the divide instruction: there
the residual below leaves the normal range for ``|a|`` under about ``2^-102``, which a
squared gradient reaches, and the exact alternative (a product in float64, rounded once to
float32) made the course's Adam step three times slower.

The divisor ``b = d 2^k``, ``d`` in [1, 2), is taken apart once. With ``y = RN(1/d)`` and
``q = RN(a y)``, the residual ``r = d q - a`` comes from one
:func:`~fastnn.kernels._vmath.fma`, and ``RN(q - r y)``, another, is ``RN(a / d)``
(Markstein's correction); times ``2^-k``, exact, it is ``RN(a / b)``. ``|a y| <= |a|``: no
overflow on the way. Why the correction rounds right, in outline: with
``y = (1 + e) / d``, ``|e| <= 2^-54 d``, the corrected value is ``Q - (q - Q) e`` exactly
when ``r`` is exact (``Q = a / d``), off ``Q`` by a few ``2^-53`` of an ulp at most; and
``Q`` is at least ``ulp(Q) 2^-53 / d`` from every rounding boundary (``a`` minus ``d`` times
a boundary is a nonzero multiple of its last bits). Where ``Q`` is that close to a boundary,
``q`` is one of its two neighbours, ``r`` is exact and ``|(q - Q) e| <= ulp(Q) 2^-55 d``,
less than that distance since ``d < 2``. Where ``a y`` rounds more than an ulp from ``Q``
(both significands near 2) the outline is not a proof, and checks stand in for one: the
same algorithm on every numerator and every divisor significand at 4 to 15 bits, and on
every float32 numerator for 364 divisors (``python scripts/check_division.py``), no
difference; ``tests/test_division.py`` against NumPy's division on ten million float64
quotients and on quotients built as close to a rounding boundary as two floats allow.

The range: divisors in [``2^-64``, ``2^64``] (batch sizes, Adam's corrections, sums of sample
weights of ordinary size; :func:`reciprocal` flags the others, negative, zero, subnormal or
huge ones included, and :func:`quotient` divides by them); numerators of at least about
``2^-969`` (the residual then is normal) with a normal quotient, unless ``b`` is a power of
two (then ``q`` is exact: Adam's first correction becomes exactly 1 after 356 steps at
``beta1 = 0.9``, the second after 37,412 at ``beta2 = 0.999``). Below that the result is
within an ulp of the quotient plus a few units of ``2^-1074 / min(b, 1)`` (at most four in
the tests: an absolute bound; relative to a quotient of a subnormal numerator it can be
large). Only gradient sums or moments under 1e-290 get there, and the step adds such a
quotient to a parameter, or under a square root to ``epsilon``, which swallow it. Zeros
keep their sign (``d q - a``, not ``a - d q``); where ``q`` is infinite or NaN it is returned
as it is (the correction would be NaN: an infinite moment must stay infinite, as the
reference's).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.extending import overload

from fastnn.kernels._config import inlined
from fastnn.kernels._vmath import fma

#: Divisors taken through Markstein's correction: ``2^-64 <= b <= 2^64`` (batch sizes, Adam's
#: corrections, any sum of sample weights of ordinary size). Others are divided: below,
#: a sum of tiny sample weights would bring ordinary quotients of numerators under
#: ``2^-969``, outside the correction's range; above, ordinary numerators would give
#: subnormal quotients.
SMALLEST, LARGEST = 2.0**-64, 2.0**64


@inlined
def reciprocal(b):
    """``(d, RN(1/d), 2^-k, use)`` for ``b = d 2^k``, ``d`` in [1, 2): what :func:`quotient`
    needs of ``b``, computed once (float64); ``use``: ``b`` is in [:data:`SMALLEST`,
    :data:`LARGEST`], where the correction is taken (elsewhere :func:`quotient` divides)."""
    b = np.float64(b)
    mantissa, exponent = math.frexp(b)  # mantissa in [0.5, 1)
    d = 2.0 * mantissa
    return d, 1.0 / d, math.ldexp(1.0, 1 - exponent), SMALLEST <= b <= LARGEST


def quotient(a, b, parts):
    """``a / b`` as IEEE division rounds it, from ``parts = reciprocal(b)``: float64 by
    Markstein's correction; float32, other types, and plain Python (``NUMBA_DISABLE_JIT``):
    the division itself."""
    return a / b


if not numba.config.DISABLE_JIT:

    @overload(quotient)
    def _quotient(a, b, parts):
        if a == b == types.float64:

            def markstein(a, b, parts):
                d, y, scale, use = parts
                if not use:  # loop-invariant: LLVM makes two loops of the caller's
                    return a / b
                q = a * y
                r = fma(q, d, -a)
                corrected = fma(-r, y, q)  # NaN only where q is infinite or NaN: then q
                return (corrected if corrected == corrected else q) * scale

            return markstein

        def divided(a, b, parts):  # float32, and mixed types: the division itself
            return a / b

        return divided
