"""Markstein's correction (:mod:`fastnn.kernels._division`) checked exhaustively at 24 bits.

The float64 quotient cannot be checked on every numerator; the same algorithm in float32
(``y = RN(1/b)``, ``q = RN(a y)``, ``r = fma(q, b, -a)``, ``RN(q - r y)``, all in float32)
can: every non-negative float32 numerator (2^31 of them; the sign is symmetric) for each
divisor, compared with float32 division. Divisors: the 64 largest significands below 2
(where the argument's margin is least) and 300 random ones in [1, 2) (exponents only scale
the problem). Differences are counted apart where the quotient, or the residual, leaves
the normal range (quotients below 2^-100 or above 3e38), which the module excludes. About
two seconds a divisor.

    python scripts/check_division.py [--random 300] [--seed 7]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--random", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
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
