"""Seeded data shared by the benchmark modules (built in ``setup``, never timed)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fastnn import datasets
from fastnn import reference as R

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
if "FASTNN_DATA_DIR" not in os.environ and _SHARED.is_dir():
    os.environ["FASTNN_DATA_DIR"] = str(_SHARED)


def cat():
    """``(X, Y)`` of the course's cat training set, or synthetic data of its shape if absent."""
    try:
        train_x, train_y, _, _, _ = datasets.load_catvnoncat()
        return datasets.flatten_images(train_x), train_y.astype(float)
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        return rng.random((12288, 209)), (rng.random((1, 209)) > 0.5).astype(float)


def planar():
    X, Y = datasets.load_planar_dataset()
    return X, Y.astype(float)


#: ``FASTNN_ASV_SMOKE=1``, set by ``.ci/run`` for its one-round run whose timings are not
#: kept: the 60,000-example workloads shrink to 1,200 examples (the same code paths: their
#: first layers still go to BLAS and their batches are still gathered as rows), so that every
#: benchmark runs in seconds. Never set it for a timed run.
SMOKE = os.environ.get("FASTNN_ASV_SMOKE", "") == "1"
LARGE_EXAMPLES = 1_200 if SMOKE else 60_000


def large(dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.random((784, LARGE_EXAMPLES)).astype(dtype)
    Y = (rng.random((1, LARGE_EXAMPLES)) > 0.5).astype(dtype)
    return X, Y


#: name -> (data, layer dims, hidden activation, learning rate, init, seed)
WORKLOADS = {
    "cat_L_layer": (cat, [12288, 20, 7, 5, 1], "relu", 0.0075, "lecun", 1),
    "planar": (planar, [2, 4, 1], "tanh", 1.2, "small", 2),
    "784x60000": (large, [784, 128, 64, 1], "relu", 0.01, "he", 0),
}


def workload(name, dtype=np.float64):
    make, dims, act, lr, init, seed = WORKLOADS[name]
    X, Y = make()
    X, Y = X.astype(dtype), Y.astype(dtype)
    return X, Y, R.initialize_parameters(dims, init, seed, dtype), act, lr
