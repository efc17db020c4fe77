"""``fastnn.course.optimization`` against Course II's "Optimization Methods" notebook (2021
edition, with learning-rate decay; ``opt_utils_v1a.py``, ``testCases.py``, ``public_tests.py``).

Tolerances: arrays printed with 8 decimals to half the last digit (``5e-9``); the notebook's
``%f`` lines (``Cost after epoch 1000: 0.668101``) are compared as exact strings: fastnn's
costs agree with the notebook's arithmetic to about 1e-15, so their 6-decimal roundings agree
unless a value lies within 1e-15 of a rounding boundary, and none does; ``Accuracy:`` lines
(``str`` of a fraction of 300) exactly. numba against the numpy reference: 1e-12.

All seven training runs of the notebook are pinned on both backends at full length (5,000
epochs of 5 mini-batches; about 0.2 s each on numba, 4 s on numpy).
"""

from __future__ import annotations

import io
import math
from contextlib import redirect_stdout

import numpy as np
import pytest

from fastnn import _driver
from fastnn.course import optimization as opt
from fastnn.datasets import load_moons
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


# ---- public_tests.py / testCases.py of the 2021 edition -----------------------------------------


def gd_case():
    np.random.seed(1)
    W1, b1, W2, b2 = np.random.randn(2, 3), np.random.randn(2, 1), np.random.randn(3, 2), np.random.randn(3, 1)
    dW1, db1, dW2, db2 = np.random.randn(2, 3), np.random.randn(2, 1), np.random.randn(3, 2), np.random.randn(3, 1)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def test_update_parameters_with_gd():
    # update_parameters_with_gd_test (learning_rate 0.01); the notebook cell prints the same arrays.
    parameters, grads = gd_case()
    saved = {k: v.copy() for k, v in parameters.items()}
    new = opt.update_parameters_with_gd(parameters, grads, 0.01)
    printed(new["W1"], [[1.63312395, -0.61217855, -0.5339999], [-1.06196243, 0.85396039, -2.3105546]])
    printed(new["b1"], [[1.73978682], [-0.77021546]])
    printed(new["W2"], [[0.32587637, -0.24814147], [1.47146563, -2.05746183], [-0.32772076, -0.37713775]])
    printed(new["b2"], [[1.13773698], [-1.09301954], [-0.16397615]])
    assert all(np.array_equal(parameters[k], saved[k]) for k in saved)


def test_random_mini_batches_public_test():
    # random_mini_batches_test: seed 1, X randn(5, 7), Y randn(1, 7) < 0.5, batches of 2, seed 0.
    np.random.seed(1)
    X = np.random.randn(5, 7)
    Y = np.random.randn(1, 7) < 0.5
    batches = opt.random_mini_batches(X, Y, 2)
    expected_X = [
        [[1.74481176, -0.52817175], [-0.38405435, -0.24937038], [-1.10061918, -0.17242821],
         [-0.93576943, 0.50249434], [-0.67124613, -0.69166075]],
        [[-0.61175641, -1.07296862], [0.3190391, 1.46210794], [-1.09989127, -0.87785842],
         [0.90159072, 0.90085595], [0.53035547, -0.39675353]],
        [[1.62434536, -2.3015387], [-0.7612069, -0.3224172], [1.13376944, 0.58281521],
         [1.14472371, -0.12289023], [-0.26788808, -0.84520564]],
        [[0.86540763], [-2.06014071], [0.04221375], [-0.68372786], [-0.6871727]],
    ]  # fmt: skip
    expected_Y = [[[True, True]], [[True, False]], [[True, True]], [[False]]]
    assert len(batches) == 4
    for (bx, by), ex, ey in zip(batches, expected_X, expected_Y, strict=True):
        printed(bx, ex)
        assert by.dtype == bool and np.array_equal(by, ey)


def test_random_mini_batches_notebook_cell():
    # The notebook's own check: 148 examples of 12288 features, batches of 64, default seed 0.
    np.random.seed(1)
    nx, m = 12288, 148
    X = np.array([x for x in range(nx * m)]).reshape((m, nx)).T
    Y = np.random.randn(1, m) < 0.5
    batches = opt.random_mini_batches(X, Y, 64)
    assert [b[0].shape for b in batches] == [(nx, 64), (nx, 64), (nx, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    assert np.array_equal(batches[0][0][0][0:3], [294912, 86016, 454656])
    assert np.array_equal(batches[-1][0][-1][0:3], [1425407, 1769471, 897023])


def test_initialize_velocity_and_adam():
    # initialize_velocity_test_case (W1 (3, 2), W2 (3, 3)); initialize_adam_test_case (W1 (2, 3), W2 (3, 2)).
    np.random.seed(1)
    p = {
        "W1": np.random.randn(3, 2),
        "b1": np.random.randn(3, 1),
        "W2": np.random.randn(3, 3),
        "b2": np.random.randn(3, 1),
    }
    v = opt.initialize_velocity(p)
    assert {k: (a.shape, a.any()) for k, a in v.items()} == {
        "dW1": ((3, 2), False), "db1": ((3, 1), False), "dW2": ((3, 3), False), "db2": ((3, 1), False)
    }  # fmt: skip
    parameters, _ = gd_case()
    v, s = opt.initialize_adam(parameters)
    for moments in (v, s):
        assert {k: a.shape for k, a in moments.items()} == {"dW1": (2, 3), "db1": (2, 1), "dW2": (3, 2), "db2": (3, 1)}
        assert not any(a.any() for a in moments.values())


def test_update_parameters_with_momentum():
    # update_parameters_with_momentum_test: beta 0.9, learning_rate 0.01, zero velocities.
    parameters, grads = gd_case()
    v = opt.initialize_velocity(parameters)
    new, v = opt.update_parameters_with_momentum(parameters, grads, v, beta=0.9, learning_rate=0.01)
    printed(new["W1"], [[1.62522322, -0.61179863, -0.52875457], [-1.071868, 0.86426291, -2.30244029]])
    printed(new["b1"], [[1.74430927], [-0.76210776]])
    printed(new["W2"], [[0.31972282, -0.24924749], [1.46304371, -2.05987282], [-0.32294756, -0.38336269]])
    printed(new["b2"], [[1.1341662], [-1.09920409], [-0.171583]])
    printed(v["dW1"], [[-0.08778584, 0.00422137, 0.05828152], [-0.11006192, 0.11447237, 0.09015907]])
    printed(v["dW2"], [[-0.06837279, -0.01228902], [-0.09357694, -0.02678881], [0.05303555, -0.06916608]])
    printed(v["db1"], [[0.05024943], [0.09008559]])
    printed(v["db2"], [[-0.03967535], [-0.06871727], [-0.08452056]])


def test_update_parameters_with_adam():
    # update_parameters_with_adam_test_case: t = 2, learning_rate 0.02, beta1 0.8, beta2 0.888,
    # epsilon 1e-2; public_tests.py checks the first row of each array, the notebook's
    # "Expected values" cell prints the whole parameters.
    parameters, grads = gd_case()
    vi, si = opt.initialize_adam(parameters)
    t, beta1, beta2 = 2, 0.8, 0.888
    new, v, s, vc, sc = opt.update_parameters_with_adam(parameters, grads, vi, si, t, 0.02, beta1, beta2, 1e-2)
    expected_v = {"dW1": [-0.17557168, 0.00844275, 0.11656304], "dW2": [-0.13674557, -0.02457805],
                  "db1": [0.10049887], "db2": [-0.07935071]}  # fmt: skip
    expected_s = {"dW1": [0.08631117, 0.00019958, 0.03804344], "dW2": [0.05235818, 0.00169142],
                  "db1": [0.02828006], "db2": [0.0176303]}  # fmt: skip
    c1, c2 = 1 / (1 - beta1**t), 1 / (1 - beta2**t)
    for key in expected_v:
        printed(v[key][0], expected_v[key])
        printed(s[key][0], expected_s[key])
        np.testing.assert_allclose(vc[key], v[key] * c1, rtol=1e-15)
        np.testing.assert_allclose(sc[key], s[key] * c2, rtol=1e-15)
    printed(new["W1"], [[1.63937725, -0.62327448, -0.54308727], [-1.0578897, 0.85032154, -2.31657668]])
    printed(new["W2"], [[0.33400549, -0.23563857], [1.47715417, -2.04561842], [-0.33729882, -0.36908457]])
    printed(new["b1"], [[1.72995096], [-0.7762447]])
    printed(new["b2"], [[1.14852557], [-1.08492339], [-0.15740527]])
    assert not any(a.any() for a in vi.values())  # the caller's moments are left as they were


def test_learning_rate_decay():
    # update_lr_test and the notebook cell: update_lr(0.5, 2, 1) prints 0.16666666666666666.
    assert opt.update_lr(0.5, 2, 1) == pytest.approx(0.16666666666666666, rel=1e-15)
    # schedule_lr_decay_test (expected_output 0.085714285 is written truncated; np.isclose there).
    assert opt.schedule_lr_decay(0.5, 100, 1, 100) == 0.25
    assert opt.schedule_lr_decay(0.5, 10, 1, 100) == 0.5
    assert opt.schedule_lr_decay(0.3, 1000, 0.25, 100) == pytest.approx(0.085714285, abs=1e-9)
    assert opt.schedule_lr_decay(0.3, 100, 0.25, 100) == pytest.approx(0.24, rel=1e-15)
    # The notebook's "Expected output": 0.5 after 10 epochs, 0.3846153846153846 after 100.
    assert opt.schedule_lr_decay(0.5, 10, 0.3, 100) == 0.5
    assert opt.schedule_lr_decay(0.5, 100, 0.3, 100) == pytest.approx(0.3846153846153846, rel=1e-15)


# ---- the seven training runs: the notebook's printed tables -------------------------------------

G = ["Cost after epoch 0: 0.702405", "Cost after epoch 1000: 0.668101", "Cost after epoch 2000: 0.635288",
     "Cost after epoch 3000: 0.600491", "Cost after epoch 4000: 0.573367"]  # fmt: skip
M = ["Cost after epoch 0: 0.702413", "Cost after epoch 1000: 0.668167", "Cost after epoch 2000: 0.635388",
     "Cost after epoch 3000: 0.600591", "Cost after epoch 4000: 0.573444"]  # fmt: skip
A = ["Cost after epoch 0: 0.702166", "Cost after epoch 1000: 0.167845", "Cost after epoch 2000: 0.141316",
     "Cost after epoch 3000: 0.138788", "Cost after epoch 4000: 0.136066"]  # fmt: skip


def decayed(costs, rates):
    lines = []
    for i, (c, r) in enumerate(zip(costs, rates, strict=True)):
        lines += [f"Cost after epoch {1000 * i}: {c}", f"learning rate after epoch {1000 * i}: {r}"]
    return lines


STEP_RATES = ["0.100000", "0.050000", "0.033333", "0.025000", "0.020000"]

# (notebook section, model keyword arguments, printed cost lines, Accuracy line)
RUNS = {
    "6.1 gd": (dict(optimizer="gd"), G, "0.7166666666666667"),
    "6.2 momentum": (dict(beta=0.9, optimizer="momentum"), M, "0.7166666666666667"),
    "6.3 adam": (dict(optimizer="adam"), A, "0.9433333333333334"),
    "7.1 gd update_lr": (
        dict(optimizer="gd", learning_rate=0.1, decay=opt.update_lr),
        decayed(["0.701091", "0.661884", "0.658620", "0.656765", "0.655486"],
                ["0.100000", "0.000100", "0.000050", "0.000033", "0.000025"]),
        "0.6533333333333333",
    ),
    "7.3.1 gd schedule": (
        dict(optimizer="gd", learning_rate=0.1, decay=opt.schedule_lr_decay),
        decayed(["0.701091", "0.127161", "0.120304", "0.117033", "0.117512"], STEP_RATES),
        "0.9433333333333334",
    ),
    "7.3.2 momentum schedule": (
        dict(optimizer="momentum", learning_rate=0.1, decay=opt.schedule_lr_decay),
        decayed(["0.702226", "0.128974", "0.125965", "0.123375", "0.123218"], STEP_RATES),
        "0.9533333333333334",
    ),
    "7.3.3 adam schedule": (
        dict(optimizer="adam", learning_rate=0.01, decay=opt.schedule_lr_decay),
        decayed(["0.699346", "0.130074", "0.129826", "0.129282", "0.128361"],
                ["0.010000", "0.005000", "0.003333", "0.002500", "0.002000"]),
        "0.94",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def moons():
    return load_moons()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", RUNS)
def test_model_published(name, backend, moons):
    X, Y = moons
    kwargs, lines, accuracy = RUNS[name]
    parameters, got = run(opt.model, X, Y, [X.shape[0], 5, 2, 1], backend=backend, **kwargs)
    assert got == lines
    _, acc = run(opt.predict, X, Y, parameters)
    assert acc == [f"Accuracy: {accuracy}"]


@pytest.mark.parametrize("name", RUNS)
def test_backends_agree(name, moons):
    """numba against the numpy reference, every epoch's cost and the final parameters, 1e-12,
    over 1002 epochs (epoch 1001 is the first that schedule_lr_decay slows)."""
    X, Y = moons
    kwargs = dict(RUNS[name][0])
    spec = TrainingSpec(
        [2, 5, 2, 1],
        optimizer=kwargs.get("optimizer"),
        learning_rate=kwargs.get("learning_rate", 0.0007),
        batch_size=64,
        shuffle_seed=opt.FIRST_SHUFFLE_SEED,
        decay={None: None, opt.update_lr: "inverse", opt.schedule_lr_decay: "step"}[kwargs.get("decay")],
    )
    p0 = opt.initialize_parameters([2, 5, 2, 1])
    ref_params, ref_costs = _driver.run(X, Y, p0, spec, 1002, "numpy")
    comp_params, comp_costs = _driver.run(X, Y, p0, spec, 1002, "numba")
    np.testing.assert_allclose(comp_costs, ref_costs, rtol=1e-12)
    for key, value in ref_params.items():
        np.testing.assert_allclose(comp_params[key], value, rtol=1e-12, atol=1e-12 * np.max(np.abs(value)))


def test_learners_own_decay_function(moons):
    """A learner's own update_lr (the notebook's form, rounding differently) is recognised;
    a schedule the engine does not run is a ValueError naming it."""
    X, Y = moons

    def my_update_lr(learning_rate0, epoch_num, decay_rate):
        return 1 / (1 + decay_rate * epoch_num) * learning_rate0

    def my_schedule(learning_rate0, epoch_num, decay_rate, time_interval=1000):
        return 1 / (1 + decay_rate * np.floor(epoch_num / time_interval)) * learning_rate0

    for mine, theirs in ((my_update_lr, opt.update_lr), (my_schedule, opt.schedule_lr_decay)):
        a, la = run(opt.model, X, Y, [2, 5, 2, 1], "gd", 0.1, num_epochs=1001, decay=mine)
        b, lb = run(opt.model, X, Y, [2, 5, 2, 1], "gd", 0.1, num_epochs=1001, decay=theirs)
        assert la == lb and all(np.array_equal(a[k], b[k]) for k in a)

    def exponential(learning_rate0, epoch_num, decay_rate):
        return learning_rate0 * 0.95**epoch_num

    with pytest.raises(ValueError, match="exponential"):
        opt.model(X, Y, [2, 5, 2, 1], "gd", num_epochs=10, decay=exponential)


def test_helpers(moons):
    X, Y = moons
    p = opt.initialize_parameters([2, 5, 2, 1])
    np.random.seed(3)
    for l, (n, n_prev) in enumerate([(5, 2), (2, 5), (1, 2)], start=1):
        assert np.array_equal(p[f"W{l}"], np.random.randn(n, n_prev) * np.sqrt(2 / n_prev))
    a3, cache = opt.forward_propagation(X, p)
    # compute_cost is the batch's SUM (opt_utils_v1a); model divides by m once per epoch.
    naive = np.sum(np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y))
    assert opt.compute_cost(a3, Y) == pytest.approx(naive, rel=1e-14)
    grads = opt.backward_propagation(X, Y, cache)
    assert {k: grads[k].shape for k in ("dW1", "db1", "dW3")} == {"dW1": (5, 2), "db1": (5, 1), "dW3": (1, 2)}


def test_bad_input_inputs_untouched_global_rng(moons):
    X, Y = moons
    X0, Y0 = X.copy(), Y.copy()
    np.random.seed(5)
    state = np.random.get_state()[1].copy()
    with redirect_stdout(io.StringIO()):
        opt.model(X, Y, [2, 5, 2, 1], "adam", num_epochs=3)
        opt.random_mini_batches(X, Y, 64, seed=3)
        opt.initialize_parameters([2, 5, 2, 1])
    assert np.array_equal(np.random.get_state()[1], state)
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)
    with pytest.raises(ValueError, match="optimizer"):
        opt.model(X, Y, [2, 5, 2, 1], "rmsprop", num_epochs=1)
    with pytest.raises(ValueError, match="layer_dims"):
        opt.model(X, Y, [3, 5, 2, 1], "gd", num_epochs=1)
    with pytest.raises(ValueError, match="layer_dims"):
        opt.model(X, Y, [2, 5, 2, 2], "gd", num_epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        opt.model(X, Y, [2, 5, 2, 1], "gd", mini_batch_size=0, num_epochs=1)
    with pytest.raises(ValueError, match="beta"):
        opt.model(X, Y, [2, 5, 2, 1], "momentum", beta=1.5, num_epochs=1)
    with pytest.raises(TypeError, match="decay"):
        opt.model(X, Y, [2, 5, 2, 1], "gd", decay="step", num_epochs=1)
    with pytest.raises(ValueError, match="0 and 1"):
        opt.model(X, Y * 3, [2, 5, 2, 1], "gd", num_epochs=1)
    with pytest.raises(ValueError, match="Y must have shape"):
        opt.random_mini_batches(X, Y[:, :10])
    with pytest.raises(ValueError, match="mini_batch_size"):
        opt.random_mini_batches(X, Y, 2.5)
    with pytest.raises(ValueError, match="seed"):
        opt.random_mini_batches(X, Y, 64, seed=-1)
    parameters, grads = gd_case()
    v, s = opt.initialize_adam(parameters)
    with pytest.raises(ValueError, match="t "):
        opt.update_parameters_with_adam(parameters, grads, v, s, 0)
    with pytest.raises(ValueError, match="v has no dW2"):
        opt.update_parameters_with_momentum(parameters, grads, {"dW1": v["dW1"], "db1": v["db1"]}, 0.9, 0.01)
    with pytest.raises(ValueError, match="dW1 has shape"):
        opt.update_parameters_with_gd(parameters, dict(grads, dW1=grads["dW1"].T), 0.01)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.update_lr(0, 1, 1)
    with pytest.raises(ValueError, match="time_interval"):
        opt.schedule_lr_decay(0.1, 1, 1, 0)
    assert math.isfinite(opt.update_lr(0.1, 10, 0.5))
