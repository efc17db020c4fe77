"""CSV files: a header row, one example per row; read into ``(n_x, m)`` features and a target
column, and written (predictions) atomically. The standard library's ``csv`` module and NumPy,
no pandas.

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first example row 2
(a blank line counts as a row too, and is skipped).
"""

from __future__ import annotations

import csv
import io as _stdio
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Cell texts read as a missing value (compared case-insensitively, after stripping blanks).
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


@dataclass(frozen=True)
class Table:
    """A CSV file read by :func:`read_csv`.

    Attributes
    ----------
    features : (n_x, m) float64 array
        The feature columns, one example per column (the course's layout).
    feature_names : tuple of str
    target : tuple of str, or None
        The target column's cells, stripped (None when the file has no target column).
    target_name : str or None
    rows : tuple of int
        The row number of each example in the file (header = row 1).
    path : str
    """

    features: np.ndarray
    feature_names: tuple[str, ...]
    target: tuple[str, ...] | None
    target_name: str | None
    rows: tuple[int, ...]
    path: str


def read_csv(
    path: str | os.PathLike,
    target: str | None = None,
    *,
    features: Sequence[str] | None = None,
    require_target: bool = True,
) -> Table:
    """Read a CSV file with a header row and one example per row.

    Parameters
    ----------
    path : str or PathLike
    target : str, optional
        The target column's name; default: the last column (or, with ``features`` given, the
        column that is not among them, if there is one).
    features : sequence of str, optional
        The feature columns, by name and in this order (a saved model's); default: every
        column but the target.
    require_target : bool
        False: a file without the target column is read as features only.

    Returns
    -------
    Table

    Raises
    ------
    ValueError
        Naming the row and the column: a non-numeric, missing or infinite feature value, a
        ragged row, a missing target value; also a file without a header or examples,
        duplicate column names, an unknown target or feature column.
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            body = [(reader.line_num, row) for row in reader if row]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise ValueError(f"{path} is not a readable CSV file ({exc})") from None
    if not header:
        raise ValueError(f"{path} is empty: a CSV file needs a header row naming its columns")
    names = [name.strip() for name in header]
    seen = set()
    for j, name in enumerate(names):
        if not name:
            raise ValueError(f"{path}: column {j + 1} has no name in the header row")
        if name in seen:
            raise ValueError(f"{path}: the header names column {name!r} twice")
        seen.add(name)
    for line, row in body:
        if len(row) != len(names):
            where = (
                f"column {names[len(row)]!r} and after are missing"
                if len(row) < len(names)
                else f"{len(row) - len(names)} beyond the last column {names[-1]!r}"
            )
            raise ValueError(f"{path}: row {line} has {len(row)} fields but the header has {len(names)} ({where})")
    if not body:
        raise ValueError(f"{path} has a header row but no examples")

    if target is None:
        if features is not None:
            rest = [name for name in names if name not in set(features)]
            target = rest[-1] if rest else None
        else:
            target = names[-1]
    elif target not in names and (require_target or features is None):
        raise ValueError(f"{path} has no column {target!r}; its columns are {', '.join(names)}")
    has_target = target is not None and target in names
    if not has_target and require_target:
        raise ValueError(f"{path} has no target column; its columns are {', '.join(names)}")
    if features is None:
        features = [name for name in names if name != target]
    else:
        missing = [name for name in features if name not in names]
        if missing:
            raise ValueError(f"{path} has no column {missing[0]!r}, which the model was trained on")
    if not features:
        hint = next((f" (is it separated by {sep!r}? CSV files here are comma-separated)" for sep in (";", "\t")
                     if len(names) == 1 and sep in names[0]), "")  # fmt: skip
        raise ValueError(f"{path}: no feature columns besides the target {target!r}{hint}")
    index = {name: j for j, name in enumerate(names)}
    columns = [index[name] for name in features]

    X = _numbers(path, body, columns, names)
    labels = None
    if has_target:
        t = index[target]
        labels = tuple(row[t].strip() for _, row in body)
        for (line, _), value in zip(body, labels, strict=True):
            if value.lower() in MISSING:
                raise ValueError(f"{path}: row {line}, column {target!r}: the target value is missing")
    return Table(
        X.T.copy(),
        tuple(features),
        labels,
        target if has_target else None,
        tuple(line for line, _ in body),
        str(path),
    )


def _numbers(path: Path, body, columns: list[int], names: list[str]) -> np.ndarray:
    """``(m, len(columns))`` float64 of those cells; ValueError naming the first bad cell."""
    cells = [[row[j] for j in columns] for _, row in body]
    try:
        X = np.array(cells, dtype=np.float64)
    except ValueError:
        X = None
    if X is not None and np.all(np.isfinite(X)):
        return X
    # Slow path: float() cell by cell, saying where the first cell (row by row) that is not a
    # finite number is.
    X = np.empty((len(body), len(columns)))
    for i, (line, row) in enumerate(body):
        for k, j in enumerate(columns):
            text = row[j].strip()
            where = f"{path}: row {line}, column {names[j]!r}"
            if text.lower() in MISSING:
                raise ValueError(f"{where}: missing value ({row[j]!r})")
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{where}: {row[j]!r} is not a number (features must be numeric)") from None
            if not math.isfinite(value):
                raise ValueError(f"{where}: {row[j]!r} is not a finite number")
            X[i, k] = value
    return X


def is_number(text: str) -> bool:
    """Whether ``text`` is a finite number (what a numeric target holds)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def encode_classes(labels: Sequence[str], classes: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """Class labels as indices ``0..K-1``, and the class names.

    Parameters
    ----------
    labels : sequence of str
        One per example.
    classes : sequence of str, optional
        Known classes (a saved model's); default: the distinct labels, in numeric order when
        every label is a number (``"1"`` and ``"1.0"`` are then one class, named as first
        seen), else in text order.

    Returns
    -------
    indices : (m,) int64 array
    classes : list of str

    Raises
    ------
    ValueError
        If a label is not among ``classes``.
    """
    numeric = all(is_number(v) for v in labels)
    if classes is None:
        if numeric:
            names: dict[float, str] = {}
            for v in labels:
                names.setdefault(float(v), v)
            classes = [names[k] for k in sorted(names)]
        else:
            classes = sorted(set(labels))
    classes = list(classes)
    if numeric and all(is_number(c) for c in classes):
        lookup = {float(c): k for k, c in enumerate(classes)}
        keys = [float(v) for v in labels]
    else:
        lookup = {c: k for k, c in enumerate(classes)}
        keys = list(labels)
    unknown = [v for v, k in zip(labels, keys, strict=True) if k not in lookup]
    if unknown:
        shown = ", ".join(map(repr, classes[:10])) + (", ..." if len(classes) > 10 else "")
        raise ValueError(f"class {unknown[0]!r} is not one the model knows ({shown})")
    return np.array([lookup[k] for k in keys], dtype=np.int64), classes


def format_csv(header: Sequence[str], columns: Sequence[Sequence]) -> str:
    """CSV text: ``header`` then one row per example from ``columns`` (equal lengths).
    Floats are written with ``repr``, so they read back exactly."""
    out = _stdio.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in zip(*columns, strict=True):
        writer.writerow([repr(float(v)) if isinstance(v, float | np.floating) else v for v in row])
    return out.getvalue()


def write_csv(path: str | os.PathLike, header: Sequence[str], columns: Sequence[Sequence]) -> Path:
    """Write :func:`format_csv`'s text to ``path`` atomically (temporary file, fsync, rename)."""
    from fastnn.io import write_atomic

    return write_atomic(path, format_csv(header, columns).encode())
