"""Kernels (``comp_``) against the NumPy reference (``ref_``), name for name.

Bounds: elementwise kernels within ``ULP`` units in the last place; anything that goes
through a matrix product within ``MATMUL_RTOL[dtype]``; training (costs, and parameters
norm-wise) within ``MATMUL_RTOL`` too: 1e-12 in float64, 1e-5 in float32. Inputs come
from the shared generator in ``cases.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastnn import kernels as K
from fastnn import reference as R
from tests.cases import DTYPES, KINDS, MATMUL_RTOL, SHAPES, ULP, layouts, values

#: One table drives the parity tests: every public reference name and its kernel twin.
TWINS = {name: (getattr(R, name), getattr(K, name)) for name in R.__all__}


def assert_ulp(ref, comp, nulp=ULP):
    """Same dtype, same NaN positions, and the rest within ``nulp`` ulp."""
    assert comp.dtype == ref.dtype, (comp.dtype, ref.dtype)
    assert comp.shape == ref.shape
    nan = np.isnan(ref)
    np.testing.assert_array_equal(np.isnan(comp), nan)
    if (~nan).any():
        np.testing.assert_array_max_ulp(ref[~nan], comp[~nan], maxulp=nulp)


#: ``g'(Z) = k e / (1 + e (2 + e))`` with ``e = exp(-c |Z|)``: (c, k) per activation.
_DERIVATIVE_EXP = {"sigmoid": (1, 1), "tanh": (2, 4)}


def assert_derivative(name, ref, comp, dA, Z):
    """:func:`assert_ulp`, except where the reference's ``e = exp(-c |Z|)`` is subnormal.

    There ``e`` keeps fewer than 53 (24) bits, so the reference's ``dZ = dA * k e / ...``
    is itself off the true value by up to ``k |dA|`` times the smallest subnormal: many ulp
    of a normal ``dZ`` whenever the two implementations' subnormal ``e`` differ in the last
    place. In that band the bound is the reference's own error, ``(k |dA| + 1)`` smallest
    subnormals (plus ``ULP`` ulp); everywhere else it is ``ULP`` ulp.

    Returns the allowed error per element, for checks of sums of ``dZ``.
    """
    allowed = ULP * np.spacing(np.abs(ref)).astype(np.float64)
    if name not in _DERIVATIVE_EXP:
        assert_ulp(ref, comp)
        return allowed
    c, k = _DERIVATIVE_EXP[name]
    finfo = np.finfo(ref.dtype)
    with np.errstate(under="ignore", over="ignore"):
        e = np.exp(-c * np.abs(Z.astype(ref.dtype)))
    band = (e < finfo.tiny) & np.isfinite(Z)
    assert_ulp(np.where(band, 0, ref), np.where(band, 0, comp).astype(ref.dtype))
    if band.any():
        err = np.abs(comp[band].astype(np.float64) - ref[band])
        bound = (k * np.abs(dA[band].astype(np.float64)) + 1) * float(finfo.smallest_subnormal) + allowed[band]
        assert np.all(err <= bound), f"{np.sum(err > bound)} elements beyond the subnormal-band bound"
        allowed[band] = bound
    return allowed


def assert_close(ref, comp, scale=None):
    """``|comp - ref| <= rtol * scale`` elementwise, ``rtol = MATMUL_RTOL[dtype]``.

    ``scale`` defaults to ``|ref|``. For a sum or a matrix product whose terms cancel,
    pass the sum of the terms' magnitudes (``|W| @ |A|``, ``sum |dZ|``): that is the size
    of the rounding error any float implementation makes, the reference's included.
    """
    ref, comp = np.asarray(ref), np.asarray(comp)
    assert comp.dtype == ref.dtype, (comp.dtype, ref.dtype)
    assert comp.shape == ref.shape
    rtol = MATMUL_RTOL[ref.dtype]
    scale = np.abs(ref) if scale is None else np.asarray(scale)
    err = np.abs(comp.astype(np.float64) - ref)
    bad = ~(err <= rtol * scale) & ~(np.isnan(ref) & np.isnan(comp))
    worst = np.max(err[bad] / scale[bad]) if bad.any() and np.ndim(scale) else None
    assert not bad.any(), f"{bad.sum()} of {bad.size} beyond rtol {rtol}; worst relative error {worst}"


def test_name_sets_are_equal():
    assert set(R.__all__) == set(K.__all__)
    assert set(R.ACTIVATIONS) == set(K.ACTIVATIONS) == set(R.DERIVATIVES) == set(K.DERIVATIVES)
    from fastnn.kernels.activations import FORWARD, TRAIN_BACKWARD, TRAIN_FORWARD

    assert set(FORWARD) == set(TRAIN_FORWARD) == set(TRAIN_BACKWARD) == set(R.ACTIVATIONS)


def test_every_twin_has_the_reference_signature():
    import inspect

    for name, (ref, comp) in TWINS.items():
        if not callable(ref) or isinstance(ref, dict):
            continue
        ref_params = list(inspect.signature(ref).parameters)
        comp_params = list(inspect.signature(comp).parameters)
        assert comp_params[: len(ref_params)] == ref_params, name
        # Extras are output buffers, and the engine's choice of algorithm.
        assert all(p.startswith("out") or p == "mode" for p in comp_params[len(ref_params) :]), name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS + ("nonfinite",))
@pytest.mark.parametrize("name", sorted(R.ACTIVATIONS))
def test_activation(name, kind, dtype):
    for shape in SHAPES:
        Z = values(kind, shape, dtype, seed=shape[1])
        ref = R.ACTIVATIONS[name](Z)
        for _layout, Z_in in layouts(Z):
            comp = K.ACTIVATIONS[name](Z_in)
            assert_ulp(ref, comp)
            np.testing.assert_array_equal(Z_in, Z)  # input untouched


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS + ("nonfinite",))
@pytest.mark.parametrize("name", sorted(R.DERIVATIVES))
def test_derivative(name, kind, dtype):
    for shape in SHAPES:
        Z = values(kind, shape, dtype, seed=shape[0])
        dA = values("normal", shape, dtype, seed=shape[1] + 7)
        ref = R.DERIVATIVES[name](dA, Z)
        for _layout, Z_in in layouts(Z):
            assert_derivative(name, ref, K.DERIVATIVES[name](dA, Z_in), dA, Z)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(R.ACTIVATIONS))
def test_out_buffer_is_filled_and_returned(name, dtype):
    Z = values("normal", (3, 17), dtype)
    out = np.empty_like(Z)
    assert K.ACTIVATIONS[name](Z, out=out) is out
    assert_ulp(R.ACTIVATIONS[name](Z), out)
    with pytest.raises(ValueError, match="out must be"):
        K.ACTIVATIONS[name](Z, out=np.empty((3, 16), dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(R.DERIVATIVES))
def test_training_forward_and_backward_passes(name, dtype):
    """Training's fused passes: ``Z + b``, ``A = g(Z)`` and ``g'(Z)`` in one pass forward;
    ``dZ = dA * g'(Z)`` in place with ``db`` fused, backward."""
    from fastnn.kernels.activations import TRAIN_BACKWARD, TRAIN_FORWARD

    for kind in KINDS:
        for shape in SHAPES:
            Z = values(kind, shape, dtype, seed=3)
            b = values("normal", (shape[0], 1), dtype, seed=5)
            dA = values("normal", shape, dtype, seed=4)
            ref_Z = Z + b
            ref_A = R.ACTIVATIONS[name](ref_Z)
            ref_dZ = R.DERIVATIVES[name](dA, ref_Z)
            ref_db = np.sum(ref_dZ, axis=1, keepdims=True)
            comp_A, D = Z.copy(), np.empty(Z.shape)
            TRAIN_FORWARD[name](comp_A, b, D)
            assert_ulp(ref_A, comp_A)
            comp_dZ = dA.copy()
            comp_db = np.empty((shape[0], 1), dtype)
            TRAIN_BACKWARD[name](comp_dZ, comp_A, D, comp_db)
            allowed = assert_derivative(name, ref_dZ, comp_dZ, dA, ref_Z)
            # db sums dZ: the sum's rounding (rtol of the terms' magnitudes) plus what each
            # term may differ by.
            rtol = MATMUL_RTOL[np.dtype(dtype)]
            err = np.abs(comp_db.astype(np.float64) - ref_db)
            bound = rtol * np.sum(np.abs(ref_dZ.astype(np.float64)), axis=1, keepdims=True) + np.sum(
                allowed, axis=1, keepdims=True
            )
            assert np.all(err <= bound)


_assert_close = assert_close


def _layer(shape, dtype, seed=0):
    n, m = shape
    n_prev = max(1, (n * 3) % 11)
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((n_prev, m)).astype(dtype)
    W = rng.standard_normal((n, n_prev)).astype(dtype)
    b = rng.standard_normal((n, 1)).astype(dtype)
    return A_prev, W, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(R.ACTIVATIONS))
def test_layer_forward_and_backward(activation, dtype):
    for shape in SHAPES:
        A_prev, W, b = _layer(shape, dtype)
        abs64 = lambda a: np.abs(a.astype(np.float64))  # noqa: E731
        z_scale = abs64(W) @ abs64(A_prev) + abs64(b)
        ref_Z, _ = R.linear_forward(A_prev, W, b)
        for _layout, A_in in layouts(A_prev):
            comp_Z, _ = K.linear_forward(A_in, np.asfortranarray(W), b)
            assert_close(ref_Z, comp_Z, z_scale)
        ref_A, ref_cache = R.linear_activation_forward(A_prev, W, b, activation)
        comp_A, comp_cache = K.linear_activation_forward(A_prev, W, b, activation)
        assert_close(ref_cache[1], comp_cache[1], z_scale)
        # A = g(Z): g is 1-Lipschitz for all four activations, so A's error is at most Z's.
        assert_close(ref_A, comp_A, z_scale)
        dA = values("normal", shape, dtype, seed=9)
        dZ = R.DERIVATIVES[activation](dA, ref_cache[1])
        m = shape[1]
        scales = (abs64(W).T @ abs64(dZ), abs64(dZ) @ abs64(A_prev).T / m, np.sum(abs64(dZ), axis=1, keepdims=True) / m)
        for ref, comp, scale in zip(
            R.linear_activation_backward(dA, ref_cache, activation),
            K.linear_activation_backward(dA, ref_cache, activation),
            scales,
            strict=True,
        ):
            assert_close(ref, comp, scale)


def _network(dims, dtype, seed=0):
    params = R.initialize_parameters(dims, "he", seed, dtype)
    rng = np.random.default_rng(seed)
    for l in range(1, len(dims)):
        params[f"b{l}"] = (rng.standard_normal((dims[l], 1)) * 0.1).astype(dtype)
    X = rng.standard_normal((dims[0], 37)).astype(dtype)
    Y = (rng.random((1, 37)) > 0.5).astype(dtype)
    return X, Y, params


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(R.ACTIVATIONS))
def test_model_forward_backward_update_predict(activation, dtype):
    """Whole-network results: errors compound through the layers, so here the bound is
    norm-wise (``|comp - ref| <= rtol * max|ref|`` per array)."""
    X, Y, params = _network([6, 5, 4, 1], dtype)

    def assert_close(ref, comp):
        _assert_close(ref, comp, np.max(np.abs(np.asarray(ref, dtype=np.float64))))

    ref_AL, ref_caches = R.L_model_forward(X, params, activation)
    comp_AL, comp_caches = K.L_model_forward(X, params, activation)
    assert_close(ref_AL, comp_AL)
    assert_close(R.compute_cost(ref_AL, Y), K.compute_cost(ref_AL, Y))
    ref_grads = R.L_model_backward(ref_AL, Y, ref_caches, activation)
    comp_grads = K.L_model_backward(ref_AL, Y, ref_caches, activation)
    assert set(ref_grads) == set(comp_grads)
    for key in ref_grads:
        assert_close(ref_grads[key], comp_grads[key])
    ref_new = R.update_parameters(params, ref_grads, 0.1)
    before = {k: v.copy() for k, v in params.items()}
    comp_new = K.update_parameters(params, ref_grads, 0.1)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])  # not mutated without out=
        assert_ulp(ref_new[key], comp_new[key], nulp=0)
    inplace = {k: v.copy() for k, v in params.items()}
    K.update_parameters(inplace, ref_grads, 0.1, out=inplace)
    for key in params:
        assert_ulp(ref_new[key], inplace[key], nulp=0)
    np.testing.assert_array_equal(R.predict(params, X, activation), K.predict(params, X, activation))
    assert_close(R.predict_proba(params, X, activation), K.predict_proba(params, X, activation))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS + ("nonfinite",))
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf in the reference's cost
def test_sigmoid_cross_entropy(kind, dtype):
    for shape in [(1, 1), (1, 209), (1, 6001)]:
        ZL = values(kind, shape, dtype, seed=shape[1])
        Y = (np.random.default_rng(1).random(shape) > 0.5).astype(dtype)
        ref_A, ref_cost, ref_dZ = R.sigmoid_cross_entropy(ZL, Y)
        comp_A, comp_cost, comp_dZ = K.sigmoid_cross_entropy(ZL, Y)
        assert_ulp(ref_A, comp_A)
        assert_ulp(ref_dZ, comp_dZ)
        assert np.asarray(comp_cost).dtype == np.dtype(dtype)
        if np.isnan(ref_cost):
            assert np.isnan(comp_cost)
        else:
            assert_close(np.asarray(ref_cost), np.asarray(comp_cost))


@pytest.mark.parametrize("dtype", DTYPES)
def test_output_unit_is_stable_at_large_logits(dtype):
    big = 1000.0 if dtype == np.float64 else 100.0
    ZL = np.array([[big, -big, big, -big]], dtype)
    Y = np.array([[1, 0, 0, 1]], dtype)
    # Underflow to 0 in exp(-|z|) is exact enough and NumPy ignores it by default; overflow,
    # division by zero and invalid operations must not happen.
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        for impl in (R, K):
            AL, cost, dZ = impl.sigmoid_cross_entropy(ZL, Y)
            assert np.isfinite(cost) and np.all(np.isfinite(AL)) and np.all(np.isfinite(dZ))
            np.testing.assert_allclose(cost, big / 2, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(R.ACTIVATIONS))
def test_gradient_descent(activation, dtype):
    X, Y, params = _network([6, 5, 4, 1], dtype, seed=2)
    n = 40 if dtype == np.float64 else 5
    ref_params, ref_costs = R.gradient_descent(X, Y, params, activation, 0.05, n)
    comp_params, comp_costs = K.gradient_descent(X, Y, params, activation, 0.05, n)
    rtol = MATMUL_RTOL[np.dtype(dtype)]
    assert comp_costs.dtype == np.dtype(dtype)
    np.testing.assert_allclose(comp_costs, ref_costs, rtol=rtol)
    for key in params:
        assert comp_params[key].dtype == np.dtype(dtype)
        scale = np.max(np.abs(ref_params[key].astype(np.float64)))
        np.testing.assert_allclose(comp_params[key], ref_params[key], rtol=rtol, atol=rtol * scale)


def test_gradient_descent_leaves_inputs_alone():
    X, Y, params = _network([6, 5, 1], np.float64)
    X.flags.writeable = False
    before = {k: v.copy() for k, v in params.items()}
    K.gradient_descent(np.asfortranarray(X), Y, params, "relu", 0.1, 3)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


@pytest.mark.parametrize("name", sorted(R.ACTIVATIONS))
def test_nan_in_gives_nan_out(name):
    Z = np.array([[np.nan, 1.0, -1.0]])
    assert np.isnan(K.ACTIVATIONS[name](Z)[0, 0])
    assert np.isnan(K.DERIVATIVES[name](np.array([[np.nan, 1.0, 1.0]]), Z)[0, 0])


def test_bad_shapes_raise_like_the_reference():
    A = np.ones((3, 4))
    W = np.ones((2, 5))
    b = np.ones((2, 1))
    for impl in (R, K):
        with pytest.raises(ValueError):
            impl.linear_forward(A, W, b)


finite = st.floats(-50, 50, allow_nan=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    Z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=40), elements=finite),
    name=st.sampled_from(sorted(R.ACTIVATIONS)),
    f32=st.booleans(),
)
def test_hypothesis_activations_and_derivatives(Z, name, f32):
    if f32:
        Z = Z.astype(np.float32)
    assert_ulp(R.ACTIVATIONS[name](Z), K.ACTIVATIONS[name](Z))
    dA = np.cos(Z).astype(Z.dtype)
    assert_ulp(R.DERIVATIVES[name](dA, Z), K.DERIVATIVES[name](dA, Z))


@settings(max_examples=25, deadline=None)
@given(
    dims=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    n_x=st.integers(1, 12),
    m=st.integers(1, 30),
    activation=st.sampled_from(sorted(R.ACTIVATIONS)),
    seed=st.integers(0, 2**16),
)
def test_hypothesis_training(dims, n_x, m, activation, seed):
    layer_dims = [n_x, *dims, 1]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    params = R.initialize_parameters(layer_dims, "he", seed)
    ref_params, ref_costs = R.gradient_descent(X, Y, params, activation, 0.1, 10)
    comp_params, comp_costs = K.gradient_descent(X, Y, params, activation, 0.1, 10)
    np.testing.assert_allclose(comp_costs, ref_costs, rtol=1e-12)
    for key, value in ref_params.items():
        np.testing.assert_allclose(comp_params[key], value, rtol=1e-12, atol=1e-12 * np.max(np.abs(value)))
