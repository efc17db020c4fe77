"""Fuzzing the public API: random shapes, dtypes, layouts and values (NaN, inf, huge, tiny,
empty, single example). Every call returns finite results of the right shape or raises
ValueError, TypeError or FloatingPointError: never another exception, a crash or a silent NaN.
The number of cases run is printed at the end of the test session."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastnn

CASES = {"train": 0, "trained": 0, "predict": 0}
ALLOWED = (ValueError, TypeError, FloatingPointError)

special = st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, np.nan, np.inf, -np.inf, 1.0, -1.0])
values = st.one_of(st.floats(-5, 5, allow_nan=False), special)


@st.composite
def inputs(draw):
    clean = draw(st.integers(0, 9)) < 6  # most cases are valid inputs, so training runs
    n_x = draw(st.integers(1 if clean else 0, 6))
    m = draw(st.integers(1 if clean else 0, 9))
    dtypes = [np.float64, np.float32, np.int64, np.bool_] + ([] if clean else [np.complex128])
    dtype = draw(st.sampled_from(dtypes))
    elements = (
        st.one_of(st.floats(-5, 5, allow_nan=False), st.sampled_from([0.0, -0.0, 1e-300, 1e30])) if clean else values
    )
    flat = draw(st.lists(elements, min_size=n_x * m, max_size=n_x * m))
    with np.errstate(all="ignore"):
        X = (
            np.array(flat, dtype=np.float64).reshape(n_x, m).astype(dtype)
            if dtype is not np.complex128
            else np.zeros((n_x, m), complex)
        )
    if draw(st.booleans()):
        X = np.asfortranarray(X)
    if draw(st.booleans()):
        X.flags.writeable = False
    label_values = [0, 1] if clean else [0, 1, 1, 0, 2, -1, np.nan]
    labels = draw(st.lists(st.sampled_from(label_values), min_size=m, max_size=m))
    Y = np.array(labels, dtype=float).reshape(1, m)
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    dims = [n_x, *hidden, 1] if clean or draw(st.booleans()) else [n_x + 1, 1]
    return X, Y, dims


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=inputs(),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]),
    lr=st.sampled_from([0.1, 1.0, 1e3, 1e30]),
    backend=st.sampled_from(["numpy", "numba"]),
)
def test_train_never_fails_silently(data, activation, lr, backend):
    X, Y, dims = data
    X_before = X.copy()
    CASES["train"] += 1
    try:
        result = fastnn.train(
            X, Y, dims, hidden_activation=activation, learning_rate=lr, num_iterations=5, backend=backend
        )
    except ALLOWED:
        pass
    else:
        CASES["trained"] += 1
        assert result.costs.shape == (5,) and np.all(np.isfinite(result.costs))
        for l in range(1, len(dims)):
            assert result.parameters[f"W{l}"].shape == (dims[l], dims[l - 1])
            assert np.all(np.isfinite(result.parameters[f"W{l}"]))
        proba = result.predict_proba(X)
        assert proba.shape == (1, X.shape[1]) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_array_equal(X, X_before)


@settings(max_examples=100, deadline=None)
@given(data=inputs(), backend=st.sampled_from(["numpy", "numba"]))
def test_predict_never_fails_silently(data, backend):
    X, _, _ = data
    CASES["predict"] += 1
    params = fastnn.reference.initialize_parameters([max(X.shape[0], 1), 3, 1], "he", 0)
    try:
        out = fastnn.predict(params, X, "relu", backend=backend)
    except ALLOWED:
        return
    assert out.shape == (1, X.shape[1]) and set(np.unique(out)) <= {0.0, 1.0}
