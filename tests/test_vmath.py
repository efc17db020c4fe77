"""The vectorizable math of ``fastnn.kernels._vmath`` against NumPy and exact arithmetic.

Bounds, as the module states them: ``exp`` within 1 ulp of NumPy's, ``expm1`` and ``tanh``
within 3, ``tanh'`` (the reference's ``4 e / (1 + e (2 + e))``) within 4; subnormal
results within one step of 2^-1074 beyond that. ``fma`` rounds once, exactly as
``Fraction`` arithmetic rounded to float64.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numba
import numpy as np
import pytest

from fastnn.kernels._vmath import exp_nonpositive, expm1_nonpositive, fma, math_constants, tanh_and_grad, tanh_scalar

#: Values per range: compiled runs check many; plain-Python runs (coverage) fewer.
N = 2_000 if os.environ.get("NUMBA_DISABLE_JIT") == "1" else 400_000


def _loop(func):
    """A compiled loop applying one of the inlined scalar functions to every element."""

    @numba.njit
    def apply(x, out):
        c = math_constants()
        for i in range(x.size):
            out[i] = func(x[i], c)

    return apply


_exp, _expm1, _tanh = _loop(exp_nonpositive), _loop(expm1_nonpositive), _loop(tanh_scalar)


@numba.njit
def _tanh_and_grad(x, t, g):
    c = math_constants()
    for i in range(x.size):
        t[i], g[i] = tanh_and_grad(x[i], c)


@numba.njit
def _fma(a, b, c, out):
    for i in range(a.size):
        out[i] = fma(a[i], b[i], c[i])


def _apply(kernel, x):
    out = np.empty_like(x)
    kernel(x, out)
    return out


def _ulp(ref, comp):
    """Error in units of the reference's last place (subnormals: steps of 2^-1074)."""
    return np.abs(comp - ref) / np.spacing(np.abs(ref))


RANGES = {
    "unit": lambda rng: -rng.random(N),
    "tiny": lambda rng: -(10.0 ** rng.uniform(-300, -1, N)),
    "wide": lambda rng: -rng.random(N) * 708,
    "subnormal results": lambda rng: -708 - rng.random(N) * 37,
}


@pytest.mark.parametrize("name", sorted(RANGES))
def test_exp_within_one_ulp_of_numpy(name):
    x = RANGES[name](np.random.default_rng(0))
    with np.errstate(under="ignore"):
        ref = np.exp(x)
    assert _ulp(ref, _apply(_exp, x)).max() <= 1


@pytest.mark.parametrize("name", ["unit", "tiny", "wide"])
def test_expm1_within_three_ulp_of_numpy(name):
    x = RANGES[name](np.random.default_rng(1)) / 17.0  # expm1 saturates to -1 below -40
    assert _ulp(np.expm1(x), _apply(_expm1, x)).max() <= 3


@pytest.mark.parametrize("scale", [1e-3, 1.0, 3.0, 20.0, 354.0])
def test_tanh_and_its_derivative_against_the_reference_formulas(scale):
    z = np.random.default_rng(2).uniform(-scale, scale, N)
    e = np.exp(-2 * np.abs(z))
    t, g = np.empty_like(z), np.empty_like(z)
    _tanh_and_grad(z, t, g)
    assert _ulp(np.tanh(z), t).max() <= 3
    assert _ulp(4 * e / (1 + e * (2 + e)), g).max() <= 4
    np.testing.assert_array_equal(_apply(_tanh, z), t)  # tanh_scalar: the same arithmetic


def test_special_values():
    x = np.array([0.0, -0.0, np.nan, -np.inf, -745.2, -744.5, -1e-300, -5e-324])
    np.testing.assert_array_equal(_apply(_exp, x), np.exp(x))
    np.testing.assert_array_equal(_apply(_expm1, x), np.expm1(x))
    z = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-310, -1e-310, 400.0, -800.0])
    t, g = np.empty_like(z), np.empty_like(z)
    _tanh_and_grad(z, t, g)
    np.testing.assert_array_equal(t, np.tanh(z))
    np.testing.assert_array_equal(np.signbit(t), np.signbit(np.tanh(z)))  # -0.0 stays -0.0
    with np.errstate(under="ignore"):
        e = np.exp(-2 * np.abs(z))
        np.testing.assert_array_equal(g, 4 * e / (1 + e * (2 + e)))


def test_fma_rounds_once():
    rng = np.random.default_rng(3)
    n = 200 if os.environ.get("NUMBA_DISABLE_JIT") == "1" else 20_000
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    c = -a * b * (1 + rng.standard_normal(n) * 1e-10)  # heavy cancellation: a separate a * b would show
    out = np.empty(n)
    _fma(a, b, c, out)
    exact = np.array([float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c, strict=True)])
    np.testing.assert_array_equal(out, exact)
    assert not np.array_equal(out, a * b + c)
    specials = np.array([math.inf, 0.0, 1.0, np.nan, -0.0])
    out = np.empty(5)
    _fma(specials, np.array([1.0, math.inf, 2.0, 1.0, 1.0]), np.array([1.0, 1.0, -2.0, 0.0, -0.0]), out)
    np.testing.assert_array_equal(out, [math.inf, np.nan, 0.0, np.nan, -0.0])
    assert not np.signbit(out[2])
