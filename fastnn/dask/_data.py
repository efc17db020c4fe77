"""The training set on a Dask cluster, and the one map-reduce each iteration runs on it.

:class:`DaskData` checks the layout of ``X`` and ``Y`` without computing anything (2-D,
chunked along the examples only, the same chunks for both), then, for a run, turns each
chunk into a checked, contiguous partition held on a worker for the whole run
(:meth:`DaskData.persist`). :meth:`DaskData.loss_and_gradient` is then the whole use of the
cluster: the parameters as one task of the graph (every partition's task reads it), one task
per partition (:func:`~fastnn.dask._worker.partition_gradient`: its gradient sums and loss
sum), a reduction tree fixed by partition index, one result to the client.

The tree is a function of the number of partitions only (level by level, partition ``2i``
with ``2i + 1``; an odd last one goes up unpaired): which worker finishes first never
changes an addition, so a run is bit for bit the same on any cluster for a given chunking.
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from concurrent.futures import CancelledError

import numpy as np

from fastnn._validation import float_dtype_of, resolve_dtype
from fastnn.dask._worker import Plan, WorkerSetup, add, parameters, partition_gradient, prepare_partition, release
from fastnn.kernels.regularization import _squares
from fastnn.spec import TrainingSpec

#: How often one evaluation is submitted again when the cluster loses what it needs (the
#: parameters, or a partition's gradient, with its worker): the parameters are on the client, so
#: an evaluation repeated is the same evaluation.
RETRIES = 3

#: Seconds before the first repeat after a closed connection (doubled each time): a worker
#: killed at the wrong moment can close a connection the client is using; the nanny needs a
#: moment to bring the worker back.
BACKOFF = 0.1


def _client(client):
    """``client``, or the current Dask client; a ValueError when there is none."""
    from distributed import Client, default_client

    if client is None:
        try:
            return default_client()
        except ValueError:
            raise ValueError(
                "training on Dask arrays needs a dask.distributed Client: pass client=..., or start one "
                "first (Client() for a local cluster, Client('scheduler-address') for an existing one)"
            ) from None
    if not isinstance(client, Client):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    return client


def _as_dask(X, Y):
    """``X`` and ``Y`` as Dask arrays: a NumPy one is chunked along the examples like the other."""
    import dask.array as da

    def is_dask(a):
        return isinstance(a, da.Array)

    if not is_dask(X) and not is_dask(Y):
        raise TypeError(
            "client= is given but X and Y are not Dask arrays: pass dask.array.from_array(X, chunks=(n_x, k)) "
            "to train on the cluster, or leave client out to train here"
        )
    for name, a in (("X", X), ("Y", Y)):
        if isinstance(a, (str, bytes)) or a is None:
            raise TypeError(f"{name} must be a 2-D array with one column per example, got {type(a).__name__}")
    if not is_dask(X):
        X = np.asarray(X)
        X = da.from_array(X, chunks=(-1, Y.chunks[-1])) if X.ndim == 2 and Y.ndim == 2 else da.from_array(X)
    if not is_dask(Y):
        Y = np.asarray(Y)
        Y = da.from_array(Y, chunks=(-1, X.chunks[-1])) if X.ndim == 2 and Y.ndim == 2 else da.from_array(Y)
    return X, Y


class DaskData:
    """A training set of Dask arrays, ``X`` ``(n_x, m)`` and ``Y`` ``(n_y, m)``, for the cluster.

    The constructor computes nothing: it checks the layout and finds the client.
    :meth:`persist` places the checked partitions on the workers; :meth:`close` frees them.

    Parameters
    ----------
    X : (n_x, m) dask.array.Array or array_like
    Y : (n_y, m) dask.array.Array or array_like
        At least one of them a Dask array, chunked along the examples (columns) only; a NumPy
        one is chunked like the other. ``Y`` as :func:`fastnn.train` takes it (integer labels
        ``(1, m)`` for categorical cross-entropy are made one-hot on the workers).
    client : distributed.Client, optional
        Default: the current client.
    dtype : {None, "float32", "float64"}
        None: float32 for float32 ``X``, else float64.

    Attributes
    ----------
    shape : (n_x, m)
    dtype : numpy.dtype
    partitions : tuple of int
        Examples per partition (the chunks along the examples), in order.

    Raises
    ------
    ValueError
        ``X`` or ``Y`` not 2-D, empty, chunked along the features (rows), chunked unlike the
        other along the examples, of unknown chunk sizes, or of different lengths; no client.
    TypeError
        A non-real dtype, or ``client`` not a Client.
    """

    def __init__(self, X, Y, client=None, dtype=None):
        try:
            import dask.array  # noqa: F401
            import distributed  # noqa: F401
        except ImportError as exc:  # pragma: no cover - the extra is installed where tests run
            raise ImportError("training on Dask arrays needs dask and distributed: pip install 'fastnn[dask]'") from exc
        X, Y = _as_dask(X, Y)
        natural = float_dtype_of("X", X)
        float_dtype_of("Y", Y)
        for name, a in (("X", X), ("Y", Y)):
            if a.ndim != 2:
                raise ValueError(f"{name} must be 2-D, one example per column; got a Dask array of shape {a.shape}")
            if any(math.isnan(c) for c in a.chunks[0] + a.chunks[1]):
                raise ValueError(
                    f"{name} has chunks of unknown size {a.chunks}: call {name}.compute_chunk_sizes() first"
                )
            if a.shape[0] == 0 or a.shape[1] == 0:
                raise ValueError(f"{name} is empty (shape {a.shape}): it needs at least one row and one example")
            if len(a.chunks[0]) > 1:
                raise ValueError(
                    f"{name} is chunked along its features (rows {a.chunks[0]}): a partition needs whole examples; "
                    f"chunk it along the examples only, {name}.rechunk({{0: -1}})"
                )
        if X.shape[1] != Y.shape[1]:
            raise ValueError(
                f"X and Y disagree on the number of examples: X has {X.shape[1]} columns, Y has {Y.shape[1]}"
            )
        if X.chunks[1] != Y.chunks[1]:
            raise ValueError(
                f"X and Y are chunked differently along the examples (X: {X.chunks[1]}, Y: {Y.chunks[1]}): "
                "partition j must hold the same examples of both; Y.rechunk({1: X.chunks[1]})"
            )
        self.client = _client(client)
        self.X, self.Y = X, Y
        self.dtype = resolve_dtype(dtype, natural)
        self.shape = (int(X.shape[0]), int(X.shape[1]))
        self.partitions = tuple(int(c) for c in X.chunks[1])
        self.token = uuid.uuid4().hex[:16]
        self._parts = None
        self._plan = None
        self._calls = 0

    ndim = 2

    def persist(
        self, spec: TrainingSpec, loss_scale: float = 1.0, blas_threads: int | None = 1, *, clip: float = 0.0
    ) -> DaskData:
        """Check and place the partitions on the workers for runs of ``spec``; wait until they are there.

        Parameters
        ----------
        spec : TrainingSpec
            The run; its loss and output size say how ``Y`` is checked.
        loss_scale : float
            Factor of the summed loss (scikit-learn's squared error is a mean over outputs).
        blas_threads : int or None
            BLAS threads in each worker process (None: leave them). One, with as many Dask
            threads per worker as it has cores, keeps every core busy without oversubscription.
        clip : float
            0 for the exact loss (as :func:`fastnn.train`), or the probability clip of
            scikit-learn's log-loss (``fastnn.sklearn``'s lbfgs sets it): the loss of the
            cross-entropy heads as scikit-learn computes it, as the local loop does. Outside
            ``[0, 0.5)``, a ValueError.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            Values :func:`fastnn.train` refuses (NaN, labels out of range, ...), naming the examples.
        """
        from dask import delayed

        if not 0.0 <= clip < 0.5:  # NaN fails too
            raise ValueError(f"clip must be 0 (the exact loss) or a probability clip below 0.5, got {clip!r}")
        self.close()
        self._plan = Plan(self.token, spec, float(loss_scale), float(clip))
        self.client.register_plugin(WorkerSetup(blas_threads, (self.dtype.name,)), name=f"fastnn-{self.dtype.name}")
        starts = np.cumsum((0, *self.partitions[:-1]))
        prepare = delayed(prepare_partition, pure=True)
        chunks = zip(self.X.to_delayed().ravel(), self.Y.to_delayed().ravel(), starts, strict=True)
        parts = [
            prepare(x, y, self.dtype.name, spec.loss, spec.layer_dims[-1], int(start),
                    dask_key_name=f"fastnn-partition-{self.token}-{j}")
            for j, (x, y, start) in enumerate(chunks)
        ]  # fmt: skip
        # Spread over the workers' threads, round robin (left to itself the scheduler may put
        # every partition on the first worker to ask: here two partitions of 10^6 examples
        # landed on one of two single-threaded workers, and each iteration took twice as long).
        # Loose: a partition goes elsewhere if its worker is gone.
        info = self.client.scheduler_info()["workers"]
        slots = [address for rank in range(max((w["nthreads"] for w in info.values()), default=0))
                 for address, w in sorted(info.items()) if w["nthreads"] > rank]  # fmt: skip
        futures = [
            self.client.compute(part, workers=[slots[j % len(slots)]], allow_other_workers=True)
            if slots
            else self.client.compute(part)
            for j, part in enumerate(parts)
        ]
        for future in futures:  # waits for each; the first bad partition in order, whichever failed first
            if future.exception() is not None:
                future.result()
        self._parts = futures
        return self

    def loss_and_gradient(self, P: np.ndarray) -> tuple[float, np.ndarray]:
        """The summed loss and gradient sums of the whole training set at the flat parameters ``P``.

        What :func:`fastnn.kernels.training._gradient` returns and writes for the whole set
        on one machine, computed on the cluster: the same per-example terms, added partition
        by partition and then up a fixed tree.

        Parameters
        ----------
        P : (n_p,) array
            All weights then all biases (:class:`~fastnn.kernels.training.Net`'s layout), of ``dtype``.

        Returns
        -------
        cost : float
            ``loss_scale * summed loss + (l2 / 2) * sum ||W||^2`` (float64, not divided by ``m``).
        G : (n_p,) array
            The raw gradient sums (not divided by ``m``, no L2 term).
        """
        if self._parts is None:
            raise RuntimeError("DaskData.persist(spec) first")
        from distributed.comm.core import CommClosedError

        for attempt in range(RETRIES + 1):
            try:
                G, loss = self._map_reduce(P)
                break
            except CancelledError:  # lost dependencies (distributed's FutureCancelledError)
                if attempt == RETRIES:
                    raise
            except (CommClosedError, ConnectionError):  # a worker died mid-message (other OSErrors,
                # a missing file say, are the task's own and raised at once)
                if attempt == RETRIES:
                    raise
                time.sleep(BACKOFF * 2**attempt)
        spec = self._plan.spec
        if spec.l2 > 0:  # once, as the local loop adds it once per batch
            n_w = sum(a * b for a, b in zip(spec.layer_dims, spec.layer_dims[1:], strict=False))
            loss += spec.l2 / 2 * _squares(P[:n_w])
        return loss, G

    def _map_reduce(self, P: np.ndarray) -> tuple[np.ndarray, float]:
        import dask
        from dask import delayed

        self._calls += 1
        tag = f"{self.token}-{self._calls}"
        # A fresh key each time (a key reused after its release can be lost); a task, not
        # scattered data, so that it is recomputed if its worker dies.
        params = delayed(parameters, pure=False)(np.array(P, copy=True), dask_key_name=f"fastnn-parameters-{tag}")
        task = delayed(functools.partial(partition_gradient, plan=self._plan), pure=False)
        level = [task(part, params, dask_key_name=f"fastnn-gradient-{tag}-{j}") for j, part in enumerate(self._parts)]
        depth = 0
        while len(level) > 1:
            pairs = [
                delayed(add)(level[i], level[i + 1], dask_key_name=f"fastnn-sum-{tag}-{depth}-{i // 2}")
                for i in range(0, len(level) - 1, 2)
            ]
            level = pairs + level[len(pairs) * 2 :]
            depth += 1
        # The parameters travel in the graph, through the scheduler: for a large network
        # (above distributed's 10 MB, about 1.3 million float64 parameters) that is what this
        # graph is for, not the mistake the warning is about.
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1TB"}):
            total = self.client.compute(level[0], optimize_graph=False)
        try:
            G, loss = total.result()
        finally:
            total.release()
        return G, loss

    def close(self) -> None:
        """Free the partitions and the workers' buffers of this data set."""
        if self._parts is not None:
            for future in self._parts:
                future.release()
            self._parts = None
            try:
                self.client.run(release, self.token)
            except Exception:  # pragma: no cover - a closing cluster frees its memory anyway
                pass
