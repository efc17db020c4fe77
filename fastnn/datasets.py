"""The course's data sets: the cat images, the planar "flower", Course II's circles, moons and
2D football data, and a train/dev/test split."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

_CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")


def find_data_dir(
    data_dir: str | os.PathLike | None = None, files: tuple[str, ...] = _CAT_FILES, what: str = "the course's cat data"
) -> Path:
    """The folder holding ``files`` (by default the cat files): ``data_dir``, else ``$FASTNN_DATA_DIR``.

    Raises
    ------
    FileNotFoundError
        Naming the folders looked in and where to put the two files.
    """
    candidates = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    elif os.environ.get("FASTNN_DATA_DIR"):
        candidates.append(Path(os.environ["FASTNN_DATA_DIR"]))
    for folder in candidates:
        if all((folder / name).is_file() for name in files):
            return folder
    looked = ", ".join(str(c) for c in candidates) or "nowhere (no data_dir given and FASTNN_DATA_DIR is not set)"
    raise FileNotFoundError(
        f"{what} ({' and '.join(files)}) was not found; looked in {looked}. "
        f"Put {'both files' if len(files) > 1 else 'it'} in one folder and pass data_dir=... "
        "or set FASTNN_DATA_DIR to it."
    )


def load_catvnoncat(data_dir: str | os.PathLike | None = None):
    """The course's cat / non-cat images, as its ``load_data()`` returns them.

    Returns
    -------
    train_x_orig : (209, 64, 64, 3) uint8 array
    train_y : (1, 209) int64 array
    test_x_orig : (50, 64, 64, 3) uint8 array
    test_y : (1, 50) int64 array
    classes : (2,) bytes array
        ``[b"non-cat", b"cat"]``.
    """
    import h5py

    folder = find_data_dir(data_dir)
    with h5py.File(folder / _CAT_FILES[0], "r") as train, h5py.File(folder / _CAT_FILES[1], "r") as test:
        train_x_orig = np.array(train["train_set_x"][:])
        train_y = np.array(train["train_set_y"][:]).reshape(1, -1)
        test_x_orig = np.array(test["test_set_x"][:])
        test_y = np.array(test["test_set_y"][:]).reshape(1, -1)
        classes = np.array(test["list_classes"][:])
    return train_x_orig, train_y, test_x_orig, test_y, classes


def flatten_images(x_orig: np.ndarray) -> np.ndarray:
    """Images ``(m, h, w, c)`` to a C-contiguous float64 ``(h * w * c, m)`` matrix scaled by 1/255.

    C order, so that no backend has to copy it again (the course's ``reshape(m, -1).T / 255``
    gives the same numbers in Fortran order).
    """
    x_orig = np.asarray(x_orig)
    if x_orig.ndim < 2:
        raise ValueError(f"flatten_images expects (m, ...) images, got an array of shape {x_orig.shape}")
    return np.ascontiguousarray(x_orig.reshape(x_orig.shape[0], -1).T) / 255.0


def load_planar_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": two petalled classes of 200 points each.

    Seeded with a local ``RandomState(1)``, drawing what the course's
    ``np.random.seed(1)`` version draws. For class ``j``, ``theta`` is
    ``linspace(3.12 j, 3.12 (j + 1), 200) + 0.2 randn`` and ``r = 4 sin(4 theta) + 0.2 randn``.

    Returns
    -------
    X : (2, 400) float64 array
        Rows ``r sin(theta)`` and ``r cos(theta)``.
    Y : (1, 400) uint8 array
    """
    rng = np.random.RandomState(1)
    m, a = 400, 4
    N = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        theta = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2
        r = a * np.sin(4 * theta) + rng.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(theta), r * np.cos(theta)]
        Y[ix] = j
    return X.T, Y.T


def train_dev_test_split(
    X: np.ndarray, Y: np.ndarray, dev: int | float | None = None, test: int | float | None = None, seed: int = 0
):
    """Shuffle the columns of ``X``, ``Y`` and split them into train, dev and test sets.

    Defaults follow the course's advice: 60/20/20 for small sets; for large sets dev and
    test are capped at 10,000 examples each (about 98/1/1 at a million examples).

    Parameters
    ----------
    X : (n_x, m) array
    Y : (1, m) array
    dev, test : int or float, optional
        A count of examples, or a fraction of ``m`` if a float below 1.
    seed : int
        Seed of the shuffle (a local ``RandomState``).

    Returns
    -------
    tuple
        ``(X_train, Y_train, X_dev, Y_dev, X_test, Y_test)``: every example exactly once.
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must be 2-D with the same number of columns, got {X.shape} and {Y.shape}")
    m = X.shape[1]

    def count(value, default):
        if value is None:
            return default
        if isinstance(value, float) and 0 <= value < 1:
            return int(round(value * m))
        if isinstance(value, (int, np.integer)) and value >= 0:
            return int(value)
        raise ValueError(f"dev and test must be counts (int >= 0) or fractions in [0, 1), got {value!r}")

    default = min(int(round(0.2 * m)), 10_000)
    n_dev, n_test = count(dev, default), count(test, default)
    if n_dev + n_test > m:
        raise ValueError(f"dev ({n_dev}) plus test ({n_test}) exceed the {m} examples")
    order = np.random.RandomState(seed).permutation(m)
    train_ix = order[: m - n_dev - n_test]
    dev_ix = order[m - n_dev - n_test : m - n_test]
    test_ix = order[m - n_test :]
    return X[:, train_ix], Y[:, train_ix], X[:, dev_ix], Y[:, dev_ix], X[:, test_ix], Y[:, test_ix]


def _shuffled_with_noise(X: np.ndarray, y: np.ndarray, rng: np.random.RandomState, noise: float):
    """scikit-learn's order of draws for its two-shape generators: the legacy shuffle of the
    indices, then Gaussian noise on every coordinate."""
    order = np.arange(len(y))
    rng.shuffle(order)
    return X[order] + rng.normal(scale=noise, size=X.shape), y[order]


def _circles(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.random.seed(seed); make_circles(n_samples=n, noise=noise)`` (factor 0.8), as ``(2, n)``, ``(1, n)``."""
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * 0.8), np.append(np.sin(t_out), np.sin(t_in) * 0.8)]).T
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    X, y = _shuffled_with_noise(X, y, np.random.RandomState(seed), noise)
    return X.T.copy(), y.reshape(1, n)


def load_circles() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Course II "Initialization" notebook's data set, without scikit-learn: ``np.random.seed(1)``
    then ``make_circles(n_samples=300, noise=.05)`` for training, ``np.random.seed(2)`` then
    ``make_circles(n_samples=100, noise=.05)`` for testing, drawn from local streams.

    Returns
    -------
    train_X : (2, 300), train_Y : (1, 300), test_X : (2, 100), test_Y : (1, 100)
        float64; labels 0.0 (outer circle) and 1.0 (inner, radius 0.8).
    """
    return (*_circles(300, 0.05, 1), *_circles(100, 0.05, 2))


def load_2D_dataset(data_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Course II "Regularization" notebook's data set, ``datasets/data.mat`` (the French
    football positions): found like the cat files (``data_dir``, else ``$FASTNN_DATA_DIR``).

    Returns
    -------
    train_X : (2, 211), train_Y : (1, 211), test_X : (2, 200), test_Y : (1, 200)
        float64; labels 0.0 and 1.0.
    """
    from scipy.io import loadmat

    folder = find_data_dir(data_dir, ("data.mat",), "the Regularization notebook's data set")
    data = loadmat(folder / "data.mat")
    return tuple(np.asarray(data[key], dtype=np.float64).T.copy() for key in ("X", "y", "Xval", "yval"))


def load_moons() -> tuple[np.ndarray, np.ndarray]:
    """The Course II "Optimization methods" notebook's data set: ``np.random.seed(3)`` then
    scikit-learn's ``make_moons(n_samples=300, noise=.2)``, drawn from a local stream (the
    global one is untouched) without scikit-learn.

    Returns
    -------
    train_X : (2, 300) float64
    train_Y : (1, 300) float64 of 0 and 1

    Notes
    -----
    Two interleaved half circles, 150 points each (outer: ``(cos t, sin t)``; inner:
    ``(1 - cos t, 1/2 - sin t)``, ``t`` evenly spaced on ``[0, pi]``), shuffled by the legacy
    generator's shuffle of the indices, then Gaussian noise of deviation 0.2 on every
    coordinate: scikit-learn's draws, in its order (``tests/test_datasets.py`` checks it
    against ``make_moons`` bit for bit).
    """
    rng = np.random.RandomState(3)
    t_out = np.linspace(0, np.pi, 150)
    t_in = np.linspace(0, np.pi, 150)
    X = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)), np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    y = np.hstack([np.zeros(150), np.ones(150)])
    X, y = _shuffled_with_noise(X, y, rng, 0.2)
    return X.T.copy(), y.reshape(1, 300)
