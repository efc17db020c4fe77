"""Every public function of ``fastnn.course.{logistic, planar, deep}`` against the values the
course's notebooks publish.

Each test rebuilds a notebook's test case exactly as the course's helper file does (the
legacy ``np.random.seed`` / ``np.random.randn`` stream, in the same order), calls fastnn,
and compares with the expected output the notebook prints, at the precision it is printed:

* fixed-point arrays (``[[ 3.26295337 -1.23429987]]``, 8 decimals): absolute tolerance half
  the last printed digit, ``5e-9``;
* scientific notation (``[[-1.02420756e-06]]``): relative tolerance ``5e-9``;
* ``%f`` costs (``0.693147``): ``5e-7``;
* floats printed with ``str`` (all 16-17 digits, ``0.6930587610394646``): ``1e-12``
  relative, which only allows for a different summation order.

Editions (the 2021 rewrites, with ``public_tests.py`` beside each notebook):

* week 2, "Logistic Regression with a Neural Network mindset": the edition whose
  ``propagate`` cell uses ``w = [[1.], [2]]``, ``b = 1.5``, ``X = [[1., -2., -1.], [3., 0.5,
  -3.2]]`` (``dw = [[ 0.25071532] [-0.06604096]]``); its ``public_tests.py``.
* week 3, "Planar data classification with one hidden layer": the notebook importing
  ``testCases_v2`` and ``public_tests`` (``forward_propagation`` prints ``A2 = [[0.21292656
  0.21274673 0.21295976]]``).
* week 4, "Building your Deep Neural Network: Step by Step" (``testCases.py`` /
  ``public_tests.py``, ``linear_backward`` on a ``(3, 4)`` ``dZ``, ``compute_cost`` on
  ``Y = [[1, 1, 0]]``), and "Deep Neural Network - Application" (``dnn_app_utils_v3``,
  ``L_layer_model_test``).

The whole-model runs on the cat data (``logistic.model`` at 2000 iterations,
``deep.two_layer_model`` / ``L_layer_model`` at 2500, ``planar.nn_model`` on the flower, and
``deep.predict``'s ``Accuracy:`` lines) are pinned in ``tests/test_course.py``; this file
covers the building blocks and the notebooks' small training cases.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from fastnn.course import deep, logistic, planar

BACKENDS = ("numpy", "numba")

# Slack for rounding in the last place, on top of the printed precision.
_ULP = 1e-15


def printed(actual, expected, decimals=8):
    """``actual`` agrees with ``expected`` printed in fixed point with ``decimals`` decimals."""
    np.testing.assert_allclose(actual, expected, rtol=0, atol=0.5 * 10.0**-decimals + _ULP)


def printed_sci(actual, expected, digits=8):
    """``actual`` agrees with ``expected`` printed in scientific notation, ``digits`` mantissa decimals."""
    np.testing.assert_allclose(actual, expected, rtol=0.5 * 10.0**-digits + _ULP, atol=0)


def truncated(actual, written, decimals):
    """``written`` is ``actual`` cut (not rounded) after ``decimals`` decimals, as a few
    ``public_tests.py`` constants are written (``0.7310585`` for ``sigmoid(1) = 0.73105857...``)."""
    scale = 10.0**decimals
    assert np.trunc(np.asarray(actual) * scale) == round(written * scale), (actual, written)


def full(actual, expected):
    """``actual`` agrees with a float printed with all its digits (``str`` / ``repr``)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)


def run(fn, *args, **kwargs):
    out = io.StringIO()
    with redirect_stdout(out):
        result = fn(*args, **kwargs)
    return result, out.getvalue().splitlines()


# ---------------------------------------------------------------------------------------------
# Week 2: Logistic Regression with a Neural Network mindset
# ---------------------------------------------------------------------------------------------


def test_logistic_sigmoid():
    # Notebook, Exercise 3 cell: print("sigmoid([0, 2]) = " + str(sigmoid(np.array([0,2]))))
    # -> sigmoid([0, 2]) = [0.5        0.88079708]
    printed(logistic.sigmoid(np.array([0, 2])), [0.5, 0.88079708])
    # Notebook, the next cell: sigmoid(np.array([0.5, 0, 2.0])) -> [0.62245933 0.5        0.88079708]
    printed(logistic.sigmoid(np.array([0.5, 0, 2.0])), [0.62245933, 0.5, 0.88079708])
    # public_tests.py, sigmoid_test: target(1) is 0.7310585 (sigmoid(1) = 0.7310585786..., cut after 7 decimals)
    truncated(logistic.sigmoid(1), 0.7310585, 7)


def test_logistic_initialize_with_zeros():
    # Notebook, Exercise 4 cell: dim = 2 -> w = [[0.] [0.]], b = 0.0, with assert type(b) == float;
    # public_tests.py, initialize_with_zeros_test: dim = 3, w.shape == (3, 1), type(b) == float.
    w, b = logistic.initialize_with_zeros(2)
    assert type(b) is float and b == 0.0
    assert w.shape == (2, 1)
    np.testing.assert_array_equal(w, [[0.0], [0.0]])
    w, b = logistic.initialize_with_zeros(3)
    assert w.shape == (3, 1) and type(b) is float


def test_logistic_propagate_notebook_cell():
    # Notebook, Exercise 5 cell: w = [[1.], [2]], b = 1.5, X = [[1., -2., -1.], [3., 0.5, -3.2]],
    # Y = [[1, 1, 0]] -> dw = [[ 0.25071532] [-0.06604096]], db = -0.1250040450043965,
    # cost = 0.15900537707692405 (and the cell asserts dw.shape == (2, 1), type(db) == np.float64).
    w, b = np.array([[1.0], [2]]), 1.5
    X, Y = np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]]), np.array([[1, 1, 0]])
    grads, cost = logistic.propagate(w, b, X, Y)
    assert grads["dw"].shape == (2, 1)
    assert type(grads["db"]) is np.float64
    printed(grads["dw"], [[0.25071532], [-0.06604096]])
    full(grads["db"], -0.1250040450043965)
    full(cost, 0.15900537707692405)


def test_logistic_propagate_public_test():
    # public_tests.py, propagate_test: three features, four examples.
    w, b = np.array([[1.0], [2.0], [-1]]), 2.5
    X = np.array([[1.0, 2.0, -1.0, 0], [3.0, 4.0, -3.2, 1], [3.0, 4.0, -3.2, -3.5]])
    Y = np.array([[1, 1, 0, 0]])
    grads, cost = logistic.propagate(w, b, X, Y)
    printed(grads["dw"], [[-0.03909333], [0.12501464], [-0.99960809]])
    full(grads["db"], 0.288106326429569)
    full(cost, 2.0424567983978403)


@pytest.mark.parametrize("backend", BACKENDS)
def test_logistic_optimize_notebook_cell(backend):
    # Notebook, Exercise 6 cell: optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009,
    # print_cost=False) on the propagate cell's (w, b, X, Y) ->
    # w = [[0.80956046] [2.0508202 ]], b = 1.5948713189708588, dw = [[ 0.17860505] [-0.04840656]],
    # db = -0.08888460336847771, Costs = [array(0.15900538)]
    w, b = np.array([[1.0], [2]]), 1.5
    X, Y = np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]]), np.array([[1, 1, 0]])
    params, grads, costs = logistic.optimize(
        w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False, backend=backend
    )
    printed(params["w"], [[0.80956046], [2.0508202]])
    full(params["b"], 1.5948713189708588)
    printed(grads["dw"], [[0.17860505], [-0.04840656]])
    full(grads["db"], -0.08888460336847771)
    assert len(costs) == 1
    printed(costs, [0.15900538])
    np.testing.assert_array_equal(w, [[1.0], [2]])  # the notebook deep-copies w: the caller's is untouched


@pytest.mark.parametrize("backend", BACKENDS)
def test_logistic_optimize_public_test(backend):
    # public_tests.py, optimize_test: 101 iterations at learning rate 0.1, so the costs of
    # iterations 0 and 100 are recorded (the last iteration is itself a multiple of 100).
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    params, grads, costs = logistic.optimize(
        w, b, X, Y, num_iterations=101, learning_rate=0.1, print_cost=False, backend=backend
    )
    assert type(costs) is list and len(costs) == 2
    printed(costs, [5.80154532, 0.31057104])
    assert grads["dw"].shape == w.shape
    printed(grads["dw"], [[0.06188603], [-0.01407361]])
    truncated(grads["db"], -0.04709353, 8)  # written cut, not rounded: the course's db is -0.0470935376...
    assert params["w"].shape == w.shape
    printed(params["w"], [[-0.70916784], [-0.42390859]])
    printed(params["b"], 2.26891346)


def test_logistic_predict():
    # Notebook, Exercise 7 cell: w = [[0.1124579], [0.23106775]], b = -0.3,
    # X = [[1., -1.1, -3.2], [1.2, 2., 0.1]] -> predictions = [[1. 1. 0.]]
    pred = logistic.predict(np.array([[0.1124579], [0.23106775]]), -0.3, np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]]))
    assert str(pred) == "[[1. 1. 0.]]"
    # public_tests.py, predict_test -> [[1., 0., 1]] (and "perhaps you forget to add b" if [[1., 1., 1]])
    w, b = np.array([[0.3], [0.5], [-0.2]]), -0.33333
    X = np.array([[1.0, -0.3, 1.5], [2, 0, 1], [0, -1.5, 2]])
    pred = logistic.predict(w, b, X)
    assert pred.shape == (1, 3)
    np.testing.assert_array_equal(pred, [[1.0, 0.0, 1.0]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_logistic_model_public_test(backend):
    # public_tests.py, model_test: np.random.seed(0); X = randn(4, 7); x_test = randn(4, 3);
    # 50 iterations at learning rate 0.01 -> costs [0.69314718], w, b = -0.03983236094816321,
    # Y_prediction_test [[1., 1., 0.]], Y_prediction_train [[1., 1., 0., 1., 0., 0., 1.]]
    np.random.seed(0)
    Y = np.array([[1, 0, 0, 1, 0, 0, 1]])
    X = np.random.randn(4, 7)
    x_test = np.random.randn(4, 3)
    y_test = np.array([[0, 1, 0]])
    d = logistic.model(X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01, backend=backend)
    assert type(d["costs"]) is list and len(d["costs"]) == 1
    printed(d["costs"], [0.69314718])
    assert d["w"].shape == (4, 1)
    printed(d["w"], [[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]])
    full(d["b"], -0.03983236094816321)
    np.testing.assert_array_equal(d["Y_prediction_test"], [[1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(d["Y_prediction_train"], [[1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]])


# ---------------------------------------------------------------------------------------------
# Week 3: Planar data classification with one hidden layer (testCases_v2.py, public_tests.py)
# ---------------------------------------------------------------------------------------------

# The parameters testCases_v2.py writes out in full.
PLANAR_W1 = np.array(
    [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271], [-0.01793436, -0.00841747], [0.00502881, -0.01245288]]
)
PLANAR_W2 = np.array([[-0.01057952, -0.00909008, 0.00551454, 0.02292208]])

# testCases_v2.py, update_parameters_test_case / predict_test_case.
TRAINED = {
    "W1": np.array(
        [[-0.00615039, 0.0169021], [-0.02311792, 0.03137121], [-0.0169217, -0.01752545], [0.00935436, -0.05018221]]
    ),
    "W2": np.array([[-0.0104319, -0.04019007, 0.01607211, 0.04440255]]),
    "b1": np.array([[-8.97523455e-07], [8.15562092e-06], [6.04810633e-07], [-2.54560700e-06]]),
    "b2": np.array([[9.14954378e-05]]),
}


def test_planar_layer_sizes():
    # Notebook, Exercise 2 cell on layer_sizes_test_case() (seed 1, X = randn(5, 3), Y = randn(2, 3)):
    # n_x = 5, n_h = 4, n_y = 2; public_tests.py, layer_sizes_test: (5, 4, 2).
    np.random.seed(1)
    X = np.random.randn(5, 3)
    Y = np.random.randn(2, 3)
    assert planar.layer_sizes(X, Y) == (5, 4, 2)


def test_planar_initialize_parameters():
    # Notebook, Exercise 3 cell: np.random.seed(2); initialize_parameters(2, 4, 1) ->
    # W1 = [[-0.00416758 -0.00056267] [-0.02136196 0.01640271] [-0.01793436 -0.00841747]
    # [ 0.00502881 -0.01245288]], b1 = zeros, W2 = [[-0.01057952 -0.00909008 0.00551454 0.02292208]], b2 = [[0.]]
    p = planar.initialize_parameters(2, 4, 1)
    printed(p["W1"], PLANAR_W1)
    printed(p["W2"], PLANAR_W2)
    np.testing.assert_array_equal(p["b1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(p["b2"], np.zeros((1, 1)))
    # public_tests.py, initialize_parameters_test: (n_x, n_h, n_y) = (3, 5, 2).
    p = planar.initialize_parameters(3, 5, 2)
    printed(
        p["W1"],
        [
            [-0.00416758, -0.00056267, -0.02136196],
            [0.01640271, -0.01793436, -0.00841747],
            [0.00502881, -0.01245288, -0.01057952],
            [-0.00909008, 0.00551454, 0.02292208],
            [0.00041539, -0.01117925, 0.00539058],
        ],
    )
    printed_sci(
        p["W2"],
        [
            [-5.96159700e-03, -1.91304965e-04, 1.17500122e-02, -7.47870949e-03, 9.02525097e-05],
            [-8.78107893e-03, -1.56434170e-03, 2.56570452e-03, -9.88779049e-03, -3.38821966e-03],
        ],
    )
    np.testing.assert_array_equal(p["b1"], np.zeros((5, 1)))
    np.testing.assert_array_equal(p["b2"], np.zeros((2, 1)))


def test_planar_forward_propagation():
    # testCases_v2.py, forward_propagation_test_case: seed 1, X = randn(2, 3), b1 = randn(4, 1), b2 = -1.3.
    np.random.seed(1)
    X = np.random.randn(2, 3)
    b1 = np.random.randn(4, 1)
    parameters = {"W1": PLANAR_W1, "W2": PLANAR_W2, "b1": b1, "b2": np.array([[-1.3]])}
    A2, cache = planar.forward_propagation(X, parameters)
    # Notebook, Exercise 4 cell: A2 = [[0.21292656 0.21274673 0.21295976]]
    printed(A2, [[0.21292656, 0.21274673, 0.21295976]])
    # public_tests.py, forward_propagation_test: the whole cache.
    printed(
        cache["Z1"],
        [
            [1.7386459, 1.74687437, 1.74830797],
            [-0.81350569, -0.73394355, -0.78767559],
            [0.29893918, 0.32272601, 0.34788465],
            [-0.2278403, -0.2632236, -0.22336567],
        ],
    )
    printed(
        cache["A1"],
        [
            [0.9400694, 0.94101876, 0.94118266],
            [-0.67151964, -0.62547205, -0.65709025],
            [0.29034152, 0.31196971, 0.33449821],
            [-0.22397799, -0.25730819, -0.2197236],
        ],
    )
    printed(cache["Z2"], [[-1.30737426, -1.30844761, -1.30717618]])
    printed(cache["A2"], [[0.21292656, 0.21274673, 0.21295976]])


def test_planar_compute_cost():
    # testCases_v2.py, compute_cost_test_case: seed 1, Y = randn(1, 3) > 0, a2 given.
    # Notebook, Exercise 5 cell: cost = 0.6930587610394646
    np.random.seed(1)
    Y = np.random.randn(1, 3) > 0
    cost = planar.compute_cost(np.array([[0.5002307, 0.49985831, 0.50023963]]), Y)
    assert type(cost) is float
    full(cost, 0.6930587610394646)
    # public_tests.py, compute_cost_test: seed 1, Y = randn(1, 5) > 0 -> 0.5447066599017815 (a float)
    np.random.seed(1)
    Y = np.random.randn(1, 5) > 0
    cost = planar.compute_cost(np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]]), Y)
    assert type(cost) is float
    full(cost, 0.5447066599017815)


def test_planar_backward_propagation_notebook_cell():
    # testCases_v2.py, backward_propagation_test_case: seed 1, X = randn(2, 3), Y = randn(1, 3) > 0,
    # the parameters and cache written out.
    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    parameters = {"W1": PLANAR_W1, "W2": PLANAR_W2, "b1": np.zeros((4, 1)), "b2": np.zeros((1, 1))}
    cache = {
        "A1": np.array(
            [
                [-0.00616578, 0.0020626, 0.00349619],
                [-0.05225116, 0.02725659, -0.02646251],
                [-0.02009721, 0.0036869, 0.02883756],
                [0.02152675, -0.01385234, 0.02599885],
            ]
        ),
        "A2": np.array([[0.5002307, 0.49985831, 0.50023963]]),
        "Z1": np.array(
            [
                [-0.00616586, 0.0020626, 0.0034962],
                [-0.05229879, 0.02726335, -0.02646869],
                [-0.02009991, 0.00368692, 0.02884556],
                [0.02153007, -0.01385322, 0.02600471],
            ]
        ),
        "Z2": np.array([[0.00092281, -0.00056678, 0.00095853]]),
    }
    grads = planar.backward_propagation(parameters, cache, X, Y)
    # Notebook, Exercise 6 cell.
    printed(
        grads["dW1"],
        [[0.00301023, -0.00747267], [0.00257968, -0.00641288], [-0.00156892, 0.003893], [-0.00652037, 0.01618243]],
    )
    printed(grads["db1"], [[0.00176201], [0.00150995], [-0.00091736], [-0.00381422]])
    printed(grads["dW2"], [[0.00078841, 0.01765429, -0.00084166, -0.01022527]])
    printed(grads["db2"], [[-0.16655712]])


def test_planar_backward_propagation_public_test():
    # public_tests.py, backward_propagation_test: seed 1, then X (3, 7), Y (1, 7) > 0, W1 (9, 3),
    # W2 (1, 9), and a cache of random A1 (9, 7), A2 (1, 7), Z1 (7, 9), Z2 (1, 7), in that order.
    np.random.seed(1)
    X = np.random.randn(3, 7)
    Y = np.random.randn(1, 7) > 0
    parameters = {
        "W1": np.random.randn(9, 3),
        "W2": np.random.randn(1, 9),
        "b1": np.zeros((9, 1)),
        "b2": np.zeros((1, 1)),
    }
    cache = {
        "A1": np.random.randn(9, 7),
        "A2": np.random.randn(1, 7),
        "Z1": np.random.randn(7, 9),
        "Z2": np.random.randn(1, 7),
    }
    grads = planar.backward_propagation(parameters, cache, X, Y)
    printed(
        grads["dW1"],
        [
            [-0.24468458, -0.24371232, 0.15959609],
            [0.7370069, -0.64785999, 0.23669823],
            [0.47936123, -0.01516428, 0.01566728],
            [0.03361075, -0.0930929, 0.05581073],
            [0.52445178, -0.03895358, 0.09180612],
            [-0.17043596, 0.13406378, -0.20952062],
            [0.76144791, -0.41766018, 0.02544078],
            [0.22164791, -0.33081645, 0.19526915],
            [0.25619969, -0.09561825, 0.05679075],
        ],
    )
    printed(
        grads["db1"],
        [
            [0.1463639],
            [-0.33647992],
            [-0.51738006],
            [-0.07780329],
            [-0.57889514],
            [0.28357278],
            [-0.39756864],
            [-0.10510329],
            [-0.13443244],
        ],
    )
    printed(
        grads["dW2"],
        [
            [
                -0.35768529,
                0.22046323,
                -0.29551566,
                -0.12202786,
                0.18809552,
                0.13700323,
                0.35892872,
                -0.02220353,
                -0.03976687,
            ]
        ],
    )
    printed(grads["db2"], [[-0.78032466]])


def test_planar_update_parameters():
    # testCases_v2.py, update_parameters_test_case; notebook, Exercise 7 cell (default learning rate 1.2):
    # W1 = [[-0.00643025 0.01936718] [-0.02410458 0.03978052] [-0.01653973 -0.02096177] [ 0.01046864 -0.05990141]]
    # b1 = [[-1.02420756e-06] [ 1.27373948e-05] [ 8.32996807e-07] [-3.20136836e-06]]
    # W2 = [[-0.01041081 -0.04463285 0.01758031 0.04747113]], b2 = [[0.00010457]]
    grads = {
        "dW1": np.array(
            [[0.00023322, -0.00205423], [0.00082222, -0.00700776], [-0.00031831, 0.0028636], [-0.00092857, 0.00809933]]
        ),
        "dW2": np.array([[-1.75740039e-05, 3.70231337e-03, -1.25683095e-03, -2.55715317e-03]]),
        "db1": np.array([[1.05570087e-07], [-3.81814487e-06], [-1.90155145e-07], [5.46467802e-07]]),
        "db2": np.array([[-1.08923140e-05]]),
    }
    before = {k: v.copy() for k, v in TRAINED.items()}
    p = planar.update_parameters(TRAINED, grads)
    printed(
        p["W1"],
        [[-0.00643025, 0.01936718], [-0.02410458, 0.03978052], [-0.01653973, -0.02096177], [0.01046864, -0.05990141]],
    )
    printed_sci(p["b1"], [[-1.02420756e-06], [1.27373948e-05], [8.32996807e-07], [-3.20136836e-06]])
    printed(p["W2"], [[-0.01041081, -0.04463285, 0.01758031, 0.04747113]])
    printed(p["b2"], [[0.00010457]])
    for key, value in before.items():  # the notebook asks for copy.deepcopy: inputs untouched
        np.testing.assert_array_equal(TRAINED[key], value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_planar_nn_model_test_case(backend):
    # testCases_v2.py, nn_model_test_case: seed 1, X = randn(2, 3), Y = randn(1, 3) > 0;
    # nn_model(X, Y, 4, num_iterations=10000, print_cost=True). The notebook's printed output
    # (the edition whose initialize_parameters draws from seed 2) and public_tests.py, nn_model_test:
    COSTS = [0.692739, 0.000218, 0.000107, 0.000071, 0.000053, 0.000042, 0.000035, 0.000030, 0.000026, 0.000023]
    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    parameters, lines = run(planar.nn_model, X, Y, 4, num_iterations=10000, print_cost=True, backend=backend)
    assert lines == [f"Cost after iteration {1000 * k}: {c:f}" for k, c in enumerate(COSTS)]
    printed(
        parameters["W1"],
        [[-0.65848169, 1.21866811], [-0.76204273, 1.39377573], [0.5792005, -1.10397703], [0.76773391, -1.41477129]],
    )
    printed(parameters["b1"], [[0.287592], [0.3511264], [-0.2431246], [-0.35772805]])
    printed(parameters["W2"], [[-2.45566237, -3.27042274, 2.00784958, 3.36773273]])
    printed(parameters["b2"], [[0.20459656]])


def test_planar_predict():
    # testCases_v2.py, predict_test_case: seed 1, X = randn(2, 3), the trained parameters above.
    # Notebook, Exercise 9 cell: Predictions: [[ True False  True]]; public_tests.py, predict_test.
    np.random.seed(1)
    X = np.random.randn(2, 3)
    predictions = planar.predict(TRAINED, X)
    assert str(predictions) == "[[ True False  True]]"


# ---------------------------------------------------------------------------------------------
# Week 4: Building your Deep Neural Network: Step by Step (testCases.py, public_tests.py)
# ---------------------------------------------------------------------------------------------


def _linear_activation_forward_test_case():
    np.random.seed(2)
    A_prev = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return A_prev, W, b


def _linear_activation_backward_test_case():
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z = np.random.randn(1, 2)
    return dA, ((A, W, b), Z)


def _L_model_backward_test_case():
    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1 = np.random.randn(4, 2)
    W1 = np.random.randn(3, 4)
    b1 = np.random.randn(3, 1)
    Z1 = np.random.randn(3, 2)
    A2 = np.random.randn(3, 2)
    W2 = np.random.randn(1, 3)
    b2 = np.random.randn(1, 1)
    Z2 = np.random.randn(1, 2)
    return AL, Y, (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))


def test_deep_initialize_parameters():
    # Step by Step, Exercise 1 cell: initialize_parameters(3, 2, 1) ->
    # W1 = [[ 0.01624345 -0.00611756 -0.00528172] [-0.01072969 0.00865408 -0.02301539]], b1 = [[0.] [0.]],
    # W2 = [[ 0.01744812 -0.00761207]], b2 = [[0.]]
    p = deep.initialize_parameters(3, 2, 1)
    printed(p["W1"], [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]])
    printed(p["W2"], [[0.01744812, -0.00761207]])
    np.testing.assert_array_equal(p["b1"], np.zeros((2, 1)))
    np.testing.assert_array_equal(p["b2"], np.zeros((1, 1)))
    # Application notebook's public_tests.py, initialize_parameters_test_2: (4, 3, 2).
    p = deep.initialize_parameters(4, 3, 2)
    printed(
        p["W1"],
        [
            [0.01624345, -0.00611756, -0.00528172, -0.01072969],
            [0.00865408, -0.02301539, 0.01744812, -0.00761207],
            [0.00319039, -0.0024937, 0.01462108, -0.02060141],
        ],
    )
    printed(p["W2"], [[-0.00322417, -0.00384054, 0.01133769], [-0.01099891, -0.00172428, -0.00877858]])


def test_deep_initialize_parameters_deep(cat_data):
    # fastnn's initialize_parameters_deep is the application's (dnn_app_utils_v3: seed 1,
    # randn / sqrt(n_{l-1})), not the Step by Step exercise's (seed 3, randn * 0.01). The
    # application prints its first cost for layers_dims = [12288, 20, 7, 5, 1] on the cat data:
    # "Cost after iteration 0: 0.7717493284237686" (also "Cost after first iteration: ...").
    train_x, train_y, _, _ = cat_data
    p = deep.initialize_parameters_deep([12288, 20, 7, 5, 1])
    assert [p[f"W{l}"].shape for l in range(1, 5)] == [(20, 12288), (7, 20), (5, 7), (1, 5)]
    for l, n in enumerate([20, 7, 5, 1], start=1):
        np.testing.assert_array_equal(p[f"b{l}"], np.zeros((n, 1)))
    AL, _ = deep.L_model_forward(train_x, p)
    full(deep.compute_cost(AL, train_y), 0.7717493284237686)


def test_deep_linear_forward():
    # testCases.py, linear_forward_test_case: seed 1, A = randn(3, 2), W = randn(1, 3), b = randn(1, 1).
    # Step by Step, Exercise 3 cell: Z = [[ 3.26295337 -1.23429987]]; public_tests.py: cache == (A, W, b).
    np.random.seed(1)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z, cache = deep.linear_forward(A, W, b)
    printed(Z, [[3.26295337, -1.23429987]])
    assert len(cache) == 3
    for got, want in zip(cache, (A, W, b), strict=True):
        np.testing.assert_array_equal(got, want)


def test_deep_linear_activation_forward():
    # testCases.py, linear_activation_forward_test_case (seed 2). Step by Step, Exercise 4 cell:
    # With sigmoid: A = [[0.96890023 0.11013289]]; With ReLU: A = [[3.43896131 0.        ]];
    # public_tests.py: cache = ((A_prev, W, b), Z) with Z = [[ 3.43896131, -2.08938436]].
    A_prev, W, b = _linear_activation_forward_test_case()
    A, cache = deep.linear_activation_forward(A_prev, W, b, activation="sigmoid")
    printed(A, [[0.96890023, 0.11013289]])
    (cached_A, cached_W, cached_b), Z = cache
    printed(Z, [[3.43896131, -2.08938436]])
    for got, want in zip((cached_A, cached_W, cached_b), (A_prev, W, b), strict=True):
        np.testing.assert_array_equal(got, want)
    A, cache = deep.linear_activation_forward(A_prev, W, b, activation="relu")
    printed(A, [[3.43896131, 0.0]])
    printed(cache[1], [[3.43896131, -2.08938436]])


def test_deep_sigmoid_and_relu_wrappers():
    # dnn_utils' sigmoid(Z) / relu(Z) return (A, cache = Z). On the Z of
    # linear_activation_forward_test_case, computed here the course's way (np.dot(W, A) + b):
    # public_tests.py's Z = [[ 3.43896131, -2.08938436]], and the Exercise 4 cell's A.
    A_prev, W, b = _linear_activation_forward_test_case()
    Z = np.dot(W, A_prev) + b
    printed(Z, [[3.43896131, -2.08938436]])
    A, cache = deep.sigmoid(Z)
    printed(A, [[0.96890023, 0.11013289]])
    assert cache is Z
    A, cache = deep.relu(Z)
    printed(A, [[3.43896131, 0.0]])
    assert cache is Z


def test_deep_sigmoid_backward_and_relu_backward():
    # testCases.py, linear_activation_backward_test_case (seed 2). The linear part is done here
    # the course's way (dA_prev = np.dot(W.T, dZ), db = np.sum(dZ, axis=1) / m) so that only
    # the wrappers are under test; Step by Step, Exercise 8 cell:
    # With sigmoid: dA_prev = [[ 0.11017994 0.01105339] [ 0.09466817 0.00949723] [-0.05743092 -0.00576154]],
    # db = [[-0.05729622]]; With relu: dA_prev = [[ 0.44090989 0.] [ 0.37883606 0.] [-0.2298228 0.]],
    # db = [[-0.20837892]]
    dA, ((A, W, b), Z) = _linear_activation_backward_test_case()
    m = A.shape[1]
    dZ = deep.sigmoid_backward(dA, Z)
    printed(np.dot(W.T, dZ), [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]])
    printed(np.sum(dZ, axis=1, keepdims=True) / m, [[-0.05729622]])
    printed(np.dot(dZ, A.T) / m, [[0.10266786, 0.09778551, -0.01968084]])
    dZ = deep.relu_backward(dA, Z)
    printed(np.dot(W.T, dZ), [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]])
    printed(np.sum(dZ, axis=1, keepdims=True) / m, [[-0.20837892]])
    printed(np.dot(dZ, A.T) / m, [[0.44513824, 0.37371418, -0.10478989]])


def test_deep_L_model_forward():
    # testCases.py, L_model_forward_test_case_2hidden: seed 6, X = randn(5, 4), then W1, b1, W2, b2, W3, b3.
    np.random.seed(6)
    X = np.random.randn(5, 4)
    parameters = {}
    for key, shape in [("W1", (4, 5)), ("b1", (4, 1)), ("W2", (3, 4)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]:
        parameters[key] = np.random.randn(*shape)
    AL, caches = deep.L_model_forward(X, parameters)
    # Step by Step, Exercise 5 cell: AL = [[0.03921668 0.70498921 0.19734387 0.04728177]]
    printed(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]])
    # public_tests.py, L_model_forward_test: three caches ((A_prev, W, b), Z).
    assert len(caches) == 3
    printed(
        caches[0][1],
        [
            [-5.23825714, 3.18040136, 0.4074501, -1.88612721],
            [-2.77358234, -0.56177316, 3.18141623, -0.99209432],
            [4.18500916, -1.78006909, -0.14502619, 2.72141638],
            [5.05850802, -1.25674082, -3.54566654, 3.82321852],
        ],
    )
    printed(
        caches[1][0][0],
        [
            [0.0, 3.18040136, 0.4074501, 0.0],
            [0.0, 0.0, 3.18141623, 0.0],
            [4.18500916, 0.0, 0.0, 2.72141638],
            [5.05850802, 0.0, 0.0, 3.82321852],
        ],
    )
    printed(
        caches[1][1],
        [
            [2.2644603, 1.09971298, -2.90298027, 1.54036335],
            [6.33722569, -2.38116246, -4.11228806, 4.48582383],
            [10.37508342, -0.66591468, 1.63635185, 8.17870169],
        ],
    )
    printed(
        caches[2][0][0],
        [
            [2.2644603, 1.09971298, 0.0, 1.54036335],
            [6.33722569, 0.0, 0.0, 4.48582383],
            [10.37508342, 0.0, 1.63635185, 8.17870169],
        ],
    )
    printed(caches[2][1], [[-3.19864676, 0.87117055, -1.40297864, -3.00319435]])


def test_deep_compute_cost():
    # testCases.py, compute_cost_test_case: Y = [[1, 1, 0]], AL = [[.8, .9, 0.4]].
    # Step by Step, Exercise 6: expected cost 0.2797765635793422 (the run prints ...423).
    cost = deep.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.asarray([[1, 1, 0]]))
    assert np.shape(cost) == ()
    full(cost, 0.2797765635793422)


def test_deep_linear_backward():
    # testCases.py, linear_backward_test_case: seed 1, dZ = randn(3, 4), A = randn(5, 4),
    # W = randn(3, 5), b = randn(3, 1). Step by Step, Exercise 7 cell.
    np.random.seed(1)
    dZ = np.random.randn(3, 4)
    A = np.random.randn(5, 4)
    W = np.random.randn(3, 5)
    b = np.random.randn(3, 1)
    dA_prev, dW, db = deep.linear_backward(dZ, (A, W, b))
    printed(
        dA_prev,
        [
            [-1.15171336, 0.06718465, -0.3204696, 2.09812712],
            [0.60345879, -3.72508701, 5.81700741, -3.84326836],
            [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
            [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
            [-2.52214926, 2.67882552, -0.67947465, 1.48119548],
        ],
    )
    printed(
        dW,
        [
            [0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
            [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
            [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907],
        ],
    )
    printed(db, [[-0.14713786], [-0.11313155], [-0.13209101]])


def test_deep_linear_activation_backward():
    # testCases.py, linear_activation_backward_test_case (seed 2). Step by Step, Exercise 8 cell.
    dA, cache = _linear_activation_backward_test_case()
    dA_prev, dW, db = deep.linear_activation_backward(dA, cache, activation="sigmoid")
    printed(dA_prev, [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]])
    printed(dW, [[0.10266786, 0.09778551, -0.01968084]])
    printed(db, [[-0.05729622]])
    dA_prev, dW, db = deep.linear_activation_backward(dA, cache, activation="relu")
    printed(dA_prev, [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]])
    printed(dW, [[0.44513824, 0.37371418, -0.10478989]])
    printed(db, [[-0.20837892]])


def test_deep_L_model_backward():
    # testCases.py, L_model_backward_test_case (seed 3). Step by Step, Exercise 9 cell prints
    # dA0, dA1, dW1, dW2, db1, db2.
    #
    # fastnn starts the backward pass from the fused dZL = AL - Y (documented in
    # fastnn.course.deep), which equals the course's dAL * sigmoid'(ZL) only when AL is
    # sigmoid(ZL) of the cache. This test case draws AL and ZL independently (AL is even
    # outside (0, 1)), so the course's output gradient is computed here, by the course's
    # formula, and handed to fastnn as AL' = Y + dZL: everything after the output unit (the
    # linear part of layer 2, the ReLU layer, the dA/dW/db bookkeeping) meets the published values.
    AL, Y, caches = _L_model_backward_test_case()
    ZL = caches[-1][1]
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    s = 1 / (1 + np.exp(-ZL))
    dZL = dAL * s * (1 - s)
    grads = deep.L_model_backward(Y + dZL, Y, caches)
    printed(grads["dA0"], [[0.0, 0.52257901], [0.0, -0.3269206], [0.0, -0.32070404], [0.0, -0.74079187]])
    printed(grads["dA1"], [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]])
    printed(
        grads["dW1"],
        [
            [0.41010002, 0.07807203, 0.13798444, 0.10502167],
            [0.0, 0.0, 0.0, 0.0],
            [0.05283652, 0.01005865, 0.01777766, 0.0135308],
        ],
    )
    printed(grads["dW2"], [[-0.39202432, -0.13325855, -0.04601089]])
    printed(grads["db1"], [[-0.22007063], [0.0], [-0.02835349]])
    printed(grads["db2"], [[0.15187861]])


def test_deep_update_parameters():
    # testCases.py, update_parameters_test_case: seed 2 for W1 (3, 4), b1, W2 (1, 3), b2; seed 3 for
    # the gradients. Step by Step, Exercise 10 cell, learning rate 0.1.
    np.random.seed(2)
    params = {
        "W1": np.random.randn(3, 4),
        "b1": np.random.randn(3, 1),
        "W2": np.random.randn(1, 3),
        "b2": np.random.randn(1, 1),
    }
    np.random.seed(3)
    grads = {
        "dW1": np.random.randn(3, 4),
        "db1": np.random.randn(3, 1),
        "dW2": np.random.randn(1, 3),
        "db2": np.random.randn(1, 1),
    }
    p = deep.update_parameters(params, grads, 0.1)
    printed(
        p["W1"],
        [
            [-0.59562069, -0.09991781, -2.14584584, 1.82662008],
            [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
            [-1.0535704, -0.86128581, 0.68284052, 2.20374577],
        ],
    )
    printed(p["b1"], [[-0.04659241], [-1.28888275], [0.53405496]])
    printed(p["W2"], [[-0.55569196, 0.0354055, 1.32964895]])
    printed(p["b2"], [[-0.84610769]])


# ---------------------------------------------------------------------------------------------
# Week 4: Deep Neural Network - Application (public_tests.py, L_layer_model_test)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_deep_L_layer_model_public_test(backend):
    # public_tests.py, L_layer_model_test: seed 1, X = randn(10, 10), layers_dims (10, 5, 6, 1).
    # The published costs list is [0.70723944] for 2 and for 3 iterations: the course appends
    # a cost only at i % 100 == 0 (its "or i == num_iterations" never holds inside the loop).
    np.random.seed(1)
    X = np.random.randn(10, 10)
    Y = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 0]).reshape(1, 10)

    parameters, costs = deep.L_layer_model(X, Y, (10, 5, 6, 1), 0.0075, 2, backend=backend)
    assert len(costs) == 1
    printed(costs[0], 0.70723944)
    printed(
        parameters["W1"],
        [
            [
                0.51384638,
                -0.19333098,
                -0.16705238,
                -0.33923196,
                0.273477,
                -0.72775498,
                0.55170785,
                -0.24077478,
                0.10082452,
                -0.07882423,
            ],
            [
                0.46227786,
                -0.65153639,
                -0.10192959,
                -0.12150984,
                0.35855025,
                -0.34787253,
                -0.05455001,
                -0.27767163,
                0.01337835,
                0.1843845,
            ],
            [
                -0.34790478,
                0.36200264,
                0.28511245,
                0.15868454,
                0.284931,
                -0.21645471,
                -0.03877896,
                -0.29584578,
                -0.08480802,
                0.16760667,
            ],
            [
                -0.21835973,
                -0.12531366,
                -0.21720823,
                -0.26764975,
                -0.21214946,
                -0.00438229,
                -0.35316347,
                0.07432144,
                0.52474685,
                0.23453653,
            ],
            [
                -0.06060968,
                -0.28061463,
                -0.23624839,
                0.53526844,
                0.01597194,
                -0.20136496,
                0.06021639,
                0.66414167,
                0.03804666,
                0.19528599,
            ],
        ],
    )
    printed_sci(
        parameters["b1"], [[-2.16491028e-04], [1.50999130e-04], [8.71516045e-06], [5.57557615e-05], [-2.90746349e-05]]
    )
    printed(
        parameters["W2"],
        [
            [0.13428358, -0.15747685, -0.51095667, -0.15624083, -0.09342034],
            [0.26226685, 0.3751336, 0.41644174, 0.12779375, 0.39573817],
            [-0.33726917, 0.56041154, 0.22939257, -0.1333337, 0.21851314],
            [-0.03377599, 0.50617255, 0.67960046, 0.97726521, -0.62458844],
            [-0.64581803, -0.22559264, 0.0715349, 0.39173682, 0.14112904],
            [-0.9043503, -0.13693179, 0.37026002, 0.10284282, 0.34076545],
        ],
    )
    printed_sci(
        parameters["b2"],
        [
            [1.80215514e-07],
            [-1.07935097e-04],
            [1.63081605e-04],
            [-3.51202008e-05],
            [-7.40012619e-05],
            [-4.43814901e-05],
        ],
    )
    printed(parameters["W3"], [[-0.09079199, -0.08117381, 0.07667568, 0.16665535, 0.08029575, 0.04805811]])
    printed(parameters["b3"], [[0.0013201]])

    parameters, costs = deep.L_layer_model(X, Y, (10, 5, 6, 1), 0.02, 3, backend=backend)
    assert len(costs) == 1
    printed(costs[0], 0.70723944)
    printed(
        parameters["W1"],
        [
            [
                0.51439065,
                -0.19296367,
                -0.16714033,
                -0.33902173,
                0.27291558,
                -0.72759069,
                0.55155832,
                -0.24095201,
                0.10063293,
                -0.07872596,
            ],
            [
                0.46203186,
                -0.65172685,
                -0.10184775,
                -0.12169458,
                0.35861847,
                -0.34804029,
                -0.05461748,
                -0.27787524,
                0.01346693,
                0.18463095,
            ],
            [
                -0.34748255,
                0.36202977,
                0.28512463,
                0.1580327,
                0.28509518,
                -0.21717447,
                -0.03853304,
                -0.29563725,
                -0.08509025,
                0.16728901,
            ],
            [
                -0.21727997,
                -0.12486465,
                -0.21692552,
                -0.26875722,
                -0.21180188,
                -0.00550575,
                -0.35268367,
                0.07489501,
                0.52436384,
                0.23418418,
            ],
            [
                -0.06045008,
                -0.28038304,
                -0.23617868,
                0.53546925,
                0.01569291,
                -0.20115358,
                0.05975429,
                0.66409149,
                0.03819309,
                0.1956102,
            ],
        ],
    )
    printed_sci(
        parameters["b1"], [[-8.61228305e-04], [6.08187689e-04], [3.53075377e-05], [2.21291877e-04], [-1.13591429e-04]]
    )
    printed(
        parameters["W2"],
        [
            [0.13441428, -0.15731437, -0.51097778, -0.15627102, -0.09342034],
            [0.2620349, 0.37492336, 0.4165605, 0.12801536, 0.39541677],
            [-0.33694339, 0.56075022, 0.22940292, -0.1334017, 0.21863717],
            [-0.03371679, 0.50644769, 0.67935577, 0.97680859, -0.62475679],
            [-0.64579072, -0.22555897, 0.07142896, 0.3914475, 0.14104814],
            [-0.90433399, -0.13691167, 0.37019673, 0.10266999, 0.34071712],
        ],
    )
    printed_sci(
        parameters["b2"],
        [
            [1.18811550e-06],
            [-4.25510194e-04],
            [6.56178455e-04],
            [-1.42335482e-04],
            [-2.93618626e-04],
            [-1.75573157e-04],
        ],
    )
    printed(parameters["W3"], [[-0.09087434, -0.07882982, 0.07821609, 0.16442826, 0.0783229, 0.04648216]])
    printed(parameters["b3"], [[0.00525865]])
