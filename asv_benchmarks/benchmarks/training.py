"""Training: time per iteration, peak memory, final cost and compile time (mirrors the engine)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import fastnn
from fastnn import datasets
from fastnn import reference as R
from fastnn.kernels.engine import Trainer

from ._data import LARGE_EXAMPLES, workload

ITERATIONS = {"cat_L_layer": 50, "planar": 1000, "784x60000": 1}


class TimeTraining:
    """Seconds per run of ``ITERATIONS[workload]`` iterations, after set-up and compilation."""

    params = (["cat_L_layer", "planar", "784x60000"], ["numpy", "numba-gram", "numba-standard"], ["float64", "float32"])
    param_names = ["workload", "backend", "dtype"]
    timeout = 600
    number = 1
    repeat = (1, 3, 60.0)

    def setup(self, name, backend, dtype):
        if name == "784x60000" and backend == "numba-gram":
            raise NotImplementedError("Gram mode does not pay for m > n_x")
        self.X, self.Y, self.params, self.act, self.lr = workload(name, np.dtype(dtype))
        self.n = ITERATIONS[name]
        if backend != "numpy":
            self.mode = backend.split("-")[1]
            Trainer(self.X, self.Y, self.params, self.act, self.lr, self.mode).run(1)  # compile

    def time_iterations(self, name, backend, dtype):
        if backend == "numpy":
            R.gradient_descent(self.X, self.Y, self.params, self.act, self.lr, self.n)
        else:
            Trainer(self.X, self.Y, self.params, self.act, self.lr, self.mode).run(self.n)


class MemTraining:
    """Peak memory of a cat L-layer run on the engine: must not grow with the iterations."""

    params = ([10, 500],)
    param_names = ["iterations"]

    def setup(self, n):
        self.X, self.Y, self.params, self.act, self.lr = workload("cat_L_layer")
        Trainer(self.X, self.Y, self.params, self.act, self.lr).run(1)

    def peakmem_cat_L_layer(self, n):
        Trainer(self.X, self.Y, self.params, self.act, self.lr, "auto", n).run(n)


class TrackTraining:
    """Results that must not move silently, and the compile time."""

    timeout = 600

    def setup(self):
        self.X, self.Y, self.params, self.act, self.lr = workload("cat_L_layer")

    def track_cat_L_layer_cost_after_300(self):
        trainer = Trainer(self.X, self.Y, self.params, self.act, self.lr, "auto", 300)
        return float(trainer.run(300)[-1])

    track_cat_L_layer_cost_after_300.unit = "cost"

    def track_planar_cost_after_2000(self):
        X, Y, params, act, lr = workload("planar")
        return float(Trainer(X, Y, params, act, lr).run(2000)[-1])

    track_planar_cost_after_2000.unit = "cost"

    def track_compile_seconds_cold(self):
        """A fresh process with caching off: import, then compile and run a 10-iteration planar model."""
        code = (
            "import time, os; t = time.perf_counter(); import fastnn; from fastnn.datasets import load_planar_dataset; "
            "X, Y = load_planar_dataset(); fastnn.train(X, Y, [2, 4, 1], hidden_activation='tanh', num_iterations=10); "
            "print(time.perf_counter() - t)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "FASTNN_CACHE": "0"},
        )
        return float(out.stdout.strip().splitlines()[-1])

    track_compile_seconds_cold.unit = "seconds"


#: name -> (data maker, layer dims, train() settings, epochs per timed run)
MINIBATCH = {
    "moons_adam": (
        datasets.load_moons,
        [2, 5, 2, 1],
        dict(optimizer="adam", learning_rate=0.0007, batch_size=64, shuffle_seed=11),
        500,
    ),
    "softmax_784x60000_adam": (
        lambda: (
            np.random.default_rng(0).random((784, LARGE_EXAMPLES)),
            np.random.default_rng(1).integers(0, 10, (1, LARGE_EXAMPLES)),
        ),
        [784, 128, 64, 10],
        dict(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.001, batch_size=200, init="he"),
        1,
    ),
}


class TimeMiniBatch:
    """Seconds per ``fastnn.train`` call of the generic loop (mini-batches, Adam), per epoch count
    in ``MINIBATCH``; the numpy backend only on the small workload."""

    params = (list(MINIBATCH), ["numpy", "numba"], ["float64", "float32"])
    param_names = ["workload", "backend", "dtype"]
    timeout = 900
    number = 1
    repeat = (1, 3, 120.0)

    def setup(self, name, backend, dtype):
        if backend == "numpy" and name != "moons_adam":
            raise NotImplementedError("the reference takes seconds an epoch here")
        make, self.dims, self.kwargs, self.epochs = MINIBATCH[name]
        X, self.Y = make()
        self.X = X.astype(dtype)
        self.backend = backend
        fastnn.train(self.X[:, :300], self.Y[:, :300], self.dims, num_iterations=1, backend=backend, **self.kwargs)

    def time_epochs(self, name, backend, dtype):
        fastnn.train(self.X, self.Y, self.dims, num_iterations=self.epochs, backend=self.backend, **self.kwargs)


class TrackMiniBatch:
    """Final costs of fixed mini-batch runs: an optimizer, shuffle or head that changes moves them."""

    def track_moons_adam_cost_after_500_epochs(self):
        make, dims, kwargs, _ = MINIBATCH["moons_adam"]
        X, Y = make()
        return float(fastnn.train(X, Y, dims, num_iterations=500, **kwargs).costs[-1])

    track_moons_adam_cost_after_500_epochs.unit = "cost"

    def track_softmax_cost_after_1_epoch_of_6000(self):
        make, dims, kwargs, _ = MINIBATCH["softmax_784x60000_adam"]
        X, Y = make()
        return float(fastnn.train(X[:, :6000], Y[:, :6000], dims, num_iterations=1, **kwargs).costs[-1])

    track_softmax_cost_after_1_epoch_of_6000.unit = "cost"


class TimeGramMomentum:
    """The cat L-layer model with the course's momentum and L2 0.7 in the generic loop, Gram
    mode against standard mode: seconds per 100 iterations of a trainer built in ``setup``
    (Gram mode's one-off ``X.T @ X`` is not in them; ``fastnn.train`` spreads it over a run),
    and the cost after 300 iterations through ``fastnn.train`` (the two modes' values must
    agree: to 1e-12 in float64, as float32 runs do in float32)."""

    params = (["gram", "standard"], ["float64", "float32"])
    param_names = ["mode", "dtype"]
    timeout = 600
    number = 1
    repeat = (1, 3, 60.0)

    def setup(self, mode, dtype):
        from fastnn.kernels.training import EpochTrainer
        from fastnn.spec import TrainingSpec

        self.X, self.Y, self.start, act, lr = workload("cat_L_layer", np.dtype(dtype))
        dims = [self.X.shape[0]] + [self.start[f"W{l}"].shape[0] for l in range(1, len(self.start) // 2 + 1)]
        self.kwargs = dict(hidden_activation=act, learning_rate=lr, optimizer="momentum", l2=0.7)
        spec = TrainingSpec(tuple(dims), dtype=dtype, **self.kwargs)
        self.trainer = EpochTrainer(self.X, self.Y, self.start, spec, mode=mode)
        self.trainer.run(1)  # compiled
        self.kwargs.update(layer_dims=dims, mode=mode)

    def time_iterations(self, mode, dtype):
        self.trainer.run(100)

    def track_cost_after_300(self, mode, dtype):
        run = fastnn.train(self.X, self.Y, num_iterations=300, initial_parameters=self.start, **self.kwargs)
        return float(run.costs[-1])

    track_cost_after_300.unit = "cost"
