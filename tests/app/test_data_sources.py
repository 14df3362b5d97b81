"""Where CSV data comes from (a file beside the scenario, gzip-compressed, or a data set shipped
with nnsim), image-shaped inputs, and the documented outcome of a scenario."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from simulator.app.scenario import CsvData, Outcome
from simulator.app.session import Simulation
from simulator.app.storage import ScenarioError, load_scenario, save_scenario
from simulator.resources import scenarios_dir


def _scenario_with(data: dict, inputs: list[str], output_units: int = 1) -> dict:
    output = (
        {"units": output_units, "activation": "softmax"}
        if output_units > 1
        else {"units": 1, "activation": "sigmoid"}
    )
    return {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Data source",
        "network": {"inputs": inputs, "layers": [{"units": 2, "activation": "tanh"}, output]},
        "training": {
            "loss": "cross_entropy" if output_units > 1 else "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 4,
        },
        "data": data,
    }


def _write(path: Path, obj: dict) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def _load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        Simulation(load_scenario(path))
    return info.value


def test_a_shipped_data_set_loads_from_a_scenario_saved_anywhere(tmp_path):
    copy = tmp_path / "elsewhere" / "my-iris.json"
    copy.parent.mkdir()
    shutil.copy(scenarios_dir() / "iris.json", copy)
    simulation = Simulation(load_scenario(copy))
    assert len(simulation.data.train_raw) + len(simulation.data.test_raw) == 150
    assert simulation.data.raw_names[0] == "sepal_length"


@pytest.mark.parametrize(
    ("csv", "reason"),
    [
        ("nnsim:datasets/no-such.csv", "nnsim ships no data set"),
        ("nnsim:../pyproject.toml", "not a name of a data set shipped with nnsim"),
        ("nnsim:/etc/passwd", "not a name of a data set shipped with nnsim"),
    ],
)
def test_a_shipped_name_must_name_a_shipped_file(tmp_path, csv, reason):
    data = {"csv": csv, "targets": ["y"], "train_fraction": 0.5, "seed": 0}
    path = _write(tmp_path / "s.json", _scenario_with(data, ["a"]))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "data.csv"
    assert reason in info.value.reason


def test_gzip_csv_beside_the_scenario_is_read(tmp_path):
    rows = "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(10))
    with gzip.open(tmp_path / "points.csv.gz", "wt", encoding="utf-8") as stream:
        stream.write(rows)
    data = {"csv": "points.csv.gz", "targets": ["y"], "train_fraction": 1, "seed": 0}
    simulation = Simulation(
        load_scenario(_write(tmp_path / "s.json", _scenario_with(data, ["a", "b"])))
    )
    assert simulation.data.train_raw.shape == (10, 2)


def test_a_broken_gzip_file_is_named_in_one_message(tmp_path):
    (tmp_path / "points.csv.gz").write_bytes(b"not gzip at all")
    data = {"csv": "points.csv.gz", "targets": ["y"], "train_fraction": 1, "seed": 0}
    error = _load_error(_write(tmp_path / "s.json", _scenario_with(data, ["a"])))
    assert error.field == "data.csv"
    assert "points.csv.gz" in error.reason


def test_image_shape_must_cover_the_input_columns(tmp_path):
    (tmp_path / "tiny.csv").write_text("p0,p1,p2,label\n1,2,3,0\n4,5,6,1\n", encoding="utf-8")
    data = {
        "csv": "tiny.csv",
        "targets": ["label"],
        "train_fraction": 1,
        "seed": 0,
        "image_shape": [2, 2],
    }
    error = _load_error(_write(tmp_path / "s.json", _scenario_with(data, ["p0", "p1", "p2"])))
    assert error.field == "data.image_shape"
    assert "3 input columns" in error.reason
    data["image_shape"] = [1, 3]
    scenario = load_scenario(_write(tmp_path / "s.json", _scenario_with(data, ["p0", "p1", "p2"])))
    assert scenario.data.image_shape == (1, 3)
    Simulation(scenario)


def test_outcome_and_image_shape_survive_save_and_load(tmp_path):
    scenario = load_scenario(scenarios_dir() / "digits.json")
    assert isinstance(scenario.data, CsvData)
    outcome = Outcome(epochs=7, train_loss=0.25, test_loss=(0.05, 0.112), test_accuracy=0.5)
    save_scenario(replace(scenario, outcome=outcome), tmp_path / "d.json")
    again = load_scenario(tmp_path / "d.json")
    assert again.outcome == outcome
    assert again.data.image_shape == (8, 8)


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        ({"epochs": 0}, "outcome.epochs"),
        ({"epochs": 3, "test_accuracy": 1.5}, "outcome.test_accuracy"),
        ({"train_loss": 0.1}, "outcome.epochs"),
        ({"epochs": 3, "speed": 1}, "outcome.speed"),
        ({"epochs": 3, "test_loss": [0.2, 0.1]}, "outcome.test_loss"),
        ({"epochs": 3, "test_loss": [0.1]}, "outcome.test_loss"),
        ({"epochs": 3, "train_accuracy": [0.5, 1.5]}, "outcome.train_accuracy[1]"),
    ],
)
def test_a_bad_outcome_is_refused_by_field(tmp_path, outcome, field):
    obj = _scenario_with({"train": {"inputs": [[0.0]], "targets": [[1.0]]}}, ["X1"])
    obj["outcome"] = outcome
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path / "s.json", obj))
    assert info.value.field == field


def test_inline_class_names_reach_the_data_and_must_match_the_outputs(tmp_path):
    data = {
        "train": {"inputs": [[0.0], [1.0]], "targets": [[0.0], [1.0]]},
        "classes": ["cat", "dog"],
    }
    scenario = load_scenario(_write(tmp_path / "s.json", _scenario_with(data, ["X1"])))
    assert Simulation(scenario).data.classes == ("cat", "dog")
    data["classes"] = ["cat", "dog", "bird"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path / "s.json", _scenario_with(data, ["X1"])))
    assert info.value.field == "data.classes"
    assert "expected 2" in info.value.reason
