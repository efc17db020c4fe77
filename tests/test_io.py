"""fastnn.save / fastnn.load: atomic writes, no pickle, clear errors for bad files."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import fastnn
from fastnn import reference as R


@pytest.fixture
def params():
    return R.initialize_parameters([4, 3, 1], "he", 0)


def test_round_trip_keeps_arrays_and_metadata(tmp_path, params):
    path = fastnn.save(tmp_path / "m.npz", params, hidden_activation="tanh", final_cost=np.float64(0.25))
    loaded, meta = fastnn.load(path)
    for key in params:
        np.testing.assert_array_equal(loaded[key], params[key])
    assert meta["hidden_activation"] == "tanh" and meta["final_cost"] == 0.25
    assert meta["layer_dims"] == [4, 3, 1] and meta["dtype"] == "float64" and meta["format_version"] == 1


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, params, monkeypatch):
    path = tmp_path / "m.npz"
    fastnn.save(path, params, run=1)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        fastnn.save(path, {k: v + 1 for k, v in params.items()}, run=2)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left behind


def test_truncated_file(tmp_path, params):
    path = fastnn.save(tmp_path / "m.npz", params)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a readable fastnn parameter file"):
        fastnn.load(path)


def test_pickle_bearing_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W1=np.array([object()], dtype=object), __fastnn_metadata__=np.frombuffer(b"{}", np.uint8))
    with pytest.raises(ValueError, match="pickled objects"):
        fastnn.load(path)
    raw = tmp_path / "raw.npz"
    raw.write_bytes(pickle.dumps({"W1": 1}))
    with pytest.raises(ValueError, match="pickled objects"):
        fastnn.load(raw)


def test_foreign_npz(tmp_path):
    np.savez(tmp_path / "other.npz", X=np.ones(3))
    with pytest.raises(ValueError, match="not a fastnn parameter file"):
        fastnn.load(tmp_path / "other.npz")


def test_shapes_checked_against_metadata(tmp_path, params):
    path = fastnn.save(tmp_path / "m.npz", params)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["W2"] = np.ones((1, 5))
    arrays["b1"] = np.ones((5, 1))
    arrays["W1"] = np.ones((5, 4))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="metadata says"):
        fastnn.load(path)


def test_missing_file_and_bad_parameters(tmp_path, params):
    with pytest.raises(FileNotFoundError):
        fastnn.load(tmp_path / "nope.npz")
    with pytest.raises(ValueError, match="keys W1, b1"):
        fastnn.save(tmp_path / "m.npz", {"W1": params["W1"]})
    with pytest.raises(TypeError, match="JSON"):
        fastnn.save(tmp_path / "m.npz", params, when=object())
