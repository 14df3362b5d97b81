"""The training and test data as one CSV table: the raw columns, the network's inputs (scaled,
with derived features) and the targets as trained, one row per sample with its set."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..app.files.write import write_atomically
from ..app.scenario import CsvData, Scenario
from ..app.session import Dataset

SET_COLUMN = "set"
CLASS_COLUMN = "class"
RAW_PREFIX = "raw:"
INPUT_PREFIX = "input:"
TARGET_PREFIX = "target:"


@dataclass(frozen=True)
class DataTable:
    """The exported table: `header` names the columns; `sets` (n,) says "train" or "test";
    `raw` (n, d), `inputs` (n, inputs) and `targets` (n, outputs) hold the numbers, `classes`
    (n,) the class names (classification) or None."""

    header: tuple[str, ...]
    sets: tuple[str, ...]
    raw: np.ndarray
    inputs: np.ndarray
    targets: np.ndarray
    classes: tuple[str, ...] | None

    @property
    def rows(self) -> int:
        return len(self.sets)


def data_table(scenario: Scenario, data: Dataset) -> DataTable:
    """Build the table of `data`, the Dataset a Simulation of `scenario` made: training rows
    first, then test rows, in the order the simulation holds them.

    Columns: `set`; `raw:<name>` per raw column (the data's own units, before scaling);
    `input:<feature>` per network input (what the network is fed: scaled, derived features
    included); for classification `class` (the class name) and `target:<class>` per output unit
    (the one-hot or 0/1, −1/+1 values trained on); for regression `target:<name>` per output.
    """
    raw = np.vstack([data.train_raw, data.test_raw])
    inputs = np.vstack([data.train_inputs, data.test_inputs])
    targets = np.vstack([data.train_targets, data.test_targets])
    sets = ("train",) * len(data.train_inputs) + ("test",) * len(data.test_inputs)
    header = [SET_COLUMN]
    header += [RAW_PREFIX + name for name in data.raw_names]
    header += [INPUT_PREFIX + name for name in data.feature_plan.names]
    classes = None
    if data.task == "classification" and data.classes is not None:
        classes = _class_names(targets, data.classes)
        header.append(CLASS_COLUMN)
    header += [TARGET_PREFIX + name for name in _target_names(scenario, data, targets.shape[1])]
    return DataTable(tuple(header), sets, raw, inputs, targets, classes)


def _class_names(targets: np.ndarray, names: tuple[str, ...]) -> tuple[str, ...]:
    if targets.shape[1] >= 2:
        index = np.argmax(targets, axis=1)
    else:  # one unit: 1 is the second class, 0 (or −1 under tanh) the first
        index = (targets[:, 0] == 1.0).astype(np.intp)
    return tuple(names[i] for i in index.tolist())


def _target_names(scenario: Scenario, data: Dataset, units: int) -> list[str]:
    if data.task == "classification" and data.classes is not None:
        if units >= 2:
            return list(data.classes[:units])
        return [data.classes[1] if len(data.classes) > 1 else "class 1"]
    spec = scenario.data
    if isinstance(spec, CsvData) and len(spec.targets) == units:
        return list(spec.targets)
    if units == 1:
        return ["value"]
    return [f"value {i}" for i in range(1, units + 1)]


def csv_text(table: DataTable) -> str:
    """Return `table` as CSV text (comma-separated, a header row, "\\n" line ends). Numbers are
    written with repr, so they read back bit for bit; names are quoted where CSV needs it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    raw, inputs, targets = table.raw.tolist(), table.inputs.tolist(), table.targets.tolist()
    for i, which in enumerate(table.sets):
        row = [which, *map(repr, raw[i]), *map(repr, inputs[i])]
        if table.classes is not None:
            row.append(table.classes[i])
        row += map(repr, targets[i])
        writer.writerow(row)
    return out.getvalue()


def write_data_csv(table: DataTable, path: Path) -> None:
    """Write `table` to `path` as CSV, atomically (a temporary file beside it, then
    os.replace): the file is whole or untouched. Raises ScenarioError naming the file."""
    path = Path(path)
    write_atomically(path, csv_text(table).encode("utf-8"), path.name)
