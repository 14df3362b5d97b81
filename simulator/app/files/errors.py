"""The error a scenario file that cannot be used raises, and the wording of its messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any


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


class UnsupportedVersionError(ScenarioError):
    """A file of a format version newer than this nnsim reads: it needs a newer nnsim, it is
    not broken. The field is "version"."""


class Invalid(Exception):
    """Raised by the checks of this package; the public functions add the file name."""

    public = ScenarioError  # the class of the public error this problem becomes

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def scenario_error(self, file: str, prefix: str = "") -> ScenarioError:
        """Return the public error for `file`, `prefix` put before the reason."""
        return self.public(file, self.field, prefix + self.reason)


class NewerVersion(Invalid):
    """The file's version is above the newest this nnsim reads."""

    public = UnsupportedVersionError


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def field_path(path: Iterable[str | int]) -> str:
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


def count(n: int, noun: str, plural: str | None = None) -> str:
    """Return "1 row", "2 rows" (or `plural` when the noun's plural is not noun + "s")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def describe(value: Any) -> str:
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
        return f"a list of {count(len(value), 'item')}"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def too_large(size: int, limit: int) -> str:
    """Say that a scenario file of `size` bytes exceeds `limit` bytes."""
    return f"the file is too large ({sizes(size, limit, 'scenario files may have at most')})"


def sizes(size: int, limit: int, between: str) -> str:
    """Return "<size>; <between> <limit>" in MB, or in bytes when the MB figures would look
    equal (200,000,001 bytes is 200 MB, like its limit)."""
    shown, allowed = f"{size / 1e6:,.0f} MB", f"{limit / 1e6:,.0f} MB"
    if shown == allowed:
        shown, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return f"{shown}; {between} {allowed}"
