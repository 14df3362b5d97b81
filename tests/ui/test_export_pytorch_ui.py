"""File → Export → PyTorch… and File → Import weights…: the same functions as the command
line, the scenario asked of the worker without blocking, imported weights an edit that Undo
takes back."""

import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog
from safetensors.numpy import load_file, save_file

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    preset = tmp_path / "xor.json"
    shutil.copy(scenarios_dir() / "xor.json", preset)
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.path = preset
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.controller.mark_saved()
    main.close()
    main.deleteLater()


def test_export_writes_the_folder_with_the_current_weights(qtbot, window, tmp_path, monkeypatch):
    folder = tmp_path / "torch"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    window.export_pytorch_action.trigger()
    qtbot.waitUntil(lambda: (folder / "model.py").exists(), timeout=10_000)
    weights = load_file(folder / "weights.safetensors")
    shown = window.controller.snapshot.weights
    assert np.array_equal(weights["0.weight"], shown[0])
    assert "Exported" in window.statusBar().currentMessage()


def test_export_into_a_folder_of_other_files_says_why_and_writes_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    window.export_pytorch_action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "error_box", None) is not None, timeout=10_000)
    assert "busy" in window.error_box.text()
    window.error_box.close()
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_imported_weights_are_an_edit_that_undo_takes_back(qtbot, window, tmp_path, monkeypatch):
    before = [w.copy() for w in window.controller.snapshot.weights]
    tensors = {}
    for i, w in enumerate(before):
        tensors[f"{2 * i}.weight"] = np.full(w.shape, 0.25 + i)
        tensors[f"{2 * i}.bias"] = np.zeros(w.shape[0])
    path = tmp_path / "trained.safetensors"
    save_file(tensors, path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    window.import_weights_action.trigger()
    qtbot.waitUntil(
        lambda: np.array_equal(window.controller.snapshot.weights[0], tensors["0.weight"]),
        timeout=10_000,
    )
    assert "optimizer state was reset" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.controller.can_undo, timeout=5000)
    window.undo_action.trigger()
    qtbot.waitUntil(
        lambda: np.array_equal(window.controller.snapshot.weights[0], before[0]), timeout=10_000
    )


def test_a_file_of_the_wrong_shape_is_refused_and_changes_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    before = [w.copy() for w in window.controller.snapshot.weights]
    path = tmp_path / "wrong.safetensors"
    save_file({"0.weight": np.zeros((3, 3)), "0.bias": np.zeros(3)}, path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    window.import_weights_action.trigger()
    assert window.error_box is not None
    assert "wrong.safetensors" in window.error_box.text()
    window.error_box.close()
    assert all(
        np.array_equal(a, b)
        for a, b in zip(window.controller.snapshot.weights, before, strict=True)
    )
    assert not window.controller.can_undo
