"""Gram mode of the generic loop (:mod:`fastnn.kernels.gram`): full-batch runs with a linear
optimizer step (gradient descent, the course's momentum, scikit-learn's classical and
Nesterov momentum), any head, L2, dropout and decay, against the reference's
``train_epochs`` at the generic loop's bounds (``tests.test_training_parity.compare``:
float64 1e-12, float32 1e-5), on more features than examples (where the mode pays) and on
the opposite shape; resuming is bit for bit; where the mode is not exact it is refused
when forced and passed over by ``"auto"``.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn
from fastnn.kernels.gram import LINEAR_OPTIMIZERS
from fastnn.kernels.training import EpochTrainer
from fastnn.reference import initialize_parameters
from fastnn.spec import TrainingSpec
from tests.test_training_parity import HEAD_CASES, compare, problem


def spec_of(dims, dtype=np.float64, **kwargs):
    kwargs = {"hidden_activation": "relu", "learning_rate": 0.05, **kwargs}
    return TrainingSpec(tuple(dims), dtype=np.dtype(dtype).name, **kwargs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", LINEAR_OPTIMIZERS)
@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_heads_and_linear_optimizers_with_l2(loss, K, optimizer, dtype):
    X, Y = problem(loss, K, n_x=40, m=23, dtype=dtype)
    spec = spec_of((40, 5, 4, K), dtype, loss=loss, optimizer=optimizer, l2=0.3)
    compare(spec, X, Y, 12, chunks=[5, 7], mode="gram")


@pytest.mark.parametrize(
    "dims, extra",
    [
        ((40, 6, 1), {"hidden_activation": "tanh"}),  # dZ1 dense: the product goes to BLAS
        ((40, 6, 3, 1), {"hidden_activation": "sigmoid", "decay": "step", "decay_rate": 0.5, "decay_interval": 3}),
        ((40, 6, 3, 1), {"keep_prob": 0.8, "optimizer": "momentum"}),
        ((40, 6, 3, 1), {"keep_prob": 0.7, "dropout_stream": "course"}),
        ((40, 1), {"l2": 0.5, "optimizer": "momentum"}),  # one layer: the head right on P
        ((40, 7, 1), {"decay": "inverse", "decay_rate": 0.3, "l2": 0.2, "optimizer": "sklearn_nesterov"}),
        ((6, 5, 2), {"loss": "squared_error", "l2": 0.1}),  # more examples than features
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_dropout_decay_and_shapes(dims, extra, dtype):
    loss = extra.get("loss", "binary_crossentropy")
    X, Y = problem(loss, dims[-1], n_x=dims[0], m=23 if dims[0] > 23 else 53, dtype=dtype)
    compare(spec_of(dims, dtype, **extra), X, Y, 10, mode="gram")


def test_resume_is_bit_for_bit():
    X, Y = problem("categorical_crossentropy", 3, n_x=40, m=23)
    spec = spec_of((40, 5, 3), loss="categorical_crossentropy", optimizer="momentum", l2=0.2, decay="inverse")
    params = initialize_parameters([40, 5, 3], "he", 2, X.dtype)
    straight = EpochTrainer(X, Y, params, spec, mode="gram")
    costs = straight.run(9)
    first = EpochTrainer(X, Y, params, spec, mode="gram")
    first.run(4)
    state = first.state()
    assert {"gram_Q", "gram_qc", "v_W1"} <= set(state)
    np.testing.assert_array_equal(state["W1"], params["W1"])  # the stored W1 is the starting one
    again = EpochTrainer.restore(X, Y, state, spec)
    assert again.mode == "gram"
    np.testing.assert_array_equal(again.run(5), costs[4:])
    for key, value in straight.parameters().items():
        np.testing.assert_array_equal(again.parameters()[key], value)


def test_train_checkpoint_resumes_in_gram_mode(tmp_path):
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((300, 40)), (rng.random((1, 40)) < 0.5).astype(float)
    kw = {"optimizer": "momentum", "l2": 0.4, "learning_rate": 0.05}
    straight = fastnn.train(X, Y, [300, 5, 1], num_iterations=30, mode="gram", **kw)
    fastnn.train(X, Y, [300, 5, 1], num_iterations=12, mode="gram", checkpoint=tmp_path / "c.npz", **kw)
    resumed = fastnn.train(X, Y, [300, 5, 1], num_iterations=30, resume=tmp_path / "c.npz", **kw)
    np.testing.assert_array_equal(resumed.costs, straight.costs)
    for key, value in straight.parameters.items():
        np.testing.assert_array_equal(resumed.parameters[key], value)
    with pytest.raises(ValueError, match="made in mode='gram', this run asks for mode='standard'"):
        fastnn.train(X, Y, [300, 5, 1], num_iterations=30, resume=tmp_path / "c.npz", mode="standard", **kw)


def test_auto_chooses_gram_where_exact_and_cheaper():
    X, Y = problem("binary_crossentropy", 1, n_x=400, m=30)
    params = initialize_parameters([400, 8, 1], "he", 1, X.dtype)
    for spec, expected in [
        (spec_of((400, 8, 1), optimizer="momentum", l2=0.1), "gram"),
        (spec_of((400, 8, 1), optimizer="adam"), "standard"),  # not exact
        (spec_of((400, 8, 1), optimizer="gd", batch_size=10), "standard"),  # not exact
    ]:
        assert EpochTrainer(X, Y, params, spec, mode="auto", expected_iterations=100).mode == expected
    X, Y = problem("binary_crossentropy", 1, n_x=4, m=300)  # more examples than features: standard
    params = initialize_parameters([4, 8, 1], "he", 1, X.dtype)
    assert EpochTrainer(X, Y, params, spec_of((4, 8, 1), optimizer="momentum"), mode="auto").mode == "standard"


@pytest.mark.parametrize(
    "extra, why",
    [
        ({"optimizer": "adam"}, "optimizer='adam' is not linear in the gradient"),
        ({"optimizer": "sklearn_adam"}, "optimizer='sklearn_adam' is not linear in the gradient"),
        ({"batch_size": 10}, r"it needs the whole data set as the batch \(batch_size=None\)"),
    ],
)
def test_forced_gram_where_not_exact_is_refused(extra, why):
    X, Y = problem("binary_crossentropy", 1, n_x=40, m=23)
    params = initialize_parameters([40, 3, 1], "he", 1, X.dtype)
    refused = rf"^mode='gram' is not exact for this run: {why}.*; use mode='auto' or 'standard'$"
    with pytest.raises(ValueError, match=refused):
        EpochTrainer(X, Y, params, spec_of((40, 3, 1), **extra), mode="gram")
    with pytest.raises(ValueError, match=rf"mode='gram' is not exact for this run: {why}"):
        fastnn.train(X, Y, [40, 3, 1], num_iterations=2, mode="gram", **extra)
    special = "mode='gram' is not exact for this run: it is for fastnn.train's layout and unweighted runs"
    with pytest.raises(ValueError, match=special):
        EpochTrainer(None, Y, params, spec_of((40, 3, 1)), rows=np.ascontiguousarray(X.T), mode="gram")
    with pytest.raises(ValueError, match=special):
        EpochTrainer(X, Y, params, spec_of((40, 3, 1)), sample_weight=np.ones(23), mode="gram")


@pytest.mark.parametrize("batch_size", [23, 50])
def test_a_batch_of_every_example_is_full_batch(batch_size):
    X, Y = problem("binary_crossentropy", 1, n_x=40, m=23)
    spec = spec_of((40, 5, 1), optimizer="momentum", batch_size=batch_size, shuffle_seed=3, l2=0.2)
    compare(spec, X, Y, 6, mode="gram")


def test_auto_keeps_a_large_gram_matrix_out():
    """``G`` is m x m: ``mode="auto"`` never builds one above ``GRAM_MAX_BYTES``."""
    from fastnn.kernels.engine import GRAM_MAX_BYTES, choose_mode

    largest = int((GRAM_MAX_BYTES / 8) ** 0.5)
    assert choose_mode(n_x=10**7, m=largest, n1=20, num_iterations=1000) == "gram"
    assert choose_mode(n_x=10**7, m=largest + 1, n1=20, num_iterations=1000) == "standard"


def test_stop_on_nonfinite_returns_the_last_finite_parameters(tmp_path):
    """``on_nonfinite="stop"`` rebuilds the last finite epoch from a saved Gram-mode state
    (chunks of 3 epochs: one taken after a few steps, not only the starting one)."""
    X, Y = problem("squared_error", 1, n_x=40, m=23)
    X *= 30  # diverges in a few epochs
    kw = {"loss": "squared_error", "hidden_activation": "identity", "optimizer": "momentum", "learning_rate": 0.1}
    with pytest.warns(RuntimeWarning, match="training diverged"):
        stopped = fastnn.train(
            X, Y, [40, 6, 1], num_iterations=400, mode="gram", on_nonfinite="stop", l2=0.1,
            checkpoint=tmp_path / "c.npz", checkpoint_every=3, **kw,
        )  # fmt: skip
    n = stopped.costs.size
    assert 4 < n < 400 and np.all(np.isfinite(stopped.costs))
    # The parameters at which the last finite cost was computed: those after n - 1 epochs.
    again = fastnn.train(X, Y, [40, 6, 1], num_iterations=n - 1, mode="gram", l2=0.1, **kw)
    np.testing.assert_array_equal(again.costs, stopped.costs[: n - 1])
    for key, value in again.parameters.items():
        np.testing.assert_array_equal(stopped.parameters[key], value)


def test_gram_matrix_overflow():
    X, Y = problem("squared_error", 1, n_x=40, m=23)
    X[3, 4] = 1e200  # finite, but X.T @ X is not
    params = initialize_parameters([40, 3, 1], "he", 1, X.dtype)
    spec = spec_of((40, 3, 1), loss="squared_error", optimizer="momentum")
    with pytest.raises(ValueError, match="mode='gram' needs X.T @ X, which overflows for this X"):
        EpochTrainer(X, Y, params, spec, mode="gram")
    assert EpochTrainer(X, Y, params, spec, mode="auto", expected_iterations=100).mode == "standard"


@pytest.mark.parametrize(
    "extra",
    [
        {"optimizer": "gd"},  # the classic engine's Gram mode (the course's L-layer model)
        {"optimizer": "momentum", "l2": 0.7},  # the generic loop's
    ],
)
def test_float32_accumulates_in_float64_on_the_cat_model(cat_data, extra):
    """``P = W1 X`` is stepped in place by increments far below its size (12,288 features):
    in float32 its roundings add up. After 300 iterations of the cat model the median relative
    error of the float32 costs against the float64 run was 1.3e-3 with gradient descent and
    2e-4 with momentum and L2, against 3e-8 and 6e-8 in standard mode. So the float32 run in
    Gram mode must stay as close to the float64 run as the float32 run in standard mode does
    (within 4x)."""
    X, train_y, _, _ = cat_data
    dims = [X.shape[0], 20, 7, 5, 1]
    params = initialize_parameters(dims, "lecun", 1, np.float64)
    kw = {"layer_dims": dims, "learning_rate": 0.0075, **extra}
    truth = fastnn.train(X, train_y, num_iterations=300, initial_parameters=params, mode="gram", **kw)
    errors = {}
    for mode in ("gram", "standard"):
        run = fastnn.train(X, train_y, num_iterations=300, initial_parameters=params, mode=mode, dtype="float32", **kw)
        errors[mode] = np.median(np.abs(run.costs / truth.costs - 1))
        W1, W1_truth = run.parameters["W1"], truth.parameters["W1"]
        errors[f"{mode} W1"] = np.max(np.abs(W1 - W1_truth)) / np.max(np.abs(W1_truth))
    assert 0 < errors["gram"] <= 4 * errors["standard"], errors
    assert 0 < errors["gram W1"] <= 4 * errors["standard W1"], errors


def test_bad_mode_and_foreign_state_are_refused():
    X, Y = problem("binary_crossentropy", 1, n_x=40, m=23)
    params = initialize_parameters([40, 5, 1], "he", 1, X.dtype)
    spec = spec_of((40, 5, 1), optimizer="momentum")
    with pytest.raises(ValueError, match=r"^mode must be one of \('auto', 'gram', 'standard'\), got 'fast'$"):
        EpochTrainer(X, Y, params, spec, mode="fast")
    trainer = EpochTrainer(X, Y, params, spec, mode="gram")
    trainer.run(2)
    state = trainer.state()
    state["gram_Q"] = state["gram_Q"][: -5 * 23]  # a state written for another layout
    with pytest.raises(ValueError, match="a Gram-mode state of .* entries, for a run that keeps .*: it was written"):
        EpochTrainer.restore(X, Y, state, spec)
