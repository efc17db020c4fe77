"""Progress: told at the ends of the engine's chunks, never once per iteration; lines without a
terminal, a tqdm bar on one (a pseudo-terminal, through the real entry point); monitors see
the parameters after exactly the reported number of steps."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys

import numpy as np
import pytest

import fastnn
from fastnn import _driver
from fastnn.datasets import load_planar_dataset
from fastnn.progress import BarProgress, LineProgress, Progress, make_progress
from tests.test_cli import REPO, env

FLOWER = dict(hidden_activation="tanh", learning_rate=1.2, init="small", seed=2)


@pytest.fixture(scope="module")
def flower():
    return load_planar_dataset()


class Counting(Progress):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def update(self, done, costs, parameters):
        self.calls.append(done)
        super().update(done, costs, parameters)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_told_at_chunk_ends_only(flower, backend, monkeypatch):
    monkeypatch.setattr(_driver, "CHUNK_ITERATIONS", 400)
    progress = Counting(every=100)  # no monitors: reports do not cut chunks
    result = fastnn.train(*flower, [2, 4, 1], num_iterations=1000, backend=backend, progress=progress, **FLOWER)
    assert progress.calls == [0, 400, 800, 1000]
    plain = fastnn.train(*flower, [2, 4, 1], num_iterations=1000, backend=backend, **FLOWER)
    np.testing.assert_array_equal(result.costs, plain.costs)  # watching changes nothing
    for key, value in plain.parameters.items():
        np.testing.assert_array_equal(result.parameters[key], value)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_monitors_see_the_parameters_after_exactly_i_steps(flower, backend):
    X, Y = flower
    progress = Progress(every=30, monitors={"w": lambda p: float(p["W1"].sum() + p["b2"].sum())})
    fastnn.train(X, Y, [2, 4, 1], num_iterations=100, backend=backend, progress=progress, **FLOWER)
    at = [i for i, _ in progress.history["w"]]
    assert at == [0, 30, 60, 90, 99, 100]
    for i, value in progress.history["w"]:
        p = fastnn.train(X, Y, [2, 4, 1], num_iterations=i, backend=backend, **FLOWER).parameters
        assert value == float(p["W1"].sum() + p["b2"].sum()), i


def test_progress_true_without_a_terminal_prints_lines(flower, capsys):
    X, Y = flower
    capsys.readouterr()
    result = fastnn.train(X, Y, [2, 4, 1], num_iterations=25, print_every=10, progress=True, **FLOWER)
    lines = capsys.readouterr().out.splitlines()
    # The costs, independently: the cross-entropy of library runs stopped at 0, 10, 20 and 24
    # iterations (each run's last cost is of its parameters before that iteration's step).
    expected = []
    for i in (0, 10, 20, 24):
        cost = fastnn.train(X, Y, [2, 4, 1], num_iterations=i + 1, **FLOWER).costs[-1]
        expected.append(f"Cost after iteration {i}: {cost:.6f}")
    assert [line.split(", elapsed")[0] for line in lines] == expected
    assert all(re.fullmatch(r".*, elapsed: \d+\.\d{3} s", line) for line in lines)
    assert result.costs.size == 25


def test_epochs_are_named_epochs(capsys):
    X, Y = fastnn.datasets.load_moons()
    capsys.readouterr()
    fastnn.train(X, Y, [2, 3, 1], optimizer="adam", batch_size=64, num_iterations=3, print_every=2, progress=True)
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == [
        "Cost after epoch 0",
        "Cost after epoch 2",
    ]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_auto_picks_a_bar_on_a_terminal_and_lines_elsewhere():
    assert type(make_progress("auto", stream=FakeTerminal())) is BarProgress
    assert type(make_progress("auto", stream=io.StringIO())) is LineProgress
    assert type(make_progress("none")) is Progress
    with pytest.raises(ValueError, match="unknown progress 'fancy'"):
        make_progress("fancy")
    with pytest.raises(TypeError, match="progress must be True, False or a fastnn.progress.Progress"):
        fastnn.train(np.zeros((2, 3)), np.zeros((1, 3)), [2, 1], progress="bar")


def test_bar_shows_count_cost_rate_and_ends_with_a_newline(flower):
    stream = FakeTerminal()
    bar = make_progress("bar", stream=stream)
    result = fastnn.train(*flower, [2, 4, 1], num_iterations=3000, progress=bar, **FLOWER)
    out = stream.getvalue()
    last = out.rstrip("\n").split("\r")[-1]
    assert re.search(r"100%\|.*\| 3000/3000 \[\d\d:\d\d<00:00, +[\d.]+it/s, cost=[\d.]+\]", last), last
    assert f"cost={result.costs[-1]:.4g}]" in last
    assert out.endswith("\n")


def test_ctrl_c_during_the_last_chunk_finishes_the_run(flower, tmp_path):
    """SIGINT in the last chunk of a checkpointed run: the run is complete, so it returns
    (and leaves the final checkpoint); in an earlier chunk it stops there."""
    X, Y = flower

    class Interrupting(Progress):
        def __init__(self, at):
            super().__init__()
            self.at = at

        def update(self, done, costs, parameters):
            if done == self.at:
                os.kill(os.getpid(), signal.SIGINT)  # arrives while the chunk "runs"
            super().update(done, costs, parameters)

    kwargs = dict(num_iterations=200, checkpoint=tmp_path / "c.npz", **FLOWER)
    try:
        result = fastnn.train(X, Y, [2, 4, 1], progress=Interrupting(200), **kwargs)
    except KeyboardInterrupt as exc:  # would stop pytest itself
        pytest.fail(f"Ctrl-C in the last chunk raised: {exc}")
    assert result.costs.size == 200
    assert fastnn.io.load_checkpoint(tmp_path / "c.npz")[2]["iteration"] == 200
    with pytest.raises(KeyboardInterrupt, match="interrupted at iteration 100"):
        fastnn.train(X, Y, [2, 4, 1], progress=Interrupting(100), **kwargs, checkpoint_every=100)


def run_in_pty(args, cwd):
    """``(exit status, output)`` of ``python -m fastnn args`` with stdout on a pseudo-terminal
    of 100 x 30."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastnn", *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env(),
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert proc.stderr.read() == b""
    return out.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_cli_on_a_terminal_draws_a_bar_that_ends_cleanly(tmp_path):
    out = run_in_pty(["train", "--iterations", "20000", "--backend", "numba"], tmp_path)
    assert str(REPO)  # the checkout, not the installed copy, runs (env())
    lines = out.replace("\r\n", "\n").split("\n")
    frames = lines[0].split("\r")
    assert any(re.search(r"\| \d+/20000 \[", f) for f in frames), out
    assert re.search(r"100%\|.*\| 20000/20000 \[\d\d:\d\d<00:00, +[\d.]+it/s, cost=[\d.]+\]", frames[-1]), frames[-1]
    assert "Cost after" not in out  # no plain lines on a terminal
    assert lines[1].startswith("trained [2, 4, 1] for 20000 iterations in ")
    assert lines[2].startswith("train accuracy: ") and lines[3].startswith("dev accuracy: ")
    assert lines[4] == "saved parameters to fastnn-model.npz" and lines[5] == ""
