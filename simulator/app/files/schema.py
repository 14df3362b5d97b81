"""Checking a scenario object against the JSON Schema, fast, and saying what is wrong in words.

jsonschema needs about 5 µs per number, minutes for a large network, so the loader swaps the
schema's number-list definitions for one keyword that checks a whole list in a single loop.
The result is the same; a test compares both on fuzzed files. "version" is checked by code
before the schema (which may meet a migrated file), and integers must be written as such
(2, not 2.0), which plain JSON Schema would let through.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from simulator.resources import resource_path

from .errors import Invalid, count, describe, field_path

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


def scenario_schema() -> dict:
    """Return a copy of the JSON Schema of the current format (resources/scenario.schema.json)."""
    return copy.deepcopy(_shipped_schema())


def check_schema(obj: dict) -> None:
    """Raise Invalid naming the field and the problem when `obj` does not fit the schema."""
    try:
        error = best_match(loader_validator().iter_errors(obj))
    except Exception as exc:  # a failure inside jsonschema must not escape as anything else
        raise Invalid("", f"cannot check the file against the schema: {exc}") from None
    if error is not None:
        raise schema_problem(error)


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


# The schema's validator class with the fast keyword and integers that must be written as such.
SchemaValidator = jsonschema.validators.extend(
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
def loader_validator() -> Any:
    """Return the validator the loader uses: the shipped schema with the fast number lists."""
    return SchemaValidator(_loader_schema(_shipped_schema()))


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
    size = schema.get("minItems")
    if schema["type"] == "array" and isinstance(items, dict) and size == schema.get("maxItems"):
        return f"a list of {size} {items.get('type', 'item')}s"
    return _TYPE_NAMES.get(schema["type"], schema["type"])


def schema_problem(error: ValidationError) -> Invalid:
    """Turn a jsonschema error into a field path and a sentence for people."""
    path = list(error.absolute_path)
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    if keyword == "required":
        missing = next((key for key in expected if key not in instance), expected[0])
        if path == ["data"] and missing == "train":
            return Invalid("data", 'needs "train" (inline samples), "generator" or "csv"')
        return Invalid(field_path([*path, missing]), "required field is missing")
    if keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = next((key for key in instance if key not in allowed), "")
        return Invalid(
            field_path([*path, extra]), f"unknown field; allowed here: {', '.join(allowed)}"
        )
    field = field_path(path)
    if keyword == "type":
        names = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(_TYPE_NAMES.get(name, name) for name in names)
        return Invalid(field, f"expected {wanted}, got {describe(instance)}")
    if keyword == "oneOf" and all(isinstance(alt, dict) and "type" in alt for alt in expected):
        wanted = " or ".join(_alternative_name(alt) for alt in expected)
        return Invalid(field, f"expected {wanted}, got {describe(instance)}")
    if keyword == "enum":
        options = ", ".join(str(option) for option in expected)
        return Invalid(field, f"{describe(instance)} is not one of {options}")
    if keyword == "const":
        return Invalid(field, f"expected {json.dumps(expected)}, got {describe(instance)}")
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "greater than",
        "exclusiveMaximum": "less than",
    }
    if keyword in bounds:
        return Invalid(field, f"must be {bounds[keyword]} {expected}, got {describe(instance)}")
    if keyword in ("minItems", "maxItems"):
        limit = "at least" if keyword == "minItems" else "at most"
        return Invalid(field, f"must have {limit} {count(expected, 'item')}, got {len(instance)}")
    if keyword == "minLength":
        return Invalid(
            field,
            "must not be empty"
            if expected == 1
            else f"must be at least {count(expected, 'character')} long",
        )
    if keyword == "maxLength":
        return Invalid(
            field, f"must be at most {count(expected, 'character')} long, got {len(instance)}"
        )
    if keyword == "uniqueItems":
        repeated = next((item for i, item in enumerate(instance) if item in instance[:i]), None)
        return Invalid(field, f"{describe(repeated)} appears more than once; the items must differ")
    message = error.message if len(error.message) <= 300 else error.message[:300] + "..."
    return Invalid(field, message)
