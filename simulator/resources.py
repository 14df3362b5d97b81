"""Locate the shipped `resources/` and `scenarios/` folders in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

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
