"""The compiled training engine (``comp_``) against the reference loop (``ref_``).

Both modes, Gram and standard, on both sides of the switch (m < n_x and m > n_x), every
hidden activation, float64 and float32, chunked and in one call. Bounds (float64): costs within
1e-12 relative, each parameter array within 1e-12 of its largest entry; identical predictions.
float32: ``MATMUL_RTOL`` (1e-5), on costs and parameters alike.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastnn
from fastnn import reference as R
from fastnn.kernels import engine
from fastnn.kernels.engine import Trainer, choose_mode
from fastnn.kernels.products import SPARSE_FRACTION, _mm_gram
from tests.cases import MATMUL_RTOL

ACTIVATIONS = sorted(R.ACTIVATIONS)


def problem(n_x, m, dims, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = ((X[0] - X[-1] + 0.3 * rng.standard_normal(m)) > 0).astype(float)[None, :]
    params = R.initialize_parameters([n_x, *dims, 1], "he", seed)
    return X.astype(dtype), Y.astype(dtype), params


def assert_matches_reference(X, Y, params, activation, lr, n, mode, rtol=None, python_driven=None):
    rtol = MATMUL_RTOL[X.dtype] if rtol is None else rtol
    ref_params, ref_costs = R.gradient_descent(X, Y, params, activation, lr, n)
    threshold = engine.LARGE_ITERATION_FLOPS
    if python_driven:  # the loop large problems use, forced on a small one
        engine.LARGE_ITERATION_FLOPS = 0
    try:
        trainer = Trainer(X, Y, params, activation, lr, mode, n)
    finally:
        engine.LARGE_ITERATION_FLOPS = threshold
    assert trainer.mode == mode
    if python_driven is not None:
        assert (trainer.loop == "python") == python_driven
    comp_costs = trainer.run(n)
    comp_params = trainer.parameters()
    assert comp_costs.dtype == X.dtype and all(v.dtype == X.dtype for v in comp_params.values())
    np.testing.assert_allclose(comp_costs, ref_costs, rtol=rtol)
    for key in params:
        scale = np.max(np.abs(ref_params[key])) or 1.0
        np.testing.assert_allclose(comp_params[key], ref_params[key], rtol=rtol, atol=rtol * scale)
    np.testing.assert_array_equal(R.predict(comp_params, X, activation), R.predict(ref_params, X, activation))


@pytest.mark.parametrize("python_driven", [False, True])
@pytest.mark.parametrize("mode", ["gram", "standard"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n_x, m", [(300, 40), (40, 300)])  # both sides of the switch
def test_modes_match_reference(n_x, m, activation, mode, python_driven):
    X, Y, params = problem(n_x, m, [6, 3], seed=n_x)
    assert_matches_reference(X, Y, params, activation, 0.05, 60, mode, python_driven=python_driven)


def test_gram_mode_steps_aside_when_the_gram_matrix_overflows():
    """Finite X whose ``X.T @ X`` overflows: "auto" trains in standard mode (no warning, the
    reference's cost); a forced "gram" is a ValueError that says why."""
    X, Y, params = problem(300, 20, [3], seed=7)
    X = X * 1e160
    params = {k: v * (1e-162 if k == "W1" else 1.0) for k, v in params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer(X, Y, params, "relu", 0.01, "auto", 1000)
    assert choose_mode(300, 20, 3, 1000) == "gram" and trainer.mode == "standard"
    _, ref_costs = R.gradient_descent(X, Y, params, "relu", 0.01, 1)
    np.testing.assert_allclose(trainer.run(1), ref_costs, rtol=1e-12)  # the first cost, before X's scale diverges
    with pytest.raises(ValueError, match=r"X\.T @ X.*overflows.*mode='standard'"):
        Trainer(X, Y, params, "relu", 0.01, "gram", 1000)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("density", [0.0, 0.1, 0.3, SPARSE_FRACTION, 0.9, 1.0])
def test_gram_product_skips_zeros_exactly(density, dtype):
    """``dZ1 G``, Gram mode's product: the zero-skipping loop (sparse ``dZ1``, as ReLU layers
    give) and BLAS (dense) against NumPy's product, at the product's rounding."""
    rng = np.random.default_rng(int(density * 100))
    X = rng.standard_normal((50, 37))
    G = (X.T @ X).astype(dtype)
    dZ = (rng.standard_normal((6, 37)) * (rng.random((6, 37)) < density)).astype(dtype)
    out, idx = np.empty((6, 37), dtype), np.empty(37, np.int64)
    _mm_gram(dZ, G, out, idx)
    ref = dZ.astype(np.float64) @ G.astype(np.float64)
    scale = np.abs(dZ.astype(np.float64)) @ np.abs(G.astype(np.float64))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert np.all(np.abs(out - ref) <= rtol * scale)
    if density > 0:  # a NaN in dZ reaches its row, as in a BLAS product
        dZ[2, np.flatnonzero(dZ[2])[:1]] = np.nan
        if np.isnan(dZ[2]).any():
            _mm_gram(dZ, G, out, idx)
            assert np.isnan(out[2]).all() and not np.isnan(out[[0, 1, 3, 4, 5]]).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n_x, m", [(2, 400), (30, 1000)])
def test_one_hidden_layer_loop_matches_reference(n_x, m, activation, dtype):
    """The list-free loop for one hidden layer (the planar model's), with its fused backward
    pass; float32 against the float32 reference at the float32 tolerance."""
    X, Y, params = problem(n_x, m, [4], seed=n_x, dtype=dtype)
    params = {k: v.astype(dtype) for k, v in params.items()}
    assert Trainer(X, Y, params, activation, 0.5, "standard", 50).loop == "one hidden layer"
    assert_matches_reference(X, Y, params, activation, 0.5, 50, "standard")


@pytest.mark.parametrize("mode", ["gram", "standard"])
def test_logistic_regression_one_layer(mode):
    X, Y, _ = problem(50, 20, [], seed=1)
    params = {"W1": np.zeros((1, 50)), "b1": np.zeros((1, 1))}
    assert_matches_reference(X, Y, params, "relu", 0.01, 100, mode)


@pytest.mark.parametrize("mode", ["gram", "standard"])
def test_cat_model_both_modes(cat_data, mode):
    train_x, train_y, _, _ = cat_data
    params = R.initialize_parameters([12288, 20, 7, 5, 1], "lecun", 1)
    assert_matches_reference(train_x, train_y.astype(float), params, "relu", 0.0075, 150, mode)


@pytest.mark.parametrize("mode", ["gram", "standard"])
def test_float32_end_to_end(mode):
    X, Y, params = problem(60, 30, [5], seed=3, dtype=np.float32)
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    # Costs, parameters (W1 rebuilt from Gram mode's sums included) and dtypes, at float32's rule.
    assert_matches_reference(X, Y, params32, "tanh", 0.05, 20, mode)


@pytest.mark.parametrize("mode", ["gram", "standard"])
def test_chunked_runs_equal_one_run(mode):
    X, Y, params = problem(80, 30, [7, 4], seed=5)
    one = Trainer(X, Y, params, "relu", 0.05, mode)
    costs_one = one.run(50)
    chunked = Trainer(X, Y, params, "relu", 0.05, mode)
    costs_chunked = np.concatenate([chunked.run(n) for n in (1, 0, 10, 39)])
    np.testing.assert_array_equal(costs_chunked, costs_one)
    for key, value in one.parameters().items():
        np.testing.assert_array_equal(chunked.parameters()[key], value)


def test_train_api_modes_agree(cat_data):
    train_x, train_y, _, _ = cat_data
    runs = {
        mode: fastnn.train(train_x, train_y, [12288, 20, 7, 5, 1], num_iterations=30, mode=mode)
        for mode in ("gram", "standard")
    }
    np.testing.assert_allclose(runs["gram"].costs, runs["standard"].costs, rtol=1e-12)
    for key, value in runs["standard"].parameters.items():
        np.testing.assert_allclose(runs["gram"].parameters[key], value, rtol=1e-12, atol=1e-12 * np.max(np.abs(value)))
    with pytest.raises(ValueError, match="mode='gram' needs backend='numba'"):
        fastnn.train(train_x, train_y, [12288, 1], num_iterations=1, mode="gram", backend="numpy")
    with pytest.raises(ValueError, match="unknown mode"):
        fastnn.train(train_x, train_y, [12288, 1], num_iterations=1, mode="fast")


def test_large_iterations_are_driven_from_python():
    assert Trainer(*problem(784, 2000, [128, 64])[:3], "relu", 0.1, "standard").python_driven
    assert not Trainer(*problem(2, 400, [4])[:3], "tanh", 0.1, "standard").python_driven


def test_cost_model_picks_gram_only_when_it_pays():
    assert choose_mode(n_x=12288, m=209, n1=20, num_iterations=2500) == "gram"
    assert choose_mode(n_x=784, m=60_000, n1=128, num_iterations=100) == "standard"
    assert choose_mode(n_x=2, m=400, n1=4, num_iterations=10_000) == "standard"
    assert choose_mode(n_x=12288, m=209, n1=20, num_iterations=1) == "standard"  # G costs more than it saves


@pytest.mark.parametrize("mode", ["gram", "standard"])
def test_read_only_inputs_train_without_error(mode):
    X, Y, params = problem(50, 20, [4], seed=9)
    X.flags.writeable = False
    Y.flags.writeable = False
    assert_matches_reference(X, Y, params, "sigmoid", 0.05, 10, mode)


@pytest.mark.parametrize("margin", [20.0, 30.0, 40.0])
def test_cost_keeps_its_accuracy_for_confident_examples(margin):
    """Every example classified with logit ``margin``: the cost is ``log1p(exp(-margin))``,
    computed here with NumPy; the engine's block-product of ``1 + e`` once rounded it away
    (relative error 1e-3 at margin 30, found by tests/test_fuzz.py)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 100))
    Y = (X[0] > 0).astype(float)[None, :]
    X[0] = np.where(Y[0] == 1, 1.0, -1.0)
    params = {"W1": np.array([[margin, 0.0, 0.0]]), "b1": np.zeros((1, 1))}
    expected = np.log1p(np.exp(-margin))
    for mode in ("gram", "standard"):
        cost = Trainer(X, Y, params, "relu", 0.01, mode, 1).run(1)[0]
        assert cost == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.parametrize("learning_rate", [0.0, -0.1])
@pytest.mark.parametrize("hidden", [[], [4, 2]])
def test_any_learning_rate_in_standard_mode_as_the_reference(hidden, learning_rate):
    """The kernels' gradient descent takes the reference's arguments, a zero or negative rate
    included, on every loop (the layered loop builds a spec, which asks for a positive one)."""
    X, Y, params = problem(3, 30, hidden, seed=4)
    assert_matches_reference(X, Y, params, "relu", learning_rate, 5, "standard")


def test_read_only_inputs_compile_no_second_training_loop():
    """Small read-only inputs are copied once (:func:`~fastnn.kernels.training._working_copy`):
    a read-only array is another type to Numba, and the whole loop would compile again."""
    from fastnn.kernels import training

    if not hasattr(training._epochs, "signatures"):
        pytest.skip("compiled types only (NUMBA_DISABLE_JIT runs the kernels as Python)")
    X, Y, params = problem(3, 40, [4, 3], seed=5)
    assert_matches_reference(X, Y, params, "relu", 0.1, 3, "standard")
    before = len(training._epochs.signatures)
    X.flags.writeable = False
    Y.flags.writeable = False
    assert_matches_reference(X, Y, params, "relu", 0.1, 3, "standard")
    assert len(training._epochs.signatures) == before
