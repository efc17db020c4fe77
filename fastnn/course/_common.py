"""What the course modules share: validated training through a backend."""

from __future__ import annotations

import numpy as np

from fastnn import _driver
from fastnn._typing import Parameters
from fastnn._validation import check_learning_rate, check_num_iterations, check_parameters, check_XY
from fastnn.backends import resolve_backend
from fastnn.spec import TrainingSpec


def fit(
    X,
    Y,
    parameters: Parameters,
    hidden_activation: str,
    learning_rate: float,
    num_iterations: int,
    backend: str | None,
    print_every: int,
    print_last: bool,
    line: str,
):
    """Validate, train on ``backend`` and print ``line.format(i, cost)`` at the course's iterations.

    Returns ``(parameters, costs)`` with ``costs`` the cost of every iteration.
    """
    X, Y = check_XY(X, Y)
    return fit_checked(
        X,
        Y,
        check_parameters(parameters, X.shape[0], X.dtype),
        hidden_activation,
        check_learning_rate(learning_rate),
        check_num_iterations(num_iterations),
        backend,
        print_every,
        print_last,
        line,
    )


def fit_checked(
    X, Y, parameters, hidden_activation, learning_rate, num_iterations, backend, print_every, print_last, line
):
    """:func:`fit` for inputs already validated."""
    points = _driver.report_points(num_iterations, print_every, print_last)
    L = len(parameters) // 2
    dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
    spec = TrainingSpec(dims, hidden_activation, learning_rate=learning_rate, dtype=X.dtype.name)
    return _driver.run(
        X,
        Y,
        parameters,
        spec,
        num_iterations,
        resolve_backend(backend),
        report_at=points,
        report=lambda i, cost: print(line.format(i, cost)),
    )


def every_hundred(costs: np.ndarray) -> list:
    """The course's recorded costs: iterations 0, 100, 200, ... (its ``i == num_iterations``
    never holds inside the loop, so the last iteration's cost is printed, not recorded)."""
    return list(costs[::100])
