"""Checkpoint and resume: a run killed with SIGKILL, or stopped with Ctrl-C, and resumed ends bit
for bit where an uninterrupted run ends; a checkpoint of another run is refused, naming the
setting that differs. The subprocesses import this checkout (PYTHONPATH), not an installed copy."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fastnn
from fastnn.datasets import load_planar_dataset, train_dev_test_split
from tests.processes import interrupted

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys, numpy as np, fastnn
rng = np.random.default_rng(0)
X = rng.standard_normal((300, 60)); Y = (X[0] > 0).astype(float)[None, :]
fastnn.train(X, Y, [300, 16, 8, 1], learning_rate=0.05, num_iterations={n}, backend=sys.argv[1],
             checkpoint=sys.argv[2], checkpoint_every=25, hidden_activation="tanh")
print("finished")
"""

# No periodic checkpoints: the only file this run can leave before its (distant) end is the
# one Ctrl-C makes. It prints the cost every `every` iterations so that the test knows it runs.
CTRL_C_SCRIPT = """
import sys, numpy as np, fastnn
backend, ckpt, n, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
X = rng.standard_normal((300, 60)); Y = (X[0] > 0).astype(float)[None, :]
try:
    fastnn.train(X, Y, [300, 16, 8, 1], learning_rate=0.05, num_iterations=n, backend=backend,
                 checkpoint=ckpt, hidden_activation="tanh", print_every=every)
except KeyboardInterrupt as exc:
    print(exc, file=sys.stderr)
    sys.exit(130)
print("finished")
"""


def env():
    e = os.environ.copy()
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), e.get("PYTHONPATH", "")) if p)
    e["PYTHONUNBUFFERED"] = "1"
    return e


def data(m=60):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, m))
    return X, (X[0] > 0).astype(float)[None, :]


def uninterrupted(backend, n):
    X, Y = data()
    return fastnn.train(
        X, Y, [300, 16, 8, 1], learning_rate=0.05, num_iterations=n, backend=backend, hidden_activation="tanh"
    )


def assert_same_run(a, b):
    np.testing.assert_array_equal(a.costs, b.costs)
    assert a.parameters.keys() == b.parameters.keys()
    for key, value in b.parameters.items():
        np.testing.assert_array_equal(a.parameters[key], value)


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=60)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_sigkill_then_resume_is_bit_for_bit(tmp_path, backend):
    n = 200_000 if backend == "numba" else 20_000
    ckpt = tmp_path / "run.ckpt.npz"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(n=n), backend, str(ckpt)], env=env())
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
        stop(proc)
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
    assert_same_run(resumed, uninterrupted(backend, done + 300))


@pytest.mark.parametrize("backend, every, extra", [("numba", 500, 300), ("numpy", 20, 40)])
def test_ctrl_c_checkpoint_resumes_bit_for_bit(tmp_path, backend, every, extra):
    n = 10_000_000  # never reached
    ckpt = tmp_path / "run.ckpt.npz"
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, backend, str(ckpt), str(n), str(every)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        lines = [proc.stdout.readline() for _ in range(2)]  # the costs of iterations 0 and `every`
        assert lines[1].startswith(f"Cost after iteration {every}: "), lines
        assert not ckpt.exists()
        proc.send_signal(signal.SIGINT)
        _, err = interrupted(proc)
    finally:
        stop(proc)
    assert proc.returncode == 130, err
    said = re.fullmatch(rf"training interrupted at iteration (\d+); checkpoint saved to {re.escape(str(ckpt))}\n", err)
    assert said, err
    state, costs, meta = fastnn.io.load_checkpoint(ckpt)
    done = int(said[1])
    assert meta["iteration"] == costs.size == done
    assert every < done < n
    if backend == "numba":
        assert "P" in state  # a Gram-mode run (fewer examples than features): P and S are saved too
    X, Y = data()
    resumed = fastnn.train(
        X,
        Y,
        [300, 16, 8, 1],
        learning_rate=0.05,
        num_iterations=done + extra,
        backend=backend,
        hidden_activation="tanh",
        resume=ckpt,
    )
    assert_same_run(resumed, uninterrupted(backend, done + extra))


# Small runs for the in-process tests: (backend, mode) pairs that cover both engines' modes.
RUNS = [("numba", "gram"), ("numba", "standard"), ("numpy", "auto")]


def small(n, backend, mode, X=None, Y=None, **kwargs):
    if X is None:
        X, Y = data()
    kwargs = {"layer_dims": [300, 5, 1], "learning_rate": 0.05, "hidden_activation": "relu", **kwargs}
    return fastnn.train(X, Y, num_iterations=n, backend=backend, mode=mode, **kwargs)


@pytest.mark.parametrize("backend, mode", RUNS)
def test_resume_in_process(tmp_path, backend, mode):
    straight = small(90, backend, mode)
    first = small(40, backend, mode, checkpoint=tmp_path / "c.npz")
    assert_same_run(first, small(40, backend, mode))
    _, costs, meta = fastnn.io.load_checkpoint(tmp_path / "c.npz")
    assert meta["iteration"] == 40
    np.testing.assert_array_equal(costs, straight.costs[:40])
    # Continued with more iterations, "auto" continuing in the checkpoint's mode.
    assert_same_run(small(90, backend, "auto", resume=tmp_path / "c.npz"), straight)
    assert_same_run(small(90, backend, mode, resume=tmp_path / "c.npz"), straight)
    # Resumed at its own end: nothing to do, the same result.
    assert_same_run(small(40, backend, mode, resume=tmp_path / "c.npz"), first)
    # A checkpoint past the end of the run asked for.
    with pytest.raises(ValueError, match="it is at iteration 40, past num_iterations=39"):
        small(39, backend, mode, resume=tmp_path / "c.npz")


@pytest.mark.parametrize("backend, mode", RUNS)
@pytest.mark.parametrize("target", ["another file", "the same file"])
def test_resume_while_checkpointing(tmp_path, backend, mode, target):
    a = tmp_path / "a.npz"
    b = a if target == "the same file" else tmp_path / "b.npz"
    straight = small(90, backend, mode)
    small(30, backend, mode, checkpoint=a)
    # From A at 30 to 60, checkpointing to B every 20 iterations (at 40, then 60 at the end).
    middle = small(60, backend, mode, resume=a, checkpoint=b, checkpoint_every=20)
    assert_same_run(middle, small(60, backend, mode))
    _, costs, meta = fastnn.io.load_checkpoint(b)
    assert meta["iteration"] == 60
    np.testing.assert_array_equal(costs, straight.costs[:60])
    if target == "another file":
        assert fastnn.io.load_checkpoint(a)[2]["iteration"] == 30  # A is left as it was
    # And from B on to the end.
    assert_same_run(small(90, backend, mode, resume=b), straight)


# Each setting the driver checks on resume, changed alone from a run that used "gram" mode.
MISMATCH = {
    "backend": {"backend": "numpy", "mode": "auto"},  # the numpy backend has no gram mode
    "dtype": {"dtype": "float32"},
    "layer_dims": {"layer_dims": [300, 6, 1]},
    "m": {"m": 50},
    "hidden_activation": {"hidden_activation": "tanh"},
    "learning_rate": {"learning_rate": 0.06},
}


@pytest.mark.parametrize("setting", list(MISMATCH))
def test_resume_refuses_another_run(tmp_path, setting):
    ckpt = tmp_path / "c.npz"
    small(10, "numba", "gram", checkpoint=ckpt)
    saved = ckpt.read_bytes()
    change = dict(MISMATCH[setting])
    X, Y = data(change.pop("m", 60))
    options = {"backend": "numba", "mode": "gram", **change}
    with pytest.raises(ValueError, match=rf"^cannot resume from .*: it was made with {setting}="):
        small(20, X=X, Y=Y, resume=ckpt, checkpoint=ckpt, **options)
    assert ckpt.read_bytes() == saved  # a refused run writes nothing


@pytest.mark.parametrize("saved, asked", [("gram", "standard"), ("standard", "gram")])
def test_resume_refuses_another_mode(tmp_path, saved, asked):
    small(10, "numba", saved, checkpoint=tmp_path / "c.npz")
    with pytest.raises(ValueError, match=rf"made in mode='{saved}', this run asks for mode='{asked}'"):
        small(20, "numba", asked, resume=tmp_path / "c.npz")


def test_resume_refuses_a_parameter_file(tmp_path):
    fastnn.save(tmp_path / "p.npz", fastnn.reference.initialize_parameters([300, 5, 1]))
    with pytest.raises(ValueError, match="not a fastnn checkpoint"):
        small(20, "numba", "auto", resume=tmp_path / "p.npz")


def test_ctrl_c_in_the_cli_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    # No periodic checkpoints: a file can only come from Ctrl-C. The printed costs say that
    # training is under way.
    ckpt = tmp_path / "cli.ckpt.npz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastnn", "train", "--iterations", "50000000", "--print-every", "1000",
         "--checkpoint", str(ckpt), "--out", str(tmp_path / "m.npz")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env(),
    )  # fmt: skip
    try:
        lines = [proc.stdout.readline() for _ in range(2)]  # the costs of iterations 0 and 1000
        assert lines[1].startswith("Cost after iteration 1000: "), lines
        assert not ckpt.exists()
        proc.send_signal(signal.SIGINT)
        out, err = interrupted(proc)
    finally:
        stop(proc)
    assert proc.returncode == 130, err
    said = re.fullmatch(
        rf"fastnn: training interrupted at iteration (\d+); checkpoint saved to {re.escape(str(ckpt))}\n", err
    )
    assert said, err
    assert "accuracy" not in out and "saved parameters" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [ckpt.name]  # no model file
    _, costs, meta = fastnn.io.load_checkpoint(ckpt)
    done = meta["iteration"]
    assert done == costs.size == int(said[1]) > 1000
    # The CLI's run: the planar flower's 80 % train split, tanh, lr 1.2, [2, 4, 1] (README.md).
    X, Y = load_planar_dataset()
    X, Y, _, _, _, _ = train_dev_test_split(X, Y, dev=0.2, test=0, seed=0)
    kwargs = dict(hidden_activation="tanh", learning_rate=1.2, init="small", seed=2, num_iterations=done + 100)
    resumed = fastnn.train(X, Y, [2, 4, 1], resume=ckpt, **kwargs)
    assert_same_run(resumed, fastnn.train(X, Y, [2, 4, 1], **kwargs))
