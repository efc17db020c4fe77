"""``fastnn.train`` / ``predict`` against the reference, scikit-learn and PyTorch, and its errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastnn
from fastnn import reference as R

BACKENDS = ("numpy", "numba")


def blobs(n_x=5, m=60, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (X[0] + 0.5 * X[1] ** 2 + 0.3 * rng.standard_normal(m) > 0.5).astype(float)[None, :]
    return X.astype(dtype), Y


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_train_matches_reference_loop(backend, activation):
    X, Y = blobs()
    result = fastnn.train(
        X, Y, [5, 6, 3, 1], hidden_activation=activation, learning_rate=0.1, num_iterations=50, backend=backend
    )
    start = R.initialize_parameters([5, 6, 3, 1], "lecun", 1)
    ref_params, ref_costs = R.gradient_descent(X, Y, start, activation, 0.1, 50)
    assert result.costs.shape == (50,)
    np.testing.assert_allclose(result.costs, ref_costs, rtol=1e-12)
    for key in ref_params:
        scale = np.max(np.abs(ref_params[key]))
        np.testing.assert_allclose(result.parameters[key], ref_params[key], rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_array_equal(result.predict(X), R.predict(ref_params, X, activation))


@pytest.mark.parametrize("backend", BACKENDS)
def test_float32_in_float32_out(backend):
    X, Y = blobs(dtype=np.float32)
    result = fastnn.train(X, Y, [5, 4, 1], num_iterations=5, backend=backend)
    assert result.costs.dtype == np.float32
    assert all(v.dtype == np.float32 for v in result.parameters.values())
    assert fastnn.predict_proba(result.parameters, X, backend=backend).dtype == np.float32
    result64 = fastnn.train(X, Y, [5, 4, 1], num_iterations=5, backend=backend, dtype="float64")
    assert result64.costs.dtype == np.float64


def test_print_every(capsys):
    X, Y = blobs()
    fastnn.train(X, Y, [5, 3, 1], num_iterations=25, print_every=10)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"Cost after iteration {i}" for i in (0, 10, 20, 24)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_inputs_and_initial_parameters_are_not_mutated(backend):
    X, Y = blobs()
    X = np.asfortranarray(X)
    X.flags.writeable = False
    init = R.initialize_parameters([5, 4, 1], "he", 3)
    before = {k: v.copy() for k, v in init.items()}
    result = fastnn.train(X, Y, [5, 4, 1], num_iterations=10, initial_parameters=init, backend=backend)
    for key in init:
        np.testing.assert_array_equal(init[key], before[key])
        assert result.parameters[key] is not init[key]


def test_zero_iterations_returns_the_start():
    X, Y = blobs()
    result = fastnn.train(X, Y, [5, 4, 1], num_iterations=0)
    assert result.costs.shape == (0,)
    start = R.initialize_parameters([5, 4, 1], "lecun", 1)
    for key in start:
        np.testing.assert_array_equal(result.parameters[key], start[key])


def test_divergence_raises_floating_point_error():
    X, Y = blobs()
    with pytest.raises(FloatingPointError, match=r"iteration \d+ \(learning_rate=1e\+300\)"):
        fastnn.train(X * 1e3, Y, [5, 50, 1], learning_rate=1e300, num_iterations=20, init="he")


@pytest.mark.parametrize("backend", BACKENDS)
def test_on_nonfinite_stop_returns_the_last_finite_parameters(backend):
    X, Y = blobs()
    kwargs = dict(learning_rate=1e4, init="he", backend=backend)
    with pytest.raises(FloatingPointError) as info:
        fastnn.train(X * 30, Y, [5, 50, 1], num_iterations=200, **kwargs)
    i = int(str(info.value).split("at iteration ")[1].split()[0])
    assert i > 1
    with pytest.warns(RuntimeWarning, match=f"returning the parameters of iteration {i - 1}"):
        stopped = fastnn.train(X * 30, Y, [5, 50, 1], num_iterations=200, on_nonfinite="stop", **kwargs)
    assert stopped.costs.shape == (i,) and np.all(np.isfinite(stopped.costs))
    reference_run = fastnn.train(X * 30, Y, [5, 50, 1], num_iterations=i - 1, **kwargs)
    for key, value in reference_run.parameters.items():
        assert np.all(np.isfinite(stopped.parameters[key]))
        np.testing.assert_array_equal(stopped.parameters[key], value)


BAD_INPUTS = [
    (dict(X=np.full((5, 60), np.nan)), ValueError, "X contains NaN"),
    (dict(X=np.full((5, 60), np.inf)), ValueError, "X contains infinity"),
    (dict(X=np.ones(60)), ValueError, "X must be 2-D"),
    (dict(X=np.ones((5, 60), dtype=complex)), TypeError, "complex"),
    (dict(X=np.array([["a"] * 60] * 5)), TypeError, "string"),
    (dict(X=np.ones((5, 0)), Y=np.ones((1, 0))), ValueError, "X is empty"),
    (dict(Y=np.ones((1, 59))), ValueError, "X has 60 columns, Y has 59"),
    (dict(Y=np.ones((60, 1))), ValueError, r"Y must have shape \(1, m\)"),
    (dict(Y=np.full((1, 60), 2.0)), ValueError, "Y must hold only 0 and 1.*2.0"),
    (dict(layer_dims=[4, 3, 1]), ValueError, r"layer_dims\[0\] is 4 but X has n_x = 5"),
    (dict(layer_dims=[5, 3, 2]), ValueError, r"layer_dims\[-1\] is 2: say which loss"),
    (dict(layer_dims=[5, 0, 1]), ValueError, "at least 1"),
    (dict(layer_dims="5,3,1"), TypeError, "layer_dims"),
    (dict(learning_rate=0.0), ValueError, "learning_rate must be positive"),
    (dict(learning_rate=float("nan")), ValueError, "learning_rate must be positive and finite"),
    (dict(num_iterations=-1), ValueError, "num_iterations must be >= 0"),
    (dict(num_iterations=2.5), TypeError, "num_iterations must be an int"),
    (
        dict(hidden_activation="softmax"),
        ValueError,
        "unknown hidden_activation 'softmax'; valid values are: 'sigmoid', 'tanh', 'relu', 'leaky_relu'",
    ),
    (dict(init="glorot"), ValueError, "unknown init 'glorot'"),
    (dict(dtype="float16"), ValueError, "unknown dtype"),
    (dict(backend="cuda"), ValueError, "unknown backend 'cuda'; valid values are: 'numpy', 'numba'"),
    (dict(on_nonfinite="ignore"), ValueError, "unknown on_nonfinite 'ignore'"),
    (dict(initial_parameters={"W1": np.ones((3, 5))}), ValueError, "keys W1, b1"),
    (
        dict(
            initial_parameters={
                "W1": np.ones((3, 4)),
                "b1": np.zeros((3, 1)),
                "W2": np.ones((1, 3)),
                "b2": np.zeros((1, 1)),
            }
        ),
        ValueError,
        "X has n_x = 5",
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bad, error, message", BAD_INPUTS, ids=[m[:30] for _, _, m in BAD_INPUTS])
def test_bad_input_gets_a_clear_error(bad, error, message, backend):
    X, Y = blobs()
    args = dict(X=X, Y=Y, layer_dims=[5, 3, 1], num_iterations=2)
    args.update(bad)
    if "backend" not in bad:
        args["backend"] = backend
    with pytest.raises(error, match=message):
        fastnn.train(args.pop("X"), args.pop("Y"), args.pop("layer_dims"), **args)


@pytest.mark.parametrize("backend", BACKENDS)
def test_predict_rejects_parameters_of_the_wrong_shape(backend):
    X, Y = blobs()
    params = R.initialize_parameters([5, 3, 1])
    with pytest.raises(ValueError, match=r"W1 has shape \(3, 5\) but X has n_x = 4"):
        fastnn.predict(params, X[:4], backend=backend)
    with pytest.raises(ValueError, match="X contains NaN"):
        fastnn.predict(params, np.full_like(X, np.nan), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_predict_overflow_saturates_or_raises_never_nan(backend):
    """Finite but huge inputs: a pre-activation of +-inf is a probability of exactly 1 or 0
    (silently, as it should be); one of inf - inf (NaN) is a FloatingPointError."""
    params = {"W1": np.array([[1.0, 1.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[1e308, -1e308], [1e308, -1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(fastnn.predict_proba(params, X, backend=backend), [[1.0, 0.0]])
    # Two hidden units of +inf for column 0, then W2 = [1, -1]: inf - inf.
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1)), "W2": np.array([[1.0, -1.0]]), "b2": np.zeros((1, 1))}
    X = np.array([[1e308, 0.5], [1e308, 0.25]])
    with pytest.raises(FloatingPointError, match=r"overflowed for 1 example\(s\) \(first: column 0\)"):
        fastnn.predict(params, X, "leaky_relu", backend=backend)


#: Outside oracles, pinned in pyproject.toml's extras: scikit-learn (``test``) and PyTorch (``torch``).
SKLEARN_VERSION = "1.9.1"
TORCH_VERSION = "2.13.0"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("activation, sk_activation", [("relu", "relu"), ("tanh", "tanh"), ("sigmoid", "logistic")])
def test_cost_curve_equals_scikit_learn(activation, sk_activation, backend):
    """Oracle: scikit-learn's MLPClassifier(solver="sgd", batch_size=m, momentum=0, alpha=0)
    is full-batch gradient descent; started from the same weights it must trace the same cost
    curve and end at the same weights, 200 iterations, on both backends. Bound: 1e-12
    relative, as between fastnn's own backends; the two libraries compute the same sums in a
    different order and scikit-learn takes ``log(1 - p)`` where fastnn takes
    ``log1p(exp(-|z|))``, a few ulp apart per example."""
    sklearn = pytest.importorskip("sklearn")
    assert sklearn.__version__ == SKLEARN_VERSION, f"the oracle is scikit-learn {SKLEARN_VERSION}"
    from sklearn.neural_network import MLPClassifier

    X, Y = blobs(m=80)
    dims, lr, n = [5, 6, 4, 1], 0.05, 200
    result = fastnn.train(
        X, Y, dims, hidden_activation=activation, learning_rate=lr, num_iterations=n, init="he", seed=4, backend=backend
    )
    start = R.initialize_parameters(dims, "he", 4)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(dims[1:-1]),
        activation=sk_activation,
        solver="sgd",
        batch_size=X.shape[1],
        learning_rate_init=lr,
        momentum=0.0,
        alpha=0.0,
        shuffle=False,
        random_state=0,
    )
    clf.partial_fit(X.T, Y.ravel(), classes=[0.0, 1.0])  # allocates; its weights are replaced next
    L = len(dims) - 1
    clf.coefs_ = [start[f"W{l}"].T.copy() for l in range(1, L + 1)]
    clf.intercepts_ = [start[f"b{l}"].ravel().copy() for l in range(1, L + 1)]
    sk_costs = []
    for _ in range(n):
        clf.partial_fit(X.T, Y.ravel())
        sk_costs.append(clf.loss_)
    np.testing.assert_allclose(result.costs, sk_costs, rtol=1e-12)
    for l in range(1, L + 1):
        for ours, theirs in (
            (result.parameters[f"W{l}"], clf.coefs_[l - 1].T),
            (result.parameters[f"b{l}"], clf.intercepts_[l - 1][:, None]),
        ):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12 * np.max(np.abs(theirs)))


TORCH_ACTIVATIONS = {
    "relu": lambda torch, z: torch.relu(z),
    "tanh": lambda torch, z: torch.tanh(z),
    "sigmoid": lambda torch, z: torch.sigmoid(z),
    "leaky_relu": lambda torch, z: torch.nn.functional.leaky_relu(z, 0.01),
}


def torch_gradients(params, X, Y, activation):
    """Oracle: the cost and its gradients by PyTorch autograd (float64)."""
    torch = pytest.importorskip("torch", reason="PyTorch CPU build not installed: pip install torch==2.13.0")
    assert torch.__version__.split("+")[0] == TORCH_VERSION, f"the oracle is PyTorch {TORCH_VERSION}"
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(X)
    L = len(params) // 2
    for l in range(1, L + 1):
        Z = t[f"W{l}"] @ A + t[f"b{l}"]
        A = TORCH_ACTIVATIONS[activation](torch, Z) if l < L else Z
    loss = torch.nn.functional.binary_cross_entropy_with_logits(A, torch.tensor(Y))
    loss.backward()
    return loss.item(), {k: v.grad.numpy() for k, v in t.items()}


@pytest.mark.torch
@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
def test_reference_gradients_equal_pytorch_autograd(activation):
    X, Y = blobs(m=40)
    params = R.initialize_parameters([5, 7, 3, 1], "he", 7)
    AL, caches = R.L_model_forward(X, params, activation)
    grads = R.L_model_backward(AL, Y, caches, activation)
    loss, torch_grads = torch_gradients(params, X, Y, activation)
    assert loss == pytest.approx(R.compute_cost(AL, Y), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(grads[f"d{key}"], torch_grads[key], rtol=1e-10, atol=1e-14)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["gram", "standard"])
@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
def test_numba_step_equals_pytorch_autograd(activation, mode):
    """Oracle on the fast path: one iteration of the numba backend's engine, both modes, is
    the cost PyTorch computes and a step along PyTorch's gradients. The gradient is read
    back as ``(W_0 - W_1) / lr``: that subtraction is exact to half an ulp of ``W``, so the
    bound is a few ulp of the largest weight over ``lr`` plus 1e-12 of the gradient."""
    X, Y = blobs(n_x=60, m=40)  # n_x > m: both modes are exact here
    dims, lr = [60, 7, 3, 1], 0.5
    params = R.initialize_parameters(dims, "he", 7)
    result = fastnn.train(
        X, Y, dims, hidden_activation=activation, learning_rate=lr, num_iterations=1,
        initial_parameters=params, backend="numba", mode=mode,
    )  # fmt: skip
    loss, torch_grads = torch_gradients(params, X, Y, activation)
    assert result.costs[0] == pytest.approx(loss, rel=1e-12)
    eps = np.finfo(np.float64).eps
    for key, start in params.items():
        recovered = (start - result.parameters[key]) / lr
        atol = 4 * eps * np.max(np.abs(start)) / lr + 1e-12 * np.max(np.abs(torch_grads[key]))
        np.testing.assert_allclose(recovered, torch_grads[key], rtol=0, atol=atol, err_msg=key)
