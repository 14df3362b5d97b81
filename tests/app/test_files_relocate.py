"""A scenario saved into another folder reopens there: its CSV data goes with it."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from simulator.app.files import write as file_write
from simulator.app.scenario import CsvData
from simulator.app.session import Simulation
from simulator.app.storage import ScenarioError, load_scenario, save_scenario
from simulator.resources import scenarios_dir

ROWS = "a,b,y\n" + "".join(f"{i / 7!r},{(i * 3) % 5},{i % 2}\n" for i in range(30))


def _scenario(data: dict, inputs: list[str] | None = None) -> dict:
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Moved",
        "network": {
            "inputs": inputs or ["a", "b"],
            "layers": [
                {"units": 2, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 4,
        },
        "data": data,
    }


def _csv(path: str) -> dict:
    return {"csv": path, "targets": ["y"], "train_fraction": 0.7, "seed": 3}


def _assert_same_data(first: Simulation, second: Simulation) -> None:
    a, b = first.data, second.data
    assert a.raw_names == b.raw_names
    assert (a.task, a.classes) == (b.task, b.classes)
    for name in ("train_raw", "test_raw", "train_inputs", "test_inputs", "train_targets"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.test_targets, b.test_targets)


def _source_folder(tmp_path: Path, form: str) -> Path:
    """Write a scenario of data form `form` (and its CSV) into a folder; return the file."""
    folder = tmp_path / "original"
    folder.mkdir()
    if form == "inline":
        data = {"train": {"inputs": [[0, 0], [0, 1], [1, 0]], "targets": [[0], [1], [1]]}}
        obj = _scenario(data, ["X1", "X2"])
    elif form == "generator":
        data = {"generator": "xor", "samples": 40, "noise": 0.1, "train_fraction": 0.5, "seed": 2}
        obj = _scenario(data, ["X1", "X2", "X1*X2"])
    elif form == "csv beside":
        (folder / "data.csv").write_text(ROWS, encoding="utf-8")
        obj = _scenario(_csv("data.csv"))
    elif form == "gzip csv beside":
        with gzip.open(folder / "points.csv.gz", "wt", encoding="utf-8") as stream:
            stream.write(ROWS)
        obj = _scenario(_csv("points.csv.gz"))
    elif form == "csv in a subfolder":
        (folder / "sets" / "deep").mkdir(parents=True)
        (folder / "sets" / "deep" / "d.csv").write_text(ROWS, encoding="utf-8")
        obj = _scenario(_csv("sets/./deep/d.csv"))
    else:
        assert form == "shipped csv"
        obj = json.loads((scenarios_dir() / "iris.json").read_text(encoding="utf-8"))
    path = folder / "s.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


FORMS = ["inline", "generator", "csv beside", "gzip csv beside", "csv in a subfolder"]


@pytest.mark.parametrize("form", [*FORMS, "shipped csv"])
def test_every_data_form_saved_into_a_fresh_folder_reopens(tmp_path: Path, form: str) -> None:
    original = _source_folder(tmp_path, form)
    before = Simulation(load_scenario(original))
    before.train_epochs(1)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    saved = save_scenario(before.to_scenario(), fresh / "x.json")
    reopened = load_scenario(fresh / "x.json")
    after = Simulation(reopened)
    _assert_same_data(before, after)
    np.testing.assert_array_equal(after.network.parameters, before.network.parameters)
    # save_scenario returns the scenario as written, for the caller to keep working on.
    assert reopened == saved
    assert saved.source_path == (fresh / "x.json").absolute()
    if isinstance(reopened.data, CsvData) and not form.startswith("shipped"):
        # The copy sits beside the new file, under the CSV's own name.
        name = Path(load_scenario(original).data.csv).name
        assert reopened.data.csv == name
        assert (fresh / name).read_bytes() == (
            original.parent / load_scenario(original).data.csv
        ).read_bytes()
    # The original folder is untouched.
    assert load_scenario(original).data == before.scenario.data


@pytest.mark.parametrize("preset", sorted(scenarios_dir().glob("*.json")), ids=lambda p: p.stem)
def test_every_preset_saved_into_a_fresh_folder_reopens(tmp_path: Path, preset: Path) -> None:
    before = Simulation(load_scenario(preset))
    save_scenario(before.to_scenario(), tmp_path / preset.name)
    reopened = load_scenario(tmp_path / preset.name)
    assert reopened.data == before.scenario.data  # shipped names stay as they are
    _assert_same_data(before, Simulation(reopened))


def test_a_csv_inside_the_new_folder_is_referred_to_not_copied(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "data.csv").write_text(ROWS, encoding="utf-8")
    inner = tmp_path / "sets" / "s.json"
    inner.write_text(json.dumps(_scenario(_csv("data.csv"))), encoding="utf-8")
    saved = save_scenario(load_scenario(inner), tmp_path / "up.json")
    assert saved.data.csv == "sets/data.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sets", "up.json"]
    _assert_same_data(
        Simulation(load_scenario(inner)), Simulation(load_scenario(tmp_path / "up.json"))
    )


def test_a_different_file_of_the_same_name_is_never_replaced(tmp_path: Path) -> None:
    original = _source_folder(tmp_path, "csv beside")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "data.csv").write_text("somebody else's data\n", encoding="utf-8")
    (fresh / "data-2.csv").write_text("more of it\n", encoding="utf-8")
    saved = save_scenario(load_scenario(original), fresh / "x.json")
    assert saved.data.csv == "data-3.csv"
    assert (fresh / "data.csv").read_text(encoding="utf-8") == "somebody else's data\n"
    assert (fresh / "data-3.csv").read_text(encoding="utf-8") == ROWS
    _assert_same_data(
        Simulation(load_scenario(original)), Simulation(load_scenario(fresh / "x.json"))
    )
    # Saved again, the identical copy is reused rather than copied once more.
    again = save_scenario(load_scenario(original), fresh / "y.json")
    assert again.data.csv == "data-3.csv"
    assert sorted(p.name for p in fresh.iterdir()) == [
        "data-2.csv",
        "data-3.csv",
        "data.csv",
        "x.json",
        "y.json",
    ]


def test_a_failed_save_leaves_no_copy_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = _source_folder(tmp_path, "csv beside")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    real_replace = file_write.os.replace

    def fail(source: object, target: object) -> None:
        if str(target).endswith(".json"):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(file_write.os, "replace", fail)
    with pytest.raises(ScenarioError, match="No space left on device"):
        save_scenario(load_scenario(original), fresh / "x.json")
    assert list(fresh.iterdir()) == []


def test_saving_in_its_own_folder_changes_nothing(tmp_path: Path) -> None:
    original = _source_folder(tmp_path, "csv in a subfolder")
    scenario = load_scenario(original)
    saved = save_scenario(replace(scenario, title="Renamed"), original.parent / "t.json")
    assert saved.data == scenario.data
    assert sorted(p.name for p in original.parent.iterdir()) == ["s.json", "sets", "t.json"]


def test_a_csv_link_out_of_the_new_folder_is_copied(tmp_path: Path) -> None:
    original = _source_folder(tmp_path, "csv beside")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "elsewhere").symlink_to(original.parent, target_is_directory=True)
    saved = save_scenario(load_scenario(original), fresh / "x.json")
    # The CSV is reachable as elsewhere/data.csv, but only through a link out of the folder,
    # which the loader refuses: a copy is made instead.
    assert saved.data.csv == "data.csv"
    Simulation(load_scenario(fresh / "x.json"))


def test_a_shipped_name_is_kept(tmp_path: Path) -> None:
    scenario = load_scenario(scenarios_dir() / "digits.json")
    saved = save_scenario(scenario, tmp_path / "d.json")
    assert saved.data.csv == scenario.data.csv == "nnsim:datasets/digits.csv.gz"
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]
