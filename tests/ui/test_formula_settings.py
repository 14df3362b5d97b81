"""Typing formulas in the settings panel: an input feature of one's own, and the function a
data set is drawn from; refused text is pointed at, accepted text becomes an undoable edit."""

import math
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QToolButton

from simulator.app import walkthrough as walk
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow

OWN = "sqrt(X1^2 + X2^2)"


@pytest.fixture
def window(qtbot, tmp_path):
    preset = tmp_path / "circle.json"
    shutil.copy(scenarios_dir() / "circle.json", preset)
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.path = preset
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()


def _type(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _inputs(window) -> tuple[str, ...]:
    return window.controller.scenario.network.inputs


def test_a_bad_formula_is_pointed_at_and_changes_nothing(qtbot, window):
    panel = window.settings_panel
    before = _inputs(window)
    _type(qtbot, panel.formula, "X1 + )")
    assert not panel.formula_field.refusal.isHidden()
    assert "character 6" in panel.formula_field.refusal.text()
    assert panel.formula.selectionStart() == 5  # the ")" is selected
    assert panel.formula.selectedText() == ")"
    # Values the data cannot take: the circle's X1 is negative on half the points.
    _type(qtbot, panel.formula, "2 + log(X1)")
    message = panel.formula_field.refusal.text()
    assert "log(X1) is not a number" in message
    assert "character 5" in message
    assert panel.formula.selectedText() == "l"
    # Typing again hides the refusal; nothing reached the scenario.
    qtbot.keyClicks(panel.formula, " ")
    assert panel.formula_field.refusal.isHidden()
    assert _inputs(window) == before
    assert not window.controller.can_undo


def test_a_good_formula_becomes_a_checked_feature_that_undo_and_remove_take_back(qtbot, window):
    panel = window.settings_panel
    before = _inputs(window)
    _type(qtbot, panel.formula, "sqrt(X1 ^ 2 + X2 ^ 2)")
    qtbot.waitUntil(lambda: _inputs(window) == (*before, OWN), timeout=10_000)
    qtbot.waitUntil(lambda: OWN in panel._feature_boxes, timeout=10_000)
    assert panel._feature_boxes[OWN].isChecked()
    assert panel.formula.text() == ""
    assert panel.formula_field.refusal.isHidden()
    assert window.controller.snapshot.layer_sizes[0] == len(before) + 1
    # Typed again, even spaced otherwise, it is refused as there already.
    _type(qtbot, panel.formula, OWN.replace(" ", ""))
    assert "already" in panel.formula_field.refusal.text()
    window.controller.undo()
    qtbot.waitUntil(lambda: _inputs(window) == before, timeout=10_000)
    qtbot.waitUntil(lambda: OWN not in panel._feature_boxes, timeout=10_000)
    window.controller.redo()
    qtbot.waitUntil(lambda: OWN in panel._feature_boxes, timeout=10_000)
    # The ✕ beside the formula's check box removes it.
    (cross,) = panel._feature_boxes[OWN].parentWidget().findChildren(QToolButton)
    qtbot.mouseClick(cross, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _inputs(window) == before, timeout=10_000)


def test_the_function_data_set_from_the_data_group(qtbot, window):
    panel = window.settings_panel
    assert panel.expression_field.isHidden()
    panel.generator.setCurrentIndex(panel.generator.findData("function"))
    qtbot.waitUntil(lambda: window.controller.scenario.data.generator == "function", timeout=10_000)
    qtbot.waitUntil(lambda: not panel.expression_field.isHidden(), timeout=10_000)
    assert panel.expression.text() == "2*sin(X1)"
    # Classification draws the curve y = f(X1): X2 has no place in it.
    _type(qtbot, panel.expression, "X1 + X2")
    assert 'unknown input "X2"' in panel.expression_field.refusal.text()
    assert panel.expression.selectedText() == "X"
    assert window.controller.scenario.data.expression == "2*sin(X1)"
    _type(qtbot, panel.expression, "X1 / 2")
    qtbot.waitUntil(lambda: window.controller.scenario.data.expression == "X1/2", timeout=10_000)
    panel.function_task.setCurrentIndex(panel.function_task.findData("regression"))
    qtbot.waitUntil(lambda: window.controller.scenario.data.task == "regression", timeout=10_000)
    scenario = window.controller.scenario
    assert scenario.network.layers[-1].activation == "linear"
    assert scenario.training.loss == "mse"
    qtbot.waitUntil(lambda: window.controller.data.task == "regression", timeout=10_000)


def test_the_step_through_shows_the_formula_with_the_samples_values(qtbot, window):
    panel = window.settings_panel
    _type(qtbot, panel.formula, OWN)
    qtbot.waitUntil(lambda: OWN in window.controller.data.input_names, timeout=10_000)
    window.walk_action.trigger()
    steps = window.step_through
    qtbot.waitUntil(steps.isVisible, timeout=10_000)
    column = list(window.controller.data.input_names).index(OWN)
    steps.set_focus(walk.Focus(0, column))
    qtbot.waitUntil(lambda: steps.focus == walk.Focus(0, column), timeout=10_000)
    shown = steps.calculation_panel.shown_lines()
    value = float(window.walk.trace.inputs[0, column])
    x1, x2 = window.walk.raw_inputs.values[0]
    put_in = f"sqrt({_put(x1)}^2 + {_put(x2)}^2)"
    assert shown[-1] == f"{OWN} = {put_in} = {walk.number(value)}"
    assert value == pytest.approx(math.hypot(x1, x2), rel=1e-12)
    window.leave_walk(keep=False)


def _put(value: float) -> str:
    text = walk.number(float(value))
    return f"({text})" if text.startswith("−") else text


def test_a_formula_of_a_csv_files_columns(qtbot, tmp_path):
    main = MainWindow(
        Simulation(load_scenario(scenarios_dir() / "penguins.json")),
        Preferences(tmp_path / "prefs.ini"),
    )
    main.resize(1024, 640)
    main.show()
    try:
        qtbot.waitUntil(lambda: main.controller.data is not None, timeout=10_000)
        panel = main.settings_panel
        _type(qtbot, panel.formula, "bill_length_mm / bill_dept_mm")
        assert 'unknown input "bill_dept_mm"' in panel.formula_field.refusal.text()
        assert panel.formula.selectionStart() == len("bill_length_mm / ")
        _type(qtbot, panel.formula, "bill_length_mm / bill_depth_mm")
        ratio = "bill_length_mm/bill_depth_mm"
        qtbot.waitUntil(lambda: ratio in main.controller.scenario.network.inputs, timeout=10_000)
        qtbot.waitUntil(lambda: ratio in main.controller.data.input_names, timeout=10_000)
    finally:
        main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
        main.close()
        main.deleteLater()
