"""Format versions: registering upgrade steps, and files written by a newer nnsim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.app.files import migrate
from simulator.app.storage import (
    ScenarioError,
    UnsupportedVersionError,
    load_scenario,
    validate_scenario_dict,
)
from simulator.resources import scenarios_dir


def _xor() -> dict:
    return json.loads((scenarios_dir() / "xor.json").read_text(encoding="utf-8"))


def test_a_registered_step_upgrades_an_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrate, "MIGRATIONS", {})
    monkeypatch.setattr(migrate, "CURRENT_VERSION", 2)

    @migrate.migration(1, 2)
    def _title_renamed(obj: dict) -> dict:
        """The field name became title."""
        obj["title"] = obj.pop("name")
        return obj

    old = _xor()
    old["name"] = old.pop("title")
    assert list(migrate.MIGRATIONS.items()) == [(1, _title_renamed)]
    assert validate_scenario_dict(old, file="old.json").title == _xor()["title"]


def test_a_step_needs_a_docstring_goes_one_version_up_and_is_registered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(migrate, "MIGRATIONS", {})
    with pytest.raises(ValueError, match="one version up"):
        migrate.migration(1, 3)
    with pytest.raises(ValueError, match="needs a docstring"):
        migrate.migration(1, 2)(lambda obj: obj)

    def step(obj: dict) -> dict:
        """Nothing changed."""
        return obj

    migrate.migration(1, 2)(step)
    with pytest.raises(ValueError, match="two migrations from version 1"):
        migrate.migration(1, 2)(step)


def test_a_file_of_a_newer_format_says_so(tmp_path: Path) -> None:
    obj = _xor()
    obj["version"] = migrate.CURRENT_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    for call in (lambda: load_scenario(path), lambda: validate_scenario_dict(obj, file="f.json")):
        with pytest.raises(UnsupportedVersionError) as info:
            call()
        assert isinstance(info.value, ScenarioError)
        assert info.value.field == "version"
        assert "newer than this nnsim understands" in info.value.reason
    # A broken file is not mistaken for a newer one.
    obj["version"] = 0
    with pytest.raises(ScenarioError) as info:
        validate_scenario_dict(obj, file="f.json")
    assert not isinstance(info.value, UnsupportedVersionError)
