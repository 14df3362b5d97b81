"""Reading a scenario file: size limits, regular files only, strict JSON, and the scan for what
JSON Schema cannot see (non-finite numbers, repeated keys, absurd nesting, non-JSON values)."""

from __future__ import annotations

import errno
import gzip
import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO

from .errors import Invalid, too_large

MAX_FILE_BYTES = 200_000_000
MAX_DEPTH = 32  # the deepest real path, state.optimizer.m[i].weights[r][c], is 7 levels

_MAX_INT_AS_FLOAT = int(sys.float_info.max)


def read_scenario_bytes(path: Path) -> bytes:
    """Return the file's bytes; raise Invalid if it is missing, not a file or too large."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise Invalid("", "is a folder, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise Invalid("", "is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise Invalid("", too_large(info.st_size, MAX_FILE_BYTES))
        with open_regular_file(path) as stream:
            # Read the size stat() gave and one byte more; only a file that grew since reads on,
            # to one byte past the limit. (read(n) reserves n bytes up front: reserving the
            # limit's 200 MB for every small file counted against a user's address-space cap.)
            data = stream.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += stream.read(MAX_FILE_BYTES + 1 - len(data))
    except FileNotFoundError:
        raise Invalid("", "no such file") from None
    except OSError as exc:
        raise Invalid("", f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL character in the name
        raise Invalid("", f"cannot read the file: {exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise Invalid("", too_large(len(data), MAX_FILE_BYTES))
    return data


class NotRegularFileError(OSError):
    """A FIFO, device, socket or folder where a file to read was expected; `strerror` says which
    ("not a regular file but a named pipe (FIFO)")."""


def file_kind(mode: int) -> str:
    """Name the kind of file an st_mode describes: "a regular file", "a named pipe (FIFO)"..."""
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def open_regular_file(path: str | os.PathLike, *, gunzip: bool = False) -> BinaryIO:
    """Open `path` (links followed) for reading bytes, if it is a regular file.

    Anything else is refused before it is opened, because opening a FIFO waits for a writer and
    reading a device may never end: raises NotRegularFileError, or the OSError of stat or open.
    With `gunzip` the stream gives the unpacked bytes of a gzip file; closing it closes the file.
    """
    _require_regular(os.stat(path).st_mode, path)
    # Non-blocking, so that a FIFO put in the file's place after stat() cannot hold the open;
    # for a regular file the flag changes nothing.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        _require_regular(os.fstat(fd).st_mode, path)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return _GzipStream(stream) if gunzip else stream


def _require_regular(mode: int, path: str | os.PathLike) -> None:
    if not stat.S_ISREG(mode):
        code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
        raise NotRegularFileError(code, f"not a regular file but {file_kind(mode)}", str(path))


class _GzipStream(gzip.GzipFile):
    """A gzip reader that also closes the file it reads from (GzipFile leaves it open)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


class NonFinite:
    """Stands in for NaN / Infinity / -Infinity while parsing; the scan reports it by field."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class DuplicateKeys(dict):
    """An object in which `duplicate` appeared more than once; the scan reports it by field."""

    duplicate: str = ""


def _pairs_to_object(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    # Python would silently keep the last value; in a hand-written file that hides a mistake.
    seen: set[str] = set()
    marked = DuplicateKeys(obj)
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def parse_json(data: bytes) -> Any:
    """Decode UTF-8 (an initial byte-order mark is allowed) and parse JSON; raise Invalid."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("", f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    try:
        return json.loads(text, parse_constant=NonFinite, object_pairs_hook=_pairs_to_object)
    except json.JSONDecodeError as exc:
        raise Invalid(
            "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise Invalid("", f"not a scenario: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise Invalid("", f"not valid JSON: {exc}") from None


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
    if kind is NonFinite:
        return f"{value.text} is not allowed; every number must be finite"
    return f"not a JSON value (a Python {kind.__name__})"


def scan(value: Any, depth: int = 1) -> tuple[tuple[str | int, ...], str] | None:
    """Return (path, reason) of the first bad value inside `value`, or None if all is well.

    `depth` is the nesting level of `value` (1 for the top-level object).
    """
    kind = type(value)
    if kind is dict or kind is DuplicateKeys:
        if depth > MAX_DEPTH:
            return (), f"nested more than {MAX_DEPTH} levels deep"
        if kind is DuplicateKeys:
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
    if kind is dict or kind is list or kind is DuplicateKeys:
        return scan(item, depth + 1)
    reason = _scalar_problem(item)
    return None if reason is None else ((), reason)
