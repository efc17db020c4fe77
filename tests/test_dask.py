"""Full-batch training on Dask (fastnn.dask) against the same run on one machine.

What is compared, and how exactly:

- One partition: the Dask run IS the local generic loop (the same kernel on the same columns,
  the L2 term and the update on the client as the loop adds them): bit for bit equal.
- Several partitions: bit for bit ``ref_tree_run`` (the same per-chunk kernel, the fixed tree
  by partition index, the local update, all in this process), on every cluster shape; and the
  local run (``fastnn.train`` on NumPy arrays) within rtol 1e-12, which reorders only the sum
  over the examples: one iteration's gradient sums are checked against the bound any two
  summation orders obey, ``2 gamma_m sum_j |term_j|`` (``gamma_m = m u / (1 - m u)``).

Clusters are module-scoped (in-process, and processes with a nanny for the fault test), two
single-threaded workers, no dashboard; data are small (every product a plain loop).
"""

from __future__ import annotations

import collections
import functools
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.array")
pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import fastnn  # noqa: E402
from fastnn.dask import DaskData, DaskTrainer  # noqa: E402
from fastnn.kernels.optimizers import _update  # noqa: E402
from fastnn.kernels.regularization import _squares  # noqa: E402
from fastnn.kernels.training import EpochTrainer, _epoch_lr, _gradient  # noqa: E402
from fastnn.reference.initializers import initialize_parameters  # noqa: E402
from fastnn.spec import TrainingSpec  # noqa: E402
from tests.processes import interrupted  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
U = np.finfo(np.float64).eps / 2  # unit roundoff


# ---------------------------------------------------------------- clusters
def _cluster(**kwargs):
    cluster = LocalCluster(dashboard_address=None, **kwargs)
    return cluster, Client(cluster, set_as_default=False)


@pytest.fixture(scope="module")
def client():
    """Two single-threaded workers in this process."""
    cluster, c = _cluster(n_workers=2, threads_per_worker=1, processes=False)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def client_1x2():
    """One worker with two threads, in this process."""
    cluster, c = _cluster(n_workers=1, threads_per_worker=2, processes=False)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def process_client():
    """Two single-threaded worker processes, each under a nanny (which restarts it when killed)."""
    cluster, c = _cluster(n_workers=2, threads_per_worker=1, processes=True)
    yield c
    c.close()
    cluster.close()


# ---------------------------------------------------------------- data and runs
N_X, M = 6, 240

#: Runs over every head, several optimizers, L2 and decay. "classic" is what the local engine
#: runs in its own Trainer (gradient descent of a sigmoid unit without L2), the others in the
#: generic loop.
RUNS = {
    "classic": dict(layer_dims=[N_X, 5, 1], hidden_activation="tanh", learning_rate=0.5),
    "adam_l2_softmax_labels": dict(
        layer_dims=[N_X, 8, 3], loss="categorical_crossentropy", optimizer="adam", learning_rate=0.02, l2=0.3
    ),
    "nesterov_regression_decay": dict(
        layer_dims=[N_X, 7, 4, 2], loss="squared_error", optimizer="sklearn_nesterov", learning_rate=0.01,
        decay="inverse", decay_rate=0.5,
    ),
    "momentum_multilabel_l2_step": dict(
        layer_dims=[N_X, 5, 3], loss="binary_crossentropy", optimizer="momentum", learning_rate=0.3, l2=0.1,
        decay="step", decay_rate=1.0, decay_interval=3, hidden_activation="leaky_relu",
    ),
    "sklearn_adam_sigmoid_layers": dict(
        layer_dims=[N_X, 4, 1], hidden_activation="sigmoid", optimizer="sklearn_adam", learning_rate=0.05, l2=0.01
    ),
}  # fmt: skip

CHUNKINGS = {"even": (60, 60, 60, 60), "uneven_odd": (100, 70, 50, 15, 5)}


def targets(run: dict, m: int = M, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)`` for ``run``: Y as fastnn.train takes it (labels for softmax)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_X, m))
    n_out = run["layer_dims"][-1]
    loss = run.get("loss", "binary_crossentropy")
    if loss == "categorical_crossentropy":
        Y = (np.abs(X[:1] * 2).astype(np.int64) % n_out).astype(float)
    elif loss == "squared_error":
        Y = np.sin(X[:n_out]) + 0.1 * X[1:2]
    else:
        Y = (X[:n_out] + 0.3 * X[1:2] > 0).astype(float)
    return X, Y


def onehot(run: dict, Y: np.ndarray) -> np.ndarray:
    if run.get("loss") == "categorical_crossentropy":
        out = np.zeros((run["layer_dims"][-1], Y.shape[1]))
        out[Y[0].astype(np.int64), np.arange(Y.shape[1])] = 1
        return out
    return Y


def on_dask(X, Y, chunks):
    return da.from_array(X, chunks=(X.shape[0], chunks)), da.from_array(Y, chunks=(Y.shape[0], chunks))


def comp_train(client, run, chunks, n, X=None, Y=None, **kwargs):
    if X is None:
        X, Y = targets(run)
    dX, dY = on_dask(X, Y, chunks)
    return fastnn.train(dX, dY, **run, num_iterations=n, client=client, **kwargs)


def ref_train(run, n, **kwargs):
    X, Y = targets(run)
    return fastnn.train(X, Y, **run, num_iterations=n, **kwargs)


def spec_of(run: dict) -> TrainingSpec:
    run = dict(run)
    dims = run.pop("layer_dims")
    run.setdefault("loss", "binary_crossentropy")
    run.setdefault("hidden_activation", "relu")
    return TrainingSpec(tuple(dims), **run)


def ref_tree_run(run: dict, chunks, n: int):
    """The Dask run simulated here: each chunk's raw gradient sums and loss by the local kernel
    (no L2), added up the fixed tree (level by level, 2i with 2i + 1, an odd last one carried
    up), L2 added once, the local update with B = m. Returns ``(costs, parameters)``."""
    X, Y = targets(run)
    Y = onehot(run, Y)
    spec = spec_of(run)
    params = initialize_parameters(list(spec.layer_dims), "lecun", 1, np.float64)
    starts = np.cumsum((0, *chunks[:-1]))
    blocks = []
    for s, c in zip(starts, chunks, strict=True):
        Xb, Yb = np.ascontiguousarray(X[:, s : s + c]), np.ascontiguousarray(Y[:, s : s + c])
        trainer = EpochTrainer(Xb, Yb, params, spec)
        blocks.append((Xb, Yb, trainer.net, trainer.hyper._replace(l2=0.0)))
    state = EpochTrainer(X, Y, params, spec)
    net, hp, m = state.net, state.hyper, float(X.shape[1])
    k = net.n_w
    costs = np.empty(n)
    for i in range(n):
        sums = []
        for Xb, Yb, bnet, bhp in blocks:
            bnet.P[:] = net.P
            loss = _gradient(Xb, Yb, bnet.w, bnet, bhp, 0)
            sums.append((bnet.G.copy(), loss))
        while len(sums) > 1:
            pairs = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(sums[0::2], sums[1::2], strict=False)]
            sums = pairs + sums[2 * len(pairs) :]
        G, cost = sums[0]
        if spec.l2 > 0:
            cost += spec.l2 / 2 * _squares(net.P[:k])
        net.G[:] = G
        lr = _epoch_lr(hp.decay, hp.lr, hp.decay_rate, hp.decay_interval, i)
        moments = (hp.beta, hp.beta1, hp.beta2, hp.epsilon, i + 1)
        _update(hp.opt, net.P, net.G, net.V, net.S, k, m, hp.l2 / m, lr, *moments)
        costs[i] = cost / m
    return costs, state.parameters()


def assert_same_run(comp, ref_costs, ref_parameters):
    np.testing.assert_array_equal(comp.costs, ref_costs)
    assert comp.parameters.keys() == ref_parameters.keys()
    for key, value in ref_parameters.items():
        np.testing.assert_array_equal(comp.parameters[key], value, err_msg=key)


# ---------------------------------------------------------------- exactness
@pytest.mark.parametrize("name", [n for n in RUNS if n != "classic"])
def test_one_partition_is_the_local_generic_loop_bit_for_bit(client, name):
    ref = ref_train(RUNS[name], 25)
    comp = comp_train(client, RUNS[name], M, 25)
    assert comp.backend == ref.backend == "numba"
    assert_same_run(comp, ref.costs, ref.parameters)


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("name", RUNS)
def test_partitions_are_the_fixed_tree_bit_for_bit(client, name, chunking):
    chunks = CHUNKINGS[chunking]
    comp = comp_train(client, RUNS[name], chunks, 25)
    assert_same_run(comp, *ref_tree_run(RUNS[name], chunks, 25))


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("name", RUNS)
def test_partitions_agree_with_one_machine_within_1e_12(client, name, chunking):
    """The documented guarantee: costs and every parameter within rtol 1e-12 of fastnn.train
    on NumPy arrays (its own engine: for "classic", the compiled Trainer)."""
    ref = ref_train(RUNS[name], 25)
    comp = comp_train(client, RUNS[name], CHUNKINGS[chunking], 25)
    np.testing.assert_allclose(comp.costs, ref.costs, rtol=1e-12, atol=0)
    for key, value in ref.parameters.items():
        np.testing.assert_allclose(comp.parameters[key], value, rtol=1e-12, atol=0, err_msg=key)


def test_one_iteration_within_the_summation_bound(client):
    """Any two orders of a sum of m terms differ by at most 2 gamma_m sum |term| (Higham,
    Accuracy and Stability, 4.2); the terms (products of width n_x, sizes where every product
    is BLAS's on one machine and on the partitions alike) are the same, so the gradient sums
    of the cluster and of one machine obey it entry by entry, as does the loss."""
    rng = np.random.default_rng(3)
    n_x, n_1, m, chunks = 20, 10, 1200, (300, 300, 400, 200)
    X = rng.standard_normal((n_x, m))
    Y = (X[0] + X[1] > 0).astype(float)[None, :]
    spec = TrainingSpec((n_x, n_1, 1), "tanh")
    params = initialize_parameters([n_x, n_1, 1], "lecun", 2, np.float64)
    local = EpochTrainer(X, Y, params, spec)
    ref_loss = _gradient(X, Y, local.net.w, local.net, local.hyper, 0)
    data = DaskData(*on_dask(X, Y, chunks), client=client).persist(spec)
    try:
        comp_loss, comp_G = data.loss_and_gradient(local.net.P)
    finally:
        data.close()
    # the terms, in float64: per-example losses and dZ A_prev^T products
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    A1 = np.tanh(W1 @ X + b1)
    Z2 = W2 @ A1 + b2
    dZ2 = 1 / (1 + np.exp(-Z2)) - Y
    dZ1 = (W2.T @ dZ2) * (1 - A1**2)
    terms = local._arrays(np.zeros_like(local.net.P))
    terms["W1"], terms["b1"] = np.abs(dZ1) @ np.abs(X).T, np.abs(dZ1).sum(1, keepdims=True)
    terms["W2"], terms["b2"] = np.abs(dZ2) @ np.abs(A1).T, np.abs(dZ2).sum(1, keepdims=True)
    gamma = m * U / (1 - m * U)
    comp, ref = local._arrays(comp_G), local._arrays(local.net.G)
    for key in comp:
        assert np.all(np.abs(comp[key] - ref[key]) <= 2 * gamma * terms[key]), key
    losses = np.maximum(Z2, 0) - Z2 * Y + np.log1p(np.exp(-np.abs(Z2)))
    assert abs(comp_loss - ref_loss) <= 2 * gamma * losses.sum()
    assert not np.array_equal(comp_G, local.net.G)  # four partitions do reorder the sums


def test_same_bits_on_every_cluster_shape(client, client_1x2, process_client):
    run, chunks = RUNS["adam_l2_softmax_labels"], CHUNKINGS["uneven_odd"]
    runs = [comp_train(c, run, chunks, 15) for c in (client, client_1x2, process_client)]
    for other in runs[1:]:
        assert_same_run(other, runs[0].costs, runs[0].parameters)


# ---------------------------------------------------------------- L-BFGS's loss and gradient
def test_loss_and_gradient_for_lbfgs(client):
    """scikit-learn's L-BFGS needs the cost and raw gradient sums of packed parameters, what
    _gradient returns and writes on one machine (loss_scale and L2 included)."""
    import scipy.optimize

    run = RUNS["nesterov_regression_decay"]
    X, Y = targets(run)
    spec = TrainingSpec(tuple(run["layer_dims"]), "relu", "squared_error", l2=0.01)
    local = EpochTrainer(X, Y, initialize_parameters(list(spec.layer_dims), "lecun", 1, np.float64), spec)
    hp, net = local.hyper._replace(loss_scale=0.5), local.net
    P0 = net.P.copy()

    def ref_loss_grad(P):
        net.P[:] = P
        cost = _gradient(X, Y, net.w, net, hp, 0)
        return cost / M, net.G / M

    for chunks, exact in ((M, True), (CHUNKINGS["uneven_odd"], False)):
        data = DaskData(*on_dask(X, Y, chunks), client=client).persist(spec, loss_scale=0.5)
        try:

            def comp_loss_grad(P, data=data):
                cost, G = data.loss_and_gradient(P)
                return cost / M, G / M

            ref_cost, ref_G = ref_loss_grad(P0)
            comp_cost, comp_G = comp_loss_grad(P0)
            if exact:
                assert comp_cost == ref_cost
                np.testing.assert_array_equal(comp_G, ref_G)
            else:
                np.testing.assert_allclose(comp_cost, ref_cost, rtol=1e-14)
                np.testing.assert_allclose(comp_G, ref_G, rtol=1e-12, atol=1e-15 * np.abs(ref_G).max())
            options = {"maxiter": 8}
            ref = scipy.optimize.minimize(ref_loss_grad, P0, method="L-BFGS-B", jac=True, options=options)
            comp = scipy.optimize.minimize(comp_loss_grad, P0, method="L-BFGS-B", jac=True, options=options)
        finally:
            data.close()
        assert comp.nit == ref.nit == 8
        if exact:
            np.testing.assert_array_equal(comp.x, ref.x)
        else:
            np.testing.assert_allclose(comp.x, ref.x, rtol=1e-12)


def test_partitions_are_spread_over_the_workers(process_client):
    """Round robin over the workers' threads: left to the scheduler, every partition could land
    on one worker, and the other would idle through every iteration."""
    run = RUNS["classic"]
    X, Y = targets(run)
    for chunks in (CHUNKINGS["even"], CHUNKINGS["uneven_odd"]):
        data = DaskData(*on_dask(X, Y, chunks), client=process_client).persist(spec_of(run))
        try:
            holders = process_client.who_has(data._parts)
            per_worker = collections.Counter(address for part in data._parts for address in holders[part.key])
        finally:
            data.close()
        assert len(per_worker) == 2 and max(per_worker.values()) - min(per_worker.values()) <= 1, per_worker


def test_the_parameters_are_fresh_keys(client):
    """The same parameters twice in a row: a hashed key would name the first, released one."""
    run = RUNS["classic"]
    X, Y = targets(run)
    spec = spec_of(run)
    data = DaskData(*on_dask(X, Y, 60), client=client).persist(spec)
    try:
        P = EpochTrainer(X, Y, initialize_parameters([N_X, 5, 1], "lecun", 1), spec).net.P
        first, second = data.loss_and_gradient(P), data.loss_and_gradient(P)
    finally:
        data.close()
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])


class _LostResult:
    """A submitted computation whose result comes back through a closed connection."""

    def __init__(self, future):
        self.future = future

    def result(self):
        from distributed.comm.core import CommClosedError

        self.future.result()  # it did run
        raise CommClosedError("in <TCP (closed) ConnectionPool.gather>: Stream is closed")

    def release(self):
        self.future.release()


@pytest.mark.parametrize("where", ["submitting", "gathering"])
def test_a_closed_connection_is_retried(client, monkeypatch, where):
    """A worker killed at the wrong moment can close a connection the client uses (seen in CI:
    CommClosedError out of a broadcast scatter), before the evaluation is submitted or as its
    result comes back: the evaluation is submitted again with fresh keys, up to RETRIES times,
    then the error is raised. Another OSError (the task's own, a missing file say) is raised
    at once."""
    from distributed.comm.core import CommClosedError

    import fastnn.dask._data as data_module

    run = RUNS["classic"]
    X, Y = targets(run)
    spec = spec_of(run)
    data = DaskData(*on_dask(X, Y, 60), client=client).persist(spec)
    compute, calls = client.compute, []

    def flaky(*args, fail: int, error=CommClosedError, **kwargs):
        calls.append(1)
        if len(calls) <= fail and where == "submitting":
            raise error("in <TCP (closed) ConnectionPool.scatter>: Stream is closed")
        future = compute(*args, **kwargs)
        return _LostResult(future) if len(calls) <= fail else future

    monkeypatch.setattr(data_module, "BACKOFF", 0.0)
    try:
        P = EpochTrainer(X, Y, initialize_parameters([N_X, 5, 1], "lecun", 1), spec).net.P
        expected = data.loss_and_gradient(P)
        monkeypatch.setattr(client, "compute", functools.partial(flaky, fail=data_module.RETRIES))
        got = data.loss_and_gradient(P)
        assert len(calls) == data_module.RETRIES + 1
        calls.clear()
        monkeypatch.setattr(client, "compute", functools.partial(flaky, fail=data_module.RETRIES + 1))
        with pytest.raises(CommClosedError):
            data.loss_and_gradient(P)
        assert len(calls) == data_module.RETRIES + 1
        if where == "submitting":
            calls.clear()
            monkeypatch.setattr(client, "compute", functools.partial(flaky, fail=1, error=FileNotFoundError))
            with pytest.raises(FileNotFoundError):
                data.loss_and_gradient(P)
            assert len(calls) == 1
    finally:
        monkeypatch.undo()
        data.close()
    assert got[0] == expected[0]
    np.testing.assert_array_equal(got[1], expected[1])


# ---------------------------------------------------------------- bad input
def test_bad_layouts_and_settings_are_named(client):
    run = RUNS["classic"]
    X, Y = targets(run)
    dX, dY = on_dask(X, Y, 60)

    def train(X=dX, Y=dY, client=client, **kwargs):
        return fastnn.train(X, Y, **{**run, **kwargs}, num_iterations=2, client=client)

    with pytest.raises(ValueError, match=r"X is chunked along its features \(rows \(3, 3\)\).*X.rechunk"):
        train(X=da.from_array(X, chunks=(3, 60)))
    with pytest.raises(ValueError, match=r"chunked differently along the examples \(X: \(60, 60, 60, 60\), Y: \(120"):
        train(Y=da.from_array(Y, chunks=(1, 120)))
    with pytest.raises(ValueError, match="disagree on the number of examples: X has 240 columns, Y has 200"):
        train(Y=da.from_array(Y[:, :200], chunks=(1, 60)))
    with pytest.raises(ValueError, match="Y must be 2-D"):
        train(Y=da.from_array(Y[0], chunks=60))
    with pytest.raises(ValueError, match=r"batch_size=32: Dask runs full-batch training only.*round trip"):
        train(batch_size=32)
    with pytest.raises(ValueError, match=r"keep_prob=0.8: dropout is not run on Dask: its masks are drawn by position"):
        train(keep_prob=0.8, loss="binary_crossentropy")
    with pytest.raises(ValueError, match="backend='numpy': Dask runs fastnn's compiled kernels"):
        train(backend="numpy")
    with pytest.raises(ValueError, match="mode='gram' keeps an m x m matrix"):
        train(mode="gram")
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client, got str"):
        train(client="tcp://127.0.0.1:8786")
    with pytest.raises(TypeError, match="client= is given but X and Y are not Dask arrays"):
        fastnn.train(X, Y, **run, num_iterations=2, client=client)
    with pytest.raises(TypeError, match="X must hold real numbers"):
        train(X=dX.astype(complex))
    # values are checked on the workers, naming the chunk's examples
    bad = X.copy()
    bad[2, 130] = np.nan
    with pytest.raises(ValueError, match=r"in examples 120..179 \(one Dask chunk\): X contains NaN"):
        train(X=da.from_array(bad, chunks=(N_X, 60)))
    labels = np.full((1, M), 2.0)
    with pytest.raises(ValueError, match=r"in examples 0..59 .*labels must be integers in 0..1"):
        train(Y=da.from_array(labels, chunks=(1, 60)), layer_dims=[N_X, 3, 2], loss="categorical_crossentropy")
    # a NumPy Y is chunked like X
    result = train(Y=Y)
    assert result.costs.shape == (2,)
    spec = TrainingSpec(tuple(run["layer_dims"]), run["hidden_activation"])
    for clip in (-0.1, 0.5, float("nan")):
        with pytest.raises(ValueError, match="clip must be 0 .the exact loss. or a probability clip below 0.5"):
            DaskData(dX, dY, client=client).persist(spec, clip=clip)


# ---------------------------------------------------------------- checkpoint, resume, Ctrl-C
def test_checkpoint_and_resume_on_dask(client, tmp_path):
    run, chunks = RUNS["momentum_multilabel_l2_step"], CHUNKINGS["even"]
    ckpt = tmp_path / "c.npz"
    comp_train(client, run, chunks, 7, checkpoint=ckpt)
    resumed = comp_train(client, run, chunks, 16, resume=ckpt)
    assert_same_run(resumed, *ref_tree_run(run, chunks, 16))
    with pytest.raises(ValueError, match=r"partitions=\[60, 60, 60, 60\], this run has \[120, 120\]"):
        comp_train(client, run, (120, 120), 16, resume=ckpt)
    with pytest.raises(ValueError, match="backend='dask', this run has 'fastnn.kernels'"):
        ref_train(run, 16, resume=ckpt)


CTRL_C_SCRIPT = """
import sys
import dask.array as da
import fastnn
from distributed import Client, LocalCluster
from tests.test_dask import RUNS, on_dask, targets

if __name__ == "__main__":
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    client = Client(cluster)
    run = RUNS["adam_l2_softmax_labels"]
    X, Y = on_dask(*targets(run), 60)
    try:
        fastnn.train(X, Y, **run, num_iterations=10**7, checkpoint=sys.argv[1], print_every=20, client=client)
    except KeyboardInterrupt as exc:
        print(exc, file=sys.stderr)
        sys.exit(130)
"""


def test_ctrl_c_saves_a_checkpoint_that_resumes_bit_for_bit(client, tmp_path):
    ckpt = tmp_path / "run.ckpt.npz"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, str(ckpt)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        assert lines[1].startswith("Cost after iteration 20: "), lines
        proc.send_signal(signal.SIGINT)
        _, err = interrupted(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == 130, err
    # The message on a line of its own, and no traceback. Not necessarily the last line: the
    # in-process cluster, shut down at exit, may log its workers' removal after it (seen twice
    # in the tenth session's runs, the order being a matter of timing).
    message = rf"^training interrupted at iteration (\d+); checkpoint saved to {re.escape(str(ckpt))}$"
    said = re.search(message, err, re.M)
    assert said and "Traceback" not in err, err
    done = int(said[1])
    _, costs, meta = fastnn.io.load_checkpoint(ckpt)
    assert meta["backend"] == "dask" and costs.size == done > 20
    run = RUNS["adam_l2_softmax_labels"]
    resumed = comp_train(client, run, 60, done + 3, resume=ckpt)
    assert_same_run(resumed, *ref_tree_run(run, (60,) * 4, done + 3))


# ---------------------------------------------------------------- faults
def test_a_worker_killed_mid_run_changes_nothing(client):
    """A worker process killed in the middle of an iteration (SIGKILL from inside one of its
    partition tasks, so the moment is certain): Dask recomputes its partitions from their source
    (here the array in the graph) and the lost tasks on the other worker, and the run ends on
    the same bits as one that nothing disturbed (which, for a given chunking, is the same on
    every cluster shape: computed on the in-process cluster). Whether the nanny brings the
    worker back is Dask's business, not checked: distributed's restart now and then never
    comes back here, on a worker that died idle or busy alike."""
    run, chunks = RUNS["sklearn_adam_sigmoid_layers"], CHUNKINGS["uneven_odd"]
    X, Y = targets(run)
    spec = spec_of(run)
    params = initialize_parameters(list(spec.layer_dims), "lecun", 1, np.float64)
    straight_data = DaskData(*on_dask(X, Y, chunks), client=client).persist(spec)
    try:
        straight = DaskTrainer(straight_data, params, spec)
        straight_costs = straight.run(40)
    finally:
        straight_data.close()

    def die_at_call(n: int) -> None:
        """Make this worker's n-th partition task from now on kill its process."""
        import fastnn.dask._worker as worker_module

        original, calls = worker_module.partition_gradient, [0]

        def dying(*args, **kwargs):
            calls[0] += 1
            if calls[0] == n:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*args, **kwargs)

        worker_module.partition_gradient = dying

    cluster, faulty = _cluster(n_workers=2, threads_per_worker=1, processes=True)
    try:
        data = DaskData(*on_dask(X, Y, chunks), client=faulty).persist(spec)
        pids = faulty.run(os.getpid)
        victim = next(iter(faulty.who_has(data._parts)[data._parts[0].key]))
        assert len(pids) == 2
        faulty.run(die_at_call, 5, workers=[victim])  # it holds partitions: runs tasks every iteration
        faulted = DaskTrainer(data, params, spec)
        costs = faulted.run(40)
        # Asked of the scheduler (a restarted worker may not answer a run): the victim's address
        # is gone (a restarted worker comes back at another).
        assert victim not in faulty.scheduler_info()["workers"]
        data.close()
    finally:
        faulty.close(timeout=30)
        cluster.close(timeout=30)
    np.testing.assert_array_equal(costs, straight_costs)
    for key, value in straight.parameters().items():
        np.testing.assert_array_equal(faulted.parameters()[key], value)


# ---------------------------------------------------------------- what importing fastnn does
NO_DASK_SCRIPT = """
import sys, numpy as np, fastnn
X = np.random.default_rng(0).standard_normal((3, 40)); Y = (X[:1] > 0).astype(float)
fastnn.train(X, Y, [3, 2, 1], num_iterations=2)
assert "dask" not in sys.modules and "distributed" not in sys.modules, "fastnn imported dask"
import dask.array as da
try:
    fastnn.train(da.from_array(X, chunks=(3, 20)), Y, [3, 2, 1], num_iterations=2)
except ValueError as exc:
    print(exc)
"""


def test_fastnn_never_imports_dask_and_no_client_is_named():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", NO_DASK_SCRIPT], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("training on Dask arrays needs a dask.distributed Client: pass client=")


def test_the_partition_kernel_releases_the_gil():
    assert _gradient.targetoptions["nogil"] is True
