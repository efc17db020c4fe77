"""Checkpoint and resume: a run killed with SIGKILL and resumed ends bit for bit where an
uninterrupted run ends; Ctrl-C saves a checkpoint and says where."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import fastnn

SCRIPT = """
import sys, numpy as np, fastnn
rng = np.random.default_rng(0)
X = rng.standard_normal((300, 60)); Y = (X[0] > 0).astype(float)[None, :]
fastnn.train(X, Y, [300, 16, 8, 1], learning_rate=0.05, num_iterations={n}, backend=sys.argv[1],
             checkpoint=sys.argv[2], checkpoint_every=25, hidden_activation="tanh")
print("finished")
"""


def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 60))
    return X, (X[0] > 0).astype(float)[None, :]


def uninterrupted(backend, n):
    X, Y = data()
    return fastnn.train(
        X, Y, [300, 16, 8, 1], learning_rate=0.05, num_iterations=n, backend=backend, hidden_activation="tanh"
    )


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_sigkill_then_resume_is_bit_for_bit(tmp_path, backend):
    n = 200_000 if backend == "numba" else 20_000
    ckpt = tmp_path / "run.ckpt.npz"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(n=n), backend, str(ckpt)])
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if ckpt.exists():
                _, costs, meta = fastnn.io.load_checkpoint(ckpt)
                if meta["iteration"] >= 100:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("no checkpoint at iteration >= 100 within 2 minutes")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    _, _, meta = fastnn.io.load_checkpoint(ckpt)
    done = meta["iteration"]
    assert 0 < done < n
    X, Y = data()
    resumed = fastnn.train(
        X,
        Y,
        [300, 16, 8, 1],
        learning_rate=0.05,
        num_iterations=done + 300,
        backend=backend,
        hidden_activation="tanh",
        resume=ckpt,
    )
    straight = uninterrupted(backend, done + 300)
    np.testing.assert_array_equal(resumed.costs, straight.costs)
    for key, value in straight.parameters.items():
        np.testing.assert_array_equal(resumed.parameters[key], value)


@pytest.mark.parametrize("mode", ["gram", "standard"])
def test_resume_in_process_both_modes(tmp_path, mode):
    X, Y = data()
    kwargs = dict(learning_rate=0.05, hidden_activation="relu", mode=mode)
    straight = fastnn.train(X, Y, [300, 5, 1], num_iterations=90, **kwargs)
    fastnn.train(X, Y, [300, 5, 1], num_iterations=40, checkpoint=tmp_path / "c.npz", **kwargs)
    resumed = fastnn.train(X, Y, [300, 5, 1], num_iterations=90, resume=tmp_path / "c.npz", **kwargs)
    np.testing.assert_array_equal(resumed.costs, straight.costs)
    for key, value in straight.parameters.items():
        np.testing.assert_array_equal(resumed.parameters[key], value)


def test_resume_refuses_another_run(tmp_path):
    X, Y = data()
    fastnn.train(X, Y, [300, 5, 1], num_iterations=10, checkpoint=tmp_path / "c.npz")
    with pytest.raises(ValueError, match="learning_rate"):
        fastnn.train(X, Y, [300, 5, 1], num_iterations=20, learning_rate=0.5, resume=tmp_path / "c.npz")
    with pytest.raises(ValueError, match="past num_iterations"):
        fastnn.train(X, Y, [300, 5, 1], num_iterations=5, resume=tmp_path / "c.npz")
    with pytest.raises(ValueError, match="not a fastnn checkpoint"):
        fastnn.save(tmp_path / "p.npz", fastnn.reference.initialize_parameters([300, 5, 1]))
        fastnn.train(X, Y, [300, 5, 1], num_iterations=20, resume=tmp_path / "p.npz")


def test_ctrl_c_in_the_cli_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    ckpt = tmp_path / "cli.ckpt.npz"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fastnn",
            "train",
            "--iterations",
            "50000000",
            "--print-every",
            "0",
            "--checkpoint",
            str(ckpt),
            "--checkpoint-every",
            "20000",
            "--out",
            str(tmp_path / "m.npz"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)  # training is under way once the first periodic checkpoint is there
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert f"checkpoint saved to {ckpt}" in err
    assert "Traceback" not in err
    _, costs, meta = fastnn.io.load_checkpoint(ckpt)
    assert meta["iteration"] == costs.size >= 20000
