"""A scenario's CSV data made reachable from the folder the scenario is saved into.

A CSV path in a scenario file is relative to the file's folder and may not leave it (a shared
scenario must not read arbitrary files), so a scenario saved into another folder needs its data
brought along. In order of preference:

1. the CSV is inside the new folder (the scenario moved up, say, from sets/x.json to x.json):
   the path is rewritten relative to the new folder, and no data is duplicated;
2. otherwise a copy of the CSV is written beside the new file, under its own name if that is
   free or already holds the same bytes, else under a free name (data-2.csv, ...), so that no
   other file is ever replaced. The data stays a CSV file a learner can open in a spreadsheet,
   read bit for bit as before (the same text), and the folder can be shared as it is.

Embedding the samples in the JSON was not chosen: it would turn CSV data into inline data (class
names, one-hot targets and image shapes are decided when a CSV is read), and a CSV of up to
200 MB does not fit a scenario file's limit.

Names of data sets shipped with nnsim ("nnsim:...") are the same from any folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from simulator.app.scenario import SHIPPED_PREFIX, CsvData, Scenario

from .errors import Invalid, ScenarioError
from .read import open_regular_file
from .write import copy_as_new_file


@dataclass(frozen=True)
class CsvCopy:
    """A CSV file to copy into the new folder under `name`, unless `reuse` (the file of that name
    already holds the same bytes)."""

    source: Path
    name: str
    reuse: bool


def relocated(scenario: Scenario, folder: Path) -> tuple[Scenario, CsvCopy | None]:
    """Return `scenario` as it is to be written into `folder`, and the CSV copy that the new file
    needs there (None when nothing is copied).

    The CSV path is read from the folder of `scenario.source_path` (from the working folder when
    it has none, as session.py reads it). When the CSV is not found there the path is kept: the
    data is missing either way, and reading it will say so.
    """
    data = scenario.data
    if not isinstance(data, CsvData) or data.csv.startswith(SHIPPED_PREFIX):
        return scenario, None
    origin = scenario.source_path.parent if scenario.source_path is not None else Path.cwd()
    try:
        if _same_folder(origin, folder):
            return scenario, None
        source = origin.joinpath(*PurePosixPath(data.csv).parts).resolve()
        if not source.is_file():
            return scenario, None
        root = folder.resolve()
    except (OSError, RuntimeError, ValueError):
        return scenario, None
    if source.is_relative_to(root):
        return _with_csv(scenario, source.relative_to(root).as_posix()), None
    name, reuse = _free_name(source, folder, PurePosixPath(data.csv).name)
    return _with_csv(scenario, name), CsvCopy(source, name, reuse)


def copy_csv(copy: CsvCopy, folder: Path, file: str) -> Path | None:
    """Write the copy planned by `relocated` into `folder`; return its path, or None when an
    identical file was reused. Raises ScenarioError naming `file`, also when the name was
    taken since the plan was made (the user saves again and a free name is chosen)."""
    if copy.reuse:
        return None
    path = folder / copy.name
    if not copy_as_new_file(copy.source, path, file):
        raise ScenarioError(
            file, "data.csv", f"could not save: {copy.name} appeared meanwhile; save again"
        )
    return path


def _with_csv(scenario: Scenario, csv: str) -> Scenario:
    return dataclasses.replace(scenario, data=dataclasses.replace(scenario.data, csv=csv))


def _same_folder(first: Path, second: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(first, second)
    return first.absolute() == second.absolute()


def _free_name(source: Path, folder: Path, name: str) -> tuple[str, bool]:
    """Return a name for the copy of `source` in `folder` and whether a file of that name already
    holds the same bytes; "data.csv", then "data-2.csv", "data-3.csv"..."""
    stem, extension = _split_extension(name)
    for number in range(1, 10_000):
        candidate = name if number == 1 else f"{stem}-{number}{extension}"
        existing = folder / candidate
        if not os.path.lexists(existing):
            return candidate, False
        if _same_bytes(source, existing):
            return candidate, True
    raise Invalid("data.csv", f"no free name for a copy of {name} in the new folder")


def _split_extension(name: str) -> tuple[str, str]:
    if name.lower().endswith(".csv.gz"):
        return name[: -len(".csv.gz")], name[-len(".csv.gz") :]
    stem, extension = os.path.splitext(name)
    return stem, extension


def _same_bytes(source: Path, other: Path) -> bool:
    """Whether `other` is a regular file holding exactly the bytes of `source`."""
    try:
        if other.stat().st_size != source.stat().st_size:
            return False
        with open_regular_file(source) as first, open_regular_file(other) as second:
            while True:
                chunk = first.read(1 << 20)
                if chunk != second.read(1 << 20):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False
