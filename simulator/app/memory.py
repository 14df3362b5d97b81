"""How much memory a scenario needs to load and train, estimated from its sizes before any array is
made, and the limit it must stay under on this machine."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..engine.network import rows_per_chunk
from ..engine.trace import SAMPLE_GRADIENT_LIMIT
from .scenario import CsvData, GeneratorData, InlineData, Scenario

# Tests and users with unusual machines set the limit themselves: bytes, or a number with
# KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024).
LIMIT_VARIABLE = "NNSIM_MEMORY_LIMIT"
# The share of the memory available now that one scenario may take: the rest stays for the
# program itself (Python, NumPy, Qt: about 150 MB) and for everything else on the machine.
AVAILABLE_SHARE = 0.8
# Where the available memory cannot be read (not Linux), a limit that stops only the absurd.
FALLBACK_LIMIT = 16 * 1024**3

_FLOAT = 8  # bytes of a float64
# The grids over the input plane that the views draw every neuron's output on.
_OUTPUT_MAP_POINTS = 100 * 100
_NEURON_MAP_POINTS = 24 * 24
# Parsing a CSV holds the text (as bytes, as str and in the reader) and one Python str per cell.
_CSV_TEXT_COPIES = 6
_CSV_BYTES_PER_CELL = 64
# Saving builds the whole state as Python floats (weights, initial weights, optimizer state) and
# then its JSON text: about this many bytes per parameter.
_SAVE_BYTES_PER_PARAMETER = 200


@dataclass(frozen=True)
class DataShape:
    """The data's size as far as memory goes: samples in the train and test sets, raw input
    columns, and for CSV data the bytes of its text."""

    train: int
    test: int
    raw_columns: int
    csv_bytes: int = 0


@dataclass(frozen=True)
class Part:
    """One use of memory: what it is, its bytes, and which fields make it smaller."""

    what: str
    bytes: int
    reduce: str


@dataclass(frozen=True)
class MemoryEstimate:
    """The parts a scenario needs at their largest; `total` is their sum."""

    parts: tuple[Part, ...]

    @property
    def total(self) -> int:
        return sum(part.bytes for part in self.parts)

    @property
    def largest(self) -> Part:
        return max(self.parts, key=lambda part: part.bytes)


class MemoryLimitError(Exception):
    """The estimate exceeds the limit; str() says both figures and what to reduce."""


def data_shape(scenario: Scenario) -> DataShape | None:
    """Return the shape of generated or inline data; None for CSV data, whose size is known only
    once its text is read (see `csv_data_shape`)."""
    spec = scenario.data
    if isinstance(spec, GeneratorData):
        train = min(spec.samples, max(1, round(spec.samples * spec.train_fraction)))
        return DataShape(train, spec.samples - train, 2)
    if isinstance(spec, InlineData):
        return DataShape(len(spec.train_inputs), len(spec.test_inputs), spec.width)
    return None


def csv_data_shape(scenario: Scenario, text: str) -> DataShape:
    """Return an upper bound of the shape of CSV data from its whole `text`: every line but the
    header counted as a row, the header's separators counted for the columns."""
    spec = scenario.data
    assert isinstance(spec, CsvData)
    header = text[: text.find("\n")] if "\n" in text else text
    columns = 1 + max(header.count(","), header.count(";"), header.count("\t"))
    rows = max(1, text.count("\n") + (0 if text.endswith("\n") else 1) - 1)
    train = min(rows, max(1, round(rows * spec.train_fraction)))
    raw_columns = max(1, columns - len(spec.targets))
    return DataShape(train, rows - train, raw_columns, csv_bytes=len(text))


def estimate(scenario: Scenario, shape: DataShape) -> MemoryEstimate:
    """Return what loading and training `scenario` on data of `shape` need at their largest:
    the data arrays, the CSV parse, the training batches' workspaces, a pass over the whole train
    or test set, the parameters with the optimizer state, and the pictures over the plane."""
    network = scenario.network
    units = [layer.units for layer in network.layers]
    width = sum(units)
    features = len(network.inputs)
    outputs = units[-1]
    samples = shape.train + shape.test
    fields = _sample_fields(scenario)
    parts = [
        # The whole set as generated or read, then split into train and test, then the copies
        # the views keep: raw columns, input features and targets, three times.
        Part(
            f"the data ({samples:,} samples × {shape.raw_columns + features + outputs} columns)",
            3 * _FLOAT * samples * (shape.raw_columns + features + outputs),
            fields,
        ),
    ]
    if shape.csv_bytes:
        cells = samples * (shape.raw_columns + len(scenario.data.targets))
        parts.append(
            Part(
                f"reading the CSV ({shape.csv_bytes:,} characters, {cells:,} cells)",
                _CSV_TEXT_COPIES * shape.csv_bytes + _CSV_BYTES_PER_CELL * cells,
                fields,
            )
        )
    batch = max(1, min(scenario.training.batch_size, shape.train))
    last_batch = shape.train % batch
    # One workspace per batch size met (the full batch, the epoch's last one, a single sample),
    # each holding z, a, δ and a scratch array per layer and the gathered inputs and targets;
    # a step through one sample copies its z, a and δ and its per-sample gradients.
    per_row = 4 * width + features + outputs
    fan_ins = [features, *units[:-1]]
    parameters = sum(u * (fan_in + 1) for u, fan_in in zip(units, fan_ins, strict=True))
    trace = 3 * width + min(parameters, SAMPLE_GRADIENT_LIMIT)
    parts.append(
        Part(
            f"the training batches ({batch:,} samples × {width:,} units)",
            _FLOAT * ((batch + last_batch + 1) * per_row + trace),
            "training.batch_size or the layers' units",
        )
    )
    largest_set = max(shape.train, shape.test)
    rows = rows_per_chunk(units, largest_set)
    parts.append(
        Part(
            f"a pass over the whole data ({rows:,} samples at a time × {width:,} units)",
            # z and a of every layer for one chunk, the loss's temporaries, and the predictions
            # kept for the views (train and test, the step-through's, the predicted classes).
            _FLOAT * (rows * (2 * width + features + 3 * outputs) + 4 * samples * outputs),
            "the layers' units",
        )
    )
    # Two state arrays (Adam's and AdamW's m and v, RMSprop's average and momentum buffer) each
    # with its proposal and scratch buffers; one (SGD's velocity) otherwise.
    two = ("adam", "adamw", "rmsprop")
    optimizer_arrays = 6 if scenario.training.optimizer.name in two else 3
    parts.append(
        Part(
            f"the weights and optimizer state ({parameters:,} parameters)",
            # parameters, gradient, the copy before the last step, the initial and the fallback
            # weights, a checkpoint, snapshots; the optimizer's arrays and their undo copies.
            _FLOAT * parameters * (10 + optimizer_arrays) + _SAVE_BYTES_PER_PARAMETER * parameters,
            "the layers' units",
        )
    )
    if shape.raw_columns == 2:
        # The views draw every neuron's output over a coarse grid of the plane in one pass, and
        # the network's output over a fine grid in chunks (Network.predict).
        fine_rows = min(_OUTPUT_MAP_POINTS, rows_per_chunk(units, _OUTPUT_MAP_POINTS))
        parts.append(
            Part(
                f"the pictures over the input plane ({_NEURON_MAP_POINTS:,} points × {width:,} "
                f"units, and the output over {_OUTPUT_MAP_POINTS:,} points)",
                _FLOAT
                * (
                    _NEURON_MAP_POINTS * (3 * width + features)
                    + fine_rows * (2 * width + features)
                    + _OUTPUT_MAP_POINTS * (outputs + features)
                ),
                "the layers' units",
            )
        )
    return MemoryEstimate(tuple(parts))


def _sample_fields(scenario: Scenario) -> str:
    spec = scenario.data
    if isinstance(spec, GeneratorData):
        return "data.samples"
    if isinstance(spec, CsvData):
        return f"the rows of {spec.csv}"
    return "the samples in data.train and data.test"


def memory_limit() -> tuple[int, str]:
    """Return the bytes one scenario may take and where that figure comes from: the variable
    NNSIM_MEMORY_LIMIT when set, else AVAILABLE_SHARE of the memory available now (Linux's
    MemAvailable, capped by the process's cgroup limit), else FALLBACK_LIMIT. Raises ValueError
    MemoryLimitError when the variable is set to something that is not a size."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if text:
        limit = parse_size(text)
        return limit, f"{LIMIT_VARIABLE}={text}"
    available = _available_memory()
    if available is None:
        return FALLBACK_LIMIT, "the limit for machines whose free memory cannot be read"
    share = int(available * AVAILABLE_SHARE)
    return share, f"{AVAILABLE_SHARE:.0%} of the {format_bytes(available)} available"


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B?\Z", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Return the bytes of a size such as "4000000000", "512 MB", "2GiB" or "1.5G"."""
    match = _SIZE.match(text.strip())
    if not match:
        raise MemoryLimitError(f"{LIMIT_VARIABLE}={text!r} is not a size such as 2GB or 512MiB")
    number, prefix, binary = match.groups()
    base = 1024 if binary else 1000
    power = "KMGT".find(prefix.upper()) + 1 if prefix else 0
    return int(float(number) * base**power)


def _available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, capped by a cgroup v2 memory.max (containers); None
    where neither can be read."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        return None
    cgroup = _cgroup_headroom()
    if available is not None and cgroup is not None:
        available = min(available, cgroup)
    return available


def _cgroup_headroom() -> int | None:
    folder = Path("/sys/fs/cgroup")
    try:
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int((folder / "memory.current").read_text().strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return None


def check(scenario: Scenario, shape: DataShape) -> MemoryEstimate:
    """Return the estimate for `scenario` on data of `shape`, or raise MemoryLimitError saying
    the figure, the limit and what to reduce when it exceeds `memory_limit()`."""
    needs = estimate(scenario, shape)
    limit, source = memory_limit()
    if needs.total <= limit:
        return needs
    largest = needs.largest
    needed, allowed = format_bytes(needs.total), format_bytes(limit)
    if needed == allowed:  # 4.02 GB against 4.0 GB would read as equal: say the bytes
        needed, allowed = f"{needs.total:,} bytes", f"{limit:,} bytes"
    raise MemoryLimitError(
        f"needs about {needed} of memory to load and train, more than the "
        f"{allowed} it may use ({source}); the largest part is "
        f"{largest.what}: {format_bytes(largest.bytes)}; reduce {largest.reduce}"
    )


def format_bytes(count: int) -> str:
    """Return a size for people: "512 kB", "3.2 MB", "13.1 GB" (powers of 1000, as file managers
    show them)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            value = count / scale
            digits = 1 if value < 100 else 0
            return f"{value:,.{digits}f} {unit}"
    return f"{count:,} bytes"
