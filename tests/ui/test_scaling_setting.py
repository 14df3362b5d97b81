"""The settings panel's Scaling choice: it shows the file's method and changes it."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QMessageBox

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow


@pytest.fixture
def penguins_window(qtbot, tmp_path):
    preset = tmp_path / "penguins.json"
    shutil.copy(scenarios_dir() / "penguins.json", preset)
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.path = preset
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()


def test_the_combo_shows_the_files_method_and_choosing_none_unscales(qtbot, penguins_window):
    combo = penguins_window.settings_panel.scaling
    assert combo.currentData() == "standardize"
    combo.setCurrentIndex(combo.findData("none"))
    qtbot.waitUntil(
        lambda: penguins_window.controller.scenario.data.scaling.method == "none", timeout=5000
    )
    assert penguins_window.controller.modified
    scenario = penguins_window.controller.current_scenario()
    assert scenario.state is None or scenario.state.scaling is None


def test_a_method_per_column_is_shown_as_such(qtbot, penguins_window):
    combo = penguins_window.settings_panel.scaling
    scenario = penguins_window.controller.scenario
    per_column = replace(
        scenario,
        data=replace(
            scenario.data,
            scaling=replace(scenario.data.scaling, method=("none", "standardize") * 2),
        ),
    )
    penguins_window.settings_panel.set_scenario(per_column)
    assert combo.currentData() is None
    assert combo.currentText() == "Per column, as the file says"
    penguins_window.settings_panel.set_scenario(scenario)
    assert combo.findData(None) == -1
    assert combo.currentData() == "standardize"
