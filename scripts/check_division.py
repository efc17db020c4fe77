"""Markstein's correction (:mod:`fastnn.kernels._division`) checked where every case can be.

The float64 quotient cannot be checked on every numerator; the same algorithm at fewer bits
can. With the divisor's significand ``d`` in [1, 2) (the module scales by the power of two
apart, exactly), ``y = RN(1/d)``, ``q = RN(a y)``, ``r = RN(d q - a)`` (one rounding: a
fused multiply-add), result ``RN(q - r y)`` (another), against ``RN(a / d)``:

* at ``p`` = 4 to 15 bits (``--bits``), every numerator and every divisor significand, the
  roundings to ``p`` bits done on exact float64 values (``2p`` bits and their sums fit);
* in float32 (24 bits, hardware ``fma``), every non-negative float32 numerator (2^31; the
  sign is symmetric) for the 64 largest significands below 2 (where the argument's margin
  is least) and ``--random`` others in [1, 2). Differences are counted apart where the
  quotient or the residual leaves the normal range (quotients below 2^-100 or above 3e38),
  which the module excludes. About a second a divisor.

    python scripts/check_division.py [--bits 15] [--random 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np
from llvmlite import ir
from numba.extending import intrinsic


@intrinsic
def _fma32(typingctx, a, b, c):
    """``a * b + c`` rounded once, in the arguments' type (``llvm.fma``)."""

    def codegen(context, builder, signature, args):
        t = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(fn, args)

    return a(a, b, c), codegen


@numba.njit(error_model="numpy")
def _round(x, p):
    """``x`` rounded to ``p`` significant bits, ties to even."""
    if x == 0.0:
        return x
    m, e = math.frexp(x)
    return math.ldexp(np.rint(math.ldexp(m, p)), e - p)


@numba.njit(error_model="numpy")
def _simulate(p):
    """Differences over every ``p``-bit numerator and divisor significand."""
    low, high = 1 << (p - 1), 1 << p
    differences = 0
    for D in range(low, high):
        d = math.ldexp(float(D), 1 - p)  # in [1, 2)
        y = _round(1.0 / d, p)
        for A in range(low, high):
            a = math.ldexp(float(A), 1 - p)
            q = _round(a * y, p)
            r = _round(q * d - a, p)
            if _round(q - r * y, p) != _round(a / d, p):
                differences += 1
    return differences


@numba.njit(error_model="numpy")
def _count(b):
    """(differences in the normal range, differences outside it) over all a >= 0."""
    y = np.float32(1.0) / b
    bits = np.empty(1, np.uint32)
    value = bits.view(np.float32)
    normal = outside = 0
    for k in range(1 << 31):
        bits[0] = np.uint32(k)
        a = value[0]
        q = a * y
        r = _fma32(q, b, -a)
        corrected = _fma32(-r, y, q)
        if corrected != corrected:
            corrected = q
        expected = a / b
        if corrected != expected and not (np.isnan(corrected) and np.isnan(expected)):
            if np.float32(2.0**-100) <= abs(expected) < np.float32(3e38):
                normal += 1
            else:
                outside += 1
    return normal, outside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, default=15, help="simulate every case from 4 bits up to this")
    parser.add_argument("--random", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for p in range(4, args.bits + 1):
        print(f"{p} bits, every numerator and divisor significand: {_simulate(p)} differences", flush=True)
    top = [np.float32(2 - k * 2.0**-23) for k in range(1, 65)]
    divisors = top + list((1 + np.random.default_rng(args.seed).random(args.random)).astype(np.float32))
    t0 = time.perf_counter()
    normal = outside = 0
    for b in divisors:
        n, o = _count(b)
        normal, outside = normal + n, outside + o
        if n:
            print(f"divisor {float(b)!r}: {n} differences in the normal range", flush=True)
    print(
        f"{len(divisors)} divisors, every non-negative float32 numerator: {normal} differences in the normal "
        f"range, {outside} outside it ({time.perf_counter() - t0:.0f} s)"
    )


if __name__ == "__main__":
    main()
