"""Writing a scenario file: the JSON text built in memory, then an atomic replace of the file."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
import uuid
from pathlib import Path
from typing import Any

from .errors import ScenarioError

_FLAT_TYPES = frozenset({int, float, str, bool, type(None)})


def dumps(obj: dict) -> str:
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


def write_atomically(path: Path, data: bytes, file: str) -> None:
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
