"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import fastnn


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "fastnn", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ.copy(),
        timeout=300,
    )


def test_default_run_trains_the_planar_flower(tmp_path):
    proc = cli("train", "--iterations", "3000", "--print-every", "1000", "--out", str(tmp_path / "p.npz"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Cost after iteration 0: 0.693051"
    assert [line.split(":")[0] for line in lines[:4]] == [f"Cost after iteration {i}" for i in (0, 1000, 2000, 2999)]
    train_acc = float(lines[4].split()[2])
    dev_acc = float(lines[5].split()[2])
    assert train_acc > 85 and dev_acc > 85
    assert lines[6] == f"saved parameters to {tmp_path / 'p.npz'}"
    params, meta = fastnn.io.load(tmp_path / "p.npz")
    assert meta["layer_dims"] == [2, 4, 1] and meta["hidden_activation"] == "tanh"
    assert fastnn.accuracy(fastnn.predict(params, np.zeros((2, 1)), "tanh"), [[0]]) in (0.0, 1.0)


def test_npz_data_and_options(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50))
    Y = (X[0] > 0).astype(float)[None, :]
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    proc = cli(
        "train",
        "--data",
        str(tmp_path / "d.npz"),
        "--layers",
        "3,5,1",
        "--activation",
        "leaky_relu",
        "--lr",
        "0.5",
        "--iterations",
        "200",
        "--dtype",
        "float32",
        "--backend",
        "numpy",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "m.npz"),
    )
    assert proc.returncode == 0, proc.stderr
    params, meta = fastnn.io.load(tmp_path / "m.npz")
    assert params["W1"].dtype == np.float32 and meta["layer_dims"] == [3, 5, 1]


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--lr", "-1"], "learning_rate must be positive"),
        (["train", "--layers", "2,x,1"], "--layers takes comma-separated ints"),
        (["train", "--layers", "3,4,1"], "layer_dims[0] is 3 but X has n_x = 2"),
        (["train", "--iterations", "-5"], "expected a number >= 0"),
        (["train", "--activation", "softmax"], "invalid choice"),
        (["train", "--data", "missing.csv"], "--data must be"),
        (["train", "--data", "nowhere/train_catvnoncat.h5"], "cat data"),
        (["train", "--bogus"], "unrecognized arguments"),
    ],
)
def test_wrong_arguments_give_one_line_and_status_2(args, message, tmp_path):
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
