"""``fastnn.kernels._division``: a float64 quotient by a loop-fixed divisor is IEEE division's own.

The oracle is NumPy's division (IEEE 754 round-to-nearest, the reference's arithmetic),
compared bit for bit: random quotients over the exponent range, every divisor the
optimizers divide by (batch sizes, Adam's bias corrections), divisors and numerators with
the extreme significands, and quotients built to lie as close to a rounding boundary as
two floating-point numbers allow (the cases a correction that is only nearly right gets
wrong). Below ``|a| = 2^-967``, or where the quotient is subnormal, the float64 residual may
round (the module says so): those are left out of the bit-for-bit checks and held to two
units of ``2^-1074`` or four in the last place.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from fastnn.kernels._division import quotient, reciprocal

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


def _random(rng, n: int, dtype, low_exponent: int, high_exponent: int) -> np.ndarray:
    """``n`` numbers of random sign and significand, exponents uniform in the range; a
    quarter with the significand's extremes (all ones, or 1 plus a few units)."""
    info = np.finfo(dtype)
    frac = rng.random(n)
    frac[: n // 8] = 1.0 - rng.integers(1, 8, n // 8) * float(info.eps) / 2
    frac[n // 8 : n // 4] = rng.integers(0, 8, n // 4 - n // 8) * float(info.eps)
    x = np.ldexp(1.0 + frac, rng.integers(low_exponent, high_exponent, n)) * rng.choice([-1.0, 1.0], n)
    return x.astype(dtype)


def _divisors(dtype) -> list[float]:
    eps = float(np.finfo(dtype).eps)
    batch = [1, 3, 7, 10, 64, 100, 127, 200, 255, 256, 1000, 1797, 4095, 60_000, 65_535]
    adam = [1 - beta**t for beta in (0.9, 0.999, 0.99, 0.5) for t in (1, 2, 3, 7, 50, 299, 1000, 12_345)]
    near_two = [(2 - k * eps) * 2.0**e for k in range(1, 17) for e in (-3, 0, 5)]
    near_one = [(1 + k * eps) * 2.0**e for k in range(1, 9) for e in (-1, 2)]
    return batch + adam + near_two + near_one + [0.1, 1 / 3, 1e-300]


def test_random_quotients_are_ieee_division():
    rng = np.random.default_rng(20261128)
    for b in _divisors(np.float64) + list(1 + rng.random(40)):
        e_b = int(np.frexp(b)[1])  # numerators and quotients in the normal range, where every bit is promised
        a = _random(rng, 100_000, np.float64, max(-966, -1020 + e_b), 1023)
        _check(a, b, "random")


def _hard_cases(rng, p: int, n: int) -> tuple[list[tuple[int, int]], int]:
    """Pairs of ``p``-bit odd integers ``(A, B)`` whose quotient lies within ``|delta| / (B 2^p)``
    ulp-relative of a rounding boundary: ``B M - delta = A 2^(p+1)`` with ``M`` odd of
    ``p + 1`` bits (the boundary's significand), solved for ``M`` modulo ``2^(p+1)``."""
    pairs = []
    modulus = 1 << (p + 1)
    while len(pairs) < n:
        B = int(rng.integers(1 << (p - 1), 1 << p)) | 1
        if rng.random() < 0.25:  # significands near 2, where the argument's margin is least
            B = (1 << p) - 1 - 2 * int(rng.integers(0, 64))
        delta = int(rng.choice([-3, -1, 1, 3]))
        M = delta * pow(B, -1, modulus) % modulus
        if M < 1 << p:
            continue
        A, rem = divmod(B * M - delta, modulus)
        assert rem == 0
        if (1 << (p - 1)) <= A < (1 << p):
            pairs.append((A, B))
    return pairs, p


def test_quotients_next_to_a_rounding_boundary():
    rng = np.random.default_rng(7)
    dtype = np.float64
    pairs, p = _hard_cases(rng, 53, 3_000)
    for A, B in pairs:
        shifts = rng.integers(-60, 60, 16)  # the same significands at other exponents
        a = np.array([np.ldexp(float(A), int(k) - p) for k in shifts], dtype=dtype)
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


def test_float64_below_the_normal_range_stays_within_two_units():
    rng = np.random.default_rng(3)
    a = _random(rng, 200_000, np.float64, -1074, -940)
    a[:1000] = np.ldexp(rng.integers(1, 1 << 20, 1000).astype(float), -1074)  # subnormal numerators
    for b in (200.0, 1 - 0.9, 1 - 0.999**5, 1.9999999999999998, 3.0):
        out = np.empty_like(a)
        _divide(a, np.float64(b), out)
        expected = a / b
        assert np.all(np.abs(out - expected) <= np.maximum(2 * 2.0**-1074, 4 * np.spacing(np.abs(expected))))
