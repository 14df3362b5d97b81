"""Asking a network about new inputs given in the data's raw units: reading them (typed or from a
table), predicting through the same features as the training data, and the engine's answer."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from ..engine import features
from ..engine.tabular import detect_delimiter, is_number, quoted_cell
from ..engine.trainer import predicted_classes
from .files.read import open_regular_file
from .session import MAX_CSV_BYTES, Simulation

# Beyond this many raw columns a message or table names the first and last few, not every one
# (the digits have 64 pixels).
_NAMES_SHOWN = 8


class PredictError(ValueError):
    """Inputs that cannot be asked of the network; the message is one line saying where."""


@dataclass(frozen=True)
class Prediction:
    """The network's answers to n inputs.

    `raw` float64 (n, d): the inputs in the data's raw columns; `outputs` float64 (n, K): the
    output layer's activations. For classification `classes` int (n,) is the predicted class
    index (the engine's decision rule) and `class_names` names them; `probabilities` float64
    (n,) is the chosen class's probability, or None when the output layer does not give one
    (only a sigmoid unit or a softmax layer does). For regression all three are None.
    `problem` says why some input has no answer (a formula feature of the learner's with no
    value there, such as log(X1) at X1 < 0; its outputs are then NaN), None when all have one.
    """

    raw: np.ndarray
    outputs: np.ndarray
    classes: np.ndarray | None
    class_names: tuple[str, ...] | None
    probabilities: np.ndarray | None
    problem: str | None = None

    def records(self) -> list[dict]:
        """One dict per input: "input", "output" and for classification "class" (its name) and
        "probability" (None where the output is not a probability)."""
        records = []
        for row in range(len(self.raw)):
            record = {"input": self.raw[row].tolist(), "output": self.outputs[row].tolist()}
            if self.classes is not None:
                record["class"] = self.class_names[self.classes[row]]
                record["probability"] = (
                    None if self.probabilities is None else float(self.probabilities[row])
                )
            records.append(record)
        return records


def predict(simulation: Simulation, raw: np.ndarray) -> Prediction:
    """Ask the simulation's network about `raw` (n, d) rows in the data's raw columns: the same
    features (and whatever else made the training inputs) are applied, then the network's own
    forward pass gives the outputs and the engine's decision rule the classes."""
    raw = np.asarray(raw, dtype=np.float64).reshape(-1, len(simulation.data.raw_names))
    inputs = simulation.network_inputs(raw)
    with np.errstate(all="ignore"):
        outputs = simulation.network.predict(inputs)
    problem = None if np.all(np.isfinite(inputs)) else feature_problem(simulation, raw)
    if not simulation.classification:
        return Prediction(raw, outputs, None, None, None, problem)
    activation = simulation.scenario.network.layers[-1].activation
    classes = predicted_classes(outputs, activation)
    return Prediction(
        raw,
        outputs,
        classes,
        tuple(simulation.data.classes),
        class_probabilities(outputs, classes, activation),
        problem,
    )


def feature_problem(simulation: Simulation, raw: np.ndarray) -> str | None:
    """Why some of the rows `raw` (n, d) give an input feature no value (a formula of the
    learner's such as log(X1) where X1 < 0), as the engine's check words it; None when every
    feature has a finite value on every row."""
    data = simulation.data
    scaled = data.scaling.apply(np.asarray(raw, dtype=np.float64))
    try:
        features.build_inputs(scaled, data.feature_plan, check=True)
    except features.FeatureError as exc:
        return str(exc).replace(" of the data,", " of the inputs,")
    return None


def class_probabilities(
    outputs: np.ndarray, classes: np.ndarray, activation: str
) -> np.ndarray | None:
    """The probability the network gives its chosen class: outputs (n, K) of the output layer's
    `activation`, classes (n,) the chosen ones → (n,) float64, or None when the outputs are
    scores rather than probabilities."""
    # A sigmoid unit's output is the probability of class 1, so class 0's is 1 minus it; a
    # softmax layer's outputs are the classes' probabilities. Any other output (tanh, linear,
    # several sigmoids) is a score, and calling it a probability would mislead.
    if outputs.shape[1] == 1 and activation == "sigmoid":
        return np.where(classes == 1, outputs[:, 0], 1.0 - outputs[:, 0])
    if outputs.shape[1] >= 2 and activation == "softmax":
        return outputs[np.arange(len(outputs)), classes]
    return None


def column_list(names) -> str:
    """The raw column names for a message: all of them, or the first and last few of many."""
    names = list(names)
    if len(names) > _NAMES_SHOWN:
        half = _NAMES_SHOWN // 2
        names = [*names[:half], "…", *names[-half:]]
    return ", ".join(names)


def parse_input(text: str, raw_names) -> np.ndarray:
    """Return the values of one typed input, "0.24,0.31", as float64 (d,) in the order of
    `raw_names`; raise PredictError for a wrong count or a cell that is not a number."""
    cells = [cell.strip() for cell in text.split(",")]
    if len(cells) != len(raw_names):
        raise PredictError(
            f"--input {text}: the network expects {_values(len(raw_names))} "
            f"({column_list(raw_names)}), got {len(cells)}"
        )
    values = np.empty(len(cells))
    for position, (cell, name) in enumerate(zip(cells, raw_names, strict=True)):
        number = _number(cell)
        if number is None:
            raise PredictError(f"--input {text}: {name}: {quoted_cell(cell)} is not a number")
        values[position] = number
    return values


def read_input_table(path, raw_names) -> np.ndarray:
    """Return the rows of the CSV file at `path` as float64 (n, d) in the order of `raw_names`.

    The header names the columns (comma-, semicolon- or tab-delimited, chosen from the header;
    "." is the decimal mark); every raw column must be there, other columns are ignored and
    blank rows skipped. Only a regular file is read. Raises PredictError naming the file and,
    for a bad cell, its line and column."""
    name = str(path)
    try:
        with open_regular_file(path) as stream:
            data = stream.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            raise PredictError(f"{name}: larger than {MAX_CSV_BYTES:,} bytes, the most read")
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise PredictError(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise PredictError(f"cannot read {name}: not UTF-8 text ({exc.reason})") from None
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=detect_delimiter(text), skipinitialspace=True
    )
    header: list[str] | None = None
    columns: list[int] = []
    rows: list[list[float]] = []
    line = 1  # where the next record starts
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            if header is None:
                header = cells
                columns = _raw_columns(name, header, raw_names)
                continue
            if len(cells) != len(header):
                raise PredictError(
                    f"{name}: line {start}: {len(cells)} cells, but the header has {len(header)}"
                )
            row = []
            for column in columns:
                number = _number(cells[column])
                if number is None:
                    cell = cells[column]
                    problem = (
                        f"{quoted_cell(cell)} is not a number" if cell else "the cell is empty"
                    )
                    raise PredictError(
                        f"{name}: line {start}, column {quoted_cell(header[column])}: {problem}"
                    )
                row.append(number)
            rows.append(row)
    except csv.Error as exc:
        raise PredictError(f"{name}: line {reader.line_num}: not valid CSV ({exc})") from None
    if header is None:
        raise PredictError(f"{name}: the file is empty; it needs a header naming the columns")
    if not rows:
        raise PredictError(f"{name}: the file has a header but no rows to predict")
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(raw_names))


def _raw_columns(name: str, header: list[str], raw_names) -> list[int]:
    missing = [raw for raw in raw_names if raw not in header]
    if missing:
        raise PredictError(
            f"{name}: the header lacks {column_list(missing)}; the network takes "
            f"{column_list(raw_names)}"
        )
    return [header.index(raw) for raw in raw_names]


def _number(cell: str) -> float | None:
    return float(cell) if is_number(cell) else None


def _values(count: int) -> str:
    return "1 value" if count == 1 else f"{count} values"


def format_table(prediction: Prediction, raw_names, digits: int = 6) -> str:
    """The predictions as a text table, one line per input: the input values (or, for more
    than a few raw columns, the input's number), the outputs, and for classification the class
    and its probability."""
    names = list(raw_names)
    show_inputs = len(names) <= _NAMES_SHOWN
    header = names if show_inputs else ["input"]
    header = [*header, "output" if prediction.outputs.shape[1] == 1 else "outputs"]
    if prediction.classes is not None:
        header += ["class", "probability"]
    rows = []
    for row in range(len(prediction.raw)):
        cells = (
            [_format(value, digits) for value in prediction.raw[row]]
            if show_inputs
            else [str(row + 1)]
        )
        cells.append(" ".join(_format(value, digits) for value in prediction.outputs[row]))
        if prediction.classes is not None:
            cells.append(prediction.class_names[prediction.classes[row]])
            probability = (
                None if prediction.probabilities is None else prediction.probabilities[row]
            )
            cells.append("—" if probability is None else f"{probability:.1%}")
        rows.append(cells)
    widths = [max(len(line[column]) for line in [header, *rows]) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _format(value: float, digits: int) -> str:
    return f"{value:.{digits}g}" if math.isfinite(value) else "—"


def answer_text(prediction: Prediction, row: int = 0, digits: int = 4) -> str:
    """The answer to input `row` as a learner reads it: "cat, 87 %" (the class and its
    probability), "class 2, score 0.43" when the output is no probability, or the output
    value(s) for regression ("1.234", "0.5, 2.1"); "no answer" where an input feature has no
    value (see `problem`)."""
    outputs = prediction.outputs[row]
    if not np.all(np.isfinite(outputs)) and prediction.problem is not None:
        return "no answer"
    if prediction.classes is None:
        return ", ".join(_format(float(v), digits) for v in outputs)
    name = prediction.class_names[prediction.classes[row]]
    if prediction.probabilities is None:
        chosen = outputs[prediction.classes[row]] if len(outputs) > 1 else outputs[0]
        return f"{name}, score {_format(float(chosen), digits)}"
    return f"{name}, {percent(float(prediction.probabilities[row]))}"


def percent(probability: float) -> str:
    """A probability as a percentage, "87 %"; one decimal where whole percents would say a
    certainty (100 %, 0 %) the network does not have."""
    if not math.isfinite(probability):
        return "—"
    text = f"{probability * 100:.0f}"
    if text in ("0", "100") and 0.0 < probability < 1.0:
        text = f"{probability * 100:.1f}"
        if text in ("0.0", "100.0"):
            return "< 0.1 %" if probability < 0.5 else "> 99.9 %"
    return f"{text} %"
