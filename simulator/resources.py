"""Locate the shipped `resources/` and `scenarios/` folders in a checkout or an installed wheel,
and the presets in them by name."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import NamedTuple

# The package folder; tests point it elsewhere to imitate an installed layout.
_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    """Return the folder `name` ("resources" or "scenarios") or raise FileNotFoundError.

    The wheel copies the folders to simulator/_data/<name>; a checkout keeps them next to the
    package. The wheel location is tried first: next to an installed package is site-packages,
    where an unrelated distribution might have left a folder of the same name.
    """
    candidates = (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"nnsim's {name} folder is missing (looked in {tried})")


def resources_dir() -> Path:
    """Return the folder holding the JSON Schema, icons and shipped data sets."""
    return _find("resources")


def scenarios_dir() -> Path:
    """Return the folder holding the preset scenario files."""
    return _find("scenarios")


def resource_path(name: str) -> Path:
    """Return the path of resource `name`, a '/'-separated path relative to `resources_dir()`.

    The file need not exist. Raises ValueError for absolute names or names that climb out with
    "..", so a resource name can never point outside the folder.
    """
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts or "\\" in name:
        raise ValueError(f"not a resource name: {name!r}")
    return resources_dir().joinpath(*parts)


class Preset(NamedTuple):
    """A shipped scenario: its name (the file name without .json), title and file."""

    name: str
    title: str
    path: Path


def preset_path(name: str) -> Path | None:
    """Return the file of the shipped preset called `name` ("spiral"), or None when `name` is
    not a preset's name (a path, a name with a suffix, or no such preset)."""
    if not name or name.startswith(".") or any(mark in name for mark in ("/", "\\", "\0")):
        return None
    try:
        path = scenarios_dir() / f"{name}.json"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def shipped_presets() -> list[Preset]:
    """Return the shipped presets in the gallery's order (simulator.presets.PRESET_ORDER), any
    file not named there after them by name. A title that cannot be read is shown as "?"."""
    from .presets import PRESET_ORDER  # imported here: presets imports this module

    files = {path.stem: path for path in scenarios_dir().glob("*.json") if path.is_file()}
    names = [name for name in PRESET_ORDER if name in files]
    names += sorted(set(files) - set(names))
    return [Preset(name, _title(files[name]), files[name]) for name in names]


def _title(path: Path) -> str:
    try:
        title = json.loads(path.read_text(encoding="utf-8")).get("title")
    except (OSError, ValueError, AttributeError):
        return "?"
    return title if isinstance(title, str) else "?"
