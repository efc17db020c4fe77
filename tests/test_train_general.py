"""``fastnn.train`` beyond Course I: every head, optimizer, mini-batches, L2, dropout and decay,
through the public entry point, numba (``comp_``) against numpy (``ref_``, the reference's
``train_epochs``) at the parity tolerances (float64 1e-12, float32 1e-5), with checkpoints,
predictions and the errors of bad input."""

from __future__ import annotations

import numpy as np
import pytest

import fastnn
from tests.cases import MATMUL_RTOL


def data(loss, K, n_x=5, m=70, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    if loss == "categorical_crossentropy":
        Y = np.argmax(X[:K] + 0.3 * rng.standard_normal((K, m)), axis=0)[None, :]  # integer labels
    elif loss == "binary_crossentropy":
        Y = (X[:K] + 0.4 * rng.standard_normal((K, m)) > 0).astype(float)
    else:
        Y = 0.5 * X[:K] - 0.1 + 0.1 * rng.standard_normal((K, m))
    return X.astype(dtype), Y


def assert_parity(comp, ref, dtype):
    rtol = MATMUL_RTOL[np.dtype(dtype)]
    np.testing.assert_allclose(comp.costs, ref.costs, rtol=rtol)
    for key, value in ref.parameters.items():
        assert comp.parameters[key].dtype == np.dtype(dtype)
        np.testing.assert_allclose(comp.parameters[key], value, rtol=rtol, atol=rtol * np.max(np.abs(value)))


RUNS = [
    dict(loss="categorical_crossentropy", K=4, optimizer="adam", batch_size=16, learning_rate=0.01),
    dict(loss="categorical_crossentropy", K=3, optimizer="momentum", batch_size=None, l2=0.3, learning_rate=0.1),
    dict(loss="binary_crossentropy", K=3, optimizer="sklearn_adam", batch_size=20, keep_prob=0.8, learning_rate=0.01),
    dict(loss="binary_crossentropy", K=1, optimizer="gd", batch_size=8, decay="inverse", learning_rate=0.1),
    dict(loss="squared_error", K=2, optimizer="sklearn_nesterov", batch_size=32, l2=0.1, learning_rate=0.02),
    dict(loss="squared_error", K=1, optimizer="sklearn_momentum", batch_size=None, decay="step", learning_rate=0.05),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("run", RUNS, ids=[f"{r['loss']}-{r['optimizer']}" for r in RUNS])
def test_numba_equals_numpy_through_train(run, dtype):
    run = dict(run)
    loss, K = run.pop("loss"), run.pop("K")
    X, Y = data(loss, K, dtype=dtype)
    kwargs = dict(loss=loss, hidden_activation="tanh", num_iterations=15, init="he", seed=3, decay_interval=4, **run)
    ref = fastnn.train(X, Y, [5, 6, 4, K], backend="numpy", **kwargs)
    comp = fastnn.train(X, Y, [5, 6, 4, K], backend="numba", **kwargs)
    assert comp.costs.shape == (15,) and comp.costs.dtype == np.dtype(dtype)
    assert_parity(comp, ref, dtype)
    assert comp.spec.loss == loss and comp.spec.optimizer == run["optimizer"]


def test_labels_and_one_hot_train_the_same_and_predict_classes():
    X, labels = data("categorical_crossentropy", 3)
    onehot = np.eye(3)[:, labels[0]]
    kwargs = dict(
        loss="categorical_crossentropy", optimizer="adam", learning_rate=0.02, num_iterations=30, batch_size=10
    )
    a = fastnn.train(X, labels, [5, 8, 3], **kwargs)
    b = fastnn.train(X, onehot, [5, 8, 3], **kwargs)
    np.testing.assert_array_equal(a.costs, b.costs)
    proba = a.predict_proba(X)
    assert proba.shape == (3, 70)
    np.testing.assert_allclose(proba.sum(axis=0), 1.0, rtol=1e-12)
    classes = a.predict(X)
    assert classes.shape == (1, 70) and classes.dtype == np.int64
    np.testing.assert_array_equal(classes[0], np.argmax(proba, axis=0))
    assert np.mean(classes == labels) > 0.8  # the labels are a noisy argmax of X's first rows: learnable


def test_regression_and_multi_label_predictions():
    X, Y = data("squared_error", 2)
    reg = fastnn.train(X, Y, [5, 6, 2], loss="squared_error", hidden_activation="identity", learning_rate=0.05,
                       num_iterations=300, optimizer="momentum")  # fmt: skip
    values = reg.predict(X)
    assert values.shape == (2, 70)
    assert reg.costs[-1] < 0.1 * reg.costs[0]  # a linear target: the linear network fits it
    with pytest.raises(ValueError, match="predict_proba needs a classification loss"):
        reg.predict_proba(X)
    X, Y = data("binary_crossentropy", 3)
    multi = fastnn.train(X, Y, [5, 6, 3], loss="binary_crossentropy", num_iterations=5)
    assert multi.predict(X).shape == (3, 70) and set(np.unique(multi.predict(X))) <= {0.0, 1.0}


def test_poisson_counts():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 400))
    rate = np.exp(0.8 * X[:1] - 0.3 * X[1:2] + 0.5)  # a log-linear rate: the exp head's own model
    Y = rng.poisson(rate).astype(float)
    fits = {
        backend: fastnn.train(
            X, Y, [3, 1], loss="poisson", optimizer="adam", learning_rate=0.05, num_iterations=400, backend=backend
        )  # fmt: skip
        for backend in ("numpy", "numba")
    }
    np.testing.assert_allclose(fits["numba"].costs, fits["numpy"].costs, rtol=1e-12)
    W = fits["numba"].parameters["W1"]
    np.testing.assert_allclose(W[0, :2], [0.8, -0.3], atol=0.15)  # the generating coefficients, roughly
    prediction = fits["numba"].predict(X)
    np.testing.assert_allclose(prediction, np.exp(W @ X + fits["numba"].parameters["b1"]), rtol=1e-12)
    with pytest.raises(ValueError, match=r"Y must be non-negative for the poisson loss .* found -1.0"):
        fastnn.train(X, Y - 1, [3, 1], loss="poisson", num_iterations=1)
    with pytest.raises(ValueError, match="predict_proba needs a classification loss; a poisson network"):
        fits["numba"].predict_proba(X)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_resume_mini_batches_adam_dropout_bit_for_bit(tmp_path, backend):
    X, Y = data("categorical_crossentropy", 3)
    kwargs = dict(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.01, batch_size=16, keep_prob=0.8,
                  l2=0.1, decay="step", decay_interval=3, backend=backend)  # fmt: skip
    whole = fastnn.train(X, Y, [5, 7, 3], num_iterations=11, **kwargs)
    ckpt = tmp_path / "run.npz"
    fastnn.train(X, Y, [5, 7, 3], num_iterations=6, checkpoint=ckpt, **kwargs)
    resumed = fastnn.train(X, Y, [5, 7, 3], num_iterations=11, resume=ckpt, **kwargs)
    np.testing.assert_array_equal(resumed.costs, whole.costs)
    for key, value in whole.parameters.items():
        np.testing.assert_array_equal(resumed.parameters[key], value)
    with pytest.raises(ValueError, match="made with optimizer='adam', this run has 'momentum'"):
        fastnn.train(X, Y, [5, 7, 3], num_iterations=11, resume=ckpt, **{**kwargs, "optimizer": "momentum"})
    with pytest.raises(ValueError, match="made with keep_prob=0.8, this run has 0.9"):
        fastnn.train(X, Y, [5, 7, 3], num_iterations=11, resume=ckpt, **{**kwargs, "keep_prob": 0.9})


def test_save_records_the_spec(tmp_path):
    X, Y = data("categorical_crossentropy", 3)
    result = fastnn.train(X, Y, [5, 4, 3], loss="categorical_crossentropy", optimizer="adam", num_iterations=3,
                          batch_size=32, learning_rate=0.01)  # fmt: skip
    result.save(tmp_path / "m.npz")
    params, meta = fastnn.load(tmp_path / "m.npz")
    assert meta["loss"] == "categorical_crossentropy" and meta["optimizer"] == "adam" and meta["batch_size"] == 32
    assert fastnn.spec.TrainingSpec.from_dict({k: meta[k] for k in result.spec.to_dict()}) == result.spec
    for key, value in result.parameters.items():
        np.testing.assert_array_equal(params[key], value)


def test_mini_batch_progress_lines(capsys):
    X, Y = data("binary_crossentropy", 1)
    fastnn.train(X, Y, [5, 3, 1], num_iterations=5, batch_size=16, print_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"Cost after epoch {i}" for i in (0, 2, 4)]


BAD = [
    (dict(loss="hinge"), ValueError, "unknown loss 'hinge'; valid values are: 'binary_crossentropy'"),
    (dict(optimizer="rmsprop"), ValueError, "unknown optimizer 'rmsprop'; valid values are: 'gd', 'momentum', 'adam'"),
    (dict(keep_prob=0.0), ValueError, r"keep_prob must be in \(0, 1\], got 0.0"),
    (dict(batch_size=0), ValueError, "batch_size must be >= 1, got 0"),
    (dict(batch_size=2.5), TypeError, "batch_size must be an int or None"),
    (dict(beta1=1.0), ValueError, r"beta1 must be in \[0, 1\), got 1.0"),
    (dict(l2=-1.0), ValueError, "l2 must be >= 0 and finite"),
    (dict(decay="cosine"), ValueError, "unknown decay 'cosine'"),
    (dict(decay_interval=0), ValueError, "decay_interval must be >= 1"),
    (dict(shuffle_seed=2**32 - 3, batch_size=8, num_iterations=5), ValueError, "shuffle_seed \\+ epoch must stay"),
    (dict(optimizer="adam", mode="gram"), ValueError, "mode='gram' is not exact for this run: optimizer='adam'"),
    (dict(loss="categorical_crossentropy", layer_dims=[5, 3, 1]), ValueError, "needs at least 2 output units"),
    (dict(loss="categorical_crossentropy", layer_dims=[5, 3, 3], Y=np.full((1, 70), 3)), ValueError,
     r"class labels must be integers in 0..2 \(K = 3\); found 3"),
    (dict(loss="categorical_crossentropy", layer_dims=[5, 3, 2], Y=np.ones((2, 70))), ValueError,
     "one-hot Y needs exactly one 1 per column; column 0 has 2"),
    (dict(loss="squared_error", layer_dims=[5, 3, 2], Y=np.ones((1, 70))), ValueError,
     r"Y must have shape \(n_L, m\) = \(2, 70\)"),
    (dict(loss="squared_error", Y=np.full((1, 70), np.nan)), ValueError, "Y contains NaN"),
    (dict(loss="binary_crossentropy", layer_dims=[5, 3, 2], Y=np.full((2, 70), 0.5)), ValueError,
     "Y must hold only 0 and 1"),
]  # fmt: skip


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("bad, error, message", BAD, ids=[m[:32] for _, _, m in BAD])
def test_bad_settings_get_a_clear_error(bad, error, message, backend):
    X, Y = data("binary_crossentropy", 1)
    args = dict(X=X, Y=Y, layer_dims=[5, 3, 1], num_iterations=2, backend=backend)
    args.update(bad)
    if args.get("mode") == "gram" and backend == "numpy":
        message = "mode='gram' needs backend='numba'"
    with pytest.raises(error, match=message):
        fastnn.train(args.pop("X"), args.pop("Y"), args.pop("layer_dims"), **args)


def test_resume_compares_only_the_settings_that_change_the_run(tmp_path):
    """``seed`` keys the dropout masks: without dropout another seed (or a batch of m or more,
    or an unread beta) is the same run and resumes; with dropout it is another run, refused
    naming ``seed``. A checkpoint written before the spec was recorded is refused as such."""
    X, Y = data("binary_crossentropy", 1)
    ckpt = tmp_path / "a.npz"
    fastnn.train(X, Y, [5, 3, 1], num_iterations=4, checkpoint=ckpt, seed=1)
    whole = fastnn.train(X, Y, [5, 3, 1], num_iterations=7, seed=1)
    resumed = fastnn.train(X, Y, [5, 3, 1], num_iterations=7, resume=ckpt, seed=3, batch_size=500, beta1=0.5)
    np.testing.assert_array_equal(resumed.costs, whole.costs)
    ckpt = tmp_path / "b.npz"
    fastnn.train(X, Y, [5, 3, 1], num_iterations=4, checkpoint=ckpt, seed=1, keep_prob=0.8)
    with pytest.raises(ValueError, match=r"made with seed \(the dropout masks' key\)=1, this run has 3"):
        fastnn.train(X, Y, [5, 3, 1], num_iterations=7, resume=ckpt, seed=3, keep_prob=0.8)
    state, costs, meta = fastnn.io.load_checkpoint(ckpt)
    written = ("format_version", "fastnn_version", "kind", "iteration")
    old = {k: v for k, v in meta.items() if k not in fastnn.spec.TrainingSpec((1, 1)).to_dict() and k not in written}
    fastnn.io.save_checkpoint(tmp_path / "old.npz", state, costs, meta["iteration"], **old)
    with pytest.raises(ValueError, match="before checkpoints recorded the whole training specification"):
        fastnn.train(X, Y, [5, 3, 1], num_iterations=7, resume=tmp_path / "old.npz", keep_prob=0.8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_mask_kernel_compares_in_float64(dtype):
    """A keep_prob whose float32 rounding falls on the other side of a uniform (found in review)."""
    from fastnn.kernels import regularization as K
    from fastnn.reference import regularization as R

    keep = 0.14990690736602288
    np.testing.assert_array_equal(
        K.dropout_mask((1, 4), keep, 0, 0, 1, dtype), R.dropout_mask((1, 4), keep, 0, 0, 1, dtype)
    )


def test_one_blas_thread_is_lifted_when_the_last_run_ends():
    """Two runs asking for one BLAS thread, entered and left interleaved as two threads would:
    the count comes back to what it was (each restoring what it found left it at one)."""
    from fastnn.kernels import engine

    controller = engine._blas_controller()
    before = [lib.num_threads for lib in controller.lib_controllers if lib.user_api == "blas"]
    a, b = engine._one_blas_thread(), engine._one_blas_thread()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    assert all(lib.num_threads == 1 for lib in engine._blas_controller().lib_controllers if lib.user_api == "blas")
    b.__exit__(None, None, None)
    after = [lib.num_threads for lib in engine._blas_controller().lib_controllers if lib.user_api == "blas"]
    assert after == before
