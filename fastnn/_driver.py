"""Runs a backend's gradient descent in chunks, so costs can be reported as training goes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.backends import get_backend


def report_points(num_iterations: int, every: int, last: bool) -> list[int]:
    """Iterations at which a cost is reported: multiples of ``every`` and, if ``last``, the final one."""
    points = set(range(0, num_iterations, every)) if every > 0 else set()
    if last and num_iterations > 0:
        points.add(num_iterations - 1)
    return sorted(points)


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
) -> tuple[Parameters, FloatArray]:
    """Train validated inputs; call ``report(i, cost_i)`` at each iteration of ``report_at``.

    The numba backend runs its compiled engine (one compiled call per chunk between
    reports, buffers and Gram-mode state kept across chunks); the numpy backend runs the
    reference's :func:`~fastnn.reference.gradient_descent`. Returns the final parameters
    and the cost of every iteration. A cost that is not finite raises FloatingPointError
    naming the iteration and the learning rate.
    """
    module = get_backend(backend)
    trainer = None
    if hasattr(module, "Trainer"):
        trainer = module.Trainer(X, Y, parameters, hidden_activation, learning_rate, mode, num_iterations)
    costs = np.empty(num_iterations, dtype=X.dtype)
    points = {int(i) for i in report_at if 0 <= i < num_iterations}
    start = 0
    stops = [i + 1 for i in sorted(points)]
    if not stops or stops[-1] != num_iterations:
        stops.append(num_iterations)
    for stop in stops:
        if stop > start:
            # A diverging run overflows in its products; it is reported below, by iteration.
            with np.errstate(over="ignore", invalid="ignore"):
                if trainer is not None:
                    costs[start:stop] = trainer.run(stop - start)
                else:
                    parameters, costs[start:stop] = module.gradient_descent(
                        X, Y, parameters, hidden_activation, learning_rate, stop - start
                    )
        check_costs(costs[start:stop], start, learning_rate)
        if report is not None and stop - 1 in points:
            report(stop - 1, costs[stop - 1])
        start = stop
    if trainer is not None:
        parameters = trainer.parameters()
    return parameters, costs


def check_costs(costs: FloatArray, offset: int, learning_rate: float) -> None:
    """FloatingPointError at the first cost that is NaN or infinite."""
    bad = np.flatnonzero(~np.isfinite(costs))
    if bad.size:
        i = offset + int(bad[0])
        raise FloatingPointError(
            f"training diverged: the cost is {costs[bad[0]]} at iteration {i} "
            f"(learning_rate={learning_rate}); try a smaller learning rate"
        )
