"""``fastnn.course.regularization`` against Course II's "Regularization" notebook (2021 edition,
``reg_utils.py``, ``testCases.py``, ``public_tests.py``), on both backends.

Tolerances: arrays printed with 8 decimals to half the last digit (``5e-9``); costs printed
with ``str``: iteration 0 to 1e-12 relative (rounding only: fastnn's cost is written from the
logits, the notebook's from the probabilities). After 10,000 and 20,000 iterations the
published copies of the notebook's output disagree with one another in the 12th digit (the
baseline's iteration-20000 cost ranges over 0.13851642423234922 .. 0.13851642423284755, a
3.6e-12 relative spread: each platform's BLAS rounds differently and 20,000 iterations
amplify it), so those costs must lie within the range of the published copies, widened by
1e-12 relative. Accuracies exactly. numba against the numpy reference: 1e-12.

Dropout: the notebook re-seeds NumPy with 1 at every forward pass, so every iteration uses
the same masks; the drop-in draws them once from a local ``RandomState(1)``
(``dropout_stream="course"``), and the published run is reproduced on both backends.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from fastnn import _driver
from fastnn.course import regularization as reg
from fastnn.datasets import load_2D_dataset
from fastnn.spec import TrainingSpec

BACKENDS = ("numpy", "numba")
_ULP = 1e-15


def printed(actual, expected, decimals=8):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=0.5 * 10.0**-decimals + _ULP)


def run(fn, *args, **kwargs):
    out = io.StringIO()
    with redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue().splitlines()


@pytest.fixture(scope="module")
def football():
    try:
        return load_2D_dataset()
    except FileNotFoundError as exc:
        pytest.skip(f"data.mat not available: {exc}")


# ---- testCases.py / public_tests.py --------------------------------------------------------------


def three_layer_parameters():
    W1, b1 = np.random.randn(2, 3), np.random.randn(2, 1)
    W2, b2 = np.random.randn(3, 2), np.random.randn(3, 1)
    W3, b3 = np.random.randn(1, 3), np.random.randn(1, 1)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def test_compute_cost_with_regularization():
    # compute_cost_with_regularization_test_case, lambd = 0.1: the notebook prints
    # "cost = 1.7864859451590758".
    np.random.seed(1)
    Y = np.array([[1, 1, 0, 1, 0]])
    parameters = three_layer_parameters()
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    assert reg.compute_cost_with_regularization(a3, Y, parameters, lambd=0.1) == pytest.approx(
        1.7864859451590758, rel=1e-12
    )


def backward_case():
    """testCases.py's backward_propagation_with_regularization_test_case (the cache's numbers as printed there)."""
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
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
    return X, Y, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)  # fmt: skip


def test_backward_propagation_with_regularization():
    # lambd = 0.7; the notebook prints dW1, dW2, dW3.
    X, Y, cache = backward_case()
    grads = reg.backward_propagation_with_regularization(X, Y, cache, lambd=0.7)
    printed(grads["dW1"], [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]])
    printed(grads["dW2"], [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]])
    printed(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]])
    plain = reg.backward_propagation(X, Y, cache)
    np.testing.assert_allclose(grads["dW3"] - plain["dW3"], 0.7 / 5 * cache[10], rtol=1e-14)


def test_forward_propagation_with_dropout():
    # forward_propagation_with_dropout_test_case, keep_prob = 0.7: "A3 = [[0.36974721 0.00305176
    # 0.04565099 0.49683389 0.36974721]]".
    np.random.seed(1)
    X = np.random.randn(3, 5)
    parameters = three_layer_parameters()
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    A3, cache = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    assert np.array_equal(np.random.get_state()[1], state)  # the masks come from a local stream
    printed(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]])
    assert len(cache) == 14
    # The masks are the notebook's: np.random.seed(1), then rand(2, 5) < 0.7, then rand(3, 5) < 0.7.
    np.random.seed(1)
    assert np.array_equal(cache[1], np.random.rand(2, 5) < 0.7)
    assert np.array_equal(cache[6], np.random.rand(3, 5) < 0.7)
    # The same masks at every call.
    again, _ = reg.forward_propagation_with_dropout(X, parameters, keep_prob=0.7)
    assert np.array_equal(again, A3)


def test_backward_propagation_with_dropout():
    # backward_propagation_with_dropout_test_case, keep_prob = 0.8; the notebook prints dA1, dA2.
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    cache = (
        np.array([[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
                  [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]]),
        np.array([[True, False, True, True, True], [True, True, True, True, False]]),
        np.array([[0.0, 0.0, 4.27989081, 5.21401307, 0.0], [0.0, 8.32019881, 1.58102041, 2.92987024, 0.0]]),
        np.array([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]]),
        np.array([[1.14472371], [0.90159072]]),
        np.array([[0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
                  [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
                  [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353]]),
        np.array([[True, False, True, False, True], [False, True, False, True, True],
                  [False, False, True, False, False]]),
        np.array([[1.06071093, 0.0, 8.21049603, 0.0, 1.06071093], [0.0] * 5, [0.0] * 5]),
        np.array([[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]]),
        np.array([[0.53035547], [-0.69166075], [-0.39675353]]),
        np.array([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]]),
        np.array([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]]),
        np.array([[-0.6871727, -0.84520564, -0.67124613]]),
        np.array([[-0.0126646]]),
    )  # fmt: skip
    grads = reg.backward_propagation_with_dropout(X, Y, cache, keep_prob=0.8)
    printed(grads["dA1"], [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748], [0.65515713, 0.0, -0.00337459, 0.0, -0.0]])
    printed(
        grads["dA2"],
        [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731], [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
         [0.0, 0.0, -0.00292733, 0.0, -0.0]],
    )  # fmt: skip


# ---- the three models ------------------------------------------------------------------------------

# model(train_X, train_Y), model(..., lambd = 0.7), model(..., keep_prob = 0.86, learning_rate = 0.3):
# the cost at iteration 0 (all copies agree), the published copies of iterations 10000 and 20000,
# and the train / test accuracies.
RUNS = {
    "baseline": (
        {},
        0.6557412523481002,
        [[0.16329987525724216, 0.16329987525724213, 0.16329987525724204, 0.1632998752572417],
         [0.13851642423255986, 0.1385164242326018, 0.13851642423234922, 0.13851642423284755,
          0.13851642423261248, 0.13851642423253263]],
        ["Accuracy: 0.9478672985781991", "Accuracy: 0.915"],
    ),
    "l2": (
        {"lambd": 0.7},
        0.6974484493131264,
        [[0.2684918873282239, 0.2684918873282238], [0.2680916337127301, 0.26809163371273004]],
        ["Accuracy: 0.9383886255924171", "Accuracy: 0.93"],
    ),
    "dropout": (
        {"keep_prob": 0.86, "learning_rate": 0.3},
        0.6543912405149825,
        [[0.0610169865749056, 0.06101698657490559, 0.061016986574905605, 0.061016986574905584],
         [0.060582435798513114]],
        ["Accuracy: 0.9289099526066351", "Accuracy: 0.95"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", RUNS)
def test_model_published(name, backend, football):
    train_X, train_Y, test_X, test_Y = football
    kwargs, first, copies, accuracies = RUNS[name]
    parameters, lines = run(reg.model, train_X, train_Y, backend=backend, **kwargs)
    assert [line.rsplit(" ", 1)[0] for line in lines] == [f"Cost after iteration {i}:" for i in (0, 10000, 20000)]
    costs = [float(line.rsplit(" ", 1)[1]) for line in lines]
    assert costs[0] == pytest.approx(first, rel=1e-12)
    for cost, published in zip(costs[1:], copies, strict=True):
        assert min(published) * (1 - 1e-12) <= cost <= max(published) * (1 + 1e-12), (cost, published)
    _, train_acc = run(reg.predict, train_X, train_Y, parameters)
    _, test_acc = run(reg.predict, test_X, test_Y, parameters)
    assert train_acc + test_acc == accuracies


@pytest.mark.parametrize("name", RUNS)
def test_backends_agree(name, football):
    """numba against the numpy reference over 3000 iterations: every cost, the final parameters, 1e-12."""
    train_X, train_Y, _, _ = football
    kwargs = RUNS[name][0]
    keep_prob = kwargs.get("keep_prob", 1.0)
    spec = TrainingSpec(
        [2, 20, 3, 1],
        "relu",
        learning_rate=0.3,
        l2=kwargs.get("lambd", 0.0),
        keep_prob=keep_prob,
        dropout_seed=1,
        dropout_stream="course" if keep_prob < 1 else "counter",
    )
    p0 = reg.initialize_parameters([2, 20, 3, 1])
    ref_params, ref_costs = _driver.run(train_X, train_Y, p0, spec, 3000, "numpy")
    comp_params, comp_costs = _driver.run(train_X, train_Y, p0, spec, 3000, "numba")
    np.testing.assert_allclose(comp_costs, ref_costs, rtol=1e-12)
    for key, value in ref_params.items():
        np.testing.assert_allclose(comp_params[key], value, rtol=1e-12, atol=1e-12 * np.max(np.abs(value)))


def test_dropout_model_is_the_fixed_mask_loop(football):
    """The drop-in's dropout model equals the notebook's loop written with this module's own
    building blocks (forward with dropout, its backward, update), 200 iterations."""
    train_X, train_Y, _, _ = football
    parameters = reg.initialize_parameters([2, 20, 3, 1])
    for _ in range(200):
        a3, cache = reg.forward_propagation_with_dropout(train_X, parameters, 0.86)
        grads = reg.backward_propagation_with_dropout(train_X, train_Y, cache, 0.86)
        parameters = reg.update_parameters(parameters, grads, 0.3)
    for backend in BACKENDS:
        got = reg.model(train_X, train_Y, keep_prob=0.86, num_iterations=200, print_cost=False, backend=backend)
        for key, value in parameters.items():
            np.testing.assert_allclose(got[key], value, rtol=1e-10, atol=1e-12 * np.max(np.abs(value)))


def test_initialize_parameters_is_seed_3():
    p = reg.initialize_parameters([2, 20, 3, 1])
    np.random.seed(3)
    for l, (n, n_prev) in enumerate([(20, 2), (3, 20), (1, 3)], start=1):
        assert np.array_equal(p[f"W{l}"], np.random.randn(n, n_prev) / np.sqrt(n_prev))


def test_bad_input_inputs_untouched_global_rng(football):
    train_X, train_Y, _, _ = football
    X0, Y0 = train_X.copy(), train_Y.copy()
    np.random.seed(11)
    state = np.random.get_state()[1].copy()
    with redirect_stdout(io.StringIO()):
        reg.model(train_X, train_Y, keep_prob=0.86, num_iterations=20)
        reg.model(train_X, train_Y, lambd=0.7, num_iterations=20)
    assert np.array_equal(np.random.get_state()[1], state)
    assert np.array_equal(train_X, X0) and np.array_equal(train_Y, Y0)
    with pytest.raises(ValueError, match="not both"):
        reg.model(train_X, train_Y, lambd=0.7, keep_prob=0.8, num_iterations=1)
    with pytest.raises(ValueError, match="keep_prob"):
        reg.model(train_X, train_Y, keep_prob=0, num_iterations=1)
    with pytest.raises(ValueError, match="keep_prob"):
        reg.forward_propagation_with_dropout(train_X, reg.initialize_parameters([2, 20, 3, 1]), 1.5)
    with pytest.raises(ValueError, match="lambd"):
        reg.model(train_X, train_Y, lambd=-1, num_iterations=1)
    with pytest.raises(ValueError, match="0 and 1"):
        reg.model(train_X, train_Y - 1, num_iterations=1)
    with pytest.raises(ValueError, match="disagree"):
        reg.model(train_X, train_Y[:, :5], num_iterations=1)
    X, Y, cache = backward_case()
    with pytest.raises(ValueError, match="cache"):
        reg.backward_propagation_with_dropout(X, Y, cache, 0.8)  # a cache without masks
    with pytest.raises(ValueError, match="cache"):
        reg.backward_propagation_with_regularization(X[:, :3], Y[:, :3], cache, 0.7)
