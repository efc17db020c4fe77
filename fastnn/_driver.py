"""Runs training in chunks: costs reported as it goes, checkpoints, resume, Ctrl-C.

Every backend is driven through one small interface (``run(n) -> costs``, ``parameters()``,
``state()``, ``restore(...)``, ``blas_threads()``, ``flops_per_iteration``), built by
:func:`make_trainer` from the run's :class:`~fastnn.spec.TrainingSpec`: on the numba backend
the compiled :class:`~fastnn.kernels.engine.Trainer` (full-batch gradient descent of one
sigmoid unit: Gram mode, the one-hidden-layer loop) or the generic
:class:`~fastnn.kernels.training.EpochTrainer` (everything else, in Gram mode too where it is
exact: :mod:`fastnn.kernels.gram`); on the numpy backend
:class:`_ReferenceTrainer` around the reference's ``train_epochs``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.backends import BACKENDS
from fastnn.spec import TrainingSpec

#: Without reports or checkpoints, a compiled call still returns to Python after about this
#: many flops of products, or this many iterations, so that Ctrl-C is honoured within a
#: second or so.
CHUNK_FLOPS = 2e10
CHUNK_ITERATIONS = 5_000


class _ReferenceTrainer:
    """The numpy backend behind the trainer interface, around :func:`fastnn.reference.training.train_epochs`."""

    def __init__(self, X, Y, parameters, spec: TrainingSpec, state: dict | None = None):
        self.X, self.Y, self.params, self.spec, self._state = X, Y, parameters, spec, state
        self.flops_per_iteration = spec.flops(X.shape[1])

    def blas_threads(self):
        return contextlib.nullcontext()

    def run(self, n: int) -> FloatArray:
        from fastnn.reference.training import train_epochs

        self.params, costs, self._state = train_epochs(self.X, self.Y, self.params, self.spec, n, self._state)
        return costs

    def parameters(self) -> Parameters:
        return {k: v.copy() for k, v in self.params.items()}

    def state(self) -> dict[str, np.ndarray]:
        """Parameters, moments (``v_W1``, ...) and the epoch and mini-batch counters, as arrays."""
        out = self.parameters()
        if self._state is not None:
            for moment in ("v", "s"):
                for key, value in self._state.get(moment, {}).items():
                    out[f"{moment}_{key}"] = value.copy()
            out["epoch"], out["t"] = np.array(self._state["epoch"]), np.array(self._state["t"])
        return out

    @classmethod
    def restore(cls, X, Y, state: dict, spec: TrainingSpec) -> _ReferenceTrainer:
        from fastnn.reference.training import init_state

        params = {k: v for k, v in state.items() if k[0] in "Wb"}
        saved = init_state(params, spec)
        if "epoch" in state:
            saved["epoch"], saved["t"] = int(state["epoch"]), int(state["t"])
            for moment in ("v", "s"):
                for key in saved.get(moment, {}):
                    saved[moment][key] = np.array(state[f"{moment}_{key}"])
        return cls(X, Y, params, spec, saved)


def classic(spec: TrainingSpec, m: int) -> bool:
    """Full-batch gradient descent of sigmoid units with no L2, dropout or decay: the compiled
    :class:`~fastnn.kernels.engine.Trainer`'s case (Gram mode, the one-hidden-layer loop)."""
    return (
        spec.optimizer == "gd"
        and (spec.batch_size is None or spec.batch_size >= m)
        and spec.loss == "binary_crossentropy"
        and spec.layer_dims[-1] == 1
        and spec.l2 == 0
        and spec.keep_prob == 1
        and spec.decay is None
    )


def make_trainer(X, Y, parameters, spec: TrainingSpec, backend: str, mode: str, expected_iterations: int):
    """The trainer of ``spec`` on ``backend`` (``"numpy"``, ``"numba"``, or ``"dask"``: ``X`` a
    persisted :class:`fastnn.dask.DaskData`)."""
    if backend == "dask":
        from fastnn.dask import DaskTrainer

        return DaskTrainer(X, parameters, spec)
    if backend == "numpy":
        return _ReferenceTrainer(X, Y, parameters, spec)
    if classic(spec, X.shape[1]):
        from fastnn.kernels.engine import Trainer

        return Trainer(X, Y, parameters, spec.hidden_activation, spec.learning_rate, mode, expected_iterations)
    from fastnn.kernels.training import EpochTrainer

    return EpochTrainer(X, Y, parameters, spec, mode=mode, expected_iterations=expected_iterations)


def restore_trainer(X, Y, state: dict, spec: TrainingSpec, backend: str):
    """The trainer that continues from ``state`` (a trainer's :meth:`state`)."""
    if backend == "dask":
        from fastnn.dask import DaskTrainer

        return DaskTrainer.restore(X, state, spec)
    if backend == "numpy":
        return _ReferenceTrainer.restore(X, Y, state, spec)
    if classic(spec, X.shape[1]):
        from fastnn.kernels.engine import Trainer

        return Trainer.restore(X, Y, state, spec.hidden_activation, spec.learning_rate)
    from fastnn.kernels.training import EpochTrainer

    return EpochTrainer.restore(X, Y, state, spec)


def report_points(num_iterations: int, every: int, last: bool) -> list[int]:
    """Iterations at which a cost is reported: multiples of ``every`` and, if ``last``, the final one."""
    points = set(range(0, num_iterations, every)) if every > 0 else set()
    if last and num_iterations > 0:
        points.add(num_iterations - 1)
    return sorted(points)


@contextlib.contextmanager
def _deferred_sigint(enabled: bool):
    """While training with a checkpoint, Ctrl-C sets a flag checked between chunks."""
    flag = {"set": False}
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        flag["set"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def run(
    X: FloatArray,
    Y: FloatArray,
    parameters: Parameters,
    spec: TrainingSpec,
    num_iterations: int,
    backend: str,
    report_at: Iterable[int] = (),
    report: Callable[[int, float], None] | None = None,
    mode: str = "auto",
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 0,
    resume: str | Path | None = None,
    on_nonfinite: str = "raise",
    on_chunk: Callable[[int, FloatArray, Callable[[], Parameters]], None] | None = None,
    chunk_at: Iterable[int] = (),
) -> tuple[Parameters, FloatArray]:
    """Train validated inputs for ``num_iterations`` epochs of ``spec`` on ``backend``; call
    ``report(i, cost_i)`` at each epoch of ``report_at``.

    With ``checkpoint``, the trainer's state, the costs so far and the epoch count are saved
    atomically every ``checkpoint_every`` epochs, at the end, and on Ctrl-C (which then raises
    KeyboardInterrupt naming the file). With ``resume``, training continues from such a file
    (made with the same spec, backend and data shape) and ends bit for bit where an
    uninterrupted run ends. A cost that is not finite, or final parameters that are not,
    raise FloatingPointError naming the epoch and the learning rate; with
    ``on_nonfinite="stop"`` the run instead ends with a RuntimeWarning, returning the last
    parameters whose cost was finite and the costs up to them.

    ``on_chunk(done, costs[:done], parameters)`` (progress displays) is called before the
    first chunk and after each one, with a function returning the parameters after ``done``
    epochs; chunks also end at the epochs of ``chunk_at``.
    """
    from fastnn import io

    learning_rate = spec.learning_rate
    settings = {"backend": BACKENDS.get(backend, backend), "m": X.shape[1]}
    if backend == "dask":  # bit for bit the same run for the same chunking only
        settings["partitions"] = list(X.partitions)
    settings.update(spec.effective(X.shape[1]))
    costs = np.empty(num_iterations, dtype=X.dtype)
    start = 0
    if resume is not None:
        state, done, meta = io.load_checkpoint(resume)
        if "loss" not in meta:
            raise ValueError(
                f"cannot resume from {resume}: it was written by fastnn {meta.get('fastnn_version')}, before "
                "checkpoints recorded the whole training specification; start the run again"
            )
        for key, value in settings.items():
            if meta.get(key) != value:
                name = "seed (the dropout masks' key)" if key == "dropout_seed" else key
                raise ValueError(
                    f"cannot resume from {resume}: it was made with {name}={meta.get(key)!r}, this run has {value!r}"
                )
        # The mode is part of the saved state (Gram mode keeps P and S in the classic engine,
        # gram_Q and gram_qc in the generic loop): "auto" continues in
        # the checkpoint's mode, a forced other one cannot.
        saved_mode = "gram" if "P" in state or "gram_Q" in state else "standard"
        if mode not in ("auto", saved_mode):
            raise ValueError(
                f"cannot resume from {resume}: it was made in mode={saved_mode!r}, this run asks for mode={mode!r}; "
                "pass mode='auto' or the checkpoint's mode"
            )
        if done.size > num_iterations:
            raise ValueError(
                f"cannot resume from {resume}: it is at iteration {done.size}, past num_iterations={num_iterations}"
            )
        trainer = restore_trainer(X, Y, state, spec, backend)
        start = done.size
        costs[:start] = done
    else:
        trainer = make_trainer(X, Y, parameters, spec, backend, mode, num_iterations)

    def restore(state):
        return restore_trainer(X, Y, state, spec, backend)

    # Reports do not cut chunks: after each compiled call, the costs of its report points are
    # printed in order (the same lines, a chunk at a time; a re-entry costs about 50 us).
    points = sorted({int(i) for i in report_at if start <= i < num_iterations})
    stops = {num_iterations}
    if checkpoint is not None and checkpoint_every > 0:
        stops |= set(range(checkpoint_every, num_iterations, checkpoint_every))
    chunk = max(1, min(CHUNK_ITERATIONS, int(CHUNK_FLOPS / max(trainer.flops_per_iteration, 1.0))))
    stops |= set(range(chunk, num_iterations, chunk))
    stops |= {int(i) for i in chunk_at if 0 < i < num_iterations}

    def save(at: int) -> None:
        if checkpoint is not None:
            io.save_checkpoint(checkpoint, trainer.state(), costs[:at], at, num_iterations=num_iterations, **settings)

    keep = on_nonfinite == "stop"
    # For on_nonfinite="stop": the trainer's state at the start of this chunk and the last.
    marks = [(start, trainer.state()), (start, trainer.state())] if keep else []
    if on_chunk is not None:
        on_chunk(start, costs[:start], trainer.parameters)
    with _deferred_sigint(checkpoint is not None) as interrupted, trainer.blas_threads():
        for stop in sorted(s for s in stops if s > start):
            if keep:
                marks = [marks[1], (start, trainer.state())]
            # A diverging run overflows in its products; it is reported below, by iteration.
            with np.errstate(over="ignore", invalid="ignore"):
                costs[start:stop] = trainer.run(stop - start)
            bad = first_nonfinite(costs[start:stop], start)
            if report is not None:
                for i in points:
                    if start <= i < (stop if bad is None else bad):
                        report(i, costs[i])
            if bad is not None:
                if not keep:
                    raise divergence(bad, costs, learning_rate)
                return _stop_early(bad, costs, learning_rate, marks, restore)
            if on_chunk is not None:
                on_chunk(stop, costs[:stop], trainer.parameters)
            if checkpoint is not None and stop < num_iterations and checkpoint_every and stop % checkpoint_every == 0:
                save(stop)
            start = stop
            if interrupted["set"] and stop < num_iterations:  # Ctrl-C in the last chunk: the run is done
                save(stop)
                raise KeyboardInterrupt(f"training interrupted at iteration {stop}; checkpoint saved to {checkpoint}")
    # The final parameters, which no cost has looked at, count as iteration num_iterations.
    final = trainer.parameters()  # built once: in Gram mode this is a product with X
    if not all(np.all(np.isfinite(v)) for v in final.values()):
        if not keep:
            raise divergence(num_iterations, costs, learning_rate)
        return _stop_early(num_iterations, costs, learning_rate, marks, restore)
    save(num_iterations)  # the end, once its parameters are known to be finite
    return final, costs


def first_nonfinite(chunk_costs: FloatArray, offset: int) -> int | None:
    """The first iteration whose cost is NaN or infinite, or None."""
    bad = np.flatnonzero(~np.isfinite(chunk_costs))
    return offset + int(bad[0]) if bad.size else None


def divergence(i: int, costs: FloatArray, learning_rate: float) -> FloatingPointError:
    what = f"the cost is {costs[i]}" if i < costs.size else "the final parameters are not finite"
    return FloatingPointError(
        f"training diverged: {what} at iteration {i} (learning_rate={learning_rate}); try a smaller learning rate"
    )


def _stop_early(i, costs, learning_rate, marks, restore):
    """Rebuild the parameters of iteration ``i - 1`` from the latest saved state before it."""
    import warnings

    candidates = [(at, state) for at, state in marks if at <= i - 1]
    if i == 0 or not candidates:
        raise divergence(i, costs, learning_rate)
    at, state = candidates[-1]
    trainer = restore(state)
    trainer.run(i - 1 - at)
    warnings.warn(
        f"{divergence(i, costs, learning_rate)}; stopped, returning the parameters of iteration {i - 1}, "
        "the last whose cost was finite",
        RuntimeWarning,
        stacklevel=3,
    )
    return trainer.parameters(), costs[:i].copy()
