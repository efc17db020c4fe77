"""The compiled generic loop (``comp_``: :class:`fastnn.kernels.training.EpochTrainer`) against
the reference's ``train_epochs`` (``ref_``), for every head, hidden activation, optimizer,
batching, L2, dropout and decay, both dtypes.

Bounds (``MATMUL_RTOL``): float64 costs within 1e-12 relative and each parameter array
within 1e-12 of its largest entry; float32 at 1e-5. Resuming (a checkpointed state restored
into a new trainer) and chunking are bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastnn.kernels import heads as KH
from fastnn.kernels import optimizers as KO
from fastnn.kernels import regularization as KR
from fastnn.kernels import training
from fastnn.kernels.training import EpochTrainer
from fastnn.reference import heads as RH
from fastnn.reference import initialize_parameters
from fastnn.reference import optimizers as RO
from fastnn.reference import regularization as RR
from fastnn.reference.training import train_epochs
from fastnn.spec import HIDDEN_ACTIVATIONS, LOSSES, OPTIMIZERS, TrainingSpec
from tests.cases import MATMUL_RTOL

HEAD_CASES = [
    ("binary_crossentropy", 1),
    ("binary_crossentropy", 3),
    ("categorical_crossentropy", 4),
    ("squared_error", 2),
    ("poisson", 2),
]


def problem(loss, K, n_x=6, m=53, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Xk = X[np.arange(K) % n_x]  # K rows of X (repeated when K > n_x)
    if loss == "categorical_crossentropy":
        Y = np.eye(K)[:, (np.abs(Xk).argmax(axis=0))]
    elif loss == "binary_crossentropy":
        Y = (Xk + 0.5 * rng.standard_normal((K, m)) > 0).astype(float)
    elif loss == "poisson":
        Y = rng.poisson(np.exp(0.5 * Xk)).astype(float)
    else:
        Y = Xk * 0.7 - 0.2 + 0.1 * rng.standard_normal((K, m))
    return X.astype(dtype), Y.astype(dtype)


def assert_close(comp, ref, rtol):
    np.testing.assert_allclose(comp, ref, rtol=rtol, atol=rtol * float(np.max(np.abs(ref.astype(np.float64)))))


def compare(spec, X, Y, epochs, chunks=None, seed=3, mode="standard"):
    params = initialize_parameters(list(spec.layer_dims), "he", seed, X.dtype)
    ref_params, ref_costs, _ = train_epochs(X, Y, params, spec, epochs)
    trainer = EpochTrainer(X, Y, params, spec, mode=mode)
    assert trainer.mode == mode
    comp_costs = np.concatenate([trainer.run(n) for n in (chunks or [epochs])])
    comp_params = trainer.parameters()
    rtol = MATMUL_RTOL[X.dtype]
    assert comp_costs.dtype == X.dtype and all(v.dtype == X.dtype for v in comp_params.values())
    assert np.all(np.isfinite(comp_costs))
    assert_close(comp_costs, ref_costs, rtol)
    if X.dtype == np.float32:
        # A gradient sum that cancels to far below its terms carries float32 rounding at a
        # large relative size, in any two correct summation orders (the reference sums float32
        # pairwise, the kernels in float64): Adam's scale-free step then moves a parameter by
        # that error at full size, and a width-1 bottleneck concentrates such sums in one
        # weight. Seen: [21, 1, 1, 17, 2] softmax, a b3 entry moved by 2e-4 of itself (Adam),
        # a 1 x 1 weight by 2e-5 (scikit-learn momentum). So float32 parameters must be as
        # close to the same run in float64 as the reference's are (within 4x), or within rtol
        # of it; the float32 costs are still compared with the reference's directly, above.
        spec64 = dataclasses.replace(spec, dtype="float64")
        exact, _, _ = train_epochs(X.astype(np.float64), Y.astype(np.float64),
                                   {k: v.astype(np.float64) for k, v in params.items()}, spec64, epochs)  # fmt: skip
        for key, truth in exact.items():
            ref_error = np.abs(ref_params[key] - truth)
            comp_error = np.abs(comp_params[key] - truth)
            assert np.all(comp_error <= np.maximum(4 * ref_error, rtol * np.max(np.abs(truth)))), key
            assert_close(comp_params[key], ref_params[key], 1e-3)  # and never far from the reference
        return trainer
    for key, value in ref_params.items():
        assert_close(comp_params[key], value, rtol)
    return trainer


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("loss, K", HEAD_CASES)
def test_heads_and_optimizers_mini_batches(loss, K, optimizer, dtype):
    X, Y = problem(loss, K, dtype=dtype)
    lr = 0.01 if "adam" in optimizer else 0.05
    spec = TrainingSpec(
        (6, 5, 4, K), "tanh", loss, optimizer, lr, batch_size=16, shuffle_seed=7, dtype=np.dtype(dtype).name
    )
    compare(spec, X, Y, 12 if dtype == np.float64 else 4)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("batch_size, shuffle_seed", [(None, 0), (53, 0), (10, None), (10, 11), (1, 3)])
def test_activations_and_batching(activation, batch_size, shuffle_seed):
    X, Y = problem("binary_crossentropy", 1)
    spec = TrainingSpec((6, 7, 3, 1), activation, learning_rate=0.05, batch_size=batch_size, shuffle_seed=shuffle_seed)
    compare(spec, X, Y, 8)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "leaky_relu"])
def test_l2_dropout_and_decay(activation, optimizer):
    X, Y = problem("categorical_crossentropy", 3)
    for decay in (None, "inverse", "step"):
        spec = TrainingSpec(
            (6, 8, 5, 3), activation, "categorical_crossentropy", optimizer, 0.02, batch_size=12, l2=0.7,
            keep_prob=0.8, dropout_seed=5, decay=decay, decay_rate=0.5, decay_interval=3,
        )  # fmt: skip
        compare(spec, X, Y, 10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_course_dropout_stream(optimizer, dtype):
    """The Regularization notebook's masks (one draw, reused every iteration), both backends."""
    X, Y = problem("binary_crossentropy", 1, dtype=dtype)
    spec = TrainingSpec((6, 7, 3, 1), "relu", optimizer=optimizer, learning_rate=0.1, keep_prob=0.7,
                        dropout_seed=1, dropout_stream="course", dtype=np.dtype(dtype).name)  # fmt: skip
    compare(spec, X, Y, 12, chunks=[5, 7])


def test_course_masks_are_the_notebooks():
    """The notebook re-seeds the global generator with 1 at every forward pass and draws D1
    then D2 with ``np.random.rand``; the masks must be those draws, the global state untouched."""
    np.random.seed(1)
    D1, D2 = np.random.rand(20, 211) < 0.86, np.random.rand(3, 211) < 0.86
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    masks = RR.course_masks((2, 20, 3, 1), 211, 0.86, 1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    assert len(masks) == 2 and masks[0].dtype == np.float64
    np.testing.assert_array_equal(masks[0], D1)
    np.testing.assert_array_equal(masks[1], D2)


def test_course_dropout_stream_is_full_batch_only():
    with pytest.raises(ValueError, match=r"needs full batch \(batch_size=None\), got batch_size=8"):
        TrainingSpec((2, 3, 1), keep_prob=0.5, dropout_stream="course", batch_size=8)
    with pytest.raises(ValueError, match=r"unknown dropout_stream .fresh.; valid values are: .counter., .course."):
        TrainingSpec((2, 3, 1), dropout_stream="fresh")


def test_chunks_and_restore_are_bit_for_bit():
    X, Y = problem("categorical_crossentropy", 4)
    spec = TrainingSpec(
        (6, 5, 4), "relu", "categorical_crossentropy", "adam", 0.01, batch_size=10, l2=0.1, keep_prob=0.9
    )
    params = initialize_parameters([6, 5, 4], "he", 1)
    one = EpochTrainer(X, Y, params, spec)
    costs_one = one.run(9)
    chunked = EpochTrainer(X, Y, params, spec)
    costs = [chunked.run(n) for n in (2, 0, 3)]
    resumed = EpochTrainer.restore(X, Y, chunked.state(), spec)
    costs.append(resumed.run(4))
    np.testing.assert_array_equal(np.concatenate(costs), costs_one)
    for key, value in one.state().items():
        np.testing.assert_array_equal(resumed.state()[key], value)


ROW_CASES = [
    ((6, 5, 4, 3), "relu", "categorical_crossentropy", "adam", dict(batch_size=16, l2=0.3)),
    ((6, 7, 1), "tanh", "binary_crossentropy", "sklearn_nesterov", dict(batch_size=10, keep_prob=0.8)),
    ((6, 5, 2), "sigmoid", "squared_error", "momentum", dict(batch_size=50, shuffle_seed=None)),
    ((6, 3), "relu", "categorical_crossentropy", "gd", dict(batch_size=20)),  # the first layer is the output
    ((6, 4, 2), "leaky_relu", "squared_error", "adam", dict(batch_size=4)),  # 53 = 13 x 4 + 1: a batch of one
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dims, activation, loss, optimizer, extra", ROW_CASES)
def test_examples_as_rows(monkeypatch, dims, activation, loss, optimizer, extra, dtype):
    """Gathered batches as rows (``Hyper.rows``: the first layer's products by BLAS on the
    transposed view), forced on small problems; the reference's results at the usual bounds."""
    monkeypatch.setattr(training, "ROWS_MULTIPLY_ADDS", -1)
    X, Y = problem(loss, dims[-1], dtype=dtype)
    spec = TrainingSpec(dims, activation, loss, optimizer, 0.02, dtype=np.dtype(dtype).name, **extra)
    trainer = compare(spec, X, Y, 6 if dtype == np.float64 else 3)
    assert trainer.hyper.rows


def test_gathered_runs_read_a_transposed_x_in_place():
    """Mini-batches are gathered from X.T: the course's layout (X the transposed view of a C
    array) is read in place, not copied (above the 4 MB of small working copies), with the
    results of a C-ordered copy of the same X; a read-only one is copied (another type to Numba)."""
    X, Y = problem("binary_crossentropy", 1, n_x=40, m=14_000)  # 4.5 MB
    rows = np.ascontiguousarray(X.T)
    spec = TrainingSpec((40, 30, 1), "relu", learning_rate=0.05, batch_size=512)
    params = initialize_parameters([40, 30, 1], "he", 1)
    ref = EpochTrainer(X, Y, params, spec)
    comp = EpochTrainer(rows.T, Y, params, spec)
    assert np.shares_memory(comp.net.XT, rows) and not np.shares_memory(ref.net.XT, X)
    np.testing.assert_array_equal(comp.run(2), ref.run(2))
    rows.flags.writeable = False
    assert EpochTrainer(rows.T, Y, params, spec).net.XT.flags.writeable


def test_a_trainer_built_from_rows_is_not_run_by_run():
    X, Y = problem("binary_crossentropy", 1)
    spec = TrainingSpec((6, 5, 1), batch_size=10)
    trainer = EpochTrainer(None, Y, initialize_parameters([6, 5, 1], "he", 1), spec, rows=X.T)
    with pytest.raises(RuntimeError, match="built from rows"):
        trainer.run(1)


def test_examples_as_rows_where_the_first_layer_is_blas_sized():
    X, Y = problem("categorical_crossentropy", 3, n_x=40, m=90)
    spec = TrainingSpec((40, 30, 3), "relu", "categorical_crossentropy", "adam", 0.01, batch_size=32)
    assert compare(spec, X, Y, 5).hyper.rows  # 40 x 30 x 32 multiply-adds
    spec = dataclasses.replace(spec, batch_size=16)
    assert not compare(spec, X, Y, 5).hyper.rows  # 19,200: not above ROWS_MULTIPLY_ADDS
    assert not compare(dataclasses.replace(spec, batch_size=None), X, Y, 5).hyper.rows  # full batch: X as it is


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_public_kernel_twins(dtype):
    """The heads, optimizer step and dropout stream the loop runs, through their public twins."""
    rng = np.random.default_rng(1)
    for loss, K in HEAD_CASES:
        Z = (rng.standard_normal((K, 700)) * 8).astype(dtype)
        _, Y = problem(loss, K, m=700, dtype=dtype)
        rtol = MATMUL_RTOL[np.dtype(dtype)]
        for ref, comp in zip(RH.HEADS[loss](Z, Y), KH.HEADS[loss](Z, Y), strict=True):
            assert np.asarray(comp).dtype == np.dtype(dtype)
            assert_close(np.asarray(comp), np.asarray(ref), rtol)
    # The update is the reference's expressions operation for operation, in the parameters'
    # dtype (NumPy gives Python-float scalars the arrays' dtype), Adam's bias corrections
    # with Python's pow: bit for bit, in both dtypes (33 x 40: vector loops and their tails).
    params = {"W1": rng.standard_normal((33, 40)).astype(dtype), "b1": rng.standard_normal((33, 1)).astype(dtype)}
    for optimizer in OPTIMIZERS:
        spec = TrainingSpec((40, 33), optimizer=optimizer, loss="squared_error", beta1=0.8, beta2=0.99)
        ref, comp = (params, RO.init_state(params, spec)), (params, KO.init_state(params, spec))
        for _ in range(7):
            grads = {key: rng.standard_normal(value.shape).astype(dtype) for key, value in params.items()}
            grads = {f"d{key}": value for key, value in grads.items()}
            ref = RO.step(ref[0], grads, ref[1], spec, 0.01)
            comp = KO.step(comp[0], grads, comp[1], spec, 0.01)
        for key in params:
            assert comp[0][key].dtype == np.dtype(dtype)
            np.testing.assert_array_equal(comp[0][key], ref[0][key], err_msg=f"{optimizer} {key}")
    for shape, seed, t, l in [((3, 5), 0, 0, 1), ((7, 64), 2**64 - 1, 2**64 - 1, 3), ((20, 209), 12345, 777, 2)]:
        np.testing.assert_array_equal(KR.dropout_uniforms(shape, seed, t, l), RR.dropout_uniforms(shape, seed, t, l))
        np.testing.assert_array_equal(
            KR.dropout_mask(shape, 0.86, seed, t, l, dtype), RR.dropout_mask(shape, 0.86, seed, t, l, dtype)
        )


def test_tables_cover_the_spec():
    from fastnn.kernels.activations import ACT_CODES
    from fastnn.kernels.training import DECAY_CODES

    assert set(ACT_CODES) == set(HIDDEN_ACTIVATIONS)
    assert set(KH.HEAD_CODES) == set(LOSSES) == set(KH.HEADS)
    assert set(KO.OPTIMIZER_CODES) == set(OPTIMIZERS)
    assert set(DECAY_CODES) == {None, "inverse", "step"}


@st.composite
def runs(draw):
    """A random run of the generic loop: head, optimizer, activation, depth, batching, L2,
    dropout, decay, dtype, and data of a size that crosses the small-product/BLAS switch."""
    loss = draw(st.sampled_from(sorted(LOSSES)))
    K = draw(st.integers(2, 4)) if loss == "categorical_crossentropy" else draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 40), min_size=0, max_size=3))
    n_x = draw(st.integers(1, 60))
    m = draw(st.integers(1, 90))
    optimizer = draw(st.sampled_from(sorted(OPTIMIZERS)))
    spec = TrainingSpec(
        (n_x, *hidden, K),
        draw(st.sampled_from(HIDDEN_ACTIVATIONS)),
        loss,
        optimizer,
        # smaller rates where a step is not scale-free (the course's gd and momentum) and for the
        # exp output, whose gradient grows with exp(z): the runs compared should not diverge
        draw(st.sampled_from([0.001, 0.01, 0.05]))
        / (10 if "sklearn" not in optimizer and optimizer != "adam" else 1)
        / (10 if loss == "poisson" else 1),
        batch_size=draw(st.one_of(st.none(), st.integers(1, 100))),
        shuffle_seed=draw(st.one_of(st.none(), st.integers(0, 1000))),
        l2=draw(st.sampled_from([0.0, 0.0, 0.5])),
        keep_prob=draw(st.sampled_from([1.0, 1.0, 0.7])),
        dropout_seed=draw(st.integers(0, 2**64 - 1)),
        decay=draw(st.sampled_from([None, "inverse", "step"])),
        decay_rate=draw(st.sampled_from([0.3, 1.0])),
        decay_interval=draw(st.integers(1, 4)),
    )
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return spec, m, dtype, draw(st.integers(0, 2**16))


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(run=runs())
def test_hypothesis_generic_loop_equals_the_reference(run):
    """Random specs through the compiled generic loop against the reference's train_epochs: the
    same tolerances as above, and in-process chunking bit for bit."""
    spec, m, dtype, seed = run
    X, Y = problem(spec.loss, spec.layer_dims[-1], n_x=spec.layer_dims[0], m=m, seed=seed, dtype=dtype)
    trainer = compare(spec, X, Y, 5, chunks=[2, 3], seed=seed)
    assert trainer.epoch == 5


@pytest.mark.parametrize("loss", sorted(KH.HEADS))
def test_public_heads_refuse_mismatched_or_non_float_input(loss):
    """The compiled heads read ``Y`` at ``ZL``'s indices: another shape must be refused, not read
    out of bounds (or broadcast), and an integer ``ZL`` is a TypeError, not a Numba typing error."""
    Z = np.zeros((2, 4))
    with pytest.raises(ValueError, match="same shape"):
        KH.HEADS[loss](Z, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        KH.HEADS[loss](Z[0], np.zeros(4))
    with pytest.raises(TypeError, match="float32 or float64"):
        KH.HEADS[loss](np.zeros((2, 4), np.int64), np.zeros((2, 4)))
    Y = np.zeros((2, 4))
    KH.HEADS[loss](Z, Y)
    assert not Z.any() and not Y.any()  # the inputs untouched
