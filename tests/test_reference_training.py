"""The general training engine's reference (heads, optimizers, regularization, batching,
schedules, training loop) against central differences, PyTorch autograd, scikit-learn's
optimizers, hand-written loops of the course's formulas, and the values the course's
Course II notebooks publish.

Published values are compared at the precision they are printed with (as in
``tests/test_course_published.py``): 8 decimals in fixed point -> ``atol = 5e-9``; 8
mantissa decimals in scientific notation -> ``rtol = 5e-9``; ``str`` floats (all digits)
-> ``rtol = 1e-12``. Each pinned number says where it was published. Course II editions:

* "Regularization" (week 1): the classic notebook (``Regularization_v2a.ipynb``) and its
  ``testCases.py``, e.g. ``amanchadha/coursera-deep-learning-specialization``, folder
  ``C2 - Improving Deep Neural Networks .../Week 1/Regularization``; and the 2021 edition's
  ``public_tests.py`` (``W1A2``), whose ``expected_output`` dicts add ``db`` and ``dA``.
* "Optimization methods" (week 2): the classic ``Optimization_methods_v1b.ipynb`` with
  ``testCases.py`` and ``opt_utils_v1a.py`` (same repository, ``Week 2``), and the 2021 edition
  (``W2A1/Optimization_methods.ipynb``, its ``public_tests.py``) for ``update_lr`` /
  ``schedule_lr_decay`` and the decaying ``model``.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from fastnn import spec as S
from fastnn.reference import gradient_descent, initialize_parameters
from fastnn.reference import optimizers as O
from fastnn.reference import regularization as R
from fastnn.reference import training as T
from fastnn.reference.batching import epoch_permutation, mini_batches
from fastnn.reference.heads import (
    HEADS,
    HIDDEN,
    HIDDEN_DERIVATIVES,
    OUTPUT_ACTIVATIONS,
    output_activation,
    softmax,
)
from fastnn.reference.schedules import SCHEDULES, learning_rate, schedule_lr_decay, update_lr
from fastnn.spec import TrainingSpec

_ULP = 1e-15


def printed(actual, expected, decimals=8):
    """``actual`` agrees with ``expected`` printed in fixed point with ``decimals`` decimals."""
    np.testing.assert_allclose(actual, expected, rtol=0, atol=0.5 * 10.0**-decimals + _ULP)


def printed_sci(actual, expected, digits=8):
    """``actual`` agrees with ``expected`` printed in scientific notation, ``digits`` mantissa decimals."""
    np.testing.assert_allclose(actual, expected, rtol=0.5 * 10.0**-digits + _ULP, atol=0)


def full(actual, expected):
    """``actual`` agrees with a float printed with all its digits (``str`` / ``repr``)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)


@pytest.fixture(autouse=True)
def _global_rng_restored():
    """The course's test cases reseed NumPy's global generator; leave it as it was found."""
    saved = np.random.get_state()
    yield
    np.random.set_state(saved)


# ---------------------------------------------------------------------------------------------
# Tables: the same keys as the spec's
# ---------------------------------------------------------------------------------------------


def test_tables_have_the_specs_keys():
    assert set(HEADS) == set(S.LOSSES)
    assert set(OUTPUT_ACTIVATIONS) == set(S.LOSSES.values())
    assert set(HIDDEN) == set(HIDDEN_DERIVATIVES) == set(S.HIDDEN_ACTIVATIONS)
    assert set(O.OPTIMIZER_STEPS) == set(O.MOMENTS) == set(S.OPTIMIZERS)
    assert set(SCHEDULES) == set(S.DECAYS)


# ---------------------------------------------------------------------------------------------
# Heads
# ---------------------------------------------------------------------------------------------


def test_heads_against_their_textbook_formulas():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((3, 11)) * 3
    Y01 = (rng.random((3, 11)) > 0.5).astype(float)
    A, loss, dZ = HEADS["binary_crossentropy"](Z, Y01)
    p = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(A, p, rtol=1e-15)
    np.testing.assert_allclose(loss, -np.sum(Y01 * np.log(p) + (1 - Y01) * np.log(1 - p)), rtol=1e-13)
    np.testing.assert_array_equal(dZ, A - Y01)

    onehot = np.eye(3)[:, rng.integers(3, size=11)]
    A, loss, dZ = HEADS["categorical_crossentropy"](Z, onehot)
    p = np.exp(Z) / np.sum(np.exp(Z), axis=0)
    np.testing.assert_allclose(A, p, rtol=1e-14)
    np.testing.assert_allclose(np.sum(A, axis=0), 1, rtol=1e-15)
    np.testing.assert_allclose(loss, -np.sum(onehot * np.log(p)), rtol=1e-13)
    np.testing.assert_array_equal(dZ, A - onehot)

    target = rng.standard_normal((3, 11))
    A, loss, dZ = HEADS["squared_error"](Z, target)
    np.testing.assert_array_equal(A, Z)
    np.testing.assert_allclose(loss, 0.5 * np.sum((Z - target) ** 2), rtol=1e-14)
    np.testing.assert_array_equal(dZ, Z - target)

    counts = rng.poisson(2.0, (3, 11)).astype(float)
    A, loss, dZ = HEADS["poisson"](Z, counts)
    mean = np.exp(Z)
    np.testing.assert_allclose(A, mean, rtol=1e-15)
    # the half Poisson deviance, written with y / a as scikit-learn's poisson_loss writes it
    textbook = np.where(counts > 0, counts * np.log(np.where(counts > 0, counts, 1) / mean), 0) - counts + mean
    np.testing.assert_allclose(loss, np.sum(textbook), rtol=1e-13)
    np.testing.assert_array_equal(dZ, A - counts)
    assert HEADS["poisson"](np.log(counts + (counts == 0)), counts)[1] == pytest.approx(
        np.sum(counts == 0), rel=1e-12
    )  # zero at a = y, except where y = 0 (a = 1 there: a loss of 1 each)


def test_heads_are_finite_at_extreme_logits():
    Z = np.array([[-800.0, 800.0, 0.0], [800.0, -800.0, 1.0], [0.0, 0.0, 2.0]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    for loss in ("binary_crossentropy", "categorical_crossentropy"):
        A, value, dZ = HEADS[loss](Z, Y)
        assert np.isfinite(value) and np.all(np.isfinite(A)) and np.all(np.isfinite(dZ)), loss
    # Column 0: the true class's logit is -800, another's 800: a loss of 1600, not inf.
    assert HEADS["categorical_crossentropy"](Z[:, :1], Y[:, :1])[1] == pytest.approx(1600.0, rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", sorted(S.LOSSES))
def test_heads_keep_the_dtype_and_output_activation_matches(loss, dtype):
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((3, 5)).astype(dtype)
    Y = np.eye(3, dtype=dtype)[:, rng.integers(3, size=5)]
    A, value, dZ = HEADS[loss](Z, Y)
    assert A.dtype == dZ.dtype == np.asarray(value).dtype == dtype
    np.testing.assert_array_equal(output_activation(loss, Z), A)


def test_softmax_is_shift_invariant_and_does_not_overflow():
    Z = np.array([[1000.0, -3.0], [1001.0, -2.0], [999.0, -4.0]])
    np.testing.assert_allclose(softmax(Z)[:, 0], softmax(Z - 1000)[:, 0], rtol=1e-15)
    np.testing.assert_allclose(softmax(Z)[:, 0], softmax(Z[:, 1:]).ravel(), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Gradients: central differences, every head x hidden activation x l2
# ---------------------------------------------------------------------------------------------

#: (loss, output units): binary 1 and 3 (multi-label), softmax 3, squared error 1 and 2, Poisson 2.
HEAD_CASES = [
    ("binary_crossentropy", 1),
    ("binary_crossentropy", 3),
    ("categorical_crossentropy", 3),
    ("squared_error", 1),
    ("squared_error", 2),
    ("poisson", 2),
]


def make_problem(loss: str, K: int, seed: int = 0, m: int = 9, dims=(4, 5, 3)):
    """A small random network and batch for ``loss`` with ``K`` outputs."""
    rng = np.random.default_rng(seed)
    layer_dims = (*dims, K)
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.7
        params[f"b{l}"] = rng.standard_normal((layer_dims[l], 1)) * 0.3
    X = rng.standard_normal((dims[0], m))
    if loss == "binary_crossentropy":
        Y = (rng.random((K, m)) > 0.5).astype(float)
    elif loss == "categorical_crossentropy":
        Y = np.eye(K)[:, rng.integers(K, size=m)]
    elif loss == "poisson":
        Y = rng.poisson(1.5, (K, m)).astype(float)
    else:
        Y = rng.standard_normal((K, m))
    return layer_dims, params, X, Y


def batch_objective(X, Y, params, spec, masks=None):
    """``(summed loss + l2_cost) / B``: what ``backward``'s dW, db are the gradient of."""
    _, caches = T.forward(X, params, spec, masks)
    return (HEADS[spec.loss](caches[-1][1], Y)[1] + R.l2_cost(params, spec.l2)) / X.shape[1]


def central_differences(f, array, h=1e-6):
    """``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry of ``array`` (restored exactly after)."""
    numeric = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        original = array[idx]
        array[idx] = original + h
        plus = f()
        array[idx] = original - h
        minus = f()
        array[idx] = original
        numeric[idx] = (plus - minus) / (2 * h)
    return numeric


def check_against_central_differences(spec, params, X, Y, masks=None):
    AL, caches = T.forward(X, params, spec, masks)
    grads = T.backward(AL, Y, caches, params, spec, X.shape[1], masks)
    work = copy.deepcopy(params)
    for key, value in work.items():
        numeric = central_differences(lambda: batch_objective(X, Y, work, spec, masks), value)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-6, atol=1e-8, err_msg=key)
    # dA0 is the gradient of the SUMMED loss with respect to X (per example, not averaged).
    X_work = X.copy()
    summed = lambda: HEADS[spec.loss](T.forward(X_work, params, spec, masks)[1][-1][1], Y)[1]  # noqa: E731
    np.testing.assert_allclose(grads["dA0"], central_differences(summed, X_work), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("activation", S.HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_backward_matches_central_differences(loss, K, activation, l2):
    layer_dims, params, X, Y = make_problem(loss, K)
    spec = TrainingSpec(layer_dims=layer_dims, hidden_activation=activation, loss=loss, l2=l2)
    check_against_central_differences(spec, params, X, Y)


@pytest.mark.parametrize("activation", ["relu", "tanh", "identity"])
@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_backward_with_a_fixed_dropout_mask_matches_central_differences(loss, K, activation):
    layer_dims, params, X, Y = make_problem(loss, K, seed=1)
    spec = TrainingSpec(layer_dims=layer_dims, hidden_activation=activation, loss=loss, l2=0.7, keep_prob=0.6)
    masks = [R.dropout_mask((layer_dims[l], X.shape[1]), 0.6, 7, 3, l) for l in (1, 2)]
    assert 0 < masks[0].mean() < 1 and 0 < masks[1].mean() < 1
    check_against_central_differences(spec, params, X, Y, masks)


def test_backward_rejects_a_batch_size_that_is_not_the_batchs():
    layer_dims, params, X, Y = make_problem("squared_error", 1)
    spec = TrainingSpec(layer_dims=layer_dims, loss="squared_error")
    AL, caches = T.forward(X, params, spec)
    with pytest.raises(ValueError, match="batch_size"):
        T.backward(AL, Y, caches, params, spec, X.shape[1] + 1)


# ---------------------------------------------------------------------------------------------
# Gradients: PyTorch autograd
# ---------------------------------------------------------------------------------------------


def _torch():
    torch = pytest.importorskip("torch", reason="PyTorch (the autograd oracle) is not installed")
    assert torch.__version__.startswith("2.13.0"), torch.__version__
    return torch


def torch_objective(torch, X, Y, params, spec, masks=None):
    """The batch objective written with torch operations; returns (summed loss, objective, tensors)."""
    F = torch.nn.functional
    hidden = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda Z: F.leaky_relu(Z, 0.01),
        "identity": lambda Z: Z,
    }[spec.hidden_activation]
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(X)
    for l in range(1, spec.n_layers):
        A = hidden(P[f"W{l}"] @ A + P[f"b{l}"])
        if masks:
            A = A * torch.tensor(masks[l - 1]) / spec.keep_prob
    L = spec.n_layers
    ZL = P[f"W{L}"] @ A + P[f"b{L}"]
    Yt = torch.tensor(Y)
    if spec.loss == "binary_crossentropy":
        summed = F.binary_cross_entropy_with_logits(ZL, Yt, reduction="sum")
    elif spec.loss == "categorical_crossentropy":
        summed = -(Yt * torch.log_softmax(ZL, dim=0)).sum()
    elif spec.loss == "poisson":  # PyTorch's NLL (exp(z) - y z) plus the deviance's constant y log y - y
        summed = F.poisson_nll_loss(ZL, Yt, log_input=True, full=False, reduction="sum")
        summed = summed + (torch.xlogy(Yt, Yt) - Yt).sum()
    else:
        summed = 0.5 * ((ZL - Yt) ** 2).sum()
    l2 = spec.l2 / 2 * sum((P[k] ** 2).sum() for k in P if k.startswith("W"))
    return summed, (summed + l2) / X.shape[1], P


@pytest.mark.torch
@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("activation", S.HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_backward_matches_torch_autograd(loss, K, activation, dropout):
    torch = _torch()
    layer_dims, params, X, Y = make_problem(loss, K, seed=2, m=13)
    keep_prob = 0.7 if dropout else 1.0
    spec = TrainingSpec(layer_dims=layer_dims, hidden_activation=activation, loss=loss, l2=0.7, keep_prob=keep_prob)
    masks = [R.dropout_mask((layer_dims[l], 13), keep_prob, 5, 0, l) for l in (1, 2)] if dropout else None
    AL, caches = T.forward(X, params, spec, masks)
    grads = T.backward(AL, Y, caches, params, spec, 13, masks)
    summed, objective, P = torch_objective(torch, X, Y, params, spec, masks)
    objective.backward()
    np.testing.assert_allclose(HEADS[loss](caches[-1][1], Y)[1], summed.item(), rtol=1e-13)
    np.testing.assert_allclose(batch_objective(X, Y, params, spec, masks), objective.item(), rtol=1e-13)
    for key, tensor in P.items():
        np.testing.assert_allclose(grads[f"d{key}"], tensor.grad.numpy(), rtol=1e-12, atol=1e-14, err_msg=key)


# ---------------------------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------------------------


def random_steps(n_steps=6, seed=0):
    """Parameters and ``n_steps`` gradients, shaped like a [3, 4, 2] network."""
    rng = np.random.default_rng(seed)
    shapes = {"W1": (4, 3), "b1": (4, 1), "W2": (2, 4), "b2": (2, 1)}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    grads = [{f"d{k}": rng.standard_normal(s) * 0.5 for k, s in shapes.items()} for _ in range(n_steps)]
    return params, grads


def run_reference(optimizer, params, grads, lr, **hyper):
    spec = TrainingSpec(layer_dims=(3, 4, 2), optimizer=optimizer, **hyper)
    state = O.init_state(params, spec)
    for g in grads:
        params, state = O.step(params, g, state, spec, lr)
    return params, state


def _sklearn_optimizers():
    sklearn = pytest.importorskip("sklearn", reason="scikit-learn (the optimizer oracle) is not installed")
    assert sklearn.__version__ == "1.9.1", sklearn.__version__
    from sklearn.neural_network import _stochastic_optimizers

    return _stochastic_optimizers


@pytest.mark.parametrize("nesterov", [False, True])
def test_sklearn_momentum_and_nesterov_are_sklearns_sgd(nesterov):
    opt = _sklearn_optimizers()
    params, grads = random_steps()
    ref, state = run_reference("sklearn_nesterov" if nesterov else "sklearn_momentum", params, grads, 0.05, beta=0.85)
    theirs = [p.copy() for p in params.values()]
    sgd = opt.SGDOptimizer(theirs, learning_rate_init=0.05, momentum=0.85, nesterov=nesterov)
    for g in grads:
        sgd.update_params(theirs, list(g.values()))
    # Same operations in the same order: equal to the bit (rtol 1e-13 would do).
    for (key, value), p, v in zip(ref.items(), theirs, sgd.velocities, strict=True):
        np.testing.assert_array_equal(value, p, err_msg=key)
        np.testing.assert_array_equal(state["v"][key], v, err_msg=key)


def test_sklearn_adam_is_sklearns_adam():
    opt = _sklearn_optimizers()
    params, grads = random_steps()
    hyper = dict(beta1=0.8, beta2=0.95, epsilon=1e-7)
    ref, state = run_reference("sklearn_adam", params, grads, 0.01, **hyper)
    theirs = [p.copy() for p in params.values()]
    adam = opt.AdamOptimizer(theirs, learning_rate_init=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-7)
    for g in grads:
        adam.update_params(theirs, list(g.values()))
    assert state["t"] == adam.t == len(grads)
    for (key, value), p, m, v in zip(ref.items(), theirs, adam.ms, adam.vs, strict=True):
        np.testing.assert_array_equal(value, p, err_msg=key)
        np.testing.assert_array_equal(state["v"][key], m, err_msg=key)
        np.testing.assert_array_equal(state["s"][key], v, err_msg=key)


@pytest.mark.torch
def test_course_adam_is_torch_adam():
    torch = _torch()
    params, grads = random_steps(n_steps=8)
    ref, state = run_reference("adam", params, grads, 0.01, beta1=0.8, beta2=0.95, epsilon=1e-7)
    tensors = [torch.tensor(p, requires_grad=True) for p in params.values()]
    adam = torch.optim.Adam(tensors, lr=0.01, betas=(0.8, 0.95), eps=1e-7)
    for g in grads:
        for tensor, value in zip(tensors, g.values(), strict=True):
            tensor.grad = torch.tensor(value)
        adam.step()
    # torch writes sqrt(s) / sqrt(1 - beta2**t) and a lerp for the first moment: the same
    # numbers, rounded differently.
    for (key, value), tensor in zip(ref.items(), tensors, strict=True):
        np.testing.assert_allclose(value, tensor.detach().numpy(), rtol=1e-13, atol=1e-15, err_msg=key)
        torch_state = adam.state[tensor]
        np.testing.assert_allclose(state["v"][key], torch_state["exp_avg"].numpy(), rtol=1e-13, err_msg=key)
        np.testing.assert_allclose(state["s"][key], torch_state["exp_avg_sq"].numpy(), rtol=1e-13, err_msg=key)


def test_course_momentum_and_gd_are_the_course_loops():
    # torch.optim.SGD(dampening=beta) is not this: its first step takes v = g, not (1 - beta) g.
    params, grads = random_steps()
    ref, state = run_reference("momentum", params, grads, 0.1, beta=0.8)
    W, v = {k: p.copy() for k, p in params.items()}, {k: np.zeros_like(p) for k, p in params.items()}
    for g in grads:
        for k in W:
            v[k] = 0.8 * v[k] + (1 - 0.8) * g[f"d{k}"]
            W[k] = W[k] - 0.1 * v[k]
    for k in W:
        np.testing.assert_array_equal(ref[k], W[k])
        np.testing.assert_array_equal(state["v"][k], v[k])
    ref, state = run_reference("gd", params, grads, 0.1)
    W = {k: p.copy() for k, p in params.items()}
    for g in grads:
        W = {k: W[k] - 0.1 * g[f"d{k}"] for k in W}
    assert state == {"t": len(grads)}
    for k in W:
        np.testing.assert_array_equal(ref[k], W[k])


@pytest.mark.parametrize("optimizer", sorted(S.OPTIMIZERS))
def test_optimizer_steps_return_new_arrays_and_keep_float32(optimizer):
    params, grads = random_steps(n_steps=2)
    params = {k: v.astype(np.float32) for k, v in params.items()}
    grads = [{k: v.astype(np.float32) for k, v in g.items()} for g in grads]
    spec = TrainingSpec(layer_dims=(3, 4, 2), optimizer=optimizer)
    state = O.init_state(params, spec)
    assert state["t"] == 0 and set(state) == {"t", *O.MOMENTS[optimizer]}
    before = (copy.deepcopy(params), copy.deepcopy(grads), copy.deepcopy(state))
    new, new_state = O.step(params, grads[0], state, spec, np.float64(0.01))
    for old, kept in zip((params, grads, state), before, strict=True):
        assert str(old) == str(kept)  # nothing written into the inputs
    assert new_state["t"] == 1
    assert all(value.dtype == np.float32 for value in new.values())
    for moment in O.MOMENTS[optimizer]:
        assert all(value.dtype == np.float32 for value in new_state[moment].values())
        assert all(new_state[moment][k] is not state[moment][k] for k in params)


# ---------------------------------------------------------------------------------------------
# Regularization: L2, dropout and the counter-based mask stream
# ---------------------------------------------------------------------------------------------

_M64 = 2**64 - 1


def py_mix64(z: int) -> int:
    """SplitMix64's finaliser with Python ints, written independently of the reference."""
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & _M64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def py_uniform(seed: int, t: int, l: int, i: int, j: int, B: int) -> float:
    golden = 0x9E3779B97F4A7C15
    key = py_mix64(py_mix64(py_mix64((seed + golden) & _M64) ^ t) ^ l)
    return (py_mix64((key + (i * B + j + 1) * golden) & _M64) >> 11) * 2.0**-53


def test_mix64_is_splitmix64():
    # The first outputs of SplitMix64 seeded with 0, i.e. mix64(k * GOLDEN) for k = 1..4,
    # published with Vigna's reference splitmix64.c (https://prng.di.unimi.it/splitmix64.c).
    published = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC]
    with np.errstate(over="ignore"):
        counters = np.arange(1, 5, dtype=np.uint64) * np.uint64(R.GOLDEN)
    assert [int(z) for z in R.mix64(counters)] == published
    assert [py_mix64((k * R.GOLDEN) & _M64) for k in range(1, 5)] == published


@pytest.mark.parametrize(
    "seed, t, l, shape",
    [(0, 0, 1, (3, 4)), (12345, 7, 2, (5, 3)), (2**64 - 1, 10**12, 3, (2, 6)), (42, 2**64 - 1, 1, (1, 1))],
)
def test_dropout_stream_pinned_by_a_pure_python_implementation(seed, t, l, shape):
    u = R.dropout_uniforms(shape, seed, t, l)
    n, B = shape
    expected = np.array([[py_uniform(seed, t, l, i, j, B) for j in range(B)] for i in range(n)])
    np.testing.assert_array_equal(u, expected)
    assert u.dtype == np.float64 and np.all((u >= 0) & (u < 1))
    D = R.dropout_mask(shape, 0.6, seed, t, l, np.float32)
    assert D.dtype == np.float32
    np.testing.assert_array_equal(D, (expected < 0.6).astype(np.float32))


def test_dropout_stream_statistics():
    keep_prob, N = 0.7, 100 * 1000
    u = R.dropout_uniforms((100, 1000), 2024, 5, 1)
    D = R.dropout_mask((100, 1000), keep_prob, 2024, 5, 1)
    sigma = math.sqrt(keep_prob * (1 - keep_prob) / N)
    assert abs(D.mean() - keep_prob) < 5 * sigma
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / N)
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    chi2 = np.sum((counts - N / 10) ** 2 / (N / 10))
    assert chi2 < 27.9  # chi-square with 9 degrees of freedom, p = 0.001
    # Neighbouring columns and units are uncorrelated.
    assert abs(np.corrcoef(u[:, :-1].ravel(), u[:, 1:].ravel())[0, 1]) < 5 / math.sqrt(N)
    assert abs(np.corrcoef(u[:-1].ravel(), u[1:].ravel())[0, 1]) < 5 / math.sqrt(N)


def test_dropout_masks_differ_between_layers_steps_and_seeds():
    shape, N = (50, 200), 50 * 200
    streams = {
        "base": R.dropout_uniforms(shape, 9, 4, 1),
        "layer": R.dropout_uniforms(shape, 9, 4, 2),
        "step": R.dropout_uniforms(shape, 9, 5, 1),
        "seed": R.dropout_uniforms(shape, 10, 4, 1),
    }
    for name in ("layer", "step", "seed"):
        # Independent uniforms: no equal values, no correlation, masks agree only by chance.
        assert not np.any(streams[name] == streams["base"]), name
        assert abs(np.corrcoef(streams[name].ravel(), streams["base"].ravel())[0, 1]) < 5 / math.sqrt(N), name
        agree = np.mean((streams[name] < 0.5) == (streams["base"] < 0.5))
        assert abs(agree - 0.5) < 5 * math.sqrt(0.25 / N), name
    np.testing.assert_array_equal(R.dropout_uniforms(shape, 9, 4, 1), streams["base"])  # a pure function


@pytest.mark.parametrize("seed, t, l", [(-1, 0, 1), (2**64, 0, 1), (0, -1, 1), (0, 0, 2**64)])
def test_dropout_key_rejects_what_does_not_fit_64_bits(seed, t, l):
    with pytest.raises(ValueError, match="2\\*\\*64"):
        R.dropout_key(seed, t, l)


def test_l2_cost_counts_weights_only_and_dropout_scales_by_keep_prob():
    params = {
        "W1": np.array([[1.0, -2.0]]),
        "b1": np.array([[100.0]]),
        "W2": np.array([[3.0]]),
        "b2": np.array([[5.0]]),
    }
    assert R.l2_cost(params, 0.5) == 0.5 / 2 * (1 + 4 + 9)
    np.testing.assert_array_equal(R.l2_gradient(params["W1"], 1.5, 3), 0.5 * params["W1"])
    A, D = np.array([[2.0, 4.0]]), np.array([[1.0, 0.0]])
    np.testing.assert_array_equal(R.dropout_forward(A, D, 0.5), [[4.0, 0.0]])
    np.testing.assert_array_equal(R.dropout_backward(A, D, 0.5), [[4.0, 0.0]])


# ---------------------------------------------------------------------------------------------
# Batching and schedules
# ---------------------------------------------------------------------------------------------


def course_random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """The course's ``random_mini_batches`` (Optimization methods, exercise 2), as published."""
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((Y.shape[0], m))
    batches = []
    num_complete = math.floor(m / mini_batch_size)
    for k in range(num_complete):
        batches.append(
            (
                shuffled_X[:, k * mini_batch_size : (k + 1) * mini_batch_size],
                shuffled_Y[:, k * mini_batch_size : (k + 1) * mini_batch_size],
            )
        )
    if m % mini_batch_size != 0:
        batches.append(
            (shuffled_X[:, num_complete * mini_batch_size :], shuffled_Y[:, num_complete * mini_batch_size :])
        )
    return batches


@pytest.mark.parametrize("m, batch_size, seed", [(148, 64, 0), (128, 64, 3), (10, 3, 11), (7, 1, 2)])
def test_mini_batches_select_the_courses_columns(m, batch_size, seed):
    rng = np.random.default_rng(m)
    X, Y = rng.standard_normal((3, m)), rng.standard_normal((2, m))
    course = course_random_mini_batches(X, Y, batch_size, seed)
    ours = mini_batches(epoch_permutation(m, seed, 0), batch_size)
    assert len(ours) == len(course)
    for batch, (Xb, Yb) in zip(ours, course, strict=True):
        np.testing.assert_array_equal(X[:, batch], Xb)
        np.testing.assert_array_equal(Y[:, batch], Yb)
    # Epoch e is seed + e, the course's `seed = seed + 1` per epoch.
    np.testing.assert_array_equal(epoch_permutation(m, seed, 4), np.random.RandomState(seed + 4).permutation(m))


def test_random_mini_batches_published_shapes_and_sanity_check():
    # Optimization methods, random_mini_batches_test_case (testCases.py).
    np.random.seed(1)
    X = np.random.randn(12288, 148)
    Y = np.random.randn(1, 148) < 0.5
    batches = mini_batches(epoch_permutation(148, 0, 0), 64)  # random_mini_batches' default seed = 0
    # Notebook output: shape of the 1st/2nd/3rd mini_batch_X: (12288, 64) (12288, 64) (12288, 20),
    # of mini_batch_Y: (1, 64) (1, 64) (1, 20).
    assert [X[:, b].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [Y[:, b].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    # Notebook output: mini batch sanity check: [ 0.90085595 -0.7612069   0.2344157 ]
    printed(X[:, batches[0]][0][0:3], [0.90085595, -0.7612069, 0.2344157])


def test_mini_batches_edge_cases():
    perm = np.arange(5)
    assert [b.tolist() for b in mini_batches(perm, None)] == [[0, 1, 2, 3, 4]]
    assert [b.tolist() for b in mini_batches(perm, 5)] == [[0, 1, 2, 3, 4]]
    assert [b.tolist() for b in mini_batches(perm, 50)] == [[0, 1, 2, 3, 4]]
    assert [b.tolist() for b in mini_batches(perm, 2)] == [[0, 1], [2, 3], [4]]
    np.testing.assert_array_equal(epoch_permutation(5, None, 3), perm)


def test_update_lr_and_schedule_lr_decay_published_values():
    # Optimization methods (2021), public_tests.py, update_lr_test: asserts
    # learning_rate_2 == 0.16666666666666666 for update_lr(0.5, 2, 1) (exact equality); the
    # notebook prints "Updated learning rate:  0.16666666666666666".
    assert update_lr(0.5, 2, 1) == 0.16666666666666666
    # Notebook, exercise 8 expected output: "Updated learning rate after 10 epochs:  0.5",
    # "... after 100 epochs:  0.3846153846153846" (lr 0.5, decay_rate 0.3, time_interval 100).
    assert schedule_lr_decay(0.5, 10, 0.3, 100) == 0.5
    full(schedule_lr_decay(0.5, 100, 0.3, 100), 0.3846153846153846)
    # Another edition's public_tests.py, schedule_lr_decay_test (np.isclose): 0.25 and 0.5 for
    # (0.5, 100 | 10, 1, 100); 0.085714285 (written cut after 9 decimals) and 0.24 for
    # (0.3, 1000 | 100, 0.25, 100).
    assert schedule_lr_decay(0.5, 100, 1, 100) == 0.25
    assert schedule_lr_decay(0.5, 10, 1, 100) == 0.5
    assert math.trunc(schedule_lr_decay(0.3, 1000, 0.25, 100) * 1e9) == 85714285
    full(schedule_lr_decay(0.3, 100, 0.25, 100), 0.24)
    assert schedule_lr_decay(0.5, 999, 1) == 0.5 and schedule_lr_decay(0.5, 1000, 1) == 0.25  # time_interval=1000


def test_inverse_decay_reproduces_the_notebooks_table():
    # Optimization methods (2021), 7.1 "Decay on every iteration", model(..., learning_rate=0.1,
    # decay=update_lr): the table of "learning rate after epoch i" (%f), the rate epoch i + 1
    # trains at: 0 -> 0.100000, 1000 -> 0.000100, 2000 -> 0.000050, 3000 -> 0.000033,
    # 4000 -> 0.000025, 5000 -> 0.000020.
    spec = TrainingSpec(layer_dims=(2, 5, 2, 1), learning_rate=0.1, decay="inverse", decay_rate=1)
    table = {0: "0.100000", 1000: "0.000100", 2000: "0.000050", 3000: "0.000033", 4000: "0.000025", 5000: "0.000020"}
    for i, text in table.items():
        assert f"{learning_rate(spec, i + 1):f}" == text


def test_schedules_follow_the_courses_convention():
    lr0 = 0.5
    inverse = TrainingSpec(layer_dims=(2, 1), learning_rate=lr0, decay="inverse", decay_rate=0.5)
    step = TrainingSpec(layer_dims=(2, 1), learning_rate=lr0, decay="step", decay_rate=0.5, decay_interval=3)
    constant = TrainingSpec(layer_dims=(2, 1), learning_rate=lr0)
    assert [learning_rate(constant, e) for e in range(4)] == [lr0] * 4
    assert [learning_rate(inverse, e) for e in range(4)] == [lr0, lr0, lr0 / 1.5, lr0 / 2]
    assert [learning_rate(step, e) for e in range(9)] == [lr0] * 4 + [lr0 / 1.5] * 3 + [lr0 / 2] * 2
    assert all(type(learning_rate(s, 7)) is float for s in (inverse, step, constant))


# ---------------------------------------------------------------------------------------------
# Course II published test cases: Regularization
# ---------------------------------------------------------------------------------------------


def regularization_parameters():
    """W1 (2, 3), b1 (2, 1), W2 (3, 2), b2 (3, 1), W3 (1, 3), b3 (1, 1) from randn, in that order."""
    params = {}
    for key, shape in (("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))):
        params[key] = np.random.randn(*shape)
    return params


def logit(p):
    return np.log(p / (1 - p))


def test_compute_cost_with_regularization_published():
    # compute_cost_with_regularization_test_case (testCases.py): seed 1, Y = [[1, 1, 0, 1, 0]],
    # parameters drawn in order, a3 given; lambd = 0.1.
    np.random.seed(1)
    Y = np.array([[1.0, 1, 0, 1, 0]])
    params = regularization_parameters()
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    # The head takes logits: the a3 the course gives, as logits.
    summed = HEADS["binary_crossentropy"](logit(a3), Y)[1]
    # Notebook output "cost = 1.7864859451590758"; public_tests.py expected_output
    # np.float64(1.7864859451590758).
    full((summed + R.l2_cost(params, 0.1)) / 5, 1.7864859451590758)


def regularization_backward_case():
    """backward_propagation_with_regularization_test_case (testCases.py), as our caches."""
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y = np.array([[1.0, 1, 0, 1, 0]])
    Z1 = np.array(
        [
            [-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
            [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242],
        ]
    )
    A1 = np.array([[0.0, 3.32524635, 2.13994541, 2.60700654, 0.0], [0.0, 4.1600994, 0.79051021, 1.46493512, 0.0]])
    W1 = np.array([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]])
    b1 = np.array([[1.14472371], [0.90159072]])
    Z2 = np.array(
        [
            [0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547],
            [-0.69166075, -3.47645987, -2.25194702, -2.65416996, -0.69166075],
            [-0.39675353, -4.62285846, -2.61101729, -3.22874921, -0.39675353],
        ]
    )
    A2 = np.array([[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547], [0.0] * 5, [0.0] * 5])
    W2 = np.array([[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]])
    b2 = np.array([[0.53035547], [-0.69166075], [-0.39675353]])
    Z3 = np.array([[-0.3771104, -4.10060224, -1.60539468, -2.18416951, -0.3771104]])
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    W3 = np.array([[-0.6871727, -0.84520564, -0.67124613]])
    b3 = np.array([[-0.0126646]])
    caches = [((X, W1, b1), Z1), ((A1, W2, b2), Z2), ((A2, W3, b3), Z3)]
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    return A3, Y, caches, params


def test_backward_propagation_with_regularization_published():
    AL, Y, caches, params = regularization_backward_case()
    spec = TrainingSpec(layer_dims=(3, 2, 3, 1), hidden_activation="relu", l2=0.7)
    grads = T.backward(AL, Y, caches, params, spec, 5)
    # Notebook output (lambd = 0.7):
    # dW1 = [[-0.25604646  0.12298827 -0.28297129] [-0.17706303  0.34536094 -0.4410571 ]]
    # dW2 = [[ 0.79276486  0.85133918] [-0.0957219  -0.01720463] [-0.13100772 -0.03750433]]
    # dW3 = [[-1.77691347 -0.11832879 -0.09397446]]
    printed(grads["dW1"], [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]])
    printed(grads["dW2"], [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]])
    printed(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]])
    # public_tests.py (2021), backward_propagation_with_regularization_test, expected_output:
    printed(grads["db3"], [[-0.38032981]])
    printed(grads["db2"], [[0.26135226], [0.0], [0.0]])
    printed(grads["db1"], [[0.11845855], [0.21236874]])
    printed(
        grads["dA2"],
        [
            [0.40761434, 0.67597671, -0.11491519, 0.6176438, -0.27955836],
            [0.50135568, 0.83143484, -0.14134288, 0.7596868, -0.34384996],
            [0.39816708, 0.66030962, -0.11225181, 0.6033287, -0.27307905],
        ],
    )
    printed(
        grads["dA1"],
        [
            [0.2048239, 0.33967447, -0.05774423, 0.31036252, -0.14047649],
            [0.3672018, 0.60895764, -0.10352203, 0.5564081, -0.25184181],
        ],
    )


def test_forward_propagation_with_dropout_published():
    # forward_propagation_with_dropout_test_case (testCases.py): seed 1, X = randn(3, 5), then
    # the parameters in order; the notebook's function reseeds with np.random.seed(1) and draws
    # D1 = rand(2, 5) < keep_prob, then D2 = rand(3, 5) < keep_prob.
    np.random.seed(1)
    X = np.random.randn(3, 5)
    params = regularization_parameters()
    np.random.seed(1)
    D1 = (np.random.rand(2, 5) < 0.7).astype(float)
    D2 = (np.random.rand(3, 5) < 0.7).astype(float)
    spec = TrainingSpec(layer_dims=(3, 2, 3, 1), hidden_activation="relu", keep_prob=0.7)
    AL, caches = T.forward(X, params, spec, [D1, D2])
    # Notebook output (keep_prob = 0.7): A3 = [[0.36974721 0.00305176 0.04565099 0.49683389 0.36974721]]
    printed(AL, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]])
    # public_tests.py (2021), forward_propagation_with_dropout_test, the expected cache: the masks,
    # A1 and A2 after dropout (our next layer's A_prev), and Z3.
    np.testing.assert_array_equal(D1, [[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(D2, [[1, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0, 0, 1, 1, 0]])
    printed(caches[1][0][0], [[0.0, 0.0, 3.05706487, 3.72429505, 0.0], [0.0, 5.94299915, 1.1293003, 2.09276446, 0.0]])
    printed(caches[2][0][0], [[0.75765067, 8.40591658, 4.40550021, 0.0, 0.75765067], [0.0] * 5, [0.0] * 5])
    printed(caches[2][1], [[-0.53330145, -5.78898099, -3.04000407, -0.0126646, -0.53330145]])


def test_backward_propagation_with_dropout_published():
    # backward_propagation_with_dropout_test_case (testCases.py). Its cache holds masks drawn
    # after np.random.seed(1) at keep_prob 0.5 (A1 = relu(Z1) * D1 / 0.5), and the notebook
    # calls the backward pass with keep_prob = 0.8: the output depends on the cache and on 0.8.
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y = np.array([[1.0, 1, 0, 1, 0]])
    np.random.seed(1)
    D1 = (np.random.rand(2, 5) < 0.5).astype(float)
    D2 = (np.random.rand(3, 5) < 0.5).astype(float)
    # ... the masks the test case writes out:
    np.testing.assert_array_equal(D1, [[1, 0, 1, 1, 1], [1, 1, 1, 1, 0]])
    np.testing.assert_array_equal(D2, [[1, 0, 1, 0, 1], [0, 1, 0, 1, 1], [0, 0, 1, 0, 0]])
    Z1 = np.array(
        [
            [-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
            [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242],
        ]
    )
    A1 = np.array([[0.0, 0.0, 4.27989081, 5.21401307, 0.0], [0.0, 8.32019881, 1.58102041, 2.92987024, 0.0]])
    W1 = np.array([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]])
    b1 = np.array([[1.14472371], [0.90159072]])
    Z2 = np.array(
        [
            [0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
            [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
            [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353],
        ]
    )
    A2 = np.array([[1.06071093, 0.0, 8.21049603, 0.0, 1.06071093], [0.0] * 5, [0.0] * 5])
    W2 = np.array([[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]])
    b2 = np.array([[0.53035547], [-0.69166075], [-0.39675353]])
    Z3 = np.array([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]])
    A3 = np.array([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]])
    W3 = np.array([[-0.6871727, -0.84520564, -0.67124613]])
    b3 = np.array([[-0.0126646]])
    caches = [((X, W1, b1), Z1), ((A1, W2, b2), Z2), ((A2, W3, b3), Z3)]
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    spec = TrainingSpec(layer_dims=(3, 2, 3, 1), hidden_activation="relu", keep_prob=0.8)
    grads = T.backward(A3, Y, caches, params, spec, 5, [D1, D2])
    # Notebook output (keep_prob = 0.8):
    # dA1 = [[ 0.36544439  0.         -0.00188233  0.         -0.17408748]
    #        [ 0.65515713  0.         -0.00337459  0.         -0.        ]]
    # dA2 = [[ 0.58180856  0.         -0.00299679  0.         -0.27715731]
    #        [ 0.          0.53159854 -0.          0.53159854 -0.34089673]
    #        [ 0.          0.         -0.00292733  0.         -0.        ]]
    printed(grads["dA1"], [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748], [0.65515713, 0.0, -0.00337459, 0.0, -0.0]])
    printed(
        grads["dA2"],
        [
            [0.58180856, 0.0, -0.00299679, 0.0, -0.27715731],
            [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
            [0.0, 0.0, -0.00292733, 0.0, -0.0],
        ],
    )
    # public_tests.py (2021), backward_propagation_with_dropout_test, expected_output:
    printed(grads["dW3"], [[-0.06951191, 0.0, 0.0]])
    printed(grads["db3"], [[-0.2715031]])
    printed(grads["dW2"], [[-0.00256518, -0.0009476], [0.0, 0.0], [0.0, 0.0]])
    printed(grads["db2"], [[0.06033089], [0.0], [0.0]])
    printed(grads["dW1"], [[0.00019884, 0.00028657, 0.00012138], [0.00035647, 0.00051375, 0.00021761]])
    printed(grads["db1"], [[-0.00037647], [-0.00067492]])


# ---------------------------------------------------------------------------------------------
# Course II published test cases: Optimization methods
# ---------------------------------------------------------------------------------------------


def optimization_case():
    """update_parameters_with_{gd,momentum,adam}_test_case (testCases.py): seed 1, then in order
    W1 (2, 3), b1 (2, 1), W2 (3, 3), b2 (3, 1), dW1, db1, dW2, db2 of the same shapes."""
    np.random.seed(1)
    shapes = (("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 3)), ("b2", (3, 1)))
    params = {key: np.random.randn(*shape) for key, shape in shapes}
    grads = {f"d{key}": np.random.randn(*shape) for key, shape in shapes}
    return params, grads


def _spec(optimizer, **hyper):
    # The test case's W2 is (3, 3) after a (2, 3) W1, not a network; the steps read only the
    # optimizer's hyperparameters from the spec.
    return TrainingSpec(layer_dims=(3, 2, 3), optimizer=optimizer, **hyper)


def test_update_parameters_with_gd_published():
    params, grads = optimization_case()
    spec = _spec("gd")
    new, _ = O.step(params, grads, O.init_state(params, spec), spec, 0.01)
    # Optimization_methods_v1b, update_parameters_with_gd (learning_rate = 0.01), notebook output:
    printed(new["W1"], [[1.63535156, -0.62320365, -0.53718766], [-1.07799357, 0.85639907, -2.29470142]])
    printed(new["b1"], [[1.74604067], [-0.75184921]])
    printed(
        new["W2"],
        [
            [0.32171798, -0.25467393, 1.46902454],
            [-2.05617317, -0.31554548, -0.3756023],
            [1.1404819, -1.09976462, -0.1612551],
        ],
    )
    printed(new["b2"], [[-0.88020257], [0.02561572], [0.57539477]])


def test_update_parameters_with_momentum_published():
    params, grads = optimization_case()
    spec = _spec("momentum", beta=0.9)
    new, state = O.step(params, grads, O.init_state(params, spec), spec, 0.01)
    # Optimization_methods_v1b (and the 2021 edition), update_parameters_with_momentum
    # (beta = 0.9, learning_rate = 0.01), notebook output:
    printed(new["W1"], [[1.62544598, -0.61290114, -0.52907334], [-1.07347112, 0.86450677, -2.30085497]])
    printed(new["b1"], [[1.74493465], [-0.76027113]])
    printed(
        new["W2"],
        [
            [0.31930698, -0.24990073, 1.4627996],
            [-2.05974396, -0.32173003, -0.38320915],
            [1.13444069, -1.0998786, -0.1713109],
        ],
    )
    printed(new["b2"], [[-0.87809283], [0.04055394], [0.58207317]])
    printed(state["v"]["W1"], [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]])
    printed(state["v"]["b1"], [[-0.01228902], [-0.09357694]])
    printed(
        state["v"]["W2"],
        [
            [-0.02678881, 0.05303555, -0.06916608],
            [-0.03967535, -0.06871727, -0.08452056],
            [-0.06712461, -0.00126646, -0.11173103],
        ],
    )
    printed(state["v"]["b2"], [[0.02344157], [0.16598022], [0.07420442]])


def test_update_parameters_with_adam_published():
    params, grads = optimization_case()
    spec = _spec("adam", beta1=0.9, beta2=0.999, epsilon=1e-8)
    # The test case calls update_parameters_with_adam(..., t = 2) with zero moments: our step
    # increments t first, so it starts from t = 1.
    state = {**O.init_state(params, spec), "t": 1}
    new, state = O.step(params, grads, state, spec, 0.01)
    assert state["t"] == 2
    # Optimization_methods_v1b, update_parameters_with_adam (learning_rate = 0.01), the output
    # the cell printed when run. (The "Expected Output" box under it shows W2[2, 1] = -1.09245036
    # and b2[0] = -0.88529978 instead of the printed -1.09244991 and -0.88529979: off by 4.5e-7
    # and 1e-8; the printed output is what the formulas give.)
    printed(new["W1"], [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]])
    printed(new["b1"], [[1.75225313], [-0.75376553]])
    printed(
        new["W2"],
        [
            [0.32648046, -0.25681174, 1.46954931],
            [-2.05269934, -0.31497584, -0.37661299],
            [1.14121081, -1.09244991, -0.16498684],
        ],
    )
    printed(new["b2"], [[-0.88529979], [0.03477238], [0.57537385]])
    printed(state["v"]["W1"], [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]])
    printed(state["v"]["b1"], [[-0.01228902], [-0.09357694]])
    printed(
        state["v"]["W2"],
        [
            [-0.02678881, 0.05303555, -0.06916608],
            [-0.03967535, -0.06871727, -0.08452056],
            [-0.06712461, -0.00126646, -0.11173103],
        ],
    )
    printed(state["v"]["b2"], [[0.02344157], [0.16598022], [0.07420442]])
    printed(state["s"]["W1"], [[0.00121136, 0.00131039, 0.00081287], [0.0002525, 0.00081154, 0.00046748]])
    printed_sci(state["s"]["b1"], [[1.51020075e-05], [8.75664434e-04]])
    printed_sci(
        state["s"]["W2"],
        [
            [7.17640232e-05, 2.81276921e-04, 4.78394595e-04],
            [1.57413361e-04, 4.72206320e-04, 7.14372576e-04],
            [4.50571368e-04, 1.60392066e-07, 1.24838242e-03],
        ],
    )
    printed_sci(state["s"]["b2"], [[5.49507194e-05], [2.75494327e-03], [5.50629536e-04]])


# ---------------------------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------------------------


def binary_problem(m=40, dims=(4, 5, 3, 1), seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return X, Y, initialize_parameters(list(dims), "he", 1)


@pytest.mark.parametrize("activation", sorted(S.HIDDEN_ACTIVATIONS[:4]))
def test_full_batch_gd_is_the_existing_gradient_descent_bit_for_bit(activation):
    X, Y, params = binary_problem()
    spec = TrainingSpec(layer_dims=(4, 5, 3, 1), hidden_activation=activation, learning_rate=0.1, shuffle_seed=None)
    ours, costs, state = T.train_epochs(X, Y, params, spec, 60)
    theirs, their_costs = gradient_descent(X, Y, params, activation, 0.1, 60)
    np.testing.assert_array_equal(costs, their_costs)
    for key in params:
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
    assert state["epoch"] == state["t"] == 60


def test_full_batch_never_shuffles():
    # A full batch (batch_size None, or m and more) visits the examples in order whatever the
    # shuffle seed: the same bits as the course's full-batch loop.
    X, Y, params = binary_problem()
    for batch_size in (None, X.shape[1], 10 * X.shape[1]):
        spec = TrainingSpec(layer_dims=(4, 5, 3, 1), learning_rate=0.1, shuffle_seed=7, batch_size=batch_size)
        ours, costs, _ = T.train_epochs(X, Y, params, spec, 60)
        theirs, their_costs = gradient_descent(X, Y, params, "relu", 0.1, 60)
        np.testing.assert_array_equal(costs, their_costs)
        for key in params:
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)


def course_cost_with_regularization(a3, Y, parameters, lambd):
    """Regularization notebook: compute_cost (reg_utils) + the L2 term / m, as published."""
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    cross_entropy = 1.0 / m * np.nansum(logprobs)
    weights = sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, len(parameters) // 2 + 1))
    return cross_entropy + lambd * weights / (2 * m)


def test_full_batch_cost_with_l2_is_the_courses():
    X, Y, params = binary_problem()
    spec = TrainingSpec(layer_dims=(4, 5, 3, 1), learning_rate=0.1, l2=0.7, shuffle_seed=None)
    _, costs, _ = T.train_epochs(X, Y, params, spec, 1)
    AL, _ = T.forward(X, params, spec)
    np.testing.assert_allclose(costs[0], course_cost_with_regularization(AL, Y, params, 0.7), rtol=1e-14)


def course_model(X, Y, parameters, optimizer, learning_rate, mini_batch_size, num_epochs, decay=None, decay_rate=1):
    """Optimization methods (2021), model(): seed 10 + 1 per epoch, the cost summed over the
    mini-batches and divided by m, t counted per mini-batch, the rate recomputed after each epoch;
    forward/backward/compute_cost of opt_utils_v1a (LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID)."""
    beta, beta1, beta2, epsilon = 0.9, 0.9, 0.999, 1e-8
    parameters = {k: v.copy() for k, v in parameters.items()}
    v = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
    s = {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}
    t, seed, m, learning_rate0, costs = 0, 10, X.shape[1], learning_rate, []
    for i in range(num_epochs):
        seed = seed + 1
        cost_total = 0
        for minibatch_X, minibatch_Y in course_random_mini_batches(X, Y, mini_batch_size, seed):
            W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
            z1 = np.dot(W1, minibatch_X) + b1
            a1 = np.maximum(0, z1)
            z2 = np.dot(W2, a1) + b2
            a2 = np.maximum(0, z2)
            z3 = np.dot(W3, a2) + b3
            a3 = 1 / (1 + np.exp(-z3))
            logprobs = np.multiply(-np.log(a3), minibatch_Y) + np.multiply(-np.log(1 - a3), 1 - minibatch_Y)
            cost_total += np.sum(logprobs)
            mb = minibatch_X.shape[1]
            dz3 = 1.0 / mb * (a3 - minibatch_Y)
            dz2 = np.multiply(np.dot(W3.T, dz3), np.int64(a2 > 0))
            dz1 = np.multiply(np.dot(W2.T, dz2), np.int64(a1 > 0))
            grads = {
                "dW3": np.dot(dz3, a2.T),
                "db3": np.sum(dz3, axis=1, keepdims=True),
                "dW2": np.dot(dz2, a1.T),
                "db2": np.sum(dz2, axis=1, keepdims=True),
                "dW1": np.dot(dz1, minibatch_X.T),
                "db1": np.sum(dz1, axis=1, keepdims=True),
            }
            if optimizer == "adam":
                t = t + 1
            for key in parameters:
                g = grads[f"d{key}"]
                if optimizer == "gd":
                    parameters[key] = parameters[key] - learning_rate * g
                elif optimizer == "momentum":
                    v[f"d{key}"] = beta * v[f"d{key}"] + (1 - beta) * g
                    parameters[key] = parameters[key] - learning_rate * v[f"d{key}"]
                else:
                    v[f"d{key}"] = beta1 * v[f"d{key}"] + (1 - beta1) * g
                    v_corrected = v[f"d{key}"] / (1 - beta1**t)
                    s[f"d{key}"] = beta2 * s[f"d{key}"] + (1 - beta2) * np.square(g)
                    s_corrected = s[f"d{key}"] / (1 - beta2**t)
                    parameters[key] = parameters[key] - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
        costs.append(cost_total / m)
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
    return parameters, np.array(costs)


@pytest.mark.parametrize(
    "optimizer, decay",
    [("gd", None), ("momentum", "inverse"), ("adam", None), ("adam", "step"), ("gd", "step")],
)
def test_mini_batch_training_is_the_courses_model(optimizer, decay):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((2, 150))
    Y = (X[0:1] * X[1:2] + 0.3 * rng.standard_normal((1, 150)) > 0).astype(float)
    params = initialize_parameters([2, 5, 2, 1], "he", 3)
    lr = {"gd": 0.2, "momentum": 0.2, "adam": 0.01}[optimizer]
    course_decay = {
        None: None,
        "inverse": lambda lr0, i, rate: lr0 / (1 + rate * i),
        "step": lambda lr0, i, rate: 1 / (1 + rate * np.floor(i / 2)) * lr0,  # time_interval = 2
    }[decay]
    theirs, their_costs = course_model(X, Y, params, optimizer, lr, 64, 6, course_decay, 0.5)
    spec = TrainingSpec(
        layer_dims=(2, 5, 2, 1),
        optimizer=optimizer,
        learning_rate=lr,
        batch_size=64,
        shuffle_seed=11,  # the course's seed = 10, incremented before the first epoch
        decay=decay,
        decay_rate=0.5,
        decay_interval=2,
    )
    ours, costs, state = T.train_epochs(X, Y, params, spec, 6)
    assert state["t"] == 6 * 3
    # Same formulas; the course's sigmoid/log cost and dz = (a - y) / m round differently.
    np.testing.assert_allclose(costs, their_costs, rtol=1e-12)
    for key in params:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-11, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("optimizer", sorted(S.OPTIMIZERS))
def test_two_runs_of_five_epochs_are_one_of_ten_bit_for_bit(optimizer):
    X, Y, params = binary_problem(m=37)
    spec = TrainingSpec(
        layer_dims=(4, 5, 3, 1),
        optimizer=optimizer,
        learning_rate=0.01,
        batch_size=8,
        l2=0.3,
        keep_prob=0.8,
        dropout_seed=99,
        decay="step",
        decay_rate=0.5,
        decay_interval=3,
    )
    whole, costs10, state10 = T.train_epochs(X, Y, params, spec, 10)
    half, costs_a, state5 = T.train_epochs(X, Y, params, spec, 5)
    half, costs_b, state = T.train_epochs(X, Y, half, spec, 5, state5)
    np.testing.assert_array_equal(costs10, np.concatenate([costs_a, costs_b]))
    for key in params:
        np.testing.assert_array_equal(whole[key], half[key], err_msg=key)
    assert state["epoch"] == state10["epoch"] == 10 and state["t"] == state10["t"] == 10 * 5
    for moment in O.MOMENTS[optimizer]:
        for key in params:
            np.testing.assert_array_equal(state[moment][key], state10[moment][key])


def test_dropout_masks_follow_the_mini_batch_counter():
    # With keep_prob < 1, epoch 1's first batch uses t = number of batches in epoch 0.
    X, Y, params = binary_problem(m=20)
    spec = TrainingSpec(layer_dims=(4, 5, 3, 1), batch_size=8, keep_prob=0.5, dropout_seed=3, shuffle_seed=None)
    _, _, state = T.train_epochs(X, Y, params, spec, 1)
    assert state["t"] == 3
    # Replaying the second epoch by hand from that state, with masks at t = 3, 4, 5.
    p1, _, _ = T.train_epochs(X, Y, params, spec, 1)
    p, st = p1, state
    for t, batch in zip(range(3, 6), mini_batches(np.arange(20), 8), strict=True):
        masks = [R.dropout_mask((spec.layer_dims[l], len(batch)), 0.5, 3, t, l) for l in (1, 2)]
        Xb, Yb = X[:, batch].copy(), Y[:, batch].copy()
        AL, caches = T.forward(Xb, p, spec, masks)
        p, st = O.step(p, T.backward(AL, Yb, caches, p, spec, len(batch), masks), st, spec, spec.learning_rate)
    p2, _, _ = T.train_epochs(X, Y, p1, spec, 1, state)
    for key in params:
        np.testing.assert_allclose(p2[key], p[key], rtol=1e-15, atol=1e-17)


def test_train_epochs_never_writes_into_its_inputs():
    X, Y, params = binary_problem(m=21)
    spec = TrainingSpec(layer_dims=(4, 5, 3, 1), optimizer="adam", batch_size=5, keep_prob=0.7, l2=0.2)
    state = T.init_state(params, spec)
    before = copy.deepcopy((X, Y, params, state))
    T.train_epochs(X, Y, params, spec, 3, state)
    for old, kept in zip((X, Y, params, state), before, strict=True):
        assert str(old) == str(kept)
    np.testing.assert_array_equal(X, before[0])
    for key in params:
        np.testing.assert_array_equal(params[key], before[2][key])
        np.testing.assert_array_equal(state["v"][key], before[3]["v"][key])


@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_float32_trains_in_float32(loss, K):
    layer_dims, params, X, Y = make_problem(loss, K, m=30)
    spec = TrainingSpec(
        layer_dims=layer_dims, loss=loss, optimizer="adam", learning_rate=0.01, batch_size=7, keep_prob=0.9, l2=0.1
    )
    p64, c64, _ = T.train_epochs(X, Y, params, spec, 4)
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    p32, c32, state = T.train_epochs(X.astype(np.float32), Y.astype(np.float32), params32, spec, 4)
    assert c32.dtype == np.float32
    assert all(v.dtype == np.float32 for v in p32.values())
    assert all(v.dtype == np.float32 for v in state["v"].values())
    np.testing.assert_allclose(c32, c64, rtol=1e-4)
    for key in params:
        np.testing.assert_allclose(p32[key], p64[key], rtol=1e-3, atol=1e-4, err_msg=key)


@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_every_head_learns(loss, K):
    layer_dims, params, X, Y = make_problem(loss, K, m=60)
    spec = TrainingSpec(
        layer_dims=layer_dims, loss=loss, hidden_activation="tanh", optimizer="adam", learning_rate=0.02, batch_size=16
    )
    _, costs, _ = T.train_epochs(X, Y, params, spec, 40)
    assert costs[-1] < 0.8 * costs[0]


def test_train_epochs_checks_shapes():
    X, Y, params = binary_problem()
    spec = TrainingSpec(layer_dims=(4, 5, 3, 1))
    with pytest.raises(ValueError, match="X must"):
        T.train_epochs(X[:3], Y, params, spec, 1)
    with pytest.raises(ValueError, match="Y must"):
        T.train_epochs(X, Y[:, :-1], params, spec, 1)
    with pytest.raises(ValueError, match="W2, b2"):
        T.train_epochs(X, Y, {**params, "W2": params["W2"].T}, spec, 1)
