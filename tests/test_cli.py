"""The command line, run as a user runs it: in a subprocess.

Every option is checked against ``fastnn.train`` run in this process with the same settings
on the same split (rebuilt here as cli.py builds it), and against the default run. The
subprocesses import this checkout (PYTHONPATH), not whatever copy is installed in the venv.
"""

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

# The CLI's defaults for the planar flower, from README.md: "tanh, lr 1.2" ("The command line")
# and the course's planar model: [2, 4, 1], randn * 0.01 weights drawn with seed 2 ("The API").
PLANAR = dict(layer_dims=[2, 4, 1], hidden_activation="tanh", learning_rate=1.2, init="small", seed=2, print_every=1000)
# For .npz data and the cat images: the course's deep application (README.md), relu, lr 0.0075,
# randn / sqrt(n_{l-1}) weights drawn with seed 1, the cost every 100 iterations.
DEEP = dict(hidden_activation="relu", learning_rate=0.0075, init="lecun", seed=1, print_every=100)


def env():
    e = os.environ.copy()
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), e.get("PYTHONPATH", "")) if p)
    e["PYTHONUNBUFFERED"] = "1"
    return e


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "fastnn", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env(),
        timeout=300,
    )


def split(X, Y):
    """The CLI's split of planar and .npz data: 80 % train, 20 % dev, shuffled with seed 0."""
    X_tr, Y_tr, X_dev, Y_dev, _, _ = train_dev_test_split(X, Y, dev=0.2, test=0, seed=0)
    return X_tr, Y_tr, X_dev, Y_dev


@pytest.fixture(scope="module")
def planar():
    return split(*load_planar_dataset())


def toy(m, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    return X, (X[0] + 0.5 * X[1] > 0).astype(float)[None, :]


def library_run(capsys, X, Y, **kwargs):
    """``fastnn.train`` in this process: its result and the cost lines it prints."""
    capsys.readouterr()
    result = fastnn.train(X, Y, **kwargs)
    return result, capsys.readouterr().out.splitlines()


def assert_same_parameters(saved, expected):
    assert saved.keys() == expected.keys()
    for key, value in expected.items():
        assert saved[key].dtype == value.dtype, key
        rtol = 1e-12 if value.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(saved[key], value, rtol=rtol, atol=0, err_msg=key)


def check_run(proc, folder, out, data, kind, result, cost_lines):
    """The CLI's output and the file it saved at ``folder / out`` against the library's
    ``result`` on the same ``data``."""
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    X_tr, Y_tr, X_dev, Y_dev = data
    lines = proc.stdout.splitlines()
    n = len(cost_lines)
    # Not a terminal: the library's cost lines, each with the dev cost and the time so far.
    for line in lines[:n]:
        assert LINE.fullmatch(line), line
    assert [line.split(", dev cost")[0] for line in lines[:n]] == cost_lines
    summary = lines[n]
    assert SUMMARY.fullmatch(summary), summary
    unit = "epochs" if cost_lines and "epoch" in cost_lines[0] else "iterations"
    assert summary.startswith(f"trained {list(result.spec.layer_dims)} for {result.costs.size} {unit} in ")
    if result.costs.size:
        assert summary.endswith(f", final cost {result.costs[-1]:.6f}")
    lines = lines[:n] + lines[n + 1 :]
    params, meta = fastnn.io.load(folder / out)
    assert_same_parameters(params, result.parameters)
    assert meta["layer_dims"] == [X_tr.shape[0]] + [params[f"W{l}"].shape[0] for l in range(1, len(params) // 2 + 1)]
    assert meta["dtype"] == str(result.parameters["W1"].dtype)
    assert meta["hidden_activation"] == result.hidden_activation
    assert meta["backend"] == result.backend
    assert meta["data"] == kind
    assert meta["num_iterations"] == result.costs.size
    assert meta["final_cost"] == pytest.approx(float(result.costs[-1]), rel=1e-12, abs=0)
    # Accuracies recomputed from the saved parameters, in their dtype, on the same split.
    dt = params["W1"].dtype
    act = meta["hidden_activation"]
    acc_train = fastnn.accuracy(fastnn.predict(params, X_tr.astype(dt), act, backend=meta["backend"]), Y_tr)
    acc_dev = fastnn.accuracy(fastnn.predict(params, X_dev.astype(dt), act, backend=meta["backend"]), Y_dev)
    assert lines[n:] == [
        f"train accuracy: {100 * acc_train:.2f} %  ({X_tr.shape[1]} examples)",
        f"dev accuracy:   {100 * acc_dev:.2f} %  ({X_dev.shape[1]} examples)",
        f"saved parameters to {out}",
    ]
    return params, meta, acc_train, acc_dev


LINE = re.compile(r"Cost after (iteration|epoch) \d+: \d+\.\d{6}, dev cost: \d+\.\d{6}, elapsed: \d+\.\d{3} s")
SUMMARY = re.compile(r"trained \[[\d, ]+\] for \d+ (iterations|epochs) in \d+\.\d\d s, (final cost \d+\.\d{6}|no cost)")


def plain_numpy_cost(params, X, Y):
    """Cross-entropy of a tanh-hidden, sigmoid-output network, written out."""
    A1 = np.tanh(params["W1"] @ X + params["b1"])
    A2 = 1 / (1 + np.exp(-(params["W2"] @ A1 + params["b2"])))
    return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))


def test_default_run_trains_the_planar_flower(tmp_path, planar, capsys):
    proc = cli("train", "--iterations", 3000, cwd=tmp_path)
    X_tr, Y_tr, X_dev, Y_dev = planar
    # Iteration 0's cost, independently: the course's starting weights (np.random.seed(2),
    # randn * 0.01, zero biases) and the cross-entropy formula, on the CLI's train split.
    rng = np.random.RandomState(2)
    start = {"W1": rng.randn(4, 2) * 0.01, "b1": np.zeros((4, 1)), "W2": rng.randn(1, 4) * 0.01, "b2": np.zeros((1, 1))}
    cost0 = plain_numpy_cost(start, X_tr, Y_tr)
    assert proc.stdout.splitlines()[0].startswith(f"Cost after iteration 0: {cost0:.6f}, ")
    result, cost_lines = library_run(capsys, X_tr, Y_tr, num_iterations=3000, **PLANAR)
    assert [line.split(":")[0] for line in cost_lines] == [f"Cost after iteration {i}" for i in (0, 1000, 2000, 2999)]
    params, meta, acc_train, acc_dev = check_run(
        proc, tmp_path, "fastnn-model.npz", planar, "flower", result, cost_lines
    )
    assert (tmp_path / "fastnn-model.npz").is_file()
    assert meta["backend"] == fastnn.backends.default_backend()
    # The last printed cost, independently, from the saved parameters (to the printed digits).
    last = plain_numpy_cost(params, X_tr, Y_tr)
    # The saved parameters are those after iteration 2999's step; its printed cost is before it.
    assert abs(last - float(cost_lines[-1].split(": ")[1])) < 1e-3
    # The course's planar model separates the flower to about 90 % (README.md: "reaches 90 %").
    assert acc_train > 0.85 and acc_dev > 0.85
    # Each line's dev cost: the cross-entropy, written out, on the dev split of the parameters
    # after exactly that many iterations (a library run stopped there).
    for line in proc.stdout.splitlines()[:4]:
        i = int(line.split()[3][:-1])
        at_i = fastnn.train(X_tr, Y_tr, num_iterations=i, **PLANAR).parameters
        assert line.split(", ")[1] == f"dev cost: {plain_numpy_cost(at_i, X_dev, Y_dev):.6f}", line


def test_zero_iterations_saves_the_course_starting_weights(tmp_path):
    proc = cli("train", "--iterations", 0, "--backend", "numpy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not proc.stdout.startswith("Cost")  # no iteration, no cost
    params, meta = fastnn.io.load(tmp_path / "fastnn-model.npz")
    # The course's planar initialisation, written out: np.random.seed(2), randn * 0.01, W1 then W2.
    rng = np.random.RandomState(2)
    expected = {
        "W1": rng.randn(4, 2) * 0.01,
        "b1": np.zeros((4, 1)),
        "W2": rng.randn(1, 4) * 0.01,
        "b2": np.zeros((1, 1)),
    }
    for key, value in expected.items():
        np.testing.assert_array_equal(params[key], value)
    assert meta["num_iterations"] == 0 and meta["final_cost"] is None


# Each option, one at a time, on top of a small numpy-backend run of the flower: the CLI's
# arguments and the equivalent fastnn.train arguments.
BASE_ARGS = {"--backend": "numpy", "--iterations": "30"}
BASE_KWARGS = dict(PLANAR, backend="numpy", num_iterations=30)
OPTIONS = {
    "activation": ({"--activation": "relu"}, {"hidden_activation": "relu"}),
    "lr": ({"--lr": "0.3"}, {"learning_rate": 0.3}),
    "seed": ({"--seed": "7"}, {"seed": 7}),
    "backend": ({"--backend": "numba"}, {"backend": "numba"}),
    "init": ({"--init": "xavier"}, {"init": "xavier"}),
    "dtype": ({"--dtype": "float32"}, {"dtype": "float32"}),
    "layers": ({"--layers": "2,6,3,1"}, {"layer_dims": [2, 6, 3, 1]}),
    "iterations": ({"--iterations": "12"}, {"num_iterations": 12}),
    "print-every": ({"--print-every": "7"}, {"print_every": 7}),
    "out": ({"--out": "sub/m.npz"}, {}),
}


@pytest.fixture(scope="module")
def default_run(planar):
    return fastnn.train(planar[0], planar[1], **BASE_KWARGS)


@pytest.mark.parametrize("option", list(OPTIONS))
def test_each_option_takes_effect(option, tmp_path, planar, default_run, capsys):
    cli_args, kwargs = OPTIONS[option]
    args = {**BASE_ARGS, **cli_args}
    (tmp_path / "sub").mkdir()
    proc = cli("train", *[x for pair in args.items() for x in pair], cwd=tmp_path)
    result, cost_lines = library_run(capsys, planar[0], planar[1], **{**BASE_KWARGS, **kwargs})
    out = args.get("--out", "fastnn-model.npz")
    params, meta, _, _ = check_run(proc, tmp_path, out, planar, "flower", result, cost_lines)
    # Only the file asked for is written.
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == sorted(["sub", out])

    _, default_lines = library_run(capsys, planar[0], planar[1], **BASE_KWARGS)
    default = default_run.parameters
    if option in ("print-every", "out"):
        np.testing.assert_array_equal(params["W1"], default["W1"])  # same training...
        if option == "print-every":  # ...printed differently
            assert cost_lines != default_lines
            assert [int(line.split()[3][:-1]) for line in cost_lines] == [0, 7, 14, 21, 28, 29]
    elif option == "backend":
        assert meta["backend"] == "numba" != default_run.backend
    elif option == "dtype":
        assert params["W1"].dtype == np.float32 and meta["dtype"] == "float32" != str(default["W1"].dtype)
    elif option == "iterations":
        assert meta["num_iterations"] == 12 and not np.array_equal(params["W1"], default["W1"])
    else:
        assert params.keys() != default.keys() or any(
            params[k].shape != default[k].shape or not np.allclose(params[k], default[k], rtol=1e-3, atol=0)
            for k in default
        ), f"--{option} made no difference"


@pytest.mark.parametrize("how", ["folder", "h5 file"])
def test_cat_data(how, tmp_path, cat_data, capsys):
    # cat_data (conftest.py) skips when the files are absent; it reads $FASTNN_DATA_DIR, which
    # conftest.py points at ../shared/data when that holds them.
    folder = Path(os.environ["FASTNN_DATA_DIR"])
    data = folder if how == "folder" else folder / "train_catvnoncat.h5"
    backend = None if how == "folder" else "numpy"  # the folder with the default backend
    options = [] if backend is None else ["--backend", backend]
    n = 3 if how == "folder" else 1
    proc = cli("train", "--data", data, "--iterations", n, *options, "--out", "cat.npz", cwd=tmp_path)
    cat = cat_data  # flattened train and test sets; the CLI's dev set is the test set
    result, cost_lines = library_run(
        capsys, cat[0], cat[1], layer_dims=[12288, 20, 7, 5, 1], num_iterations=n, backend=backend, **DEEP
    )
    check_run(proc, tmp_path, "cat.npz", cat, "cat", result, cost_lines)
    # Published: the course's "Deep Neural Network - Application" notebook, L_layer_model on
    # these images from the same starting weights, prints "Cost after iteration 0: 0.771749".
    assert proc.stdout.splitlines()[0].startswith("Cost after iteration 0: 0.771749, ")
    assert [line.split(":")[0] for line in cost_lines] == [f"Cost after iteration {i}" for i in sorted({0, n - 1})]


# --- resume -----------------------------------------------------------------------------------

RESUME_ARGS = ["--layers", "3,5,1", "--lr", "0.5", "--backend", "numpy", "--print-every", "4"]


@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory):
    """A finished 10-iteration CLI run of toy data with a checkpoint: ``(folder, file bytes)``."""
    folder = tmp_path_factory.mktemp("resume")
    X, Y = toy(50)
    np.savez(folder / "d.npz", X=X, Y=Y)
    X2, Y2 = toy(60, seed=1)
    np.savez(folder / "d60.npz", X=X2, Y=Y2)
    proc = cli("train", "--data", "d.npz", *RESUME_ARGS, "--iterations", 10, "--checkpoint", "c.npz", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert fastnn.io.load_checkpoint(folder / "c.npz")[2]["iteration"] == 10
    return folder, (folder / "c.npz").read_bytes()


def test_resume_ends_where_an_uninterrupted_run_ends(checkpointed, tmp_path):
    folder, _ = checkpointed
    common = ["train", "--data", folder / "d.npz", *RESUME_ARGS, "--iterations", 25]
    resumed = cli(*common, "--resume", folder / "c.npz", "--out", "resumed.npz", cwd=tmp_path)
    straight = cli(*common, "--out", "straight.npz", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert straight.returncode == 0, straight.stderr
    p_resumed, m_resumed = fastnn.io.load(tmp_path / "resumed.npz")
    p_straight, m_straight = fastnn.io.load(tmp_path / "straight.npz")
    for key, value in p_straight.items():
        np.testing.assert_array_equal(p_resumed[key], value)
    m_resumed.pop("train_seconds"), m_straight.pop("train_seconds")  # the one setting that differs
    assert m_resumed == m_straight
    assert m_resumed["num_iterations"] == 25

    # The resumed run prints the costs after the checkpoint (iterations 12, 16, 20, 24) as the
    # uninterrupted run prints them, then the same accuracies.
    def without_times(proc):  # the elapsed times and the summary line differ
        return [line.split(", elapsed")[0] for line in proc.stdout.splitlines() if not line.startswith("trained ")]

    straight_lines = without_times(straight)
    printed = [int(line.split()[3][:-1]) for line in straight_lines[:-3]]
    assert printed == [0, 4, 8, 12, 16, 20, 24]
    assert without_times(resumed)[:-1] == straight_lines[3:-1]


RESUME_MISMATCH = {
    "backend": ["--backend", "numba"],
    "dtype": ["--dtype", "float32"],
    "layer_dims": ["--layers", "3,6,1"],
    "m": ["--data", "d60.npz"],
    "hidden_activation": ["--activation", "tanh"],
    "learning_rate": ["--lr", "0.25"],
}


@pytest.mark.parametrize("setting", list(RESUME_MISMATCH))
def test_resume_refuses_another_run(setting, checkpointed, tmp_path):
    for name in ("d.npz", "d60.npz", "c.npz"):  # a copy each: a run that wrongly resumes cannot spoil the others
        (tmp_path / name).write_bytes((checkpointed[0] / name).read_bytes())
    folder, saved = tmp_path, checkpointed[1]
    proc = cli(
        "train", "--data", "d.npz", *RESUME_ARGS, "--iterations", 20, *RESUME_MISMATCH[setting],
        "--resume", "c.npz", "--checkpoint", "c.npz", "--out", "never.npz", cwd=folder,
    )  # fmt: skip
    assert_one_line_error(proc, f"cannot resume from c.npz: it was made with {setting}=", exit_status=2)
    assert not (folder / "never.npz").exists()
    assert (folder / "c.npz").read_bytes() == saved


# --- errors -----------------------------------------------------------------------------------


def assert_one_line_error(proc, message, exit_status=2):
    assert proc.returncode == exit_status, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.endswith("\n")
    assert message in proc.stderr, proc.stderr


def make_inputs(folder: Path) -> None:
    X, Y = toy(20)
    np.savez(folder / "noX.npz", A=X, Y=Y)
    np.savez(folder / "noY.npz", X=X)
    np.savez(folder / "flat.npz", X=X[0], Y=Y[0])
    np.savez(folder / "labels.npz", X=X, Y=0.5 * Y)
    np.savez(folder / "objects.npz", X=np.array([{"a": 1}], dtype=object), Y=Y)
    (folder / "garbage.npz").write_text("not a zip file\n")
    (folder / "empty").mkdir()
    (folder / "model-dir").mkdir()
    fastnn.save(folder / "model.npz", fastnn.reference.initialize_parameters([2, 4, 1]))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lr", "-1"], "learning_rate must be positive"),
        (["--layers", "2,x,1"], "--layers takes comma-separated ints"),
        (["--layers", "3,4,1"], "layer_dims[0] is 3 but X has n_x = 2"),
        (["--iterations", "-5"], "expected a number >= 0"),
        (["--activation", "softmax"], "invalid choice"),
        (["--data", "missing.xyz"], "--data must be"),
        (["--data", "missing.csv"], "no such file: missing.csv"),
        (["--data", "nowhere/train_catvnoncat.h5"], "cat data"),
        (["--data", "empty"], "cat data"),
        (["--bogus"], "unrecognized arguments"),
        (["--data", "missing.npz"], "no such file: missing.npz"),
        (["--data", "noX.npz"], "must hold arrays named X (n_x, m) and Y (1, m); it has ['A', 'Y']"),
        (["--data", "noY.npz"], "must hold arrays named X (n_x, m) and Y (1, m); it has ['X']"),
        (["--data", "flat.npz"], "X and Y must be 2-D, got shapes (20,) and (20,)"),
        (["--data", "labels.npz"], "Y must hold only 0 and 1"),
        (["--data", "garbage.npz"], "garbage.npz is not a readable .npz file"),
        (["--data", "objects.npz"], "objects.npz is not a readable .npz file"),
        (["--resume", "missing.ckpt.npz"], "no such file: missing.ckpt.npz"),
        (["--resume", "model.npz"], "is not a fastnn checkpoint"),
        (["--out", "model-dir"], "--out model-dir is a directory"),
        (["--out", "nowhere/m.npz"], "--out nowhere/m.npz: no such directory nowhere"),
        (["--checkpoint", "nowhere/c.npz"], "--checkpoint nowhere/c.npz: no such directory nowhere"),
    ],
)
def test_wrong_arguments_give_one_line_and_status_2(args, message, tmp_path):
    make_inputs(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    proc = cli("train", "--iterations", 5, "--backend", "numpy", *args, cwd=tmp_path)
    assert_one_line_error(proc, message)
    assert proc.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, not even a temporary file


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_divergence_is_one_line_and_status_2(backend, tmp_path):
    # lr 1e300 with relu: the first step makes the weights ~1e298, the next forward pass
    # overflows (a tanh network would saturate instead and stay finite).
    proc = cli("train", "--lr", "1e300", "--activation", "relu", "--iterations", 50, "--backend", backend, cwd=tmp_path)
    assert_one_line_error(proc, "training diverged: the cost is nan at iteration 1 (learning_rate=1e+300)")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_without_checkpoint_exits_130_and_saves_nothing(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastnn", "train", "--iterations", "50000000", "--print-every", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env(),
    )
    try:
        # Training is under way once it prints its first cost; then let it run a little.
        first = proc.stdout.readline()
        assert first.startswith("Cost after iteration 0: "), first + proc.stderr.read()
        time.sleep(0.3)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        out, err = interrupted(proc, timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    finished = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert_one_line_error(
        finished, "fastnn: interrupted; nothing saved (use --checkpoint to make runs resumable)", exit_status=130
    )
    assert "accuracy" not in out
    assert list(tmp_path.iterdir()) == []
