"""Shared fixtures. Points FASTNN_DATA_DIR at ../shared/data (beside the checkout) when present."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if "FASTNN_DATA_DIR" not in os.environ and (_SHARED / "train_catvnoncat.h5").is_file():
    os.environ["FASTNN_DATA_DIR"] = str(_SHARED)


@pytest.fixture(scope="session")
def cat_data():
    """``(train_x, train_y, test_x, test_y)`` of the course's cat data, flattened; skips if absent."""
    from fastnn import datasets

    try:
        train_x, train_y, test_x, test_y, _ = datasets.load_catvnoncat()
    except FileNotFoundError as exc:
        pytest.skip(f"cat data not available: {exc}")
    return datasets.flatten_images(train_x), train_y, datasets.flatten_images(test_x), test_y


@pytest.fixture(scope="session")
def planar_data():
    from fastnn import datasets

    return datasets.load_planar_dataset()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_terminal_summary(terminalreporter):
    """Report how many fuzz cases ran (tests/test_fuzz.py), per category, a few per line."""
    import sys

    fuzz = sys.modules.get("tests.test_fuzz") or sys.modules.get("test_fuzz")
    if fuzz is not None and any(fuzz.CASES.values()):
        line = "fuzz cases run:"
        for name, n in fuzz.CASES.items():
            item = f" {n} {name},"
            if len(line) + len(item) > 120:
                terminalreporter.write_line(line)
                line = "   "
            line += item
        terminalreporter.write_line(line.rstrip(","))
