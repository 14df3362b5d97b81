"""Scenario files, the public face: load a file (read, check, upgrade, build) and save one safely.

The parts live in simulator.app.files: read (limits, regular files only, strict JSON, the scan),
migrate (format versions), schema, rules (what the schema cannot say), relocate (CSV data that
goes with a file saved elsewhere), write (the text, the atomic replace, no debris).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path, PurePosixPath
from typing import Any

from simulator.app.scenario import (
    SHIPPED_PREFIX,
    CsvData,
    GeneratorData,
    InlineData,
    Scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from simulator.resources import resource_path

from .files import migrate, read, relocate, rules, schema, write
from .files.errors import (
    Invalid,
    ScenarioError,
    UnsupportedVersionError,
    describe,
    field_path,
    too_large,
)
from .files.migrate import CURRENT_VERSION, MIGRATIONS
from .files.read import MAX_DEPTH, MAX_FILE_BYTES, NotRegularFileError, open_regular_file
from .files.rules import MAX_PARAMETERS, MAX_SAMPLES
from .files.schema import scenario_schema

__all__ = [
    "CURRENT_VERSION",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_PARAMETERS",
    "MAX_SAMPLES",
    "MIGRATIONS",
    "NotRegularFileError",
    "ScenarioError",
    "UnsupportedVersionError",
    "csv_path",
    "load_scenario",
    "open_regular_file",
    "read_scenario_object",
    "save_scenario",
    "scenario_schema",
    "scenario_summary",
    "validate_scenario_dict",
]


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read, upgrade and check the scenario file at `path`; return a new Scenario.

    The Scenario's `source_path` is the file's absolute path. Raises ScenarioError (and nothing
    else; UnsupportedVersionError for a file of a newer format) when the file cannot be read or
    is not a valid scenario.
    """
    path = Path(path)
    file = path.name or str(path)
    try:
        obj = read.parse_json(read.read_scenario_bytes(path))
        return _validate(obj, base_dir=path.parent, source=path.absolute())
    except Invalid as problem:
        raise problem.scenario_error(file) from None


def read_scenario_object(path: str | os.PathLike) -> dict:
    """Read the scenario file at `path` as its JSON object, upgraded to the current format
    version but not yet checked against the schema and rules (for callers that change fields
    before `validate_scenario_dict`). Raises ScenarioError."""
    path = Path(path)
    try:
        obj = read.parse_json(read.read_scenario_bytes(path))
        if not isinstance(obj, dict):
            raise Invalid(
                "", f"expected a JSON object {{...}} at the top level, got {describe(obj)}"
            )
        return migrate.upgrade(obj, migrate.check_header(obj))
    except Invalid as problem:
        raise problem.scenario_error(path.name or str(path)) from None


def validate_scenario_dict(obj: Any, *, file: str, base_dir: Path | None = None) -> Scenario:
    """Check a parsed JSON object as `load_scenario` does and return a new Scenario.

    `file` is the name used in error messages; `base_dir` the folder a CSV path is relative to
    (None: the path is checked only as text). `obj` is not changed. The Scenario has no
    `source_path`. Raises ScenarioError.
    """
    try:
        return _validate(obj, base_dir=base_dir, source=None)
    except Invalid as problem:
        raise problem.scenario_error(file) from None


def save_scenario(scenario: Scenario, path: str | os.PathLike) -> Scenario:
    """Write `scenario` to `path` atomically: the old file is replaced whole or not at all.

    CSV data beside the scenario goes with it into another folder (files/relocate.py: the path
    rewritten, or a copy of the CSV written beside the new file). The scenario is then checked
    as the loader will read it from `path`, the text built in memory, written to a temporary
    file in the same folder, flushed to disk and renamed over `path`; an existing file keeps its
    permissions. Returns the scenario as written (its CSV path as in the new file, its
    `source_path` the new file's absolute path). Raises ScenarioError (field "" for OS failures)
    and then leaves any old file untouched and no file of its own behind.
    """
    path = Path(path)
    file = path.name or str(path)
    try:
        scenario, csv_copy = relocate.relocated(scenario, path.parent)
        obj = scenario_to_dict(scenario)
        # Never write a file that nnsim would refuse to read back (NaN weights after divergence,
        # a state that does not fit the network): refuse the save instead, keeping the old file.
        _validate(obj, base_dir=path.parent, source=None)
    except Invalid as problem:
        raise problem.scenario_error(file, "cannot be saved: ") from None
    data = write.dumps(obj).encode("utf-8")
    limit = read.MAX_FILE_BYTES
    if len(data) > limit:
        raise ScenarioError(file, "", f"cannot be saved: {too_large(len(data), limit)}")
    # One block, so that a signal during the scenario's write also removes the CSV's copy.
    with write.signals_end_the_write():
        copied = None if csv_copy is None else relocate.copy_csv(csv_copy, path.parent, file)
        try:
            write.write_atomically(path, data, file)
        except BaseException:
            if copied is not None:  # a copy that no file refers to would be debris
                with contextlib.suppress(OSError):
                    os.unlink(copied)
            raise
    return dataclasses.replace(scenario, source_path=path.absolute())


def scenario_summary(scenario: Scenario) -> str:
    """Return one line describing the scenario, e.g. for `nnsim validate`.

    Example: "XOR: 2-2-1 relu/sigmoid, loss bce, sgd lr 0.01, inline data 4 samples".
    """
    network, training = scenario.network, scenario.training
    units = (len(network.inputs), *(layer.units for layer in network.layers))
    sizes = "-".join(str(n) for n in units)
    output = network.layers[-1].activation
    hidden = list(dict.fromkeys(layer.activation for layer in network.layers[:-1]))
    activations = f"{','.join(hidden)}/{output}" if hidden else output
    opt = training.optimizer
    optimizer = f"{opt.name} lr {opt.learning_rate:g}"
    if opt.name == "sgd" and opt.momentum:
        optimizer += f" momentum {opt.momentum:g}"
    data = scenario.data
    if isinstance(data, InlineData):
        samples = len(data.train_inputs) + len(data.test_inputs)
        source = f"inline data {samples} sample{'s' if samples != 1 else ''}"
    elif isinstance(data, GeneratorData):
        drawn = data.generator
        if data.expression is not None:
            drawn = f"{data.task} function {data.expression}"
        source = f"{drawn} data {data.samples} samples, noise {data.noise:g}"
    else:
        source = f"csv data {data.csv}"
    state = "" if scenario.state is None else f", saved at epoch {scenario.state.epoch}"
    title = " ".join(scenario.title.split())
    return f"{title}: {sizes} {activations}, loss {training.loss}, {optimizer}, {source}{state}"


def csv_path(scenario: Scenario) -> Path:
    """Return the absolute path of the CSV file of a scenario with CSV data.

    The path in the file is relative to the folder of `scenario.source_path`, or names a shipped
    data set. Raises ValueError when the data is not CSV data, or names no shipped data set and
    the scenario was not loaded from a file.
    """
    if not isinstance(scenario.data, CsvData):
        raise ValueError("the scenario's data is not a CSV file")
    if scenario.data.csv.startswith(SHIPPED_PREFIX):
        return resource_path(scenario.data.csv.removeprefix(SHIPPED_PREFIX))
    if scenario.source_path is None:
        raise ValueError("the scenario was not loaded from a file, so its CSV path has no folder")
    return scenario.source_path.parent.joinpath(*PurePosixPath(scenario.data.csv).parts)


def _validate(obj: Any, *, base_dir: Path | None, source: Path | None) -> Scenario:
    """Scan, check the header, upgrade, check against the schema and the rules; build."""
    if not isinstance(obj, dict):
        raise Invalid("", f"expected a JSON object {{...}} at the top level, got {describe(obj)}")
    problem = read.scan(obj)
    if problem is not None:
        raise Invalid(field_path(problem[0]), problem[1])
    version = migrate.check_header(obj)
    obj = migrate.upgrade(obj, version)
    schema.check_schema(obj)
    scenario = scenario_from_dict(obj, source=source)
    rules.check_rules(scenario, base_dir)
    return scenario
