"""``fastnn.course.gradient_checking`` against Course II's "Gradient Checking" notebook (2021
edition: ``gc_utils.py``, ``testCases.py``, ``public_tests.py``).

The notebook's differences are printed with ``str`` (all digits). A gradient check divides
rounding errors by ``2 * epsilon``, so a last-bit change in one cost moves the difference in
its tenth significant digit: the drop-in keeps the notebook's arithmetic, and these values are
reproduced exactly; the test allows 1e-12 relative (summation order on another BLAS).
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from fastnn.course import gradient_checking as gc


def gradient_check_n_test_case():
    """testCases.py's ``gradient_check_n_test_case``: the legacy stream from seed 1, in its order."""
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    W1, b1 = np.random.randn(5, 4), np.random.randn(5, 1)
    W2, b2 = np.random.randn(3, 5), np.random.randn(3, 1)
    W3, b3 = np.random.randn(1, 3), np.random.randn(1, 1)
    return x, y, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def quiet(fn, *args, **kwargs):
    out = io.StringIO()
    with redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue()


def test_one_dimensional():
    # public_tests.py: forward_propagation_test (x, theta = 2, 4 -> 8), backward_propagation_test (3, 4 -> 3).
    assert gc.forward_propagation(2, 4) == 8
    assert gc.backward_propagation(3, 4) == 3
    # The notebook's gradient_check cell (x, theta = 3, 4) and public_tests.py's
    # gradient_check_test (7.814075313343006e-11); older editions print 2.919335883291695e-10 for (2, 4).
    difference, out = quiet(gc.gradient_check, 3, 4, print_msg=True)
    assert difference == pytest.approx(7.814075313343006e-11, rel=1e-12)
    assert out == "\033[92mYour backward propagation works perfectly fine! difference = 7.814075313343006e-11\033[0m\n"
    assert gc.gradient_check(2, 4) == pytest.approx(2.919335883291695e-10, rel=1e-12)
    assert quiet(gc.gradient_check, 2, 4)[1] == ""


def test_gradient_check_n_published():
    # The notebook's gradient_check_n cell; expected_values = [0.2850931567761623, 1.1890913024229996e-07]:
    # the second with correct gradients, the first with the notebook's two planted bugs.
    X, Y, parameters = gradient_check_n_test_case()
    cost, cache = gc.forward_propagation_n(X, Y, parameters)
    gradients = gc.backward_propagation_n(X, Y, cache)
    difference, out = quiet(gc.gradient_check_n, parameters, gradients, X, Y, 1e-7, True)
    assert difference == pytest.approx(1.1890913024229996e-07, rel=1e-12)
    assert out.startswith("\033[92mYour backward propagation works perfectly fine! difference = 1.18909130")
    buggy = dict(gradients, dW2=gradients["dW2"] * 2, db1=gradients["db1"] * 4)
    difference, out = quiet(gc.gradient_check_n, parameters, buggy, X, Y, 1e-7, True)
    assert difference == pytest.approx(0.2850931567761623, rel=1e-12)
    assert out.startswith("\033[93mThere is a mistake in the backward propagation! difference = 0.28509315")


def test_backward_is_the_engines():
    """backward_propagation_n equals the reference engine's backward pass at the test case."""
    from fastnn.reference.training import backward, forward
    from fastnn.spec import TrainingSpec

    X, Y, parameters = gradient_check_n_test_case()
    _, cache = gc.forward_propagation_n(X, Y, parameters)
    got = gc.backward_propagation_n(X, Y, cache)
    spec = TrainingSpec([4, 5, 3, 1], "relu")
    AL, caches = forward(X, parameters, spec)
    expected = backward(AL, Y.reshape(1, -1).astype(float), caches, parameters, spec, 3)
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-15)


def test_vectors_round_trip_any_sizes():
    rng = np.random.default_rng(0)
    dims = [3, 7, 2, 4]
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1]))
        parameters[f"b{l}"] = rng.normal(size=(dims[l], 1))
    theta, keys = gc.dictionary_to_vector(parameters)
    assert theta.shape == (sum(n * (p + 1) for p, n in zip(dims, dims[1:], strict=False)), 1)
    assert keys[:21] == ["W1"] * 21 and keys[21:28] == ["b1"] * 7 and keys[-1] == "b3"
    back = gc.vector_to_dictionary(theta, dims)
    assert list(back) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(np.array_equal(back[k], parameters[k]) for k in parameters)
    grads = {f"d{k}": v for k, v in parameters.items()}
    grads["dA1"] = np.zeros(5)  # other keys are ignored
    assert np.array_equal(gc.gradients_to_vector(grads), theta)
    # The notebook's default shapes.
    default = gc.vector_to_dictionary(np.arange(47.0))
    assert default["W1"].shape == (5, 4) and default["b3"].shape == (1, 1) and default["b3"][0, 0] == 46


def test_bad_input_and_inputs_untouched():
    X, Y, parameters = gradient_check_n_test_case()
    saved = {k: v.copy() for k, v in parameters.items()}
    X0 = X.copy()
    _, cache = gc.forward_propagation_n(X, Y, parameters)
    gradients = gc.backward_propagation_n(X, Y, cache)
    gc.gradient_check_n(parameters, gradients, X, Y)
    assert all(np.array_equal(parameters[k], saved[k]) for k in parameters) and np.array_equal(X, X0)
    with pytest.raises(TypeError, match="theta"):
        gc.forward_propagation(2, "4")
    with pytest.raises(ValueError, match="epsilon"):
        gc.gradient_check(2, 4, epsilon=0)
    with pytest.raises(ValueError, match="theta has 10 entries"):
        gc.vector_to_dictionary(np.zeros(10))
    with pytest.raises(ValueError, match="dW3"):
        gc.gradient_check_n(parameters, {k: v for k, v in gradients.items() if k != "dW3"}, X, Y)
    with pytest.raises(ValueError, match="W1"):
        gc.forward_propagation_n(X[:2], Y, parameters)
    with pytest.raises(ValueError, match="labels"):
        gc.forward_propagation_n(X, np.array([1, 1]), parameters)
    with pytest.raises(ValueError, match="0 and 1"):
        gc.forward_propagation_n(X, np.array([1, 2, 0]), parameters)
