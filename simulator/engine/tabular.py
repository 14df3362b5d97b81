"""Parsing of user-supplied CSV text into numeric input and target arrays."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import numpy as np

MAX_CLASSES = 1000
_DELIMITERS = (",", ";", "\t")  # in order of preference when a header splits equally well
# Only plain decimal numbers: float() alone would also take "nan", "inf", "1_000" and non-ASCII
# digits, none of which a learner means as a number in a data file.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SHOWN_CELL_LENGTH = 40


class TabularError(ValueError):
    """A CSV file that cannot become a table; `.line` (1-based) and `.column` say where, or None."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Table:
    """A parsed data file.

    `inputs` float64 (n, d) holds the `input_names` columns; `targets` float64 (n, k) holds the
    `target_names` columns, or for a class column one one-hot row per sample, in which case
    `target_names` and `classes` are the k class labels in sorted order (`classes` is None
    otherwise).
    """

    input_names: list[str]
    inputs: np.ndarray
    target_names: list[str]
    targets: np.ndarray
    classes: list[str] | None


def quoted_cell(text: str) -> str:
    if len(text) > _SHOWN_CELL_LENGTH:
        text = text[: _SHOWN_CELL_LENGTH - 3] + "..."
    return f'"{text}"'


def _error(detail: str, line: int | None = None, column: str | None = None) -> TabularError:
    where = []
    if line is not None:
        where.append(f"line {line}")
    if column is not None:
        where.append(f"column {quoted_cell(column)}")
    prefix = ", ".join(where)
    return TabularError(f"{prefix}: {detail}" if prefix else detail, line, column)


def is_number(cell: str) -> bool:
    """Whether a CSV cell is a finite number as nnsim reads one (no "nan", "inf" or 1_000)."""
    return _NUMBER.fullmatch(cell) is not None and math.isfinite(float(cell))


def _number(cell: str, line: int, column: str) -> float:
    if not cell:
        raise _error("the cell is empty, a number is needed", line, column)
    if _NUMBER.fullmatch(cell) is None:
        raise _error(f"{quoted_cell(cell)} is not a number", line, column)
    value = float(cell)
    if not math.isfinite(value):
        raise _error(f"{quoted_cell(cell)} is too large a number", line, column)
    return value


def _numbers(
    rows: list[list[str]], lines: list[int], header: list[str], columns: list[int]
) -> np.ndarray:
    """Return `columns` as float64 (len(rows), len(columns)); raise at the first bad cell."""
    out = np.empty((len(rows), len(columns)), dtype=np.float64)
    for position, column in enumerate(columns):
        cells = [row[column] for row in rows]
        # Fast path for large files. On ASCII text without "_", float() accepts exactly what
        # _NUMBER does plus "nan"/"inf", which the finiteness check below refuses.
        joined = "".join(cells)
        if not joined.isascii() or "_" in joined:
            break
        try:
            out[:, position] = np.fromiter(map(float, cells), np.float64, count=len(cells))
        except ValueError:
            break
        if not np.isfinite(out[:, position]).all():
            break
    else:
        return out
    for row_index, (row, line) in enumerate(zip(rows, lines, strict=True)):
        out[row_index] = [_number(row[column], line, header[column]) for column in columns]
    raise AssertionError("a column failed the fast check but every cell passed the slow one")


def detect_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first non-blank line into the most cells."""
    for line in io.StringIO(text, newline=""):
        if line.strip():
            header = line
            break
    else:
        return ","
    best, best_count = ",", 0
    for candidate in _DELIMITERS:
        try:
            cells = next(csv.reader([header], delimiter=candidate, skipinitialspace=True), [])
        except csv.Error:
            continue
        if len(cells) > best_count:
            best, best_count = candidate, len(cells)
    return best


def _looks_numeric(cell: str) -> bool:
    """True for anything float() reads, "nan" and "inf" included: a typo in a numeric column."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _first_label_line(rows: list[list[str]], lines: list[int], column: int) -> int | None:
    """Return the line of the first cell in `column` that can only be a class label, else None."""
    for cells, line in zip(rows, lines, strict=True):
        if cells[column] and not _looks_numeric(cells[column]):
            return line
    return None


def _check_header(names: list[str], line: int) -> None:
    seen = set()
    for position, name in enumerate(names):
        if not name:
            raise _error(f"column {position + 1} of the header has no name", line)
        if name in seen:
            raise _error("this name appears twice in the header", line, name)
        seen.add(name)


def _class_order(labels: set[str]) -> list[str]:
    if all(is_number(label) for label in labels):
        return sorted(labels, key=lambda label: (float(label), label))
    return sorted(labels)


def parse_csv(
    text: str, targets: list[str], one_hot: bool | None = None, max_rows: int = 1_000_000
) -> Table:
    """Parse CSV text with a header row into a Table.

    In: `text`, the whole file (comma-, semicolon- or tab-delimited, chosen from the header line;
    "." is the only decimal mark); `targets`, the names of the target columns, in the order the
    Table's targets take them (every other column is an input, in file order); `one_hot`: True for
    one column of class labels, False for numeric targets, None to choose True when there is one
    target column and some cell of it is text (not a number, nor a "nan" or "inf" typo);
    `max_rows`, the most data rows accepted. Rows whose cells are all blank are skipped anywhere.
    Out: a Table with n >= 1 rows. Raises TabularError naming the line and column at fault.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows!r}")
    text = text.removeprefix("\ufeff")  # spreadsheet programs often start UTF-8 files with a BOM
    # skipinitialspace lets hand-written files quote after a space: `a, "b, c"`.
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=detect_delimiter(text), skipinitialspace=True
    )

    header: list[str] | None = None
    rows: list[list[str]] = []
    row_lines: list[int] = []
    line = 1  # where the next record starts
    while True:
        try:
            record = next(reader, None)
        except csv.Error as exc:
            raise _error(f"the file is not valid CSV ({exc})", reader.line_num) from exc
        if record is None:
            break
        start, line = line, reader.line_num + 1
        cells = list(map(str.strip, record))
        if not any(cells):
            continue
        if header is None:
            _check_header(cells, start)
            header = cells
            continue
        if len(cells) != len(header):
            raise _error(f"{len(cells)} cells, but the header has {len(header)}", start)
        if len(rows) == max_rows:
            raise _error(f"more than {max_rows} data rows", start)
        rows.append(cells)
        row_lines.append(start)

    if header is None:
        raise _error("the file is empty")
    if not rows:
        raise _error("the file has a header but no data rows")

    if not targets:
        raise _error("choose at least one target column")
    target_columns = []
    for name in targets:
        if name not in header:
            listed = ", ".join(quoted_cell(column) for column in header)
            raise _error(f"there is no such column; the columns are {listed}", None, name)
        if header.index(name) in target_columns:
            raise _error("chosen as a target twice", None, name)
        target_columns.append(header.index(name))
    input_columns = [index for index, name in enumerate(header) if index not in target_columns]
    if not input_columns:
        raise _error("every column is a target; at least one must be an input")

    why = ""
    if one_hot is None:
        one_hot = False
        if len(target_columns) == 1:
            label_line = _first_label_line(rows, row_lines, target_columns[0])
            if label_line is not None:
                one_hot = True
                why = f" (read as class labels because of line {label_line})"
    input_names = [header[index] for index in input_columns]
    if not one_hot:
        # Inputs and targets together, so that the first bad cell in the file is the one reported.
        numeric_columns = sorted(input_columns + target_columns)
        values = _numbers(rows, row_lines, header, numeric_columns)
        position = {index: place for place, index in enumerate(numeric_columns)}
        inputs = values[:, [position[index] for index in input_columns]]
        target_values = values[:, [position[index] for index in target_columns]]
        target_names = [header[index] for index in target_columns]
        return Table(input_names, inputs, target_names, target_values, None)

    inputs = _numbers(rows, row_lines, header, input_columns)
    if len(target_columns) != 1:
        raise _error(f"class labels need exactly one target column, not {len(target_columns)}")
    column = target_columns[0]
    name = header[column]
    for cells, row_line in zip(rows, row_lines, strict=True):
        if not cells[column]:
            raise _error("the class label is empty", row_line, name)
    labels = [cells[column] for cells in rows]
    classes = _class_order(set(labels))
    if len(classes) < 2:
        only = quoted_cell(classes[0])
        raise _error(f"needs at least 2 classes, found only {only}{why}", None, name)
    if len(classes) > MAX_CLASSES:
        raise _error(f"{len(classes)} classes, at most {MAX_CLASSES} are allowed{why}", None, name)
    index_of = {label: index for index, label in enumerate(classes)}
    indices = np.fromiter((index_of[label] for label in labels), dtype=np.intp, count=len(labels))
    one_hot_rows = np.zeros((len(rows), len(classes)), dtype=np.float64)
    one_hot_rows[np.arange(len(rows)), indices] = 1.0
    return Table(input_names, inputs, list(classes), one_hot_rows, list(classes))
