"""`nnsim export FILE --data OUT.csv`: the training and test data as CSV, the network's inputs
after scaling and derived features, read back bit for bit."""

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

from simulator.app.session import Simulation
from simulator.app.storage import ScenarioError, load_scenario
from simulator.export.data_csv import data_table, write_data_csv
from simulator.resources import preset_path


def _read(path):
    with open(path, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


def _one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("preset", ["spiral", "iris", "auto-mpg"])
def test_rows_are_train_then_test_and_numbers_read_back_exactly(run_nnsim, tmp_path, preset):
    out = tmp_path / "data.csv"
    result = run_nnsim("export", preset, "--data", out, code=0)
    assert result.stderr == ""
    assert str(out) in result.stdout
    data = Simulation(load_scenario(preset_path(preset))).data
    header, rows = _read(out)
    train, test = len(data.train_inputs), len(data.test_inputs)
    assert len(rows) == train + test
    assert [row[0] for row in rows] == ["train"] * train + ["test"] * test
    assert header[0] == "set"
    raw = [header.index(f"raw:{name}") for name in data.raw_names]
    inputs = [header.index(f"input:{name}") for name in data.feature_plan.names]
    targets = [i for i, name in enumerate(header) if name.startswith("target:")]
    assert len(targets) == data.train_targets.shape[1]
    cells = np.array([[float(row[i]) for i in inputs] for row in rows])
    expected = np.vstack([data.train_inputs, data.test_inputs])
    assert np.array_equal(cells, expected)  # bit for bit: repr round-trips
    assert np.array_equal(
        np.array([[float(row[i]) for i in raw] for row in rows]),
        np.vstack([data.train_raw, data.test_raw]),
    )
    assert np.array_equal(
        np.array([[float(row[i]) for i in targets] for row in rows]),
        np.vstack([data.train_targets, data.test_targets]),
    )
    if data.task == "classification":
        classes = [row[header.index("class")] for row in rows]
        assert set(classes) <= set(data.classes)
    else:
        assert "class" not in header


def test_derived_features_of_the_spiral_are_named_as_the_canvas_names_them(run_nnsim, tmp_path):
    out = tmp_path / "spiral.csv"
    run_nnsim("export", "spiral", "--data", out, code=0)
    header, rows = _read(out)
    assert header[:3] == ["set", "raw:X1", "raw:X2"]
    assert "input:X1*X2" in header
    assert "input:sin(X1)" in header
    row = rows[0]
    x1 = float(row[header.index("input:X1")])
    assert float(row[header.index("input:X1^2")]) == x1 * x1


def test_iris_classes_match_their_one_hot_targets(tmp_path):
    simulation = Simulation(load_scenario(preset_path("iris")))
    table = data_table(simulation.scenario, simulation.data)
    path = tmp_path / "iris.csv"
    write_data_csv(table, path)
    header, rows = _read(path)
    assert header[-3:] == ["target:setosa", "target:versicolor", "target:virginica"]
    for row in rows:
        one_hot = [float(cell) for cell in row[-3:]]
        assert header[-3 + one_hot.index(1.0)] == f"target:{row[header.index('class')]}"


def test_no_target_or_a_missing_folder_is_one_line_and_exit_2(run_nnsim, tmp_path):
    assert "--data" in _one_line(run_nnsim("export", "spiral", code=2))
    missing = tmp_path / "no such folder" / "out.csv"
    message = _one_line(run_nnsim("export", "spiral", "--data", missing, code=2))
    assert "out.csv" in message
    assert "could not save" in message
    assert not missing.parent.exists()


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="needs folder permissions that bind"
)
def test_an_unwritable_target_leaves_nothing_behind(run_nnsim, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "data.csv").write_text("old\n")
    folder.chmod(0o500)
    try:
        result = run_nnsim("export", "spiral", "--data", folder / "data.csv", code=2)
        assert "data.csv" in _one_line(result)
        assert os.listdir(folder) == ["data.csv"]
        assert (folder / "data.csv").read_text() == "old\n"
    finally:
        folder.chmod(0o700)


def test_a_failed_write_keeps_the_old_file_whole(tmp_path, monkeypatch):
    simulation = Simulation(load_scenario(preset_path("xor")))
    table = data_table(simulation.scenario, simulation.data)
    path = tmp_path / "out.csv"
    path.write_text("old\n")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ScenarioError, match=r"out\.csv: could not save"):
        write_data_csv(table, path)
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_the_export_command_loads_no_qt():
    code = (
        "import sys, simulator.cli as c, simulator.export.data_csv; c.COMMANDS['export']\n"
        "print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
