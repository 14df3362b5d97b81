"""Scenario files: read, upgrade, check against the schema and the format's rules; save safely."""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import re
import stat
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from simulator.app.scenario import (
    CLASSIFICATION_GENERATORS,
    FORMAT_NAME,
    FORMAT_VERSION,
    HISTORY_KEYS,
    OUTCOME_FIGURES,
    SHIPPED_PREFIX,
    CsvData,
    GeneratorData,
    InlineData,
    NetworkSpec,
    Outcome,
    Scenario,
    TrainingSpec,
    TrainingState,
    scenario_from_dict,
    scenario_to_dict,
)
from simulator.resources import resource_path

__all__ = [
    "CURRENT_VERSION",
    "MIGRATIONS",
    "ScenarioError",
    "csv_path",
    "load_scenario",
    "save_scenario",
    "scenario_schema",
    "scenario_summary",
    "validate_scenario_dict",
]

# The version this nnsim writes and checks against the schema. Read at call time, so tests can
# patch it together with MIGRATIONS.
CURRENT_VERSION = FORMAT_VERSION

# MIGRATIONS[n] turns a version-n object into a version-(n + 1) object. It gets a private deep
# copy, may change and return it, and need not set "version" (the loader does). Version 1 is the
# first, so there is nothing to upgrade yet.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

MAX_FILE_BYTES = 200_000_000
MAX_DEPTH = 32  # the deepest real path, state.optimizer.m[i].weights[r][c], is 7 levels
MAX_PARAMETERS = 2_000_000  # keeps a saved file (with optimizer state) well under MAX_FILE_BYTES
MAX_SAMPLES = 1_000_000

_MAX_INT_AS_FLOAT = int(sys.float_info.max)
_MISSING = object()


class ScenarioError(ValueError):
    """A scenario file or object that cannot be used.

    `file` is the name shown to users (the file's name, not its full path), `field` the path of
    the offending field such as "network.layers[1].weights" ("" for the whole file) and `reason`
    what is wrong. str() gives "file: field: reason", or "file: reason" when field is "".
    """

    def __init__(self, file: str, field: str, reason: str) -> None:
        super().__init__(file, field, reason)
        self.file = file
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        if self.field:
            return f"{self.file}: {self.field}: {self.reason}"
        return f"{self.file}: {self.reason}"


class _Invalid(Exception):
    """Raised by the checks below; the public functions add the file name."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Public functions


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read, upgrade and check the scenario file at `path`; return a new Scenario.

    The Scenario's `source_path` is the file's absolute path. Raises ScenarioError (and nothing
    else) when the file cannot be read or is not a valid scenario.
    """
    path = Path(path)
    file = path.name or str(path)
    try:
        obj = _parse(_read(path))
        return _validate(obj, base_dir=path.parent, source=path.absolute())
    except _Invalid as problem:
        raise ScenarioError(file, problem.field, problem.reason) from None


def validate_scenario_dict(obj: Any, *, file: str, base_dir: Path | None = None) -> Scenario:
    """Check a parsed JSON object as `load_scenario` does and return a new Scenario.

    `file` is the name used in error messages; `base_dir` the folder a CSV path is relative to
    (None: the path is checked only as text). `obj` is not changed. The Scenario has no
    `source_path`. Raises ScenarioError.
    """
    try:
        return _validate(obj, base_dir=base_dir, source=None)
    except _Invalid as problem:
        raise ScenarioError(file, problem.field, problem.reason) from None


def save_scenario(scenario: Scenario, path: str | os.PathLike) -> None:
    """Write `scenario` to `path` atomically: the old file is replaced whole or not at all.

    The scenario is checked like a loaded file, the text built in memory, written to a temporary
    file in the same folder, flushed to disk and renamed over `path`; an existing file keeps its
    permissions. Raises ScenarioError (field "" for OS failures) and then leaves any old file
    untouched.
    """
    path = Path(path)
    file = path.name or str(path)
    obj = scenario_to_dict(scenario)
    # Never write a file that nnsim would refuse to read back (NaN weights after divergence, a
    # state that does not fit the network): refuse the save instead, keeping the old file.
    try:
        _validate(obj, base_dir=path.parent, source=None)
    except _Invalid as problem:
        raise ScenarioError(file, problem.field, f"cannot be saved: {problem.reason}") from None
    data = _dumps(obj).encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(file, "", f"cannot be saved: {_too_large(len(data))}")
    _write_atomically(path, data, file)


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
        source = f"{data.generator} data {data.samples} samples, noise {data.noise:g}"
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


def scenario_schema() -> dict:
    """Return a copy of the JSON Schema of the current format (resources/scenario.schema.json)."""
    return copy.deepcopy(_shipped_schema())


# ---------------------------------------------------------------------------------------------
# Reading and parsing


def _read(path: Path) -> bytes:
    """Return the file's bytes; raise _Invalid if it is missing, not a file or too large."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise _Invalid("", "is a folder, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise _Invalid("", "is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _Invalid("", _too_large(info.st_size))
        with open(path, "rb") as stream:
            # Read one byte past the limit: the file may have grown since stat().
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _Invalid("", "no such file") from None
    except OSError as exc:
        raise _Invalid("", f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL character in the name
        raise _Invalid("", f"cannot read the file: {exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Invalid("", _too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return (
        f"the file is too large ({size / 1e6:,.0f} MB; "
        f"scenario files may have at most {MAX_FILE_BYTES / 1e6:,.0f} MB)"
    )


class _NonFinite:
    """Stands in for NaN / Infinity / -Infinity while parsing; the scan reports it by field."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _DuplicateKeys(dict):
    """An object in which `duplicate` appeared more than once; the scan reports it by field."""

    duplicate: str = ""


def _pairs_to_object(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    # Python would silently keep the last value; in a hand-written file that hides a mistake.
    seen: set[str] = set()
    marked = _DuplicateKeys(obj)
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _parse(data: bytes) -> Any:
    """Decode UTF-8 (an initial byte-order mark is allowed) and parse JSON; raise _Invalid."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Invalid("", f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_NonFinite, object_pairs_hook=_pairs_to_object)
    except json.JSONDecodeError as exc:
        raise _Invalid(
            "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise _Invalid("", f"not a scenario: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise _Invalid("", f"not valid JSON: {exc}") from None


# ---------------------------------------------------------------------------------------------
# Scan for what JSON Schema cannot see: non-finite numbers, repeated keys, absurd nesting, and
# (for objects handed in from Python) values that JSON cannot hold.

_OK_SCALARS = frozenset({bool, type(None)})


def _scalar_problem(value: Any) -> str | None:
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return None
        if math.isnan(value):
            return "NaN is not allowed; every number must be finite"
        return "infinite or too large; every number must be finite"
    if kind is int:
        if -_MAX_INT_AS_FLOAT <= value <= _MAX_INT_AS_FLOAT:
            return None
        return "number too large; every number must be finite"
    if kind is str:
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text holds an unpaired surrogate, which UTF-8 cannot store"
        return None
    if kind in _OK_SCALARS:
        return None
    if kind is _NonFinite:
        return f"{value.text} is not allowed; every number must be finite"
    return f"not a JSON value (a Python {kind.__name__})"


def _scan(value: Any, depth: int) -> tuple[tuple[str | int, ...], str] | None:
    """Return (path, reason) of the first bad value inside `value`, or None if all is well.

    `depth` is the nesting level of `value` (1 for the top-level object).
    """
    kind = type(value)
    if kind is dict or kind is _DuplicateKeys:
        if depth > MAX_DEPTH:
            return (), f"nested more than {MAX_DEPTH} levels deep"
        if kind is _DuplicateKeys:
            return (value.duplicate,), "appears more than once in the same object"
        for key, item in value.items():
            if type(key) is not str:
                return (), f"object keys must be text, got {key!r}"
            problem = _item_problem(item, depth)
            if problem is not None:
                return (key, *problem[0]), problem[1]
        return None
    if kind is list:
        if depth > MAX_DEPTH:
            return (), f"nested more than {MAX_DEPTH} levels deep"
        isfinite = math.isfinite
        for index, item in enumerate(value):
            # Fast path for the long lists of floats that weights and data are made of.
            if type(item) is float and isfinite(item):
                continue
            problem = _item_problem(item, depth)
            if problem is not None:
                return (index, *problem[0]), problem[1]
        return None
    reason = _scalar_problem(value)
    return None if reason is None else ((), reason)


def _item_problem(item: Any, depth: int) -> tuple[tuple[str | int, ...], str] | None:
    kind = type(item)
    if kind is dict or kind is list or kind is _DuplicateKeys:
        return _scan(item, depth + 1)
    reason = _scalar_problem(item)
    return None if reason is None else ((), reason)


# ---------------------------------------------------------------------------------------------
# The pipeline


def _validate(obj: Any, *, base_dir: Path | None, source: Path | None) -> Scenario:
    """Scan, check the header, upgrade, check against the schema and the rules; build."""
    if not isinstance(obj, dict):
        raise _Invalid("", f"expected a JSON object {{...}} at the top level, got {_describe(obj)}")
    problem = _scan(obj, 1)
    if problem is not None:
        raise _Invalid(_field(problem[0]), problem[1])
    version = _check_header(obj)
    obj = _migrate(obj, version)
    _check_schema(obj)
    scenario = scenario_from_dict(obj, source=source)
    _check_rules(scenario, base_dir)
    return scenario


def _check_header(obj: dict) -> int:
    """Check "format" and "version"; return the version (at most CURRENT_VERSION)."""
    fmt = obj.get("format", _MISSING)
    if fmt is _MISSING:
        raise _Invalid("format", f'missing; a scenario file has "format": "{FORMAT_NAME}"')
    if fmt != FORMAT_NAME:
        raise _Invalid(
            "format",
            f'expected "{FORMAT_NAME}", got {_describe(fmt)}; this is not an nnsim scenario file',
        )
    version = obj.get("version", _MISSING)
    if version is _MISSING:
        raise _Invalid("version", f"missing; this nnsim writes version {CURRENT_VERSION}")
    if type(version) is not int:
        raise _Invalid("version", f"expected a whole number, got {_describe(version)}")
    if version > CURRENT_VERSION:
        raise _Invalid(
            "version",
            f"this file is version {version}, newer than this nnsim "
            f"understands ({CURRENT_VERSION})",
        )
    return version


def _migrate(obj: dict, version: int) -> dict:
    """Upgrade `obj` from `version` to CURRENT_VERSION through MIGRATIONS; `obj` is not changed."""
    if version == CURRENT_VERSION:
        return obj
    obj = copy.deepcopy(obj)
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            oldest = min(MIGRATIONS, default=CURRENT_VERSION)
            raise _Invalid(
                "version",
                f"version {version} is unknown; this nnsim reads versions "
                f"{oldest} to {CURRENT_VERSION}",
            )
        # An old file is upgraded before it is validated, so a migration may meet anything.
        try:
            upgraded = step(obj)
        except Exception as exc:
            raise _Invalid(
                "",
                f"cannot upgrade from version {version} to {version + 1}: "
                f"{type(exc).__name__}: {exc}",
            ) from None
        if not isinstance(upgraded, dict):
            raise _Invalid("", f"cannot upgrade from version {version} to {version + 1}")
        version += 1
        upgraded["version"] = version
        obj = upgraded
    return obj


# ---------------------------------------------------------------------------------------------
# Schema validation.
#
# jsonschema needs about 5 µs per number, minutes for a large network, so the loader swaps the
# schema's number-list definitions for one keyword that checks a whole list in a single loop.
# The result is the same; a test compares both on fuzzed files. "version" is checked by code
# before the schema (which may meet a migrated file), and integers must be written as such
# (2, not 2.0), which plain JSON Schema would let through.

_FAST = "nnsimNumbers"
_FAST_DEFS = {
    "vector": ({"type": "array", "items": {"type": "number"}}, {"type": "array", _FAST: "numbers"}),
    "matrix": (
        {"type": "array", "items": {"$ref": "#/$defs/vector"}},
        {"type": "array", _FAST: "rows"},
    ),
    "series": (
        {"type": ["array", "null"], "items": {"type": ["number", "null"]}},
        {"type": ["array", "null"], _FAST: "numbers or null"},
    ),
}
_NUMBER_TYPES = frozenset({int, float})
_NUMBER_OR_NULL_TYPES = frozenset({int, float, type(None)})


def _type_error(instance: Any, expected: str | list[str], path: tuple[int, ...]) -> ValidationError:
    return ValidationError(
        f"{instance!r} is not of type {expected!r}",
        validator="type",
        validator_value=expected,
        instance=instance,
        schema={"type": expected},
        path=path,
    )


def _fast_numbers(validator: Any, kind: str, instance: Any, schema: dict) -> Iterable:
    """jsonschema keyword: `instance` is a list of numbers, numbers-or-nulls, or number rows.

    Yields at most one error (the first bad item), like the "type" errors the full schema gives.
    """
    if type(instance) is not list:
        return
    if kind == "rows":
        for i, row in enumerate(instance):
            if type(row) is not list:
                yield _type_error(row, "array", (i,))
                return
            for j, item in enumerate(row):
                if type(item) not in _NUMBER_TYPES:
                    yield _type_error(item, "number", (i, j))
                    return
        return
    allowed, expected = (
        (_NUMBER_TYPES, "number")
        if kind == "numbers"
        else (_NUMBER_OR_NULL_TYPES, ["number", "null"])
    )
    for i, item in enumerate(instance):
        if type(item) not in allowed:
            yield _type_error(item, expected, (i,))
            return


def _is_integer(checker: Any, instance: Any) -> bool:
    return type(instance) is int


_Validator = jsonschema.validators.extend(
    Draft202012Validator,
    validators={_FAST: _fast_numbers},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _shipped_schema() -> dict:
    return json.loads(resource_path("scenario.schema.json").read_text(encoding="utf-8"))


def _loader_schema(schema: dict) -> dict:
    """Return a copy of `schema` with the fast number lists and a version checked elsewhere."""
    schema = copy.deepcopy(schema)
    for name, (expected, fast) in _FAST_DEFS.items():
        definition = schema["$defs"][name]
        core = {k: v for k, v in definition.items() if k not in ("title", "description")}
        if core != expected:  # the shipped schema changed: the fast check would drift from it
            raise RuntimeError(f"scenario schema: $defs/{name} is not {expected}")
        schema["$defs"][name] = fast
    schema["properties"]["version"] = {"type": "integer", "minimum": 1}
    return schema


@cache
def _validator() -> Any:
    return _Validator(_loader_schema(_shipped_schema()))


def _check_schema(obj: dict) -> None:
    try:
        error = best_match(_validator().iter_errors(obj))
    except Exception as exc:  # a failure inside jsonschema must not escape as anything else
        raise _Invalid("", f"cannot check the file against the schema: {exc}") from None
    if error is not None:
        raise _schema_problem(error)


_TYPE_NAMES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text in quotes",
    "boolean": "true or false",
    "array": "a list [...]",
    "object": "an object {...}",
    "null": "null",
}


def _alternative_name(schema: dict) -> str:
    """Name one branch of a oneOf for people: "a number", "a list of 2 numbers"."""
    items = schema.get("items")
    count = schema.get("minItems")
    if schema["type"] == "array" and isinstance(items, dict) and count == schema.get("maxItems"):
        return f"a list of {count} {items.get('type', 'item')}s"
    return _TYPE_NAMES.get(schema["type"], schema["type"])


def _schema_problem(error: ValidationError) -> _Invalid:
    """Turn a jsonschema error into a field path and a sentence for people."""
    path = list(error.absolute_path)
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    if keyword == "required":
        missing = next((key for key in expected if key not in instance), expected[0])
        if path == ["data"] and missing == "train":
            return _Invalid("data", 'needs "train" (inline samples), "generator" or "csv"')
        return _Invalid(_field([*path, missing]), "required field is missing")
    if keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = next((key for key in instance if key not in allowed), "")
        return _Invalid(
            _field([*path, extra]), f"unknown field; allowed here: {', '.join(allowed)}"
        )
    field = _field(path)
    if keyword == "type":
        names = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(_TYPE_NAMES.get(name, name) for name in names)
        return _Invalid(field, f"expected {wanted}, got {_describe(instance)}")
    if keyword == "oneOf" and all(isinstance(alt, dict) and "type" in alt for alt in expected):
        wanted = " or ".join(_alternative_name(alt) for alt in expected)
        return _Invalid(field, f"expected {wanted}, got {_describe(instance)}")
    if keyword == "enum":
        options = ", ".join(str(option) for option in expected)
        return _Invalid(field, f"{_describe(instance)} is not one of {options}")
    if keyword == "const":
        return _Invalid(field, f"expected {json.dumps(expected)}, got {_describe(instance)}")
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "greater than",
        "exclusiveMaximum": "less than",
    }
    if keyword in bounds:
        return _Invalid(field, f"must be {bounds[keyword]} {expected}, got {_describe(instance)}")
    if keyword in ("minItems", "maxItems"):
        limit = "at least" if keyword == "minItems" else "at most"
        return _Invalid(field, f"must have {limit} {_count(expected, 'item')}, got {len(instance)}")
    if keyword == "minLength":
        return _Invalid(
            field,
            "must not be empty"
            if expected == 1
            else f"must be at least {_count(expected, 'character')} long",
        )
    if keyword == "maxLength":
        return _Invalid(
            field, f"must be at most {_count(expected, 'character')} long, got {len(instance)}"
        )
    if keyword == "uniqueItems":
        repeated = next((item for i, item in enumerate(instance) if item in instance[:i]), None)
        return _Invalid(
            field, f"{_describe(repeated)} appears more than once; the items must differ"
        )
    message = error.message if len(error.message) <= 300 else error.message[:300] + "..."
    return _Invalid(field, message)


# ---------------------------------------------------------------------------------------------
# Rules a schema cannot express


def _check_rules(scenario: Scenario, base_dir: Path | None) -> None:
    network, training, data = scenario.network, scenario.training, scenario.data
    _check_network(network)
    _check_loss(network, training)
    if isinstance(data, InlineData):
        _check_inline(data, network.layers[-1].units)
    elif isinstance(data, GeneratorData):
        _check_generator(data, network)
    else:
        _check_csv_path(data.csv, base_dir)
    if not isinstance(data, CsvData):  # a CSV's columns are known only once it is read
        _check_features(network.inputs, data.raw_columns)
    if scenario.state is not None:
        _check_state(scenario.state, network, training)
    if scenario.outcome is not None:
        _check_outcome(scenario.outcome)


def _check_outcome(outcome: Outcome) -> None:
    for name in OUTCOME_FIGURES:
        value = getattr(outcome, name)
        if isinstance(value, tuple) and value[0] > value[1]:
            raise _Invalid(
                f"outcome.{name}",
                f"a range is [low, high]; {value[0]!r} is above {value[1]!r}",
            )


def _check_network(network: NetworkSpec) -> None:
    layers = network.layers
    last = len(layers) - 1
    for i, layer in enumerate(layers[:-1]):
        if layer.activation == "softmax":
            raise _Invalid(
                f"network.layers[{i}].activation",
                f"softmax is allowed only on the output layer (network.layers[{last}])",
            )
    count = network.parameter_count
    if count > MAX_PARAMETERS:
        raise _Invalid(
            "network.layers", f"{count:,} parameters; at most {MAX_PARAMETERS:,} are allowed"
        )
    first = layers[0].weights
    inputs = len(network.inputs)
    if first is not None and len(first) == layers[0].units:
        widths = {len(row) for row in first}
        if len(widths) == 1 and inputs not in widths:
            raise _Invalid(
                "network.inputs",
                f"{_count(inputs, 'feature')} listed, but the rows of "
                f"network.layers[0].weights have {_count(widths.pop(), 'value')}",
            )
    for i, (layer, fan_in) in enumerate(zip(layers, network.fan_ins, strict=True)):
        if layer.weights is not None:
            _check_matrix(f"network.layers[{i}].weights", layer.weights, layer.units, fan_in)
        if layer.biases is not None:
            _check_vector(f"network.layers[{i}].biases", layer.biases, layer.units)


def _check_loss(network: NetworkSpec, training: TrainingSpec) -> None:
    output = network.layers[-1].activation
    where = f"network.layers[{len(network.layers) - 1}]"
    loss = training.loss
    if loss == "bce" and output != "sigmoid":
        raise _Invalid(
            "training.loss", f"bce needs a sigmoid output layer, but {where} is {output}"
        )
    if loss == "cross_entropy" and output != "softmax":
        raise _Invalid(
            "training.loss", f"cross_entropy needs a softmax output layer, but {where} is {output}"
        )
    if output == "softmax" and loss != "cross_entropy":
        raise _Invalid(
            "training.loss",
            f"a softmax output layer ({where}) needs the cross_entropy loss, not {loss}",
        )


def _check_inline(data: InlineData, outputs: int) -> None:
    total = len(data.train_inputs) + len(data.test_inputs)
    if total > MAX_SAMPLES:
        raise _Invalid("data", f"{total:,} samples; at most {MAX_SAMPLES:,} are allowed")
    width = data.width
    if width == 0:
        raise _Invalid("data.train.inputs[0]", "a row needs at least one value")
    for part, inputs, targets in (
        ("train", data.train_inputs, data.train_targets),
        ("test", data.test_inputs, data.test_targets),
    ):
        for r, row in enumerate(inputs):
            if len(row) != width:
                raise _Invalid(
                    f"data.{part}.inputs[{r}]",
                    f"has {_count(len(row), 'value')}, expected {width} like data.train.inputs[0]",
                )
        if len(targets) != len(inputs):
            raise _Invalid(
                f"data.{part}.targets",
                f"expected {_count(len(inputs), 'row')}, one per input row, got {len(targets)}",
            )
        for r, row in enumerate(targets):
            if len(row) != outputs:
                raise _Invalid(
                    f"data.{part}.targets[{r}]",
                    f"has {_count(len(row), 'value')}, expected {outputs}, one per "
                    "unit of the output layer",
                )
    if data.columns is not None and len(data.columns) != width:
        raise _Invalid(
            "data.columns",
            f"{_count(len(data.columns), 'name')} for input rows of {_count(width, 'value')}",
        )
    expected_classes = max(2, outputs)
    if data.classes is not None and len(data.classes) != expected_classes:
        raise _Invalid(
            "data.classes",
            f"{_count(len(data.classes), 'name')}, expected {expected_classes} for an output "
            f"layer of {_count(outputs, 'unit')}",
        )


def _check_generator(data: GeneratorData, network: NetworkSpec) -> None:
    last = len(network.layers) - 1
    units = network.layers[last].units
    if data.generator in CLASSIFICATION_GENERATORS:
        # Two classes: one unit (0/1 or -1/+1 targets) or two one-hot units.
        if units > 2:
            raise _Invalid(
                f"network.layers[{last}].units",
                f"{data.generator} data has 2 classes, so the output layer needs 1 "
                f"or 2 units, not {units}",
            )
    elif units != 1:
        raise _Invalid(
            f"network.layers[{last}].units",
            f"{data.generator} data has one target, so the output layer needs 1 unit, not {units}",
        )


def _check_csv_path(text: str, base_dir: Path | None) -> None:
    field = "data.csv"
    if text.startswith(SHIPPED_PREFIX):
        _check_shipped_csv(text.removeprefix(SHIPPED_PREFIX))
        return
    if "\x00" in text:
        raise _Invalid(field, "contains a NUL character")
    if "\\" in text:
        raise _Invalid(field, "use / between folders, not \\")
    windows = PureWindowsPath(text)
    if PurePosixPath(text).is_absolute() or windows.drive or windows.root:
        raise _Invalid(
            field, "must be a path relative to the scenario's folder, not an absolute path"
        )
    depth = 0
    for part in text.split("/"):
        if part in ("", "."):
            continue
        depth += -1 if part == ".." else 1
        if depth < 0:
            raise _Invalid(field, "leads outside the scenario's folder")
    if depth == 0:
        raise _Invalid(field, "does not name a file")
    if base_dir is None:
        return
    # Links inside the folder may still point outside it.
    try:
        root = base_dir.resolve()
        target = root.joinpath(*PurePosixPath(text).parts).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise _Invalid(field, f"cannot resolve the path: {exc}") from None
    if not target.is_relative_to(root):
        raise _Invalid(field, "leads outside the scenario's folder (through a link)")


def _check_shipped_csv(name: str) -> None:
    try:
        path = resource_path(name)
    except ValueError:
        raise _Invalid(
            "data.csv", f"{SHIPPED_PREFIX}{name} is not a name of a data set shipped with nnsim"
        ) from None
    if not path.is_file():
        raise _Invalid("data.csv", f"nnsim ships no data set {name!r}")


def _available_features(raw: tuple[str, ...]) -> list[str]:
    # The same names as simulator.engine.features, kept here so loading needs no engine code.
    names = list(raw)
    if len(raw) == 2:
        first, second = raw
        names += [
            f"{first}^2",
            f"{second}^2",
            f"{first}*{second}",
            f"sin({first})",
            f"sin({second})",
        ]
    return names


def _check_features(inputs: tuple[str, ...], raw: tuple[str, ...]) -> None:
    available = _available_features(raw)
    known = set(available)
    for i, name in enumerate(inputs):
        if name not in known:
            shown = ", ".join(available[:12]) + (", ..." if len(available) > 12 else "")
            raise _Invalid(
                f"network.inputs[{i}]",
                f"unknown feature {_describe(name)}; the data offers {shown}",
            )


def _check_state(state: TrainingState, network: NetworkSpec, training: TrainingSpec) -> None:
    shapes = [
        (layer.units, fan_in) for layer, fan_in in zip(network.layers, network.fan_ins, strict=True)
    ]
    if state.optimizer is not None:
        name = state.optimizer["name"]
        if name != training.optimizer.name:
            raise _Invalid(
                "state.optimizer.name",
                f"the saved state is for {name}, but training.optimizer.name is "
                f"{training.optimizer.name}",
            )
        for key in ("velocity",) if name == "sgd" else ("m", "v"):
            entries = state.optimizer.get(key)
            if entries is not None:
                _check_params(
                    f"state.optimizer.{key}",
                    [(entry["weights"], entry["biases"]) for entry in entries],
                    shapes,
                )
    if state.initial_layers is not None:
        _check_params(
            "state.initial_layers", [(p.weights, p.biases) for p in state.initial_layers], shapes
        )
    lengths = [
        (key, len(state.history[key])) for key in HISTORY_KEYS if state.history.get(key) is not None
    ]
    for key, length in lengths[1:]:
        first_key, first_length = lengths[0]
        if length != first_length:
            raise _Invalid(
                f"state.history.{key}",
                f"has {_count(length, 'value')}, expected {first_length} like "
                f"state.history.{first_key}",
            )


def _check_params(
    field: str, entries: list[tuple[Any, Any]], shapes: list[tuple[int, int]]
) -> None:
    if len(entries) != len(shapes):
        raise _Invalid(
            field,
            f"expected {_count(len(shapes), 'entry', 'entries')}, one per "
            f"layer, got {len(entries)}",
        )
    for i, ((weights, biases), (units, fan_in)) in enumerate(zip(entries, shapes, strict=True)):
        _check_matrix(f"{field}[{i}].weights", weights, units, fan_in)
        _check_vector(f"{field}[{i}].biases", biases, units)


def _check_matrix(field: str, rows: Any, n_rows: int, n_cols: int) -> None:
    if len(rows) != n_rows:
        raise _Invalid(
            field,
            f"expected {_count(n_rows, 'row')} of {_count(n_cols, 'value')}, "
            f"got {_count(len(rows), 'row')}",
        )
    for r, row in enumerate(rows):
        if len(row) != n_cols:
            raise _Invalid(field, f"row {r} has {_count(len(row), 'value')}, expected {n_cols}")


def _check_vector(field: str, values: Any, n: int) -> None:
    if len(values) != n:
        raise _Invalid(field, f"expected {_count(n, 'value')}, got {len(values)}")


# ---------------------------------------------------------------------------------------------
# Saving


def _dumps(obj: dict) -> str:
    """Return `obj` as indented JSON text with each list of plain values on one line.

    One number per line would make weight matrices long and slow to write (json's indented
    encoder is pure Python). Floats are written with repr, so they read back bit for bit.
    """
    token = f"@@nnsim-{uuid.uuid4().hex}-"
    lines: list[str] = []

    def compact(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: compact(value) for key, value in node.items()}
        if isinstance(node, list):
            if node and all(type(item) in _FLAT_TYPES for item in node):
                lines.append(
                    json.dumps(node, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))
                )
                return f"{token}{len(lines) - 1}"
            return [compact(item) for item in node]
        return node

    text = json.dumps(compact(obj), indent=1, allow_nan=False, ensure_ascii=False)
    return re.sub(f'"{token}(\\d+)"', lambda match: lines[int(match[1])], text) + "\n"


_FLAT_TYPES = frozenset({int, float, str, bool, type(None)})


def _write_atomically(path: Path, data: bytes, file: str) -> None:
    """Write `data` to `path` through a temporary file and os.replace; raise ScenarioError."""
    target = path
    with contextlib.suppress(OSError, RuntimeError, ValueError):
        if path.is_symlink():  # keep the link and replace the file it points to
            target = path.resolve()
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except (OSError, ValueError):
        mode = 0o666 & ~_umask()  # a new file gets the usual permissions, not mkstemp's 0600
    temp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as temp:
            temp_name = temp.name
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
        temp_name = None
    except BaseException as exc:
        if temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise ScenarioError(file, "", f"could not save: {exc.strerror or exc}") from exc
        if isinstance(exc, ValueError):  # e.g. a NUL character in the name
            raise ScenarioError(file, "", f"could not save: {exc}") from exc
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; folders cannot be opened like this on Windows.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    # os.umask() can only be read by setting it, which races with other threads creating files.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


# ---------------------------------------------------------------------------------------------
# Wording

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _field(path: Iterable[str | int]) -> str:
    """Return a field path such as network.layers[1].weights (odd keys as ["a b"])."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _describe(value: Any) -> str:
    """Return a short description of a JSON value for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:56] + "...'"
    if isinstance(value, int):
        # str() of a huge int is slow, and refused beyond 4300 digits.
        return str(value) if abs(value) < 10**40 else "a very large number"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return f"a list of {_count(len(value), 'item')}"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"
