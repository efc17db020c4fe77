"""What runs on the Dask workers: a partition's preparation, its gradient sums, their sum.

Every function here is module-level, so Dask pickles it by reference (its module and name)
and each worker process imports it once; nothing here talks to the scheduler.

- :func:`prepare_partition` turns one chunk of ``X`` and ``Y`` (a column range of the
  examples) into the pair the kernels read: C-contiguous, writable, of the run's dtype, ``Y``
  checked for the loss (integer labels made one-hot); it is the task whose result stays on
  the worker for the whole run.
- :func:`partition_gradient` runs the generic loop's own forward and backward pass
  (:func:`fastnn.kernels.training._gradient`, compiled ``nogil``: a worker's threads run
  partitions side by side) on the partition's columns and returns the RAW gradient sums and
  the summed loss, without the L2 term, which the client adds once.
- :func:`add` is one node of the reduction tree.
- :class:`WorkerSetup` is the worker plugin: BLAS threads per worker process, and the
  kernels compiled (or loaded from Numba's disk cache) when a worker starts, restarted ones
  included.

Buffers: a partition's activations and their gradients (``(n_l, m_j)`` per layer) are
allocated once per run and partition size, kept in a small pool per worker process
(:data:`_POOL`, one workspace per task running at once), and freed by :func:`release`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import namedtuple
from dataclasses import replace

import numpy as np
from distributed.diagnostics.plugin import WorkerPlugin

from fastnn._validation import as_matrix, check_targets
from fastnn.kernels.training import EpochTrainer, _gradient
from fastnn.spec import TrainingSpec

#: What every partition task of a run needs besides its data and the parameters: the run's
#: token (the workspaces' key), its spec, the factor of the summed loss and the probability
#: clip of scikit-learn's log-loss (0: the exact loss; :class:`~fastnn.kernels.training.Hyper`).
#: Small, sent with each task; the parameters are one task of the graph (:func:`parameters`).
Plan = namedtuple("Plan", "token spec loss_scale clip")

#: Workspaces of the runs under way in this process: ``(token, m_j) -> [(net, hyper), ...]``.
_POOL: dict[tuple, list] = {}
_LOCK = threading.Lock()


def prepare_partition(X, Y, dtype: str, loss: str, n_out: int, start: int) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of the training set as the kernels read it, checked.

    Parameters
    ----------
    X : (n_x, m_j) array
    Y : (n_y, m_j) array
        The chunk's examples ``start .. start + m_j - 1``.
    dtype : {"float32", "float64"}
    loss : str
    n_out : int
        ``layer_dims[-1]``.
    start : int
        Index of the chunk's first example (for error messages).

    Returns
    -------
    X, Y : C-contiguous, writable arrays of ``dtype``; ``Y`` one-hot for categorical labels.

    Raises
    ------
    ValueError, TypeError
        As :func:`fastnn.train` for the same values, naming the examples of the chunk.
    """
    try:
        X = as_matrix("X", X, np.dtype(dtype))
        Y = check_targets(Y, loss, n_out, X)
    except (ValueError, TypeError) as exc:
        stop = start + np.shape(X)[-1] - 1
        raise type(exc)(f"in examples {start}..{stop} (one Dask chunk): {exc}") from None
    return _writable(X), _writable(Y)


def _writable(a: np.ndarray) -> np.ndarray:
    """``a`` C-contiguous and writable (a read-only array is another type to Numba: another compile)."""
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, order="C")


def _workspace(plan: Plan, X: np.ndarray, Y: np.ndarray):
    """The generic loop's buffers for a full batch of ``X``'s columns; hyperparameters without L2."""
    dims = plan.spec.layer_dims
    zeros = {}
    for l in range(1, len(dims)):
        zeros[f"W{l}"] = np.zeros((dims[l], dims[l - 1]), X.dtype)
        zeros[f"b{l}"] = np.zeros((dims[l], 1), X.dtype)
    trainer = EpochTrainer(X, Y, zeros, replace(plan.spec, batch_size=None))
    # L2 is added once, on the client: here it would count once per partition.
    return trainer.net, trainer.hyper._replace(l2=0.0, loss_scale=float(plan.loss_scale), clip=float(plan.clip))


def partition_gradient(part: tuple[np.ndarray, np.ndarray], P: np.ndarray, plan: Plan) -> tuple[np.ndarray, float]:
    """The gradient sums and summed loss of one partition at the flat parameters ``P``.

    Parameters
    ----------
    part : (X, Y)
        From :func:`prepare_partition`.
    P : (n_p,) array
        All weights then all biases, laid out as :class:`~fastnn.kernels.training.Net`'s ``P``.
    plan : Plan

    Returns
    -------
    G : (n_p,) array
        ``dZ @ A_prev.T`` and ``sum(dZ)`` of every layer over the partition's examples, not
        divided by anything, no L2 term.
    loss : float
        The partition's summed loss times ``plan.loss_scale``.
    """
    X, Y = (_writable(a) for a in part)  # a partition copied here from another worker arrives read-only
    key = (plan.token, X.shape[1])
    with _LOCK:
        free = _POOL.setdefault(key, [])
        workspace = free.pop() if free else None
    if workspace is None:
        workspace = _workspace(plan, X, Y)
    net, hyper = workspace
    try:
        np.copyto(net.P, P)
        G = np.empty_like(net.P)
        loss = _gradient(X, Y, net.w, net._replace(G=G), hyper, 0)  # unweighted: w unused
    finally:
        with _LOCK:
            _POOL.setdefault(key, []).append(workspace)
    return G, float(loss)


def parameters(P: np.ndarray) -> np.ndarray:
    """The iteration's flat parameters, as the one task every partition's task reads.

    A task of the graph rather than scattered data: a worker holding it may die, and the
    scheduler then runs it again from the graph (scattered data would be lost, and a broadcast
    scatter interrupted by a dying worker can stall the scheduler's replication).
    """
    return P


def add(a: tuple[np.ndarray, float], b: tuple[np.ndarray, float]) -> tuple[np.ndarray, float]:
    """One node of the reduction tree: ``a + b``, ``a`` the lower partitions."""
    return a[0] + b[0], a[1] + b[1]


def release(token: str) -> int:
    """Free this process's workspaces of run ``token``; returns how many there were."""
    with _LOCK:
        keys = [key for key in _POOL if key[0] == token]
        return sum(len(_POOL.pop(key)) for key in keys)


def warm_up(dtype: str) -> None:
    """Compile (or load from the disk cache) the partition kernel for ``dtype`` in this process:
    its types do not depend on the layer sizes or the hyperparameters' values."""
    spec = TrainingSpec((2, 2, 1), dtype=dtype)
    X = np.zeros((2, 3), dtype)
    Y = np.zeros((1, 3), dtype)
    partition_gradient((X, Y), np.zeros(9, dtype), Plan("warm-up", spec, 1.0, 0.0))
    release("warm-up")


def _place() -> tuple[str, int]:
    return socket.gethostname(), os.getpid()


class WorkerSetup(WorkerPlugin):
    """Per worker process, at registration and whenever a worker (re)starts: BLAS threads
    limited to ``blas_threads``, and the partition kernel compiled for ``dtypes``.

    Workers that run inside the client's own process (``LocalCluster(processes=False)``)
    share its BLAS: their thread count is left alone (the caller's to set).
    """

    idempotent = False

    def __init__(self, blas_threads: int | None, dtypes: tuple[str, ...]):
        self.blas_threads = blas_threads
        self.dtypes = tuple(dtypes)
        self.client_place = _place()

    def setup(self, worker) -> None:
        if self.blas_threads is not None and _place() != self.client_place:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=self.blas_threads, user_api="blas")
        for dtype in self.dtypes:
            warm_up(dtype)
