"""The course's data sets and the train/dev/test split."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn import datasets


def test_cat_data_shapes(cat_data):
    train_x, train_y, test_x, test_y = cat_data
    assert train_x.shape == (12288, 209) and train_y.shape == (1, 209)
    assert test_x.shape == (12288, 50) and test_y.shape == (1, 50)
    assert 0 <= train_x.min() and train_x.max() <= 1


def test_load_catvnoncat_returns_the_course_five_tuple():
    try:
        train_x, train_y, test_x, test_y, classes = datasets.load_catvnoncat()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    assert train_x.shape == (209, 64, 64, 3) and train_x.dtype == np.uint8
    assert list(classes) == [b"non-cat", b"cat"]


def test_missing_cat_data_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTNN_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="FASTNN_DATA_DIR"):
        datasets.load_catvnoncat(tmp_path)
    with pytest.raises(FileNotFoundError, match="not set"):
        datasets.load_catvnoncat()


def test_planar_is_the_courses_flower():
    X, Y = datasets.load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400) and Y.dtype == np.uint8
    assert Y[0, :200].sum() == 0 and Y[0, 200:].sum() == 200
    # The course's recipe with the global stream, written out here independently.
    state = np.random.get_state()
    try:
        np.random.seed(1)
        cols = []
        for j in range(2):
            t = np.linspace(j * 3.12, (j + 1) * 3.12, 200) + np.random.randn(200) * 0.2
            r = 4 * np.sin(4 * t) + np.random.randn(200) * 0.2
            cols.append(np.stack([r * np.sin(t), r * np.cos(t)]))
    finally:
        np.random.set_state(state)
    np.testing.assert_array_equal(X, np.concatenate(cols, axis=1))


@pytest.mark.parametrize("m, expected", [(400, (240, 80, 80)), (1_000_000, (980_000, 10_000, 10_000))])
def test_split_follows_the_courses_advice(m, expected):
    X = np.arange(m, dtype=float)[None, :]
    Y = (np.arange(m) % 2)[None, :]
    parts = datasets.train_dev_test_split(X, Y, seed=3)
    assert tuple(p.shape[1] for p in parts[::2]) == expected
    seen = np.concatenate([p[0] for p in parts[::2]])
    assert np.array_equal(np.sort(seen), X[0])  # nothing lost or duplicated
    for x, y in zip(parts[::2], parts[1::2], strict=True):
        np.testing.assert_array_equal(y[0], x[0].astype(int) % 2)  # labels travel with examples


def test_split_rejects_bad_sizes():
    X, Y = np.ones((2, 10)), np.ones((1, 10))
    with pytest.raises(ValueError, match="exceed"):
        datasets.train_dev_test_split(X, Y, dev=6, test=6)
    with pytest.raises(ValueError, match="same number of columns"):
        datasets.train_dev_test_split(X, Y[:, :9])


def test_flatten_images():
    x = np.arange(2 * 2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 2, 3)
    flat = datasets.flatten_images(x)
    assert flat.shape == (12, 2)
    np.testing.assert_allclose(flat[:, 1], x[1].ravel() / 255)


def test_load_moons_is_the_notebooks_make_moons_bit_for_bit():
    """Oracle: scikit-learn (pinned in the ``test`` extra) with the notebook's np.random.seed(3)."""
    datasets_sk = pytest.importorskip("sklearn.datasets")
    state = np.random.get_state()
    X, Y = datasets.load_moons()
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    ref_X, ref_y = datasets_sk.make_moons(n_samples=300, noise=0.2, random_state=np.random.RandomState(3))
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    np.testing.assert_array_equal(X, ref_X.T)
    np.testing.assert_array_equal(Y, ref_y.reshape(1, 300).astype(float))


def test_load_circles_is_the_notebooks_make_circles_bit_for_bit():
    """Oracle: scikit-learn (pinned in the ``test`` extra), with the notebook's seeds 1 and 2."""
    datasets_sk = pytest.importorskip("sklearn.datasets")
    train_X, train_Y, test_X, test_Y = datasets.load_circles()
    for X, Y, n, seed in ((train_X, train_Y, 300, 1), (test_X, test_Y, 100, 2)):
        ref_X, ref_y = datasets_sk.make_circles(n_samples=n, noise=0.05, random_state=np.random.RandomState(seed))
        assert X.shape == (2, n) and Y.shape == (1, n)
        np.testing.assert_array_equal(X, ref_X.T)
        np.testing.assert_array_equal(Y, ref_y.reshape(1, n).astype(float))


def test_load_2D_dataset_shapes_and_labels(tmp_path):
    """The notebook's data.mat: train (2, 211), test (2, 200), float labels 0/1; a clear error without it."""
    try:
        train_X, train_Y, test_X, test_Y = datasets.load_2D_dataset()
    except FileNotFoundError as exc:
        pytest.skip(f"data.mat not available: {exc}")
    assert train_X.shape == (2, 211) and train_Y.shape == (1, 211)
    assert test_X.shape == (2, 200) and test_Y.shape == (1, 200)
    assert train_Y.dtype == np.float64 and set(np.unique(train_Y)) == {0.0, 1.0}
    with pytest.raises(FileNotFoundError, match=r"Regularization notebook's data set \(data.mat\) was not found"):
        datasets.load_2D_dataset(tmp_path)
