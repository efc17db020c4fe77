"""Division by a divisor fixed for a whole loop, correctly rounded, without a divide instruction.

The optimizer steps divide every gradient sum by the batch size and, for the course's Adam,
both moments by their bias corrections: three divisions per parameter by numbers fixed for
the step. In float64 a vector divide is the slowest instruction of those loops; here each
is a product and two fused multiply-adds (60,000 x 784 softmax model, 109,386 parameters,
300 steps: the course's Adam 26.2 ms, 21.1 ms with these quotients; scikit-learn's 18.7 and
15.0 ms; ``python scripts/bench_division.py``). Call :func:`reciprocal` once before the loop and
:func:`quotient` inside it: the result is the IEEE quotient ``a / b`` itself, bit for bit the
reference's NumPy division. float32 keeps the divide instruction: there the correction
below is exact only above about ``2^-102``, which a squared gradient reaches, and the exact
alternative (a product in float64, rounded once to float32) made the course's Adam step
three times slower.

Markstein's correction: with ``y = RN(1/b)`` and ``q = RN(a y)``, the residual
``r = b q - a`` is exact in one :func:`~fastnn.kernels._vmath.fma`, and ``RN(q - r y)``,
another, is ``RN(a / b)``. Why: ``q - r y = Q - (q - Q) e`` with ``Q = a / b`` and
``y = (1 + e) / b``, ``|e| <= 2^-53 s_b`` (``s_b`` in [1, 2) the significand of ``b``);
``a - b m`` is a nonzero multiple of ``b``'s last bit for every rounding boundary ``m`` of
``Q``'s binade, so ``|Q - m| >= ulp(Q) 2^-53 / s_b``. Where ``Q`` is that close to a
boundary, ``|a y - Q| < ulp(Q)`` keeps ``q`` on one of its two neighbours, ``|q - Q|`` is
then half an ulp and ``|(q - Q) e| <= ulp(Q) 2^-54 s_b < ulp(Q) 2^-53 / s_b``: the corrected
value rounds as ``Q`` does. It is applied to ``a / (2 b)`` (the divisor doubled, ``y``
halved: exact), and the result doubled: ``a y`` can overflow where ``a / b`` rounds to the
largest float, ``a y / 2`` cannot, and where it does ``a / b`` overflows too. Zeros keep
their sign (``b q - a``, not ``a - b q``); where ``q`` is infinite or NaN it is returned as
it is (the correction would be NaN: an overflowing second moment must stay infinite, as
the reference's, not become NaN). The argument needs normal numbers: where ``|a|`` is below
about ``2^-967`` (the residual then can round) or the quotient is subnormal, the result may
differ from the quotient in its last bits (no training value comes near it: at this size a
moment or a gradient sum is swamped by ``epsilon`` or by the other terms of its sum).
``tests/test_division.py`` compares with NumPy's division on ten million quotients and
on quotients built to lie as close to a rounding boundary as two floats allow, the
divisors with the largest significands among them, and on zeros, infinities and overflow;
``scripts/check_division.py`` runs the same algorithm at 24 bits (float32) on every
numerator for 364 divisors, the 64 with the largest significands among them: no
difference in the normal range.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

from fastnn.kernels._config import COMMON
from fastnn.kernels._vmath import fma

_inline = numba.njit(inline="always", **COMMON)


@_inline
def reciprocal(b):
    """``1 / b`` rounded to float64, for :func:`quotient`."""
    return 1.0 / np.float64(b)


def quotient(a, b, y):
    """``a / b`` as IEEE division rounds it, from ``y = reciprocal(b)``: float64 by Markstein's
    correction; float32, other types, and plain Python (``NUMBA_DISABLE_JIT``): the division
    itself."""
    return a / b


if not numba.config.DISABLE_JIT:

    @overload(quotient)
    def _quotient(a, b, y):
        if a == b == y == types.float64:

            def markstein(a, b, y):
                half, twice = 0.5 * y, b + b  # a / (2b), doubled: no overflow where a / b has none
                q = a * half
                r = fma(q, twice, -a)
                corrected = fma(-r, half, q)  # NaN only where q is infinite or NaN: then q
                return (corrected if corrected == corrected else q) * 2.0

            return markstein

        def divided(a, b, y):  # float32, and mixed types: the division itself
            return a / b

        return divided
