"""The training workloads that ``bench_training.py`` and ``compare_peers.py`` time, and for each
the public entry point its users call: the course's drop-in for the course's models
(``L_layer_model``, ``two_layer_model``, ``model``, ``nn_model``, printing their cost lines
into a buffer), ``fastnn.train`` otherwise.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import fastnn
from fastnn import datasets
from fastnn import reference as R
from fastnn.course import deep, logistic, planar
from fastnn.kernels.engine import Trainer


def data_dir() -> None:
    """Point ``FASTNN_DATA_DIR`` at ``../shared/data`` beside the checkout when it is unset."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if "FASTNN_DATA_DIR" not in os.environ and shared.is_dir():
        os.environ["FASTNN_DATA_DIR"] = str(shared)


def quietly(run: Callable[[], object]) -> Callable[[], object]:
    """``run`` with its printed lines going to a buffer, as a notebook cell's would."""

    def call():
        with contextlib.redirect_stdout(io.StringIO()):
            return run()

    return call


@dataclass
class Workload:
    name: str
    X: np.ndarray
    Y: np.ndarray
    dims: list[int]
    activation: str
    lr: float
    init: str
    seed: int
    iterations: int
    #: ``(label, make)``: ``make(X, Y, n)`` returns a callable running the public entry point
    #: for ``n`` iterations on ``X``, ``Y`` (of any float dtype).
    public: list[tuple[str, Callable]] = field(default_factory=list)

    def parameters(self, dtype=np.float64) -> dict:
        return {k: v.astype(dtype) for k, v in R.initialize_parameters(self.dims, self.init, self.seed).items()}

    def engine(self, X, Y, n: int) -> Callable[[], object]:
        """The engine alone on the same run: a :class:`Trainer` from the same starting
        parameters (drawn outside the timing), its run and its final parameters."""
        params = self.parameters(X.dtype)

        def run():
            trainer = Trainer(X, Y, params, self.activation, self.lr, "auto", n)
            trainer.run(n)
            return trainer.parameters()

        return run


def _train(w: Workload) -> tuple[str, Callable]:
    def make(X, Y, n):
        kwargs = dict(hidden_activation=w.activation, learning_rate=w.lr, init=w.init, seed=w.seed)
        return lambda: fastnn.train(X, Y, w.dims, num_iterations=n, **kwargs)

    return "fastnn.train", make


def workloads(quick: bool = False, large: bool = True) -> list[Workload]:
    """The course's cat models and planar model at the course's run lengths (shorter with
    ``quick``), and, with ``large``, a 784 x 60,000 network."""
    data_dir()
    train_x, train_y, test_x, test_y, _ = datasets.load_catvnoncat()
    X, Y = datasets.flatten_images(train_x), train_y.astype(float)
    Xt, Yt = datasets.flatten_images(test_x), test_y.astype(float)
    Xp, Yp = datasets.load_planar_dataset()
    Yp = Yp.astype(float)
    out = []
    w = Workload("cat L-layer", X, Y, [12288, 20, 7, 5, 1], "relu", 0.0075, "lecun", 1, 300 if quick else 2500)
    w.public = [
        (
            "L_layer_model",
            lambda X, Y, n: quietly(
                lambda: deep.L_layer_model(X, Y, [12288, 20, 7, 5, 1], num_iterations=n, print_cost=True)
            ),
        ),
        _train(w),
    ]
    out.append(w)
    if not quick:
        w = Workload("cat 2-layer", X, Y, [12288, 7, 1], "relu", 0.0075, "small", 1, 2500)
        w.public = [
            (
                "two_layer_model",
                lambda X, Y, n: quietly(
                    lambda: deep.two_layer_model(X, Y, (12288, 7, 1), num_iterations=n, print_cost=True)
                ),
            )
        ]
        out.append(w)
        w = Workload("cat logistic", X, Y, [12288, 1], "relu", 0.005, "zeros", 1, 2000)
        w.public = [
            (
                "logistic.model",
                lambda X, Y, n: quietly(
                    lambda: logistic.model(
                        X, Y, Xt.astype(X.dtype), Yt, num_iterations=n, learning_rate=0.005, print_cost=True
                    )
                ),
            )
        ]
        out.append(w)
    w = Workload("planar", Xp, Yp, [2, 4, 1], "tanh", 1.2, "small", 2, 1000 if quick else 10000)
    w.public = [
        ("nn_model", lambda X, Y, n: quietly(lambda: planar.nn_model(X, Y, 4, num_iterations=n, print_cost=True))),
        _train(w),
    ]
    out.append(w)
    if large and not quick:
        rng = np.random.default_rng(0)
        Xb = rng.random((784, 60000))
        Yb = (rng.random((1, 60000)) > 0.5).astype(float)
        for dtype in (np.float64, np.float32):
            name = "784 x 60,000" + (", float32" if dtype == np.float32 else "")
            w = Workload(name, Xb.astype(dtype), Yb.astype(dtype), [784, 128, 64, 1], "relu", 0.01, "he", 0, 3)
            w.public = [_train(w)]
            out.append(w)
    return out
