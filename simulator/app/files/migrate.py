"""Format versions: the header check and the registered steps that upgrade an older file.

A format change is one function, registered with the versions it goes between and a docstring
saying what changed:

    @migration(1, 2)
    def _layers_renamed(obj: dict) -> dict:
        '''network.stack became network.layers.'''
        obj["network"]["layers"] = obj["network"].pop("stack")
        return obj
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from simulator.app.scenario import FORMAT_NAME, FORMAT_VERSION

from .errors import Invalid, NewerVersion, describe

# The version this nnsim writes and checks against the schema. Read at call time, so tests can
# patch it together with MIGRATIONS.
CURRENT_VERSION = FORMAT_VERSION

# MIGRATIONS[n] turns a version-n object into a version-(n + 1) object. It gets a private deep
# copy, may change and return it, and need not set "version" (the loader does). Version 1 is the
# first, so there is nothing to upgrade yet.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

_MISSING = object()

Migration = Callable[[dict], dict]


def migration(old: int, new: int) -> Callable[[Migration], Migration]:
    """Register the decorated function as the step from version `old` to `new` (= old + 1).

    The function needs a docstring saying what changed: that is the format's change log.
    """
    if new != old + 1:
        raise ValueError(f"a migration goes one version up, not from {old} to {new}")

    def register(step: Migration) -> Migration:
        if old in MIGRATIONS:
            raise ValueError(f"two migrations from version {old}")
        if not (step.__doc__ or "").strip():
            raise ValueError(f"the migration from version {old} needs a docstring")
        MIGRATIONS[old] = step
        return step

    return register


def check_header(obj: dict) -> int:
    """Check "format" and "version"; return the version (at most CURRENT_VERSION)."""
    fmt = obj.get("format", _MISSING)
    if fmt is _MISSING:
        raise Invalid("format", f'missing; a scenario file has "format": "{FORMAT_NAME}"')
    if fmt != FORMAT_NAME:
        raise Invalid(
            "format",
            f'expected "{FORMAT_NAME}", got {describe(fmt)}; this is not an nnsim scenario file',
        )
    version = obj.get("version", _MISSING)
    if version is _MISSING:
        raise Invalid("version", f"missing; this nnsim writes version {CURRENT_VERSION}")
    if type(version) is not int:
        raise Invalid("version", f"expected a whole number, got {describe(version)}")
    if version > CURRENT_VERSION:
        raise NewerVersion(
            "version",
            f"this file is version {version}, newer than this nnsim "
            f"understands ({CURRENT_VERSION})",
        )
    return version


def upgrade(obj: dict, version: int) -> dict:
    """Upgrade `obj` from `version` to CURRENT_VERSION through MIGRATIONS; `obj` is not changed."""
    if version == CURRENT_VERSION:
        return obj
    obj = copy.deepcopy(obj)
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            oldest = min(MIGRATIONS, default=CURRENT_VERSION)
            raise Invalid(
                "version",
                f"version {version} is unknown; this nnsim reads versions "
                f"{oldest} to {CURRENT_VERSION}",
            )
        # An old file is upgraded before it is validated, so a migration may meet anything.
        try:
            upgraded = step(obj)
        except Exception as exc:
            raise Invalid(
                "",
                f"cannot upgrade from version {version} to {version + 1}: "
                f"{type(exc).__name__}: {exc}",
            ) from None
        if not isinstance(upgraded, dict):
            raise Invalid("", f"cannot upgrade from version {version} to {version + 1}")
        version += 1
        upgraded["version"] = version
        obj = upgraded
    return obj
