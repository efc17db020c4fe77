"""Runs training in chunks: costs reported as it goes, checkpoints, resume, Ctrl-C.

Both backends are driven through one small interface (``run(n) -> costs``, ``parameters()``,
``state()``, ``restore(...)``): the numba backend's compiled :class:`~fastnn.kernels.engine.Trainer`,
and :class:`_ReferenceTrainer` around the reference's ``gradient_descent``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.backends import get_backend

#: Without reports or checkpoints, a compiled call still returns to Python after about this
#: many flops of products, or this many iterations, so that Ctrl-C is honoured within a
#: second or so.
CHUNK_FLOPS = 2e10
CHUNK_ITERATIONS = 5_000


class _ReferenceTrainer:
    """The numpy backend behind the trainer interface: parameters are its whole state."""

    def __init__(self, X, Y, parameters, hidden_activation, learning_rate, mode="standard", expected_iterations=0):
        self.X, self.Y, self.params = X, Y, parameters
        self.act, self.lr = hidden_activation, learning_rate
        dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2 + 1)]
        self.flops_per_iteration = 3 * sum(2 * a * b * X.shape[1] for a, b in zip(dims, dims[1:], strict=False))

    def blas_threads(self):
        return contextlib.nullcontext()

    def run(self, n: int) -> FloatArray:
        from fastnn import reference

        self.params, costs = reference.gradient_descent(self.X, self.Y, self.params, self.act, self.lr, n)
        return costs

    def parameters(self) -> Parameters:
        return {k: v.copy() for k, v in self.params.items()}

    state = parameters

    @classmethod
    def restore(cls, X, Y, state, hidden_activation, learning_rate):
        return cls(X, Y, dict(state), hidden_activation, learning_rate)


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
    hidden_activation: str,
    learning_rate: float,
    num_iterations: int,
    backend: str | None,
    report_at: Iterable[int] = (),
    report: Callable[[int, float], None] | None = None,
    mode: str = "auto",
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 0,
    resume: str | Path | None = None,
    on_nonfinite: str = "raise",
) -> tuple[Parameters, FloatArray]:
    """Train validated inputs; call ``report(i, cost_i)`` at each iteration of ``report_at``.

    With ``checkpoint``, the trainer's state, the costs so far and the iteration count are
    saved atomically every ``checkpoint_every`` iterations, at the end, and on Ctrl-C (which
    then raises KeyboardInterrupt naming the file). With ``resume``, training continues from
    such a file and ends bit for bit where an uninterrupted run ends. A cost that is not
    finite, or final parameters that are not, raise FloatingPointError naming the iteration
    and the learning rate; with ``on_nonfinite="stop"`` the run instead ends with a
    RuntimeWarning, returning the last parameters whose cost was finite and the costs up to them.
    """
    from fastnn import io

    module = get_backend(backend)
    kind = getattr(module, "Trainer", _ReferenceTrainer)
    settings = {
        "backend": module.__name__,
        "hidden_activation": hidden_activation,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
        "dtype": str(X.dtype),
        "layer_dims": [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2 + 1)],
        "m": X.shape[1],
    }
    costs = np.empty(num_iterations, dtype=X.dtype)
    start = 0
    if resume is not None:
        state, done, meta = io.load_checkpoint(resume)
        for key, value in settings.items():
            if key != "num_iterations" and meta.get(key) != value:
                raise ValueError(
                    f"cannot resume from {resume}: it was made with {key}={meta.get(key)!r}, this run has {value!r}"
                )
        # The mode is part of the saved state (Gram mode keeps P and S): "auto" continues in
        # the checkpoint's mode, a forced other one cannot.
        saved_mode = "gram" if "P" in state else "standard"
        if mode not in ("auto", saved_mode):
            raise ValueError(
                f"cannot resume from {resume}: it was made in mode={saved_mode!r}, this run asks for mode={mode!r}; "
                "pass mode='auto' or the checkpoint's mode"
            )
        if done.size > num_iterations:
            raise ValueError(
                f"cannot resume from {resume}: it is at iteration {done.size}, past num_iterations={num_iterations}"
            )
        trainer = kind.restore(X, Y, state, hidden_activation, learning_rate)
        start = done.size
        costs[:start] = done
    else:
        trainer = kind(X, Y, parameters, hidden_activation, learning_rate, mode, num_iterations)

    points = {int(i) for i in report_at if start <= i < num_iterations}
    stops = {i + 1 for i in points} | {num_iterations}
    if checkpoint is not None and checkpoint_every > 0:
        stops |= set(range(checkpoint_every, num_iterations, checkpoint_every))
    chunk = max(1, min(CHUNK_ITERATIONS, int(CHUNK_FLOPS / max(trainer.flops_per_iteration, 1.0))))
    stops |= set(range(chunk, num_iterations, chunk))

    def save(at: int) -> None:
        if checkpoint is not None:
            io.save_checkpoint(checkpoint, trainer.state(), costs[:at], at, **settings)

    keep = on_nonfinite == "stop"
    # For on_nonfinite="stop": the trainer's state at the start of this chunk and the last.
    marks = [(start, trainer.state()), (start, trainer.state())] if keep else []
    with _deferred_sigint(checkpoint is not None) as interrupted, trainer.blas_threads():
        for stop in sorted(s for s in stops if s > start):
            if keep:
                marks = [marks[1], (start, trainer.state())]
            # A diverging run overflows in its products; it is reported below, by iteration.
            with np.errstate(over="ignore", invalid="ignore"):
                costs[start:stop] = trainer.run(stop - start)
            bad = first_nonfinite(costs[start:stop], start)
            if bad is not None:
                if not keep:
                    raise divergence(bad, costs, learning_rate)
                return _stop_early(bad, costs, learning_rate, marks, kind, X, Y, hidden_activation)
            if report is not None and stop - 1 in points:
                report(stop - 1, costs[stop - 1])
            if checkpoint is not None and (
                stop == num_iterations or (checkpoint_every and stop % checkpoint_every == 0)
            ):
                save(stop)
            start = stop
            if interrupted["set"]:
                save(stop)
                raise KeyboardInterrupt(f"training interrupted at iteration {stop}; checkpoint saved to {checkpoint}")
    # The final parameters, which no cost has looked at, count as iteration num_iterations.
    final = trainer.parameters()  # built once: in Gram mode this is a product with X
    if not all(np.all(np.isfinite(v)) for v in final.values()):
        if not keep:
            raise divergence(num_iterations, costs, learning_rate)
        return _stop_early(num_iterations, costs, learning_rate, marks, kind, X, Y, hidden_activation)
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


def _stop_early(i, costs, learning_rate, marks, kind, X, Y, hidden_activation):
    """Rebuild the parameters of iteration ``i - 1`` from the latest saved state before it."""
    import warnings

    candidates = [(at, state) for at, state in marks if at <= i - 1]
    if i == 0 or not candidates:
        raise divergence(i, costs, learning_rate)
    at, state = candidates[-1]
    trainer = kind.restore(X, Y, state, hidden_activation, learning_rate)
    trainer.run(i - 1 - at)
    warnings.warn(
        f"{divergence(i, costs, learning_rate)}; stopped, returning the parameters of iteration {i - 1}, "
        "the last whose cost was finite",
        RuntimeWarning,
        stacklevel=3,
    )
    return trainer.parameters(), costs[:i].copy()
