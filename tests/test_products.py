"""The small-product kernels of the training loops, entry by entry.

Oracle: NumPy, computing each product as the kernels document it, one term at a time from
left to right (``Z = Z + A[:, p] B[p]``, NumPy's elementwise operations round each step
once, as compiled code without contraction does), then the activation or its derivative as
the reference writes it. The fused kernels (the activation applied as the product writes its
last pass) must give exactly those bits, for every number of terms (the passes add four,
three, two or one at a time), both dtypes, and entries that are NaN, infinite or zero.
``dW`` and ``db`` sums are reassociated (and ``dW``'s multiply-adds fused): within
``4 m eps`` (float64; ``8 m eps`` float32) of NumPy's float64 sums, relative to the sums of
absolute terms (the bound of any summation order).
"""

from __future__ import annotations

import numpy as np
import pytest

from fastnn.kernels.activations import ACT_CODES, constants
from fastnn.kernels.products import SMALL_PRODUCT, _mm, _mm_backward, _mm_forward, _mm_nt, _mm_nt_db, _mm_tn
from fastnn.reference.activations import LEAKY_SLOPE

DTYPES = [np.float64, np.float32]
ACTS = ["relu", "leaky_relu", "identity", "sigmoid", "tanh"]


def left_to_right(A, B):
    """``A @ B`` summed one term at a time, left to right, in ``A``'s dtype."""
    with np.errstate(invalid="ignore"):  # 0 * inf
        Z = A[:, :1] * B[:1]
        for p in range(1, A.shape[1]):
            Z = Z + A[:, p : p + 1] * B[p : p + 1]
    return Z


def activate(Z, act, dtype):
    slope = dtype(LEAKY_SLOPE)
    return {
        "relu": lambda: np.where(Z <= 0, dtype(0), Z),
        "leaky_relu": lambda: np.where(Z > 0, Z, Z * slope),
        "identity": lambda: Z,
    }[act]()


def operands(n, k, m, dtype, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, k)).astype(dtype)
    B = rng.standard_normal((k, m)).astype(dtype)
    A[rng.random(A.shape) < 0.1] = 0  # zeros: -0.0 against +0.0, and exact cancellations
    B[0, 0], B[-1, -1] = np.nan, np.inf
    return A, B


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", range(1, 12))
def test_plain_product_adds_left_to_right(k, dtype):
    A, B = operands(5, k, 37, dtype, k)
    out = np.empty((5, 37), dtype)
    _mm(A, B, out)
    np.testing.assert_array_equal(out, left_to_right(A, B), strict=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["relu", "leaky_relu", "identity"])
@pytest.mark.parametrize("n, k", [(n, k) for k in range(1, 12) for n in (1, 5, 6)] + [(40, 30)])
def test_forward_step_is_the_product_then_the_activation_bit_for_bit(n, k, act, dtype):
    """Rows two at a time and an odd last row alone; (40, 30) x 41 goes to BLAS, then one
    pass of bias and activation."""
    W, X = operands(n, k, 41, dtype, 10 + k)
    b = np.random.default_rng(k).standard_normal((n, 1)).astype(dtype)
    c = constants(dtype)
    Z = np.empty((n, 41), dtype)
    _mm_forward(W, X, Z, b, np.empty((1, 1)), ACT_CODES[act], c["zero"], c["slope"])
    if n * k * 41 > SMALL_PRODUCT:  # BLAS's own summation order: the activation of its product
        Zp = np.empty((n, 41), dtype)
        _mm(W, X, Zp)
        np.testing.assert_array_equal(Z, activate(Zp + b, act, dtype), strict=True)
    else:
        np.testing.assert_array_equal(Z, activate(left_to_right(W, X) + b, act, dtype), strict=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("k, n", [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (7, 6), (8, 6), (9, 6), (30, 40)])
def test_backward_step_is_the_product_times_the_derivative_bit_for_bit(k, n, act, dtype):
    """``dZ_prev = (W^T dZ) g'(Z_prev)``: from ``A_prev``'s sign for the ReLUs, from ``D``
    (float64) for sigmoid and tanh, rounded once to the dtype; (30, 40) x 43 goes to BLAS,
    then one pass of the derivative."""
    rng = np.random.default_rng(k)
    WT, dZ = operands(n, k, 43, dtype, 20 + k)  # W: (k, n), so W^T dZ has k terms
    W = np.ascontiguousarray(WT.T)
    A_prev = rng.standard_normal((n, 43)).astype(dtype)
    A_prev[A_prev < 0.3] = 0 if act == "relu" else A_prev[A_prev < 0.3]
    D = rng.random((n, 43))
    c = constants(dtype)
    out = np.empty((n, 43), dtype)
    _mm_backward(W, dZ, out, A_prev, D, ACT_CODES[act], c["zero"], c["slope"])
    if n * k * 43 > SMALL_PRODUCT:  # BLAS on the same operands (W^T as a transposed view)
        dA = np.empty((n, 43), dtype)
        _mm_tn(W, dZ, dA)
    else:
        dA = left_to_right(WT, dZ)
    if act in ("sigmoid", "tanh"):
        expected = (dA.astype(np.float64) * D).astype(dtype)
    elif act == "relu":
        expected = np.where(A_prev <= 0, dtype(0), dA)
    elif act == "leaky_relu":
        expected = np.where(A_prev <= 0, dA * dtype(LEAKY_SLOPE), dA)
    else:
        expected = dA
    np.testing.assert_array_equal(out, expected, strict=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1, 5), (5, 2, 64), (10, 5, 300), (7, 3, 211), (3, 20, 211), (60, 50, 10)])
def test_weight_gradient_and_row_sums_in_one_pass(shape, dtype):
    """``dW = dZ A^T`` and ``db = sum(dZ, axis=1)`` (odd counts of rows on either side; the
    last shape goes to BLAS), against float64 NumPy within reassociation's error."""
    n, k, m = shape
    rng = np.random.default_rng(m)
    dZ = rng.standard_normal((n, m)).astype(dtype)
    A = rng.standard_normal((k, m)).astype(dtype)
    dW, db = np.full((n, k), np.nan, dtype), np.full((n, 1), np.nan, dtype)
    _mm_nt_db(dZ, A, dW, db)
    dW_only = np.full((n, k), np.nan, dtype)
    _mm_nt(dZ, A, dW_only)
    assert (n * k * m > SMALL_PRODUCT) == (shape == (60, 50, 10))
    dZ64, A64 = dZ.astype(np.float64), A.astype(np.float64)
    scale = np.abs(dZ64) @ np.abs(A64).T  # the error bound's scale: sums of |terms|
    tol = 8 * m * np.finfo(dtype).eps if dtype == np.float32 else 4 * m * np.finfo(np.float64).eps
    assert np.all(np.abs(dW - dZ64 @ A64.T) <= tol * scale)
    np.testing.assert_array_equal(dW, dW_only)
    sums = np.abs(dZ64).sum(axis=1, keepdims=True)
    assert np.all(np.abs(db - dZ64.sum(axis=1, keepdims=True)) <= tol * sums)
