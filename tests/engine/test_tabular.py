"""Tests for CSV parsing of user data into input and target arrays."""

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulator.engine.tabular import MAX_CLASSES, Table, TabularError, parse_csv

IRIS = """sepal_length,sepal_width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
"""


def _error(text: str, targets: list[str], **kwargs) -> TabularError:
    with pytest.raises(TabularError) as caught:
        parse_csv(text, targets, **kwargs)
    return caught.value


def test_numeric_targets() -> None:
    table = parse_csv("a,b,y,z\n1,2,3,4\n-1.5,.5,1e3,-2E-2\n", ["z", "y"])
    assert isinstance(table, Table)
    assert table.input_names == ["a", "b"]
    np.testing.assert_array_equal(table.inputs, [[1.0, 2.0], [-1.5, 0.5]])
    # Target columns come in the order asked for.
    assert table.target_names == ["z", "y"]
    np.testing.assert_array_equal(table.targets, [[4.0, 3.0], [-0.02, 1000.0]])
    assert table.classes is None
    assert table.inputs.dtype == np.float64
    assert table.targets.dtype == np.float64


def test_inputs_keep_file_order_around_a_target_in_the_middle() -> None:
    table = parse_csv("p,t,q\n1,2,3\n", ["t"])
    assert table.input_names == ["p", "q"]
    np.testing.assert_array_equal(table.inputs, [[1.0, 3.0]])
    np.testing.assert_array_equal(table.targets, [[2.0]])


def test_one_hot_inferred_and_sorted() -> None:
    table = parse_csv(IRIS, ["species"])
    assert table.input_names == ["sepal_length", "sepal_width"]
    assert table.classes == ["setosa", "versicolor", "virginica"]
    assert table.target_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(table.targets, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert table.inputs.shape == (4, 2)


def test_one_hot_numeric_labels_sorted_numerically() -> None:
    table = parse_csv("x,label\n1,10\n2,9\n3,2\n4,10\n", ["label"], one_hot=True)
    assert table.classes == ["2", "9", "10"]
    np.testing.assert_array_equal(table.targets, [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_numeric_labels_are_not_one_hot_unless_asked() -> None:
    table = parse_csv("x,label\n1,10\n2,9\n", ["label"])
    assert table.classes is None
    np.testing.assert_array_equal(table.targets, [[10.0], [9.0]])


def test_mixed_labels_sorted_as_strings() -> None:
    table = parse_csv("x,c\n1,b\n2,10\n3,9\n4,A\n", ["c"])
    assert table.classes == ["10", "9", "A", "b"]


def test_one_hot_labels_are_stripped() -> None:
    table = parse_csv("x,c\n1, cat \n2,cat\n3,dog\n", ["c"])
    assert table.classes == ["cat", "dog"]
    np.testing.assert_array_equal(table.targets, [[1, 0], [1, 0], [0, 1]])


def test_one_hot_false_refuses_text() -> None:
    error = _error(IRIS, ["species"], one_hot=False)
    assert (error.line, error.column) == (2, "species")
    assert str(error) == 'line 2, column "species": "setosa" is not a number'


def test_several_targets_with_text_are_not_inferred_one_hot() -> None:
    error = _error("x,a,b\n1,2,cat\n", ["a", "b"])
    assert (error.line, error.column) == (2, "b")


def test_one_hot_needs_exactly_one_target() -> None:
    error = _error("x,a,b\n1,2,3\n", ["a", "b"], one_hot=True)
    assert "exactly one" in str(error)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a;b;y\n1.5;2;3\n", "semicolon"),
        ("a\tb\ty\n1.5\t2\t3\n", "tab"),
        ("a,b,y\r\n1.5,2,3\r\n", "crlf"),
        ("a,b,y\r1.5,2,3\r", "cr"),
        ("\ufeffa,b,y\n1.5,2,3\n", "bom"),
        (' a , "b" ,y\n 1.5 , "2",3 \n', "spaces and quotes"),
        ("\n\na,b,y\n\n1.5,2,3\n\n\n", "blank lines"),
    ],
)
def test_formats(text: str, name: str) -> None:
    table = parse_csv(text, ["y"])
    assert table.input_names == ["a", "b"], name
    np.testing.assert_array_equal(table.inputs, [[1.5, 2.0]])
    np.testing.assert_array_equal(table.targets, [[3.0]])


def test_blank_rows_skipped_and_lines_still_counted() -> None:
    text = "\na,y\n1,2\n\n,\n   \n3,oops\n"
    error = _error(text, ["y"], one_hot=False)
    assert (error.line, error.column) == (7, "y")


def test_line_numbers_count_physical_lines_of_quoted_newlines() -> None:
    text = 'a,c\n1,"two\nlines"\n2,x\nbad,y\n'
    error = _error(text, ["c"])
    assert (error.line, error.column) == (5, "a")


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("sepal_width,y\n1,2\n\n3,4\n5,6\n6,7\nabc,1\n", 7, "sepal_width", '"abc" is not a number'),
        ("a,y\n1,2\nnan,3\n", 3, "a", '"nan" is not a number'),
        ("a,y\n1,2\n-inf,3\n", 3, "a", '"-inf" is not a number'),
        ("a,y\n1,2\n1e400,3\n", 3, "a", "too large"),
        ("a,y\n1,2\n1_000,3\n", 3, "a", "not a number"),
        ("a,y\n1,2\n\u0661\u0662,3\n", 3, "a", "not a number"),
        ("a,y\n1,2\nInfinity,3\n", 3, "a", "not a number"),
        ("a,y\n1,2\n0x10,3\n", 3, "a", "not a number"),
        ("a,y\n1,2\n1e,3\n", 3, "a", "not a number"),
        ('a,y\n1,2\n"1\n2",3\n', 3, "a", "not a number"),
        ("a,y\n1,2\n3,4\n1,-1e999\n", 4, "y", "too large"),
        ("a;y\n1,5;2\n", 2, "a", '"1,5" is not a number'),
        ("a,y\n1,2\n,3\n", 3, "a", "empty"),
        ("a,y\n1,2\n3,\n", 3, "y", "empty"),
        ("a,y\n1,2\n3,nan\n", 3, "y", '"nan" is not a number'),
        ("a,b,y\n1,2,3\n4,5\n", 3, None, "2 cells, but the header has 3"),
        ("a,b,y\n1,2,3\n4,5,6,7\n", 3, None, "4 cells"),
        ("a,,y\n1,2,3\n", 1, None, "column 2 of the header has no name"),
        ("\n a ,b, a\n1,2,3\n", 2, "a", "twice"),
        ("x,y\n1,a\n2,\n", 3, "y", "class label is empty"),
    ],
)
def test_bad_cells_name_line_and_column(
    text: str, line: int, column: str | None, fragment: str
) -> None:
    error = _error(text, ["y"])
    assert (error.line, error.column) == (line, column)
    assert fragment in str(error)
    assert f"line {line}" in str(error)
    if column is not None:
        assert f'column "{column}"' in str(error)


def test_first_bad_cell_in_file_order_is_reported() -> None:
    error = _error("a,b,y\n1,2,3\n4,x,6\ny,8,9\n", ["y"])
    assert (error.line, error.column) == (3, "b")


def test_bad_target_before_bad_input_is_reported_first() -> None:
    error = _error("a,y,b\n1,nan,3\n4,5,x\n", ["y"])
    assert (error.line, error.column) == (2, "y")
    error = _error("a,y,b\n1,2,3\n4,inf,x\n", ["y"])
    assert (error.line, error.column) == (3, "y")


def test_message_format_exactly() -> None:
    error = _error("sepal_width,y\n1,2\n\n3,4\n5,6\n6,7\nabc,1\n", ["y"])
    assert str(error) == 'line 7, column "sepal_width": "abc" is not a number'
    assert isinstance(error, ValueError)


def test_long_cells_are_shortened_in_messages() -> None:
    error = _error("a,y\n" + "z" * 500 + ",1\n", ["y"])
    assert len(str(error)) < 100


@pytest.mark.parametrize(
    ("text", "targets", "column", "fragment"),
    [
        ("a,y\n1,2\n", ["q"], "q", '"a", "y"'),
        ("a,y\n1,2\n", ["y", "y"], "y", "twice"),
        ("a,y\n1,2\n", ["a", "y"], None, "input"),
        ("a,y\n1,2\n", [], None, "target"),
        ("a,y\n", ["y"], None, "no data rows"),
        ("", ["y"], None, "empty"),
        ("\n \n\n", ["y"], None, "empty"),
        ("a,y\n1,k\n2,k\n", ["y"], "y", 'only "k"'),
    ],
)
def test_file_level_errors(
    text: str, targets: list[str], column: str | None, fragment: str
) -> None:
    error = _error(text, targets)
    assert error.line is None
    assert error.column == column
    assert fragment in str(error)


def test_class_count_limit() -> None:
    rows = "".join(f"{i},c{i}\n" for i in range(MAX_CLASSES))
    table = parse_csv("x,c\n" + rows, ["c"])
    assert table.targets.shape == (MAX_CLASSES, MAX_CLASSES)
    np.testing.assert_array_equal(table.targets.sum(axis=1), np.ones(MAX_CLASSES))
    error = _error("x,c\n" + rows + "0,extra\n", ["c"])
    assert error.column == "c"
    assert str(MAX_CLASSES + 1) in str(error)


def test_max_rows() -> None:
    text = "a,y\n1,2\n3,4\n\n5,6\n"
    assert parse_csv(text, ["y"], max_rows=3).inputs.shape == (3, 1)
    error = _error(text, ["y"], max_rows=2)
    assert error.line == 5
    assert "more than 2" in str(error)
    with pytest.raises(ValueError, match="max_rows"):
        parse_csv(text, ["y"], max_rows=0)


TOKENS = [*"ab1.,;\t\n\r \"'-e\x00", "nan", "\r\n", "a,b\n", "1e999"]


@given(st.lists(st.sampled_from(TOKENS)).map("".join))
def test_random_text_raises_only_tabular_errors(text: str) -> None:
    last_line = text.count("\n") + text.count("\r") + 1
    for targets in (["a"], ["b"], ["a", "b"]):
        for one_hot in (None, True, False):
            try:
                table = parse_csv(text, targets, one_hot=one_hot)
            except TabularError as caught:
                error: TabularError | None = caught
            else:
                error = None
            if error is not None:
                assert error.line is None or 1 <= error.line <= last_line
                continue
            assert table.inputs.shape[0] == table.targets.shape[0] >= 1
            assert np.isfinite(table.inputs).all()
            assert np.isfinite(table.targets).all()


@given(st.text())
def test_any_unicode_raises_only_tabular_errors(text: str) -> None:
    with contextlib.suppress(TabularError):
        parse_csv(text, ["a"])


@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(1, 8), st.integers(2, 4)),
        elements=st.floats(allow_nan=False, allow_infinity=False),
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_numbers_round_trip_exactly(values: np.ndarray, delimiter: str) -> None:
    names = [f"c{j}" for j in range(values.shape[1])]
    lines = [delimiter.join(names)]
    lines += [delimiter.join(repr(float(v)) for v in row) for row in values]
    table = parse_csv("\n".join(lines), [names[-1]], one_hot=False)
    np.testing.assert_array_equal(table.inputs, values[:, :-1])
    np.testing.assert_array_equal(table.targets, values[:, -1:])
