"""``fastnn.gradient_check``: central differences of the engine's cost against its backward
pass, for every head, hidden activation and L2; and that it notices a wrong gradient and
names the parameter.

Threshold: the course's 2e-7 for ``epsilon = 1e-7`` in float64. The central difference's
truncation error is ``O(epsilon**2)`` and its rounding error about ``1e-16 / epsilon``, so a
correct gradient lands near 1e-9 and a wrong one (a factor 2 on one parameter) near 0.1.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn
from fastnn import _driver
from fastnn.reference.initializers import initialize_parameters
from fastnn.spec import HIDDEN_ACTIVATIONS, TrainingSpec

LOSSES = ("binary_crossentropy", "categorical_crossentropy", "squared_error")


def problem(loss, n_out=3, m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4, m))
    if loss == "binary_crossentropy":
        Y = (rng.random((n_out, m)) < 0.5).astype(float)
    elif loss == "categorical_crossentropy":
        Y = rng.integers(0, n_out, (1, m))
    else:
        Y = rng.normal(size=(n_out, m))
    parameters = initialize_parameters([4, 5, 6, n_out], "xavier", seed + 1)
    # Biases away from zero, so that no ReLU unit sits within epsilon of its kink.
    for l in (1, 2, 3):
        parameters[f"b{l}"] = rng.normal(size=parameters[f"b{l}"].shape) * 0.5
    return X, Y, parameters


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("l2", [0.0, 0.7])
def test_reference_backward_passes(loss, activation, l2):
    X, Y, parameters = problem(loss)
    result = fastnn.gradient_check(X, Y, parameters, hidden_activation=activation, loss=loss, l2=l2)
    assert result.ok and result.difference < 1e-7, result
    assert result.worst is None and result.worst_index is None
    assert set(result.per_parameter) == set(parameters)


@pytest.mark.parametrize("loss", LOSSES)
def test_names_the_wrong_parameter(loss):
    X, Y, parameters = problem(loss)
    good = fastnn.gradient_check(X, Y, parameters, loss=loss, hidden_activation="tanh", l2=0.3)
    wrong = dict(good.gradients)
    wrong["dW2"] = wrong["dW2"].copy()
    wrong["dW2"][1, 3] *= 1.5
    result = fastnn.gradient_check(X, Y, parameters, loss=loss, hidden_activation="tanh", l2=0.3, gradients=wrong)
    assert not result.ok and result.worst == "W2" and result.worst_index == (1, 3), result
    # An L2 term off by its factor in one layer is found too (the weights, not the biases).
    off = dict(good.gradients, dW3=good.gradients["dW3"] - 0.3 / 7 * parameters["W3"])
    result = fastnn.gradient_check(X, Y, parameters, loss=loss, hidden_activation="tanh", l2=0.3, gradients=off)
    assert not result.ok and result.worst == "W3"


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("loss", LOSSES)
def test_the_engines_step_is_the_gradient(backend, loss):
    """One gradient-descent step of the engine, learning rate 1, from ``parameters``: the change
    is the gradient the engine used; it passes the check (with L2, ReLU)."""
    X, Y, parameters = problem(loss, seed=3)
    from fastnn._validation import check_targets

    Yt = check_targets(Y, loss, 3, X)
    spec = TrainingSpec([4, 5, 6, 3], "relu", loss, learning_rate=1.0, l2=0.2)
    stepped, _ = _driver.run(X, Yt, parameters, spec, 1, backend)
    used = {f"d{k}": parameters[k] - stepped[k] for k in parameters}
    result = fastnn.gradient_check(X, Y, parameters, loss=loss, l2=0.2, gradients=used)
    assert result.ok, result


def test_sigmoid_course_network_and_float32():
    X, Y, parameters = problem("binary_crossentropy", n_out=1)
    result = fastnn.gradient_check(X.astype(np.float32), Y, parameters)
    assert result.ok


def test_bad_input_and_inputs_untouched():
    X, Y, parameters = problem("binary_crossentropy")
    saved = {k: v.copy() for k, v in parameters.items()}
    X0, Y0 = X.copy(), Y.copy()
    fastnn.gradient_check(X, Y, parameters, l2=0.1)
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)
    assert all(np.array_equal(parameters[k], saved[k]) for k in parameters)
    with pytest.raises(ValueError, match="hidden_activation"):
        fastnn.gradient_check(X, Y, parameters, hidden_activation="swish")
    with pytest.raises(ValueError, match="loss"):
        fastnn.gradient_check(X, Y, parameters, loss="hinge")
    with pytest.raises(ValueError, match="0 and 1"):
        fastnn.gradient_check(X, Y * 2, parameters)
    with pytest.raises(ValueError, match="l2"):
        fastnn.gradient_check(X, Y, parameters, l2=-1)
    with pytest.raises(ValueError, match="epsilon"):
        fastnn.gradient_check(X, Y, parameters, epsilon=0.0)
    with pytest.raises(ValueError, match="W1"):
        fastnn.gradient_check(X[:3], Y, parameters)
    with pytest.raises(ValueError, match="disagree"):
        fastnn.gradient_check(X, Y[:, :3], parameters)
    with pytest.raises(ValueError, match="dW2 has shape"):
        fastnn.gradient_check(X, Y, parameters, gradients={"dW1": saved["W1"], "db1": saved["b1"], "dW2": saved["W1"]})
    with pytest.raises(ValueError, match="gradients has no"):
        fastnn.gradient_check(X, Y, parameters, gradients={})
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        fastnn.gradient_check(bad, Y, parameters)
