"""fastnn.tabular: CSV files read into (n_x, m) features and a target column, class labels,
and predictions written back. Expected values come from the text the tests write."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn import tabular


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_header_rows_and_the_last_column_as_target(tmp_path):
    path = write(tmp_path, 'a,b,label\n1,2.5,x\n-3e2, 4 ,y\n\n5,6,"x"\n')
    t = tabular.read_csv(path)
    assert t.feature_names == ("a", "b") and t.target_name == "label"
    np.testing.assert_array_equal(t.features, [[1, -300, 5], [2.5, 4, 6]])  # (n_x, m)
    assert t.features.dtype == np.float64
    assert t.target == ("x", "y", "x")
    assert t.rows == (2, 3, 5)  # the header is row 1; the blank line is row 4


def test_target_by_name_and_features_by_name(tmp_path):
    path = write(tmp_path, "y,a,b\n0,1,2\n1,3,4\n")
    t = tabular.read_csv(path, "y")
    assert t.feature_names == ("a", "b") and t.target == ("0", "1")
    t = tabular.read_csv(path, features=["b", "a"], require_target=False)  # a model's order
    np.testing.assert_array_equal(t.features, [[2, 4], [1, 3]])
    assert t.target_name == "y"


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,y\n1,2,0\n3,4\n", "row 3 has 2 fields but the header has 3 (column 'y' and after are missing)"),
        ("a,b,y\n1,2,0\n1,2,0\n\n3,4,5,0\n", "row 5 has 4 fields but the header has 3 (1 beyond the last column 'y')"),
        ("a,b,y\n1,2,0\n3,,0\n", "row 3, column 'b': missing value ('')"),
        ("a,b,y\n1,NA,0\n", "row 2, column 'b': missing value ('NA')"),
        ("a,b,y\n1,2,0\n1,2,0\n1,2,0\nx1,2,0\n", "row 5, column 'a': 'x1' is not a number"),
        ("a,b,y\n1,inf,0\n", "row 2, column 'b': 'inf' is not a finite number"),
        ("a,b,y\n1,2,\n", "row 2, column 'y': the target value is missing"),
        ("", "is empty: a CSV file needs a header row"),
        ("a,b,y\n", "has a header row but no examples"),
        ("a,a,y\n1,2,3\n", "the header names column 'a' twice"),
        ("a,,y\n1,2,3\n", "column 2 has no name"),
        ("a;b;y\n1;2;0\n", "(is it separated by ';'? CSV files here are comma-separated)"),
        ("y\n1\n", "no feature columns besides the target 'y'"),
    ],
)
def test_bad_files_name_the_row_and_column(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        tabular.read_csv(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_columns_and_missing_files(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(ValueError, match="has no column 'z'; its columns are a, b"):
        tabular.read_csv(path, "z")
    with pytest.raises(ValueError, match="has no column 'c', which the model was trained on"):
        tabular.read_csv(path, features=["a", "c"], require_target=False)
    with pytest.raises(FileNotFoundError, match="no such file"):
        tabular.read_csv(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(ValueError, match="is not a UTF-8 text file"):
        tabular.read_csv(tmp_path / "bin.csv")


def test_classes_in_text_or_numeric_order():
    index, classes = tabular.encode_classes(["dog", "cat", "emu", "cat"])
    assert classes == ["cat", "dog", "emu"] and index.tolist() == [1, 0, 2, 0]
    index, classes = tabular.encode_classes(["10", "9", "1.0", "1"])  # 9 < 10; 1 and 1.0 are one class
    assert classes == ["1.0", "9", "10"] and index.tolist() == [2, 1, 0, 0]
    index, classes = tabular.encode_classes(["b", "a"], classes=["b", "a"])  # a model's classes
    assert index.tolist() == [0, 1]
    with pytest.raises(ValueError, match="class 'c' is not one the model knows"):
        tabular.encode_classes(["a", "c"], classes=["a", "b"])


def test_written_csv_reads_back_exactly(tmp_path):
    values = np.array([0.1, 1 / 3, -2.5e-300])
    path = tabular.write_csv(tmp_path / "p.csv", ["label", "p"], [["a,b", 'say "x"', "c"], values])
    text = path.read_text()
    assert text.splitlines()[0] == "label,p"
    back = tabular.read_csv(path, "label")
    np.testing.assert_array_equal(back.features[0], values)  # repr round trip
    assert back.target == ("a,b", 'say "x"', "c")
    assert [p.name for p in tmp_path.iterdir()] == ["p.csv"]  # no temporary file left
