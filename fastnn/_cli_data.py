"""What ``--data`` names for the command line: the built-in data sets with their course
settings, the cat images' folder, ``.npz`` files and CSV files, as train and dev sets with the
head their targets call for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fastnn import datasets, tabular

#: Each built-in data set's settings, the course notebook's that trains on it.
#: ``hidden``: hidden layer sizes; the input and output sizes come from the data.
PRESETS: dict[str, dict] = {
    "flower": dict(
        hidden=[4], activation="tanh", lr=1.2, iterations=10000, init="small", seed=2, print_every=1000,
        about="the planar flower (Course 1, week 3), 400 points; 80/20 train/dev",
    ),
    "circles": dict(
        hidden=[10, 5], activation="relu", lr=0.01, iterations=15000, init="he", seed=3, print_every=1000,
        about="Course 2's Initialization circles, 300 train / 100 dev",
    ),
    "moons": dict(
        hidden=[5, 2], activation="relu", lr=0.0007, iterations=5000, init="he", seed=3, print_every=1000,
        optimizer="adam", batch_size=64, shuffle_seed=11,
        about="Course 2's Optimization moons, 300 points; 80/20 train/dev; Adam, batches of 64",
    ),
    "2d": dict(
        hidden=[20, 3], activation="relu", lr=0.3, iterations=30000, init="lecun", seed=3, print_every=10000,
        about="Course 2's Regularization football data (data.mat in $FASTNN_DATA_DIR), 211 train / 200 dev",
    ),
    "cat": dict(
        hidden=[20, 7, 5], activation="relu", lr=0.0075, iterations=2500, init="lecun", seed=1, print_every=100,
        about="the cat images (Course 1, week 4; $FASTNN_DATA_DIR, a folder or .h5), 209 train / 50 dev",
    ),
}  # fmt: skip
#: .npz and CSV files: the deep application's settings.
PRESETS["npz"] = PRESETS["csv"] = {**PRESETS["cat"], "about": "your data"}
ALIASES = {"planar": "flower"}
BUILTIN = ("flower", "circles", "moons", "2d", "cat")
#: Data sets that come with their own test set, used as the dev set.
OWN_DEV_SET = ("circles", "2d", "cat")


@dataclass
class Data:
    """Training data as the command line trains on it.

    ``Y`` and ``Y_dev`` are what :func:`fastnn.train` takes for ``loss``: zeros and ones,
    integer labels ``(1, m)`` for categorical cross-entropy, or real values.
    """

    kind: str
    source: str
    X: np.ndarray
    Y: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    loss: str
    n_out: int
    classes: list[str] | None = None
    feature_names: list[str] | None = None
    target_name: str | None = None
    preset: dict = field(default_factory=dict)


def kind_of(data: str | None) -> str:
    """``flower``, ``circles``, ``moons``, ``2d``, ``cat``, ``npz`` or ``csv``."""
    if data is None:
        return "flower"
    name = ALIASES.get(data, data)
    if name in BUILTIN:
        return name
    path = Path(data)
    if path.is_dir() or path.suffix.lower() == ".h5":
        return "cat"
    if path.suffix.lower() == ".npz":
        return "npz"
    if path.suffix.lower() in (".csv", ".txt"):
        return "csv"
    raise ValueError(
        f"--data must be one of {', '.join(BUILTIN)}, a folder or .h5 file of the course's cat data, "
        f"an .npz file or a .csv file; got {data!r}"
    )


def read_npz(path: Path, need_Y: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` ``(n_x, m)`` and ``Y`` (None if absent and not needed) of an ``.npz`` file."""
    import zipfile

    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    X = Y = None
    try:
        with np.load(path, allow_pickle=False) as f:
            files = f.files
            if "X" in files:
                X = f["X"]
            if "Y" in files:
                Y = f["Y"]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        # np.load blames pickling for anything that is not an .npy/.npz; say what it is instead
        raise ValueError(f"{path} is not a readable .npz file of numeric arrays ({exc})") from None
    if X is None or (need_Y and Y is None):
        wanted = "arrays named X (n_x, m) and Y (1, m)" if need_Y else "an array named X (n_x, m)"
        raise ValueError(f"{path} must hold {wanted}; it has {files}")
    if X.ndim != 2 or (Y is not None and Y.ndim != 2):
        shapes = f"{X.shape} and {Y.shape}" if Y is not None else f"{X.shape}"
        raise ValueError(f"{path}: X and Y must be 2-D, got shapes {shapes}")
    return X, Y


def _split(X, Y, dev_fraction: float):
    X_tr, Y_tr, X_dev, Y_dev, _, _ = datasets.train_dev_test_split(X, Y, dev=float(dev_fraction), test=0, seed=0)
    return X_tr, Y_tr, X_dev, Y_dev


def _head_of_labels(Y: np.ndarray, loss: str | None, source: str) -> tuple[str, int]:
    """The loss and output units for numeric targets ``Y`` (.npz data): one row of 0/1 is
    binary, one row of integer labels 0..K-1 (K > 2) categorical, several rows one unit each."""
    if loss is not None:
        if loss == "categorical_crossentropy" and Y.shape[0] == 1:
            return loss, max(int(np.max(Y)) + 1, 2) if Y.size and _integers(Y) else 2
        return loss, Y.shape[0]
    if Y.shape[0] == 1 and Y.size and _integers(Y) and Y.min() >= 0 and Y.max() >= 2:
        return "categorical_crossentropy", int(Y.max()) + 1
    return "binary_crossentropy", Y.shape[0]


def _integers(Y: np.ndarray) -> bool:
    return Y.dtype.kind in "biu" or (Y.dtype.kind == "f" and bool(np.all(np.isfinite(Y) & (Y == np.round(Y)))))


def _csv_targets(table: tabular.Table, loss: str | None) -> tuple[np.ndarray, str, int, list[str] | None]:
    """``(Y (1, m), loss, n_out, classes)`` of a CSV target column."""
    name = table.target_name
    if loss == "squared_error":
        for row, value in zip(table.rows, table.target, strict=True):
            if not tabular.is_number(value):
                raise ValueError(
                    f"{table.path}: row {row}, column {name!r}: {value!r} is not a number "
                    "(a squared_error target must be numeric)"
                )
        return np.array([[float(v) for v in table.target]]), loss, 1, None
    index, classes = tabular.encode_classes(table.target)
    K = len(classes)
    if K < 2:
        raise ValueError(f"{table.path}: column {name!r} holds one class only ({classes[0]!r}); nothing to learn")
    if loss is None and all(tabular.is_number(c) for c in classes) and not all(float(c).is_integer() for c in classes):
        raise ValueError(
            f"{table.path}: column {name!r} holds {K} distinct non-integer numbers; for regression "
            "pass --loss squared_error, or name the class column with --target"
        )
    if loss is None:
        loss = "binary_crossentropy" if K == 2 else "categorical_crossentropy"
    if loss == "binary_crossentropy" and K > 2:
        shown = ", ".join(map(repr, classes[:5])) + (", ..." if K > 5 else "")
        raise ValueError(
            f"--loss binary_crossentropy needs two classes; column {name!r} has {K} ({shown}); "
            "leave --loss out for a softmax head"
        )
    n_out = 1 if loss == "binary_crossentropy" else K
    return index[None, :].astype(np.float64), loss, n_out, classes


def _on_the_command_line(loader, *args, folder_option: bool = False):
    """``loader(*args)``, its missing-file message told in the command line's words."""
    try:
        return loader(*args)
    except FileNotFoundError as exc:
        advice = "pass --data FOLDER or set FASTNN_DATA_DIR to it" if folder_option else "set FASTNN_DATA_DIR to it"
        message = str(exc).replace("pass data_dir=... or set FASTNN_DATA_DIR to it", advice)
        raise FileNotFoundError(message.replace("no data_dir given and ", "")) from None


def load(data: str | None, *, target: str | None, loss: str | None, dev_fraction: float | None) -> Data:
    """The train and dev sets ``--data`` names.

    Raises
    ------
    ValueError, FileNotFoundError
        One line each: an unknown name, an unreadable file, a bad cell of a CSV file (naming
        its row and column), options that do not apply to this data.
    """
    kind = kind_of(data)
    source = data if data is not None else "flower"
    preset = PRESETS[kind]
    if target is not None and kind != "csv":
        raise ValueError(f"--target names a column of a CSV file; --data {source} is not one")
    if dev_fraction is not None and kind in OWN_DEV_SET:
        raise ValueError(f"--dev-fraction does not apply to {kind}: its own test set is the dev set")
    fraction = 0.2 if dev_fraction is None else dev_fraction
    classes = names = target_name = None
    if kind == "flower":
        X_tr, Y_tr, X_dev, Y_dev = _split(*datasets.load_planar_dataset(), fraction)
    elif kind == "moons":
        X_tr, Y_tr, X_dev, Y_dev = _split(*datasets.load_moons(), fraction)
    elif kind == "circles":
        X_tr, Y_tr, X_dev, Y_dev = datasets.load_circles()
    elif kind == "2d":
        X_tr, Y_tr, X_dev, Y_dev = _on_the_command_line(datasets.load_2D_dataset)
    elif kind == "cat":
        path = Path(data) if data not in (None, "cat") else None  # the name: $FASTNN_DATA_DIR
        folder = None if path is None else path if path.is_dir() else path.parent
        train_x, train_y, test_x, test_y, _ = _on_the_command_line(datasets.load_catvnoncat, folder, folder_option=True)
        X_tr, Y_tr = datasets.flatten_images(train_x), train_y
        X_dev, Y_dev = datasets.flatten_images(test_x), test_y
    elif kind == "npz":
        X, Y = read_npz(Path(data))
        loss, n_out = _head_of_labels(Y, loss, source)
        X_tr, Y_tr, X_dev, Y_dev = _split(X, Y, fraction)
        return Data(kind, source, X_tr, Y_tr, X_dev, Y_dev, loss, n_out, preset=preset)
    else:
        table = tabular.read_csv(data, target)
        Y, loss, n_out, classes = _csv_targets(table, loss)
        names, target_name = list(table.feature_names), table.target_name
        X_tr, Y_tr, X_dev, Y_dev = _split(table.features, Y, fraction)
        return Data(kind, source, X_tr, Y_tr, X_dev, Y_dev, loss, n_out, classes, names, target_name, preset)
    loss, n_out = _head_of_labels(Y_tr, loss, source)
    return Data(kind, source, X_tr, Y_tr, X_dev, Y_dev, loss, n_out, preset=preset)
