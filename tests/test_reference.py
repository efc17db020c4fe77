"""The reference against the course's own formulas and against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn import reference as R


def course_sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def test_sigmoid_is_the_courses_where_it_does_not_overflow():
    Z = np.linspace(-30, 30, 1001)
    np.testing.assert_array_equal(R.sigmoid(Z)[Z >= 0], course_sigmoid(Z)[Z >= 0])
    np.testing.assert_array_max_ulp(R.sigmoid(Z), course_sigmoid(Z), maxulp=4)


def test_compute_cost_is_the_courses_formula():
    rng = np.random.default_rng(0)
    AL = rng.uniform(0.01, 0.99, (1, 50))
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    m = Y.shape[1]
    course = np.squeeze((1.0 / m) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T)))
    assert R.compute_cost(AL, Y) == pytest.approx(course, rel=1e-14)
    ZL = np.log(AL / (1 - AL))
    assert R.sigmoid_cross_entropy(ZL, Y)[1] == pytest.approx(course, rel=1e-12)


def test_compute_cost_of_a_certain_correct_prediction_is_zero_not_nan():
    assert R.compute_cost(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(R.ACTIVATIONS))
def test_dtype_is_kept(name, dtype):
    Z = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4)
    assert R.ACTIVATIONS[name](Z).dtype == dtype
    assert R.DERIVATIVES[name](Z, Z).dtype == dtype


@pytest.mark.parametrize("activation", sorted(R.ACTIVATIONS))
def test_gradients_match_central_differences(activation):
    """Every activation's backward pass against (J(p + h) - J(p - h)) / 2h, parameter by parameter."""
    rng = np.random.default_rng(3)
    dims = [4, 5, 3, 1]
    params = R.initialize_parameters(dims, "he", 5)
    for l in range(1, len(dims)):
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    X = rng.standard_normal((4, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)

    def cost(p):
        AL, _ = R.L_model_forward(X, p, activation)
        return R.compute_cost(AL, Y)

    AL, caches = R.L_model_forward(X, params, activation)
    grads = R.L_model_backward(AL, Y, caches, activation)
    h = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            numeric[idx] = (cost(plus) - cost(minus)) / (2 * h)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-8, err_msg=key)
    # dA0 is the gradient with respect to X, scaled the course's way (per example, not averaged).
    assert grads["dA0"].shape == X.shape


@pytest.mark.parametrize("init", sorted(R.INITIALIZERS))
def test_initializers_shapes_and_scales(init):
    p = R.initialize_parameters([400, 300, 1], init, seed=0)
    assert p["W1"].shape == (300, 400) and p["b1"].shape == (300, 1)
    assert not p["b1"].any()
    expected = {
        "zeros": 0.0,
        "small": 0.01,
        "lecun": np.sqrt(1 / 400),
        "he": np.sqrt(2 / 400),
        "xavier": np.sqrt(2 / 700),
    }
    assert np.std(p["W1"]) == pytest.approx(expected[init], rel=0.02, abs=1e-12)


def test_update_parameters_returns_new_arrays():
    p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    g = {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}
    new = R.update_parameters(p, g, 0.5)
    np.testing.assert_array_equal(p["W1"], 1.0)
    np.testing.assert_array_equal(new["W1"], 0.5)
    np.testing.assert_array_equal(new["b1"], -0.5)
