"""The command line beyond the flower: CSV data, standardisation, the engine's options,
``predict``, ``evaluate``, ``info`` and the pictures.

Round trips and the error tables go through the real entry point (a subprocess; the error
cases four at a time); the option table calls ``fastnn.cli.main``, the function the entry
point runs, in this process (a subprocess costs a second or two of imports each). Expected
values are computed here: the split rebuilt as the CLI documents it (80/20, shuffled with
seed 0), the standardisation in NumPy, the run by ``fastnn.train``, the scores by counting.
"""

from __future__ import annotations

import csv
import struct
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastnn
from fastnn import cli
from fastnn.datasets import load_planar_dataset, train_dev_test_split
from tests.test_cli import DEEP, PLANAR, assert_one_line_error
from tests.test_cli import cli as run_cli

SPECIES = ["setosa", "versicolor", "virginica"]


def split(X, Y, dev=0.2):
    X_tr, Y_tr, X_dev, Y_dev, _, _ = train_dev_test_split(X, Y, dev=dev, test=0, seed=0)
    return X_tr, Y_tr, X_dev, Y_dev


def standardize(X_tr, *others):
    mean = X_tr.mean(axis=1, keepdims=True)
    std = X_tr.std(axis=1, keepdims=True)
    return [(A - mean) / std for A in (X_tr, *others)]


def three_classes(m=90, seed=0):
    """``(X (3, m), class index (m,))``: features on very different scales."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m)) * np.array([[1.0], [10.0], [1000.0]]) + np.array([[0.0], [50.0], [-400.0]])
    k = np.where(X[0] > 0.4, 2, np.where(X[1] > 50, 1, 0))
    return X, k


def num(value) -> str:
    return repr(float(value))  # exactly the float


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def read_csv_text(text):
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:]


def assert_same_parameters(saved, expected, rtol=1e-12):
    assert saved.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_allclose(saved[key], value, rtol=rtol, atol=1e-14, err_msg=key)


def main(capsys, *args):
    """``fastnn.cli.main`` in this process: ``(status, stdout, stderr)``."""
    capsys.readouterr()
    try:
        status = cli.main([str(a) for a in args])
    except SystemExit as exc:  # argparse's errors (the entry point exits with it)
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


# --- CSV classes, standardised: train, predict, evaluate, info through the entry point ---------


@pytest.fixture(scope="module")
def species_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("species")
    X, k = three_classes()
    rows = [[num(a), num(b), num(c), SPECIES[j]] for (a, b, c), j in zip(X.T, k, strict=True)]
    write_csv(folder / "iris.csv", ["sepal", "petal", "stem", "species"], rows)
    args = ["--optimizer", "adam", "--lr", "0.01", "--iterations", "40", "--standardize", "--out", "m.npz"]
    proc = run_cli("train", "--data", "iris.csv", *args, "--backend", "numpy", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder, X, k, proc


def test_csv_classes_train_a_softmax_head_on_standardized_features(species_run):
    folder, X, k, proc = species_run
    X_tr, k_tr, X_dev, k_dev = split(X, k[None, :].astype(float))
    Xs_tr, Xs_dev = standardize(X_tr, X_dev)
    expected = fastnn.train(
        Xs_tr, k_tr, [3, 20, 7, 5, 3], loss="categorical_crossentropy", optimizer="adam",
        num_iterations=40, backend="numpy", **{**DEEP, "learning_rate": 0.01, "print_every": 0},
    )  # fmt: skip
    params, meta = fastnn.load(folder / "m.npz")
    assert_same_parameters(params, expected.parameters)
    assert meta["loss"] == "categorical_crossentropy" and meta["optimizer"] == "adam"
    assert meta["classes"] == SPECIES and meta["target"] == "species"
    assert meta["feature_names"] == ["sepal", "petal", "stem"]
    np.testing.assert_allclose(meta["standardize"]["mean"], X_tr.mean(axis=1), rtol=1e-15)
    np.testing.assert_allclose(meta["standardize"]["scale"], X_tr.std(axis=1), rtol=1e-15)
    dev_pred = np.argmax(fastnn.predict_proba(params, Xs_dev, "relu", loss="categorical_crossentropy"), axis=0)
    assert f"dev accuracy:   {100 * np.mean(dev_pred == k_dev[0]):.2f} %  ({X_dev.shape[1]} examples)" in proc.stdout


def test_predict_maps_classes_back_and_applies_the_standardization(species_run):
    folder, X, k, _ = species_run
    proc = run_cli("predict", "m.npz", "--data", "iris.csv", "--proba", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    header, rows = read_csv_text(proc.stdout)
    assert header == ["species", "p_setosa", "p_versicolor", "p_virginica"]
    params, meta = fastnn.load(folder / "m.npz")
    X_tr = split(X, k[None, :].astype(float))[0]
    (Xs,) = standardize(X_tr, X)[1:]
    P = fastnn.predict_proba(params, Xs, "relu", loss="categorical_crossentropy")
    assert [r[0] for r in rows] == [SPECIES[j] for j in np.argmax(P, axis=0)]
    np.testing.assert_allclose(np.array([r[1:] for r in rows], dtype=float).T, P, rtol=1e-12, atol=1e-300)
    # To a file: atomically, the same text; the predictions equal fastnn.predict's classes.
    proc = run_cli("predict", "m.npz", "--data", "iris.csv", "--out", "p.csv", cwd=folder)
    assert proc.returncode == 0 and proc.stdout == f"wrote {X.shape[1]} predictions to p.csv\n"
    header, rows = read_csv(folder / "p.csv")
    labels = fastnn.predict(params, Xs, "relu", loss="categorical_crossentropy")[0]
    assert header == ["species"] and [r[0] for r in rows] == [SPECIES[j] for j in labels]
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_evaluate_and_info(species_run, capsys):
    folder, X, k, _ = species_run
    params, meta = fastnn.load(folder / "m.npz")
    X_tr = split(X, k[None, :].astype(float))[0]
    (Xs,) = standardize(X_tr, X)[1:]
    P = fastnn.predict_proba(params, Xs, "relu", loss="categorical_crossentropy")
    pred = np.argmax(P, axis=0)
    loss = -np.mean(np.log(P[k, np.arange(k.size)]))
    counts = [[int(np.sum((k == t) & (pred == p))) for p in range(3)] for t in range(3)]
    status, out, err = main(capsys, "evaluate", folder / "m.npz", "--data", folder / "iris.csv")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == f"examples:  {k.size}"
    assert lines[1].startswith(f"loss:      {loss:.6f}")
    assert lines[2] == f"accuracy:  {100 * np.mean(pred == k):.2f} %"
    assert [line.split() for line in lines[4:]] == [SPECIES] + [[SPECIES[t], *map(str, counts[t])] for t in range(3)]
    status, out, err = main(capsys, "info", folder / "m.npz")
    assert status == 0, err
    info = dict(line.split(":", 1) for line in out.splitlines())
    assert info["layers"].strip() == "[3, 20, 7, 5, 3]"
    assert info["classes"].strip() == ", ".join(SPECIES)
    assert info["loss"].strip() == "categorical_crossentropy" and info["standardized"].strip() == "yes"
    assert info["fastnn version"].strip() == fastnn.__version__
    assert info["init"].strip() == "lecun (seed 1)"  # a CSV trains with the deep preset's (DEEP)
    assert float(info["final cost"]) == meta["final_cost"]


# --- regression, binary labels, .npz classes -------------------------------------------------------


def test_real_target_with_squared_error_trains_a_regressor(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 60))
    y = 3 * X[0] - X[1] + 0.1 * rng.standard_normal(60)
    write_csv("r.csv", ["a", "b", "price"], [[num(a), num(b), num(v)] for (a, b), v in zip(X.T, y, strict=True)])
    args = [
        "--loss",
        "squared_error",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--iterations",
        "30",
        "--backend",
        "numpy",
    ]
    status, out, err = main(capsys, "train", "--data", "r.csv", *args, "--quiet")
    assert status == 0, err
    X_tr, y_tr, X_dev, y_dev = split(X, y[None, :])
    expected = fastnn.train(
        X_tr, y_tr, [2, 20, 7, 5, 1], loss="squared_error", optimizer="adam", num_iterations=30,
        backend="numpy", **{**DEEP, "learning_rate": 0.01, "print_every": 0},
    )  # fmt: skip
    params, meta = fastnn.load("fastnn-model.npz")
    assert_same_parameters(params, expected.parameters)
    assert meta["classes"] is None and meta["loss"] == "squared_error"
    # --quiet: the summary only.
    assert out.splitlines()[0].startswith("trained [2, 20, 7, 5, 1] for 30 iterations in ")
    assert len(out.splitlines()) == 4
    status, out, err = main(capsys, "evaluate", "fastnn-model.npz", "--data", "r.csv")
    assert status == 0, err
    pred = fastnn.predict(params, X, "relu", loss="squared_error")[0]
    mse = np.mean((pred - y) ** 2)
    r2 = 1 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2)
    assert out.splitlines()[1:] == [
        f"loss:      {mse / 2:.6f}  (squared_error)",
        f"MSE:       {mse:.6g}",
        f"RMSE:      {np.sqrt(mse):.6g}",
        f"R2:        {r2:.6f}",
    ]
    status, out, err = main(capsys, "predict", "fastnn-model.npz", "--data", "r.csv")
    header, rows = read_csv_text(out)
    assert header == ["price"]
    np.testing.assert_array_equal(np.array([r[0] for r in rows], dtype=float), pred)


def test_an_empty_dev_split_is_not_scored(tmp_path, capsys, monkeypatch):
    """--dev-fraction 0 on a regression: trained, saved, the dev line says there is nothing."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((2, 12))
    write_csv("r.csv", ["a", "b", "y"], [[num(a), num(b), num(a - b)] for a, b in X.T])
    status, out, err = main(capsys, "train", "--data", "r.csv", "--loss", "squared_error", "--dev-fraction", "0",
                            "--iterations", "3", "--backend", "numpy", "--quiet")  # fmt: skip
    assert status == 0, err
    assert "dev:            no examples" in out.splitlines()
    params, meta = fastnn.load("fastnn-model.npz")
    assert meta["m_dev"] == 0 and "dev_rmse" not in meta and np.isfinite(meta["train_rmse"])


def test_two_string_classes_train_one_sigmoid_unit(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, Y = load_planar_dataset()
    names = np.array(["red", "blue"])[Y[0].astype(int)]  # "blue" sorts first: class 0
    write_csv("f.csv", ["x1", "x2", "colour"], [[num(a), num(b), c] for (a, b), c in zip(X.T, names, strict=True)])
    status, out, err = main(capsys, "train", "--data", "f.csv", "--layers", "2,4,1", "--iterations", "20", "--quiet")
    assert status == 0, err
    _, meta = fastnn.load("fastnn-model.npz")
    assert meta["classes"] == ["blue", "red"] and meta["loss"] == "binary_crossentropy"
    X_tr, Y_tr, _, _ = split(X, 1 - Y)  # red = 1
    expected = fastnn.train(X_tr, Y_tr, [2, 4, 1], num_iterations=20, **{**DEEP, "print_every": 0})
    status, out, err = main(capsys, "predict", "fastnn-model.npz", "--data", "f.csv")
    labels = fastnn.predict(expected.parameters, X, "relu")[0]
    assert read_csv_text(out)[1] == [[("blue", "red")[int(v)]] for v in labels]


def test_npz_integer_labels_train_a_softmax_head(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, k = three_classes(60, seed=2)
    np.savez("d.npz", X=X, Y=k[None, :])
    status, out, err = main(capsys, "train", "--data", "d.npz", "--iterations", "5", "--lr", "1e-5", "--quiet")
    assert status == 0, err
    params, meta = fastnn.load("fastnn-model.npz")
    X_tr, k_tr, _, _ = split(X, k[None, :])
    expected = fastnn.train(
        X_tr, k_tr, [3, 20, 7, 5, 3], loss="categorical_crossentropy", num_iterations=5,
        **{**DEEP, "learning_rate": 1e-5, "print_every": 0},
    )  # fmt: skip
    assert_same_parameters(params, expected.parameters)
    status, out, err = main(capsys, "predict", "fastnn-model.npz", "--data", "d.npz")
    expected_labels = fastnn.predict(params, X, "relu", loss="categorical_crossentropy")[0]
    assert read_csv_text(out) == (["prediction"], [[str(v)] for v in expected_labels])


# --- every engine option, against fastnn.train with the same settings ---------------------------

BASE = ["--layers", "2,5,1", "--iterations", "12", "--backend", "numpy", "--quiet"]
BASE_KW = dict(PLANAR, layer_dims=[2, 5, 1], num_iterations=12, backend="numpy", print_every=0)
ENGINE_OPTIONS = {
    "momentum": (["--optimizer", "momentum", "--beta", "0.5"], dict(optimizer="momentum", beta=0.5)),
    "adam": (
        ["--optimizer", "adam", "--beta1", "0.8", "--beta2", "0.99", "--epsilon", "1e-3"],
        dict(optimizer="adam", beta1=0.8, beta2=0.99, epsilon=1e-3),
    ),
    "batches": (["--batch-size", "64", "--shuffle-seed", "5"], dict(batch_size=64, shuffle_seed=5)),
    "l2": (["--l2", "0.7"], dict(l2=0.7)),
    "keep-prob": (["--keep-prob", "0.8"], dict(keep_prob=0.8)),
    "step decay": (
        ["--batch-size", "100", "--decay", "step", "--decay-rate", "2", "--decay-interval", "3"],
        dict(batch_size=100, decay="step", decay_rate=2.0, decay_interval=3),
    ),
    "inverse decay": (["--decay", "inverse", "--decay-rate", "0.5"], dict(decay="inverse", decay_rate=0.5)),
    "loss": (
        ["--loss", "categorical_crossentropy", "--layers", "2,5,2"],
        dict(loss="categorical_crossentropy", layer_dims=[2, 5, 2]),
    ),
    "sklearn_nesterov": (["--optimizer", "sklearn_nesterov"], dict(optimizer="sklearn_nesterov")),
    "mode": (["--mode", "standard"], dict(mode="standard")),
}


@pytest.fixture(scope="module")
def flower_split():
    return split(*load_planar_dataset())


@pytest.mark.parametrize("option", list(ENGINE_OPTIONS))
def test_each_engine_option_takes_effect(option, flower_split, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args, kwargs = ENGINE_OPTIONS[option]
    status, _, err = main(capsys, "train", *BASE, *args)
    assert status == 0, err
    X_tr, Y_tr, _, _ = flower_split
    expected = fastnn.train(X_tr, Y_tr, **{**BASE_KW, **kwargs})
    params, meta = fastnn.load("fastnn-model.npz")
    assert_same_parameters(params, expected.parameters)
    for key, value in kwargs.items():
        if key not in ("mode", "layer_dims"):
            assert meta[key] == value, key
    default = fastnn.train(X_tr, Y_tr, **BASE_KW).parameters
    if option != "mode":  # mode only picks the algorithm (standard is already auto's choice here)
        assert any(p.shape != default[k].shape or not np.allclose(p, default[k]) for k, p in params.items()), option


def test_dev_fraction_and_standardize(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = main(capsys, "train", *BASE, "--dev-fraction", "0.5", "--standardize")
    assert status == 0, err
    X_tr, Y_tr, X_dev, _ = split(*load_planar_dataset(), dev=0.5)
    (Xs_tr,) = standardize(X_tr)
    assert f"({X_dev.shape[1]} examples)" in out.splitlines()[2] and X_dev.shape[1] == 200
    params, meta = fastnn.load("fastnn-model.npz")
    assert_same_parameters(params, fastnn.train(Xs_tr, Y_tr, **BASE_KW).parameters)


def test_options_without_the_train_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = main(capsys, "--iterations", "3", "--backend", "numpy", "--print-every", "1")
    assert status == 0, err
    assert [line.split(":")[0] for line in out.splitlines()[:3]] == [f"Cost after iteration {i}" for i in range(3)]
    assert fastnn.load("fastnn-model.npz")[1]["num_iterations"] == 3


def test_help_groups_the_options_and_says_the_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    for group in ("data:", "network:", "optimizer:", "regularization:", "learning-rate decay:", "engine:", "output:"):
        assert f"\n{group}\n" in text
    assert "Adam's second moment (default: 0.999)" in text.replace("\n", " ").replace("  ", " ") or "0.999" in text
    for name in ("flower", "circles", "moons", "2d", "cat"):
        assert f"\n  {name:8s} hidden " in text
    assert "moons    hidden 5,2, relu, lr 0.0007, 5000 iterations, init he, seed 3" in text


# --- errors: one line, exit status 2, nothing written --------------------------------------------


def make_files(folder):
    X, k = three_classes(30)
    write_csv(
        folder / "three.csv", ["a", "b", "c", "y"], [[*map(num, x), "abc"[j]] for x, j in zip(X.T, k, strict=True)]
    )
    write_csv(folder / "one.csv", ["a", "y"], [["1", "q"], ["2", "q"]])
    write_csv(folder / "daisy.csv", ["a", "b", "c", "y"], [["1", "2", "3", "a"], ["1", "2", "3", "daisy"]])
    write_csv(folder / "real.csv", ["a", "y"], [["1", "0.5"], ["2", "1.5"], ["3", "2.25"]])
    write_csv(folder / "ragged.csv", ["a", "b", "y"], [["1", "2", "0"], ["1", "2", "1"], ["3", "4"]])
    np.savez(folder / "strings.npz", X=np.array([["a", "b"]]))
    np.savez(folder / "wide.npz", X=np.zeros((5, 4)))
    np.savez(folder / "threes.npz", X=np.zeros((2, 4)), Y=np.full((1, 4), 3.0))
    np.savez(folder / "two_rows.npz", X=np.zeros((2, 4)), Y=np.zeros((2, 4)))
    np.savez(folder / "short_y.npz", X=np.zeros((2, 4)), Y=np.zeros((1, 3)))


TRAIN_ERRORS = [
    (["--checkpoint-every", "5"], "--checkpoint-every needs --checkpoint FILE"),
    (
        ["--beta", "0.5"],
        "--beta is read by the momentum, sklearn_momentum, sklearn_nesterov optimizers; this run's is gd",
    ),
    (["--optimizer", "momentum", "--beta1", "0.5"], "--beta1 is read by the adam, sklearn_adam optimizers"),
    (["--decay-rate", "2"], "--decay-rate needs --decay"),
    (["--decay", "inverse", "--decay-interval", "3"], "--decay-interval is for --decay step"),
    (["--shuffle-seed", "3"], "--shuffle-seed needs --batch-size"),
    (["--quiet", "--print-every", "3"], "--print-every prints lines that --quiet turns off"),
    (["--quiet", "--progress", "bar"], "argument --progress: not allowed with argument --quiet"),
    (["--loss", "categorical_crossentropy", "--layers", "2,4,1"], "needs at least 2 output units"),
    (["--data", "three.csv", "--loss", "binary_crossentropy"], "needs two classes; column 'y' has 3 ('a', 'b', 'c')"),
    (["--data", "one.csv"], "column 'y' holds one class only ('q')"),
    (["--data", "real.csv"], "holds 3 distinct non-integer numbers; for regression pass --loss squared_error"),
    (["--data", "three.csv", "--loss", "squared_error"], "row 2, column 'y': 'a' is not a number"),
    (["--data", "ragged.csv"], "ragged.csv: row 4 has 2 fields but the header has 3"),
    (["--data", "three.csv", "--target", "q"], "has no column 'q'; its columns are a, b, c, y"),
    (["--target", "y"], "--target names a column of a CSV file; --data flower is not one"),
    (["--data", "circles", "--dev-fraction", "0.3"], "--dev-fraction does not apply to circles"),
    (["--dev-fraction", "1.5"], "expected a fraction in [0, 1)"),
    (["--data", "three.csv", "--plot-boundary", "b.png"], "--plot-boundary draws two-feature data; three.csv has 3"),
    (["--plot", "nowhere/c.png"], "--plot nowhere/c.png: no such directory nowhere"),
    (["--keep-prob", "0"], "keep_prob must be in (0, 1]"),
    (["--out", "m.png", "--plot", "m.png"], "--out and --plot name the same file m.png"),
    (["--plot", "c.png", "--plot-boundary", "c.png"], "--plot and --plot-boundary name the same file c.png"),
    (["--out", "/proc/m.npz"], "--out /proc/m.npz: cannot write in /proc"),
    (["--out", ""], "--out needs a file name"),
    (["--loss", "poisson"], "argument --loss: invalid choice: 'poisson'"),
    (["--batch-size", "0"], "batch_size must be >= 1"),
]


@pytest.mark.parametrize("args, message", TRAIN_ERRORS, ids=[" ".join(a) for a, _ in TRAIN_ERRORS])
def test_train_errors(args, message, error_runs):
    proc, before, after = error_runs[("train", "--iterations", "2", "--backend", "numpy", *args)]
    assert_one_line_error(proc, message)
    assert proc.stdout == ""
    assert after == before


class _Done:
    def __init__(self, returncode, stderr):
        self.returncode, self.stderr = returncode, stderr


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A standardised 3-feature classifier, a regressor, a float32 flower model, a checkpoint."""
    folder = tmp_path_factory.mktemp("models")
    X, k = three_classes(30)
    Xs = standardize(X)[0]
    result = fastnn.train(Xs, k[None, :], [3, 4, 3], loss="categorical_crossentropy", num_iterations=2)
    meta = dict(loss="categorical_crossentropy", hidden_activation="relu", classes=list("abc"), target="y")
    meta["feature_names"] = ["a", "b", "c"]
    meta["standardize"] = {"mean": X.mean(axis=1).tolist(), "scale": X.std(axis=1).tolist()}
    fastnn.save(folder / "cls.npz", result.parameters, **meta)
    reg = fastnn.train(X, X[:1], [3, 2, 1], loss="squared_error", num_iterations=1)
    fastnn.save(folder / "reg.npz", reg.parameters, loss="squared_error", hidden_activation="relu")
    flower = fastnn.train(np.zeros((2, 4)), np.zeros((1, 4)), [2, 3, 1], num_iterations=1, checkpoint=folder / "c.npz")
    fastnn.save(folder / "f32.npz", {k: v.astype(np.float32) for k, v in flower.parameters.items()})
    return folder


PREDICT_ERRORS = [
    (
        ["predict", "cls.npz", "--data", "wide.npz"],
        "the model takes 3 features per example; the data have shape (5, 4)",
    ),
    (["predict", "cls.npz", "--data", "strings.npz"], "the data are of dtype <U1; the model takes real numbers"),
    (["predict", "cls.npz", "--data", "real.csv"], "real.csv has no column 'b', which the model was trained on"),
    (["predict", "reg.npz", "--data", "wide.npz", "--proba"], "the model takes 3 features"),
    (["predict", "c.npz", "--data", "wide.npz"], "c.npz is a training checkpoint, not a model"),
    (["predict", "missing.npz", "--data", "wide.npz"], "no such file: missing.npz"),
    (["predict", "f32.npz", "--data", "three.csv"], "the model takes 2 features; three.csv has 4 columns"),
    (["predict", "cls.npz", "--data", "three.txtx"], "--data must be a .csv or an .npz file"),
    (["predict", "cls.npz", "--data", "three.csv", "--out", "nowhere/p.csv"], "no such directory nowhere"),
    (["evaluate", "cls.npz", "--data", "one.csv"], "has no column 'b'"),
    (["evaluate", "cls.npz", "--data", "daisy.csv"], "daisy.csv: row 3, column 'y': class 'daisy' is not"),
    (["evaluate", "f32.npz", "--data", "wide.npz"], "must hold arrays named X (n_x, m) and Y (1, m)"),
    (["info", "three.csv"], "three.csv is not a readable fastnn parameter file"),
    (["evaluate", "f32.npz", "--data", "threes.npz"], "Y must hold only 0 and 1 (binary labels); found 3.0"),
    (["evaluate", "f32.npz", "--data", "two_rows.npz"], "Y must have shape (1, m) = (1, 4)"),
    (["evaluate", "f32.npz", "--data", "short_y.npz"], "X and Y disagree on the number of examples: X has 4"),
]


@pytest.mark.parametrize("args, message", PREDICT_ERRORS, ids=[" ".join(a) for a, _ in PREDICT_ERRORS])
def test_predict_evaluate_info_errors(args, message, error_runs):
    proc, before, after = error_runs[tuple(args)]
    assert_one_line_error(proc, message)
    assert proc.stdout == ""
    assert after == before


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory, models):
    """Every case of both error tables through the real entry point (``python -m fastnn`` in a
    subprocess, as users run it), four subprocesses at a time, each in a folder of its own with
    the data files and models: ``{args: (completed process, files before, files after)}``."""
    cases = [("train", "--iterations", "2", "--backend", "numpy", *args) for args, _ in TRAIN_ERRORS]
    cases += [tuple(args) for args, _ in PREDICT_ERRORS]
    folders = []
    for i in range(len(cases)):
        folder = tmp_path_factory.mktemp(f"error{i}")
        make_files(folder)
        for p in models.iterdir():
            (folder / p.name).write_bytes(p.read_bytes())
        folders.append((folder, sorted(folder.rglob("*"))))

    def run(case_folder):
        args, (folder, before) = case_folder
        proc = run_cli(*args, cwd=folder)
        return proc, before, sorted(folder.rglob("*"))

    with ThreadPoolExecutor(4) as pool:
        return dict(zip(cases, pool.map(run, zip(cases, folders, strict=True)), strict=True))


def test_proba_of_a_regressor_is_refused(models, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    np.savez("x.npz", X=np.zeros((3, 2)))
    status, out, err = main(capsys, "predict", models / "reg.npz", "--data", "x.npz", "--proba")
    assert status == 2 and "this model is a regressor (squared_error)" in err and out == ""


# --- pictures --------------------------------------------------------------------------------------


def png_size(path):
    """Width and height from the PNG header (the IHDR chunk), read by hand."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plots_through_the_entry_point(tmp_path):
    proc = run_cli(
        "train", "--data", "moons", "--iterations", "60", "--print-every", "20",
        "--plot", "costs.png", "--plot-boundary", "boundary.png", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == [
        "saved the cost curve to costs.png",
        "saved the decision boundary to boundary.png",
    ]
    import matplotlib.image

    for name in ("costs.png", "boundary.png"):
        assert png_size(tmp_path / name) == (800, 560)
        pixels = matplotlib.image.imread(tmp_path / name)[..., :3].reshape(-1, 3)
        colours = np.unique(np.round(pixels * 255).astype(int), axis=0)
        assert len(colours) > 50, name  # curves, points, regions and text: not blank
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.png", "costs.png", "fastnn-model.npz"]


def test_plot_without_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    status, out, err = main(capsys, "train", "--iterations", "2", "--plot", "c.png")
    assert_one_line_error(
        _Done(status, err), 'fastnn: error: --plot needs matplotlib, which is not installed: pip install "fastnn[plot]"'
    )
    assert out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name, advice",
    [("2d", "set FASTNN_DATA_DIR to it."), ("cat", "pass --data FOLDER or set FASTNN_DATA_DIR to it.")],
)
def test_missing_course_data_is_told_in_the_command_lines_words(name, advice, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FASTNN_DATA_DIR", raising=False)
    status, out, err = main(capsys, "train", "--data", name, "--iterations", "1")
    assert status == 2 and out == ""
    assert err.strip().endswith(advice) and "data_dir" not in err, err
