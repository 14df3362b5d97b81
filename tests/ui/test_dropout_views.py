"""Dropout in the window: the settings panel's rate reaches the scenario (and undoes), and the
step-through greys the neurons its step dropped."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from simulator.app import edits
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, save_scenario
from simulator.resources import scenarios_dir
from simulator.ui import palette
from simulator.ui.main_window import MainWindow


def _open(qtbot, tmp_path, scenario) -> MainWindow:
    path = tmp_path / "dropout.json"
    save_scenario(scenario, path)
    main = MainWindow(Simulation(load_scenario(path)), Preferences(tmp_path / "prefs.ini"))
    main.resize(1400, 860)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    return main


@pytest.fixture
def windows(qtbot, tmp_path):
    opened = []

    def make(scenario):
        opened.append(_open(qtbot, tmp_path, scenario))
        return opened[-1]

    yield make
    for main in opened:
        main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
        main.close()
        main.deleteLater()


def _three_classes():
    return load_scenario(scenarios_dir() / "three-classes.json")


def test_the_dropout_setting_reaches_the_scenario_and_undoes(qtbot, windows):
    window = windows(_three_classes())
    field = window.settings_panel.dropout
    assert field.isEnabled()
    assert field.currentText() == "0"
    field.setEditText("0.3")
    field.lineEdit().editingFinished.emit()

    def hidden_rates():
        layers = window.controller.current_scenario().network.layers
        return [layer.dropout for layer in layers]

    qtbot.waitUntil(lambda: hidden_rates()[0] == 0.3)
    assert hidden_rates() == [0.3] * (len(hidden_rates()) - 1) + [0.0]
    qtbot.waitUntil(lambda: "dropout" in window.undo_action.text())
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: hidden_rates()[0] == 0.0)
    qtbot.waitUntil(lambda: field.currentText() == "0")


def test_a_rate_of_one_is_refused_and_nothing_changes(qtbot, windows):
    window = windows(_three_classes())
    messages = []
    window.settings_panel.invalid_input.connect(messages.append)
    field = window.settings_panel.dropout
    field.setEditText("1")
    field.lineEdit().editingFinished.emit()
    assert messages
    assert "Dropout" in messages[0]
    assert field.currentText() == "0"
    assert window.controller.current_scenario().network.layers[0].dropout == 0.0


def _colour_at(window, column, unit) -> np.ndarray:
    canvas = window.canvas
    image = canvas.view.viewport().grab().toImage()
    centre = canvas.neuron_centre(column, unit).toPoint()
    colour = image.pixelColor(centre)
    return np.array([colour.red(), colour.green(), colour.blue()])


def test_the_walk_greys_the_neurons_its_step_dropped(qtbot, windows):
    window = windows(edits.set_all_hidden_dropout(_three_classes(), 0.5))
    window.walk_action.trigger()
    qtbot.waitUntil(lambda: window.step_through.isVisible())
    trace = window.walk.trace
    kept = trace.layers[0].kept[0]
    panel = window.step_through
    forward = next(
        i
        for i in range(panel.stage_combo.count())
        if panel.stage_combo.itemText(i).startswith("2 · Forward")
    )
    assert window.canvas.walk_dropped() == set()  # the forward pass has not reached them
    panel.jump_to(forward)
    qtbot.waitUntil(lambda: panel.index == forward)
    dropped = {(1, j) for j, k in enumerate(kept) if not k}
    assert window.canvas.walk_dropped() == dropped
    # The seeds are fixed: this step drops neurons of the first hidden layer (at p = 0.5, all
    # 8 kept would have been a 1-in-256 draw), so the veil below is always checked.
    assert dropped
    veil = np.array([int(palette.WALK_DROPPED_VEIL[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    column, unit = next(iter(dropped))
    grey = _colour_at(window, column, unit)
    # Mostly the veil's grey: its channels within a few steps of one another.
    assert np.ptp(grey) < 40, grey
    assert np.abs(grey - veil).max() < 60, grey
    kept_unit = next((j for j, k in enumerate(kept) if k), None)
    if kept_unit is not None:
        assert (1, kept_unit) not in window.canvas.walk_dropped()
