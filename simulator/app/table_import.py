"""New from data: a table (CSV/TSV text, a pasted spreadsheet range, a workbook's sheet) read,
analysed and turned into an untitled scenario with its data inline. Qt-free."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.tabular import detect_delimiter, is_number, quoted_cell
from .scenario import Scenario
from .storage import MAX_FILE_BYTES, ScenarioError, validate_scenario_dict

PASTED = "pasted table"
# A text column with at most this many different values is a category: a one-hot input, or the
# classes of a target. More, and it is likely a name or an identifier, of no use as an input.
MAX_CATEGORIES = 12
# A target of whole numbers with at most this many different values reads as class numbers.
MAX_NUMBERED_CLASSES = 10
MAX_CLASSES = 100
MAX_ROWS = 1_000_000
PREVIEW_ROWS = 8
SCALINGS = ("standardize", "min_max", "none")
TASKS = ("classification", "regression")
HIDDEN_ACTIVATIONS = ("tanh", "relu")
# Adam at this rate trains standardized inputs well (the iris preset uses it too).
LEARNING_RATE = 0.01
# Cells a spreadsheet or a statistics package writes for "no value": read as missing, not as text.
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "--", "#n/a"})
# "3,14" or "-1,5e3" with a decimal comma; no thousands separators.
_COMMA_NUMBER = re.compile(r"[+-]?[0-9]*,[0-9]+(?:[eE][+-]?[0-9]+)?")
_MAX_NAME = 100  # class names are at most 100 characters in a scenario file


class TableImportError(ValueError):
    """A table that cannot become a scenario; the message names the file (or "pasted table")
    and, where it can, the line and the column."""


@dataclass(frozen=True)
class RawTable:
    """A table as read, every cell still text (stripped).

    `source` names it in messages (a file name, or "pasted table"); `path` is the file, None
    when pasted. `lines[i]` is where data row `i` starts in the file (1-based; the row number in
    a spreadsheet). `delimiter` is None for a workbook; `sheet` and `sheets` are a workbook's
    chosen sheet and all its sheets' names.
    """

    source: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    delimiter: str | None
    decimal_comma: bool
    has_header: bool
    path: Path | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    # Each column read once (missing cells, numbers): the dialog asks again on every click.
    _columns: dict[int, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )


@dataclass(frozen=True)
class ColumnInfo:
    """What one column holds. `kind`: "numeric" (most filled cells are numbers), "category"
    (text with at most MAX_CATEGORIES different values, listed in `values`) or "text" (more);
    `missing`: empty cells; `bad`: cells that are not numbers in a numeric column; `whole`: every
    number is a whole number; `distinct`: different numbers (or texts); `filled`: cells with a
    value."""

    name: str
    kind: str
    values: tuple[str, ...]
    missing: int
    bad: int
    whole: bool
    distinct: int
    filled: int = 0


@dataclass(frozen=True)
class RowProblem:
    """A data row that cannot be used: its `line`, the `column` and `why` ("missing" or
    "not a number")."""

    line: int
    column: str
    why: str

    def describe(self) -> str:
        cell = "is empty" if self.why == "missing" else "is not a number"
        return f"line {self.line}, column {quoted_cell(self.column)} {cell}"


@dataclass(frozen=True)
class ImportChoices:
    """What the user chose in the dialog (defaults from `propose_choices`)."""

    inputs: tuple[str, ...]
    target: str
    task: str = "classification"
    skip_bad_rows: bool = True
    train_fraction: float = 0.8
    seed: int = 0
    scaling: str = "standardize"
    hidden_units: int = 8
    hidden_activation: str = "tanh"
    # A regression's target divided by this (a power of ten): see proposed_target_divisor.
    target_divisor: float = 1.0


@dataclass(frozen=True)
class ImportPlan:
    """The cleaned table: `inputs` float64 (n, d) with `feature_names` (one-hot columns named
    `column=value`), `targets` float64 (n, k) as the output layer wants them, `classes` (None for
    a regression), the rows left out (`skipped`) and the rows kept (`kept_lines`)."""

    feature_names: tuple[str, ...]
    inputs: np.ndarray
    targets: np.ndarray
    classes: tuple[str, ...] | None
    skipped: tuple[RowProblem, ...]
    kept_lines: tuple[int, ...] = field(default=())


# ----- reading --------------------------------------------------------------------------------


def read_table_file(
    path: str | Path,
    *,
    delimiter: str | None = None,
    decimal_comma: bool | None = None,
    has_header: bool | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read a table file: .xlsx through openpyxl (the first sheet, or `sheet`), anything else
    as delimited text (UTF-8, else Windows-1252). None for a setting means detect it. Raises
    TableImportError naming the file."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() == ".xlsx":
        from .spreadsheet import read_xlsx_cells

        cells, lines, sheet, sheets = read_xlsx_cells(path, sheet)
        table = table_from_cells(cells, lines, name, None, has_header=has_header)
        return replace(table, path=path, sheet=sheet, sheets=sheets)
    try:
        if not path.is_file():
            raise TableImportError(f"{name}: not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TableImportError(f"{name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise TableImportError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if b"\0" in data[:4096]:
        raise TableImportError(f"{name}: not a text table (is it a binary file?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows save CSV in their own code page.
        text = data.decode("cp1252", errors="replace")
    table = parse_table_text(
        text, name, delimiter=delimiter, decimal_comma=decimal_comma, has_header=has_header
    )
    return replace(table, path=path)


def parse_table_text(
    text: str,
    source: str = PASTED,
    *,
    delimiter: str | None = None,
    decimal_comma: bool | None = None,
    has_header: bool | None = None,
) -> RawTable:
    """Split delimited text (a file's, or a spreadsheet range copied to the clipboard, which
    is tab-separated) into a RawTable. None for a setting means detect it: the delimiter that
    splits the first line most; a decimal comma when the delimiter is not "," and numbers like
    "3,14" occur; a header when the first row holds no number. Raises TableImportError."""
    text = text.removeprefix("\ufeff")
    if delimiter is None:
        delimiter = detect_delimiter(text)
    # strict: an unclosed quote is reported rather than swallowing the rest of the file.
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True
    )
    cells: list[list[str]] = []
    lines: list[int] = []
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            row = [cell.strip() for cell in record]
            if any(row):
                cells.append(row)
                lines.append(start)
                if len(cells) > MAX_ROWS + 1:
                    raise TableImportError(f"{source}: more than {MAX_ROWS:,} rows")
    except csv.Error as exc:
        raise TableImportError(
            f"{source}: line {reader.line_num}: not a valid table ({exc})"
        ) from None
    if decimal_comma is None:
        decimal_comma = delimiter != "," and _has_comma_numbers(cells)
    return table_from_cells(cells, lines, source, delimiter, decimal_comma, has_header)


def table_from_cells(
    cells: list[list[str]],
    lines: list[int],
    source: str,
    delimiter: str | None,
    decimal_comma: bool = False,
    has_header: bool | None = None,
) -> RawTable:
    """Make a RawTable of rows of text cells (blank rows already left out) starting at
    `lines`; rows shorter than the widest are padded with empty cells (spreadsheets drop
    trailing empty cells). Raises TableImportError for a table without data."""
    if not cells:
        raise TableImportError(f"{source}: the table is empty")
    width = max(len(row) for row in cells)
    # Trailing columns empty in every row (a spreadsheet's stray separators) are no columns.
    while width > 1 and all(len(row) < width or not row[width - 1] for row in cells):
        width -= 1
    rows = [tuple(row[:width]) + ("",) * (width - len(row)) for row in cells]
    if has_header is None:
        has_header = len(rows) > 1 and not any(
            _number(cell, decimal_comma) is not None for cell in rows[0]
        )
    if has_header:
        header = _header_names(rows[0])
        rows, lines = rows[1:], lines[1:]
    else:
        header = tuple(f"column {index + 1}" for index in range(width))
    if not rows:
        raise TableImportError(f"{source}: the table has a header but no data rows")
    if len(rows) > MAX_ROWS:
        raise TableImportError(f"{source}: more than {MAX_ROWS:,} data rows")
    return RawTable(source, header, tuple(rows), tuple(lines), delimiter, decimal_comma, has_header)


def _header_names(cells: tuple[str, ...]) -> tuple[str, ...]:
    names: list[str] = []
    for index, cell in enumerate(cells):
        name = cell or f"column {index + 1}"
        base, copy = name, 2
        while name in names:  # two columns of one name would be one input twice
            name = f"{base} ({copy})"
            copy += 1
        names.append(name)
    return tuple(names)


def _has_comma_numbers(cells: list[list[str]]) -> bool:
    return any(_COMMA_NUMBER.fullmatch(cell) for row in cells[1:200] for cell in row)


def _number(cell: str, decimal_comma: bool) -> float | None:
    """The number a cell holds, None for anything else (text, empty, "nan", "inf")."""
    if decimal_comma and _COMMA_NUMBER.fullmatch(cell):
        cell = cell.replace(",", ".")
    return float(cell) if is_number(cell) else None


def is_missing(cell: str) -> bool:
    """Whether a cell means "no value": empty, or NA, N/A, NaN, null, ?, - and the like."""
    return cell.lower() in _MISSING


# ----- analysis -------------------------------------------------------------------------------


def _column(table: RawTable, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Column `index` of `table`: bool (n,) True where a cell is missing, and float64 (n,) its
    numbers with NaN for every cell that is not one."""
    cached = table._columns.get(index)
    if cached is None:
        cells = [row[index] for row in table.rows]
        missing = np.fromiter(map(is_missing, cells), dtype=bool, count=len(cells))
        numbers = np.fromiter(
            (_number_or_nan(cell, table.decimal_comma) for cell in cells),
            dtype=np.float64,
            count=len(cells),
        )
        cached = table._columns[index] = (missing, numbers)
    return cached


def _number_or_nan(cell: str, decimal_comma: bool) -> float:
    value = _number(cell, decimal_comma)
    return math.nan if value is None else value


def analyse_columns(table: RawTable) -> list[ColumnInfo]:
    """One ColumnInfo per column of `table`, in order."""
    infos = []
    for index, name in enumerate(table.header):
        missing_cells, numbers = _column(table, index)
        missing = int(missing_cells.sum())
        filled = len(missing_cells) - missing
        found = numbers[~np.isnan(numbers)]
        if filled and 2 * len(found) >= filled:
            values = np.unique(found)
            whole = bool(np.all(values == np.round(values)))
            bad = filled - len(found)
            infos.append(ColumnInfo(name, "numeric", (), missing, bad, whole, len(values), filled))
            continue
        cells = {row[index] for row in table.rows}
        distinct = _class_order({cell for cell in cells if not is_missing(cell)})
        kind = "category" if 0 < len(distinct) <= MAX_CATEGORIES else "text"
        shown = tuple(distinct) if kind == "category" else ()
        infos.append(ColumnInfo(name, kind, shown, missing, 0, False, len(distinct), filled))
    return infos


def _class_order(labels: set[str]) -> list[str]:
    if labels and all(is_number(label) for label in labels):
        return sorted(labels, key=lambda label: (float(label), label))
    return sorted(labels)


def detected_task(info: ColumnInfo) -> str:
    """Classification for a text target or a few whole numbers, each found twice on average
    (four prices in four rows are no classes); regression otherwise."""
    if info.kind != "numeric":
        return "classification"
    few = 2 <= info.distinct <= MAX_NUMBERED_CLASSES and 2 * info.distinct <= info.filled
    if info.whole and few:
        return "classification"
    return "regression"


def proposed_target_divisor(table: RawTable, target: str) -> float:
    """The power of ten that brings a regression target's largest size down to at most 10.

    Only the inputs are scaled (the format scales raw input columns); a target in the thousands
    would leave a linear output that starts near 0, moved by Adam about 0.01 a step, thousands
    of epochs from the answer. 1.0 for a target that is small already or holds no numbers.
    """
    if target not in table.header:
        return 1.0
    numbers = _column(table, table.header.index(target))[1]
    found = numbers[~np.isnan(numbers)]
    largest = float(np.abs(found).max()) if len(found) else 0.0
    if largest <= 10:
        return 1.0
    return float(10 ** math.ceil(math.log10(largest / 10)))


def proposed_hidden_units(inputs: int, outputs: int) -> int:
    """A hidden width between 4 and 16 that grows with the inputs and outputs."""
    return max(4, min(16, 2 * max(inputs, outputs)))


def propose_choices(table: RawTable, infos: list[ColumnInfo] | None = None) -> ImportChoices:
    """Sensible first choices: the last column of few text values (else the last column) as
    the target, every other numeric or few-valued column as an input, the task its values
    suggest, skip bad rows, 80 % training, standardized inputs."""
    infos = infos if infos is not None else analyse_columns(table)
    # A column of a few text labels is what people usually predict (a species, yes/no);
    # without one, the last column.
    categories = [info for info in infos if info.kind == "category"]
    target = categories[-1] if categories and len(infos) > 1 else infos[-1]
    others = [info for info in infos if info is not target and info.kind != "text"]
    inputs = tuple(info.name for info in others)
    task = detected_task(target)
    width = sum(len(info.values) if info.kind == "category" else 1 for info in others)
    outputs = _output_units(len(target.values) or target.distinct) if task == TASKS[0] else 1
    return ImportChoices(
        inputs=inputs,
        target=target.name,
        task=task,
        hidden_units=proposed_hidden_units(max(width, 1), outputs),
        target_divisor=proposed_target_divisor(table, target.name),
    )


def _output_units(classes: int) -> int:
    return 1 if classes <= 2 else classes


# ----- the cleaned table ----------------------------------------------------------------------


def plan_import(
    table: RawTable, choices: ImportChoices, infos: list[ColumnInfo] | None = None
) -> ImportPlan:
    """Clean `table` as `choices` say: the rows with missing or non-numeric cells in the chosen
    columns found (skipped, or refused), few-valued text inputs one-hot encoded, the target as
    the output layer wants it. `infos`: analyse_columns(table), when known. Raises
    TableImportError with a message for the user."""
    source = table.source
    infos = {info.name: info for info in (infos or analyse_columns(table))}
    column = {name: index for index, name in enumerate(table.header)}
    if choices.target not in column:
        raise TableImportError(f"{source}: choose the column to predict")
    if not choices.inputs:
        raise TableImportError(f"{source}: choose at least one input column")
    if choices.target in choices.inputs:
        raise TableImportError(
            f"{source}: column {quoted_cell(choices.target)} cannot be both an input and the target"
        )
    for name in choices.inputs:
        info = infos[name]
        if info.kind == "text":
            raise TableImportError(
                f"{source}: column {quoted_cell(name)} holds text with {info.distinct} different "
                f"values (at most {MAX_CATEGORIES} can become inputs); leave it out"
            )
    target_info = infos[choices.target]
    if not choices.target_divisor > 0:
        raise TableImportError(f"{source}: the target's divisor must be greater than 0")
    if choices.task == "regression" and target_info.kind != "numeric":
        raise TableImportError(
            f"{source}: column {quoted_cell(choices.target)} holds text, so it can only be "
            "predicted as a classification"
        )

    # One code per row and chosen column: 0 usable, 1 missing, 2 not a number. A row's
    # problem is its first bad cell, left to right, the target last.
    wanted = [*choices.inputs, choices.target]
    codes = np.zeros((len(table.rows), len(wanted)), dtype=np.int8)
    for position, name in enumerate(wanted):
        missing, numbers = _column(table, column[name])
        # A numeric target read as classes keeps its labels; inputs must be numbers.
        must_be_number = infos[name].kind == "numeric" and (
            name != choices.target or choices.task == "regression"
        )
        if must_be_number:
            codes[~missing & np.isnan(numbers), position] = 2
        codes[missing, position] = 1
    bad = codes.any(axis=1)
    first = (codes > 0).argmax(axis=1)
    why = {1: "missing", 2: "not a number"}
    problems = [
        RowProblem(table.lines[row], wanted[first[row]], why[int(codes[row, first[row]])])
        for row in np.flatnonzero(bad)
    ]
    kept = np.flatnonzero(~bad)
    if problems and not choices.skip_bad_rows:
        raise TableImportError(
            f"{source}: {_rows(len(problems))} with missing or non-numeric cells, the first at "
            f"{problems[0].describe()}; choose to skip them, or fix the table"
        )
    if not len(kept):
        raise TableImportError(
            f"{source}: no row can be used: each has a missing or non-numeric cell, the first "
            f"at {problems[0].describe()}"
        )

    rows = [table.rows[index] for index in kept]
    names: list[str] = []
    blocks: list[np.ndarray] = []
    for name in choices.inputs:
        info = infos[name]
        if info.kind == "numeric":
            blocks.append(_column(table, column[name])[1][kept].reshape(-1, 1))
            names.append(name)
        else:
            cells = [row[column[name]] for row in rows]
            present = [value for value in info.values if value in set(cells)]
            index_of = {value: position for position, value in enumerate(present)}
            block = np.zeros((len(cells), len(present)))
            block[np.arange(len(cells)), [index_of[cell] for cell in cells]] = 1.0
            blocks.append(block)
            names.extend(f"{name}={value}" for value in present)
    inputs = np.hstack(blocks)

    cells = [row[column[choices.target]] for row in rows]
    if choices.task == "regression":
        targets = _column(table, column[choices.target])[1][kept].reshape(-1, 1)
        targets = targets / choices.target_divisor
        classes = None
    else:
        labels = _class_labels(cells, table.decimal_comma, target_info.kind == "numeric")
        classes = _class_order(set(labels))
        if len(classes) < 2:
            raise TableImportError(
                f"{source}: column {quoted_cell(choices.target)} has only one class "
                f"({quoted_cell(classes[0])}) in the rows used; a classification needs two"
            )
        if len(classes) > MAX_CLASSES:
            raise TableImportError(
                f"{source}: column {quoted_cell(choices.target)} has {len(classes)} different "
                f"values, too many classes (at most {MAX_CLASSES}); predict it as a regression"
            )
        index_of = {label: position for position, label in enumerate(classes)}
        indices = np.array([index_of[label] for label in labels])
        if len(classes) == 2:
            targets = indices.astype(np.float64).reshape(-1, 1)
        else:
            targets = np.zeros((len(labels), len(classes)))
            targets[np.arange(len(labels)), indices] = 1.0
        classes = tuple(_unique_names([label[:_MAX_NAME] for label in classes]))
    return ImportPlan(
        tuple(_unique_names(names)),
        inputs,
        targets,
        None if classes is None else tuple(classes),
        tuple(problems),
        tuple(table.lines[index] for index in kept),
    )


def _class_labels(cells: list[str], decimal_comma: bool, numeric: bool) -> list[str]:
    """Labels of a classification target; numbers written alike ("1", "1.0", "1,0") are one
    class, named by the number's shortest form."""
    if not numeric:
        return cells
    labels = []
    for cell in cells:
        value = _number(cell, decimal_comma)
        labels.append(
            cell if value is None else f"{value:g}" if value != int(value) else str(int(value))
        )
    return labels


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        unique, copy = name, 2
        while unique in out:
            unique = f"{name} ({copy})"
            copy += 1
        out.append(unique)
    return out


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


def split_rows(rows: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and the test rows: a permutation drawn with `seed`, the first
    round(train_fraction * rows) (at least one) for training."""
    order = np.random.default_rng(seed).permutation(rows)
    train = training_rows(rows, train_fraction)
    return np.sort(order[:train]), np.sort(order[train:])


def training_rows(rows: int, train_fraction: float) -> int:
    """How many of `rows` train: round(train_fraction * rows), at least one."""
    return min(rows, max(1, round(train_fraction * rows)))


def output_layer(classes: tuple[str, ...] | None) -> tuple[int, str, str]:
    """(units, activation, loss) of the output layer for the task: one linear unit and mse for a
    regression, one sigmoid unit and bce for two classes, softmax and cross_entropy for more."""
    if classes is None:
        return 1, "linear", "mse"
    if len(classes) == 2:
        return 1, "sigmoid", "bce"
    return len(classes), "softmax", "cross_entropy"


# ----- the scenario ---------------------------------------------------------------------------


def scenario_dict(table: RawTable, choices: ImportChoices, plan: ImportPlan) -> dict[str, Any]:
    """The scenario file's object for the cleaned table: data inline (split with the chosen
    seed), inputs → one hidden layer → outputs with the activation and loss the task needs,
    Adam, feature scaling as chosen."""
    train, test = split_rows(len(plan.inputs), choices.train_fraction, choices.seed)
    classes = plan.classes
    units, activation, loss = output_layer(classes)
    output = {"units": units, "activation": activation}
    data: dict[str, Any] = {
        "train": {"inputs": _matrix(plan.inputs[train]), "targets": _matrix(plan.targets[train])},
        "test": {"inputs": _matrix(plan.inputs[test]), "targets": _matrix(plan.targets[test])},
        "columns": list(plan.feature_names),
    }
    if classes is not None:
        data["classes"] = list(classes)
    data["scaling"] = {"method": choices.scaling}
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": _title(table, choices),
        "description": _description(table, choices, plan, len(train), len(test)),
        "network": {
            "inputs": list(plan.feature_names),
            "initialization": {"scheme": "xavier", "seed": choices.seed},
            "layers": [
                {"units": choices.hidden_units, "activation": choices.hidden_activation},
                output,
            ],
        },
        "training": {
            "loss": loss,
            "optimizer": {"name": "adam", "learning_rate": LEARNING_RATE},
            "batch_size": max(1, min(32, len(train))),
            "shuffle": True,
            "seed": choices.seed,
            "task": choices.task,
        },
        "data": data,
    }


def build_scenario(table: RawTable, choices: ImportChoices) -> tuple[Scenario, ImportPlan]:
    """Clean the table, build the scenario and check it as the loader checks a file. Raises
    TableImportError (never a traceback's worth of anything else) naming the table."""
    plan = plan_import(table, choices)
    obj = scenario_dict(table, choices, plan)
    try:
        scenario = validate_scenario_dict(obj, file=table.source)
    except ScenarioError as exc:
        raise TableImportError(str(exc)) from None
    return scenario, plan


def simulation_from_table(table: RawTable, choices: ImportChoices):
    """Build the scenario and its Simulation (for the window's loader thread). Raises
    ScenarioError, as a file that cannot be opened does, naming the table."""
    from .session import Simulation  # the session pulls in the engine's trainer: only here

    try:
        scenario, _ = build_scenario(table, choices)
    except TableImportError as exc:
        reason = str(exc).removeprefix(f"{table.source}: ")
        raise ScenarioError(table.source, "", reason) from None
    return Simulation(scenario)


def _matrix(array: np.ndarray) -> list[list[float]]:
    return [[float(value) for value in row] for row in array]


def _title(table: RawTable, choices: ImportChoices) -> str:
    name = "Pasted table" if table.source == PASTED else Path(table.source).stem
    title = f"{name}: predict {choices.target}"
    return title if len(title) <= 200 else title[:197] + "..."


def _description(
    table: RawTable, choices: ImportChoices, plan: ImportPlan, train: int, test: int
) -> str:
    where = table.source if table.path is None else str(table.path)
    if table.sheet is not None:
        where += f", sheet {quoted_cell(table.sheet)}"
    rows = len(plan.inputs)
    parts = [
        f"Made with New from data from {where}: {rows:,} rows, {train:,} for training and "
        f"{test:,} for testing (split with seed {choices.seed}).",
        f"Inputs: {', '.join(plan.feature_names)}. Target: {choices.target}, as a "
        f"{choices.task}" + (f" of {', '.join(plan.classes)}." if plan.classes else "."),
    ]
    if plan.classes is None and choices.target_divisor != 1:
        parts.append(
            f"The network predicts {choices.target} divided by {choices.target_divisor:,.0f}, "
            "so that its output starts in the right range."
        )
    if table.decimal_comma:
        parts.append("Numbers were written with a decimal comma.")
    if plan.skipped:
        parts.append(
            f"{_rows(len(plan.skipped))} left out for missing or non-numeric cells, the first "
            f"at {plan.skipped[0].describe()}."
        )
    parts.append(f"Inputs scaled: {choices.scaling}.")
    text = " ".join(parts)
    return text if len(text) <= 20_000 else text[:19_997] + "..."


def problems_summary(problems: tuple[RowProblem, ...]) -> str:
    """One line about the unusable rows, e.g. "12 rows have missing or non-numeric cells (the
    first: line 5, column "age" is empty)", or "" when there are none."""
    if not problems:
        return ""
    verb = "has" if len(problems) == 1 else "have"
    return (
        f"{_rows(len(problems))} {verb} missing or non-numeric cells (the first: "
        f"{problems[0].describe()})"
    )
