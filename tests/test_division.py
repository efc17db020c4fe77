"""``fastnn.kernels._division``: a float64 quotient by a loop-fixed divisor is IEEE division's own.

The oracle is NumPy's division (IEEE 754 round-to-nearest, the reference's arithmetic),
compared bit for bit: random quotients over the exponent range, every divisor the
optimizers divide by (batch sizes, Adam's bias corrections), divisors and numerators with
the extreme significands, and quotients built to lie as close to a rounding boundary as
two floating-point numbers allow (the cases a correction that is only nearly right gets
wrong). Below ``|a| = 2^-969``, or where the quotient is subnormal, the float64 residual may
round (the module says so): those are left out of the bit-for-bit checks and held to the
module's bound (an ulp, plus a few units of ``2^-1074 / min(b, 1)``); power-of-two divisors
are exact everywhere.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from fastnn.kernels._division import LARGEST, SMALLEST, quotient, reciprocal

pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="the plain-Python quotient is the division itself")


@numba.njit(error_model="numpy")
def _divide(a, b, out):
    y = reciprocal(b)
    for i in range(a.size):
        out[i] = quotient(a[i], b, y)


def _same(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Where ``got`` and ``expected`` agree in every bit (NaNs of any payload agree)."""
    return (got.view(np.uint64) == expected.view(np.uint64)) | (np.isnan(got) & np.isnan(expected))


def _check(a: np.ndarray, b, label: str = "") -> None:
    b = np.float64(b)
    out = np.empty_like(a)
    _divide(a, b, out)
    with np.errstate(all="ignore"):
        expected = a / b
    bad = ~_same(out, expected)
    assert not bad.any(), (
        f"{label} b={float(b)!r}: {int(bad.sum())} quotients differ, e.g. a={a[bad][:3].tolist()} "
        f"gives {out[bad][:3].tolist()} against {expected[bad][:3].tolist()}"
    )


def _random(rng, n: int, low_exponent: int, high_exponent: int) -> np.ndarray:
    """``n`` numbers of random sign and significand, exponents uniform in the range; a
    quarter with the significand's extremes (all ones, or 1 plus a few units)."""
    eps = float(np.finfo(np.float64).eps)
    frac = rng.random(n)
    frac[: n // 8] = 1.0 - rng.integers(1, 8, n // 8) * eps
    frac[n // 8 : n // 4] = rng.integers(0, 8, n // 4 - n // 8) * eps
    return np.ldexp(1.0 + frac, rng.integers(low_exponent, high_exponent, n)) * rng.choice([-1.0, 1.0], n)


def _divisors() -> list[float]:
    eps = float(np.finfo(np.float64).eps)
    batch = [1, 3, 7, 10, 64, 100, 127, 200, 255, 256, 1000, 1797, 4095, 60_000, 65_535]
    adam = [1 - beta**t for beta in (0.9, 0.999, 0.99, 0.5) for t in (1, 2, 3, 7, 50, 299, 1000, 12_345)]
    near_two = [(2 - k * eps) * 2.0**e for k in range(1, 17) for e in (-3, 0, 5)]
    near_one = [(1 + k * eps) * 2.0**e for k in range(1, 9) for e in (-1, 2)]
    huge = [1.7e308, 2.0**1023 * 1.5, 3e307, 1e-300, 2.0**-1022 * 1.75]
    return batch + adam + near_two + near_one + huge + [0.1, 1 / 3]


def test_random_quotients_are_ieee_division():
    rng = np.random.default_rng(20261128)
    for b in _divisors() + list(1 + rng.random(40)):
        e_b = int(np.frexp(b)[1])  # numerators and quotients in the normal range, where every bit is promised
        a = _random(rng, 100_000, max(-966, -1020 + e_b), 1023)
        _check(a, b, "random")


def _hard_cases(rng, p: int, n: int) -> list[tuple[int, int, int]]:
    """Triples ``(A, B, shift)`` of ``p``-bit integers whose quotient ``A / B`` lies within
    ``|delta| / B`` of a unit ``2^-shift`` away from a rounding boundary (``B M - delta =
    A 2^shift``, ``M`` odd of ``p + 1`` bits: the boundary's significand), solved for ``M``
    modulo ``2^shift``; ``shift = p + 1`` gives quotients below 1 (``A < B``), ``p`` quotients
    above (``A > B``)."""
    triples = []
    while len(triples) < n:
        B = int(rng.integers(1 << (p - 1), 1 << p)) | 1
        if rng.random() < 0.25:  # significands near 2, where the argument's margin is least
            B = (1 << p) - 1 - 2 * int(rng.integers(0, 64))
        delta = int(rng.choice([-3, -1, 1, 3]))
        shift = p + 1 if rng.random() < 0.5 else p
        modulus = 1 << shift
        M = delta * pow(B, -1, modulus) % modulus
        if shift == p:  # the congruence fixes M modulo 2^p: its p + 1 bits need the top one
            M += modulus
        elif M < 1 << p:
            continue
        A, rem = divmod(B * M - delta, modulus)
        assert rem == 0
        if (1 << (p - 1)) <= A < (1 << p):
            triples.append((A, B, shift))
    return triples


def test_quotients_next_to_a_rounding_boundary():
    rng = np.random.default_rng(7)
    p = 53
    triples = _hard_cases(rng, p, 3_000)
    assert {shift for _, _, shift in triples} == {p, p + 1}
    for A, B, _ in triples:
        shifts = rng.integers(-60, 60, 16)  # the same significands at other exponents
        a = np.array([np.ldexp(float(A), int(k) - p) for k in shifts])
        a[::2] *= -1
        _check(a, np.ldexp(float(B), -p), "near a boundary")
        _check(a, np.ldexp(float(B), 4 - p), "near a boundary")


def test_zeros_infinities_nan_and_overflow():
    dtype = np.float64
    big = float(np.finfo(dtype).max)
    a = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, big, -big, 1.0, -1.0, 3.0], dtype=dtype)
    for b in (200.0, 0.1, 1 - 0.9, 1 - 0.999, 1.0, 0.125, 3.0, 1e-30, 4.0 / 3.0):
        _check(a, b, "special")
    _check(np.array([1.0, -1.0, 0.0, np.nan], dtype), 0.0, "zero divisor")  # infinities and NaN


def test_float64_below_the_range_stays_within_the_stated_bound():
    """Out of the range (``|a|`` below ``2^-969``, the divisor not a power of two) the module
    promises a difference of at most an ulp of the quotient plus a few units of
    ``2^-1074 / min(b, 1)`` (a subnormal numerator): held to one and four."""
    rng = np.random.default_rng(3)
    a = _random(rng, 200_000, -1074, -940)
    a[:1000] = np.ldexp(rng.integers(1, 1 << 20, 1000).astype(float), -1074)  # subnormal numerators
    for b in (200.0, 1 - 0.9, 1 - 0.999**5, 1.9999999999999998, 3.0, 1e-5, 7e4, 1.7e308):
        out = np.empty_like(a)
        _divide(a, np.float64(b), out)
        expected = a / b
        bound = np.spacing(np.abs(expected)) + 4 * 2.0**-1074 / min(b, 1.0)
        assert np.all(np.abs(out - expected) <= bound), b


def test_power_of_two_divisors_are_exact_everywhere():
    """Adam's corrections become exactly 1: a moment decaying into the subnormal range is
    still divided exactly (the quotient is the numerator scaled)."""
    rng = np.random.default_rng(11)
    a = _random(rng, 100_000, -1074, -1000)
    a[:1000] = np.ldexp(rng.integers(1, 1 << 40, 1000).astype(float), -1074) * rng.choice([-1.0, 1.0], 1000)
    for b in (1.0, 2.0, 0.5, 2.0**-10, 64.0):
        _check(a, b, "power of two")


def test_quotients_in_the_lowest_normal_binade():
    rng = np.random.default_rng(13)
    for b in (3.3706746278668423e307, 2.0**60 * 1.3, 1.9999999999999998 * 2.0**54, 7.0e300):
        q = np.ldexp(1.0 + rng.random(50_000), -1022)  # quotients in [2^-1022, 2^-1021)
        a = q * b
        keep = np.abs(a) >= 2.0**-966
        _check(a[keep], b, "lowest normal binade")


def test_divisors_out_of_the_range_are_divided():
    """Divisors below ``SMALLEST`` or above ``LARGEST`` (a sum of tiny or huge sample weights),
    subnormal or negative ones: the division itself, even for the numerators the correction
    would miss (below ``2^-969``, or whose quotients are subnormal)."""
    rng = np.random.default_rng(17)
    a = _random(rng, 100_000, -1074, 1023)
    a[:1000] = np.ldexp(rng.integers(1, 1 << 20, 1000).astype(float), -1074)
    for b in (1e-321, 4e-320, 1e-306, 1e-300, 2.0**-65 * 1.3, 2.0**65 * 1.3, 1e300, -200.0, -0.1, -1e-300):
        _check(a, b, "out of range")
    assert SMALLEST <= 2.0**-53 and LARGEST >= 2.0**53  # every batch size and correction
