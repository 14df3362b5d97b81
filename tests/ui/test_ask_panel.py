"""Ask the network, driven through the real window: typed values get the engine's answer (the
one `nnsim predict` gives), a probe click on the plane fills the fields, the answer follows
training, and "Step through this input" walks the forward pass alone without changing the
network."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from simulator.app import walkthrough as walk
from simulator.app.predict import answer_text, predict
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow

CAT_VS_DOG = scenarios_dir() / "cat-vs-dog.json"


def _discard():
    return QMessageBox.StandardButton.Discard


@pytest.fixture
def open_window(qtbot, tmp_path):
    """`make(path)`: a main window on the scenario at `path`, showing its first picture; closed
    without questions afterwards."""
    windows = []

    def make(path: Path) -> MainWindow:
        main = MainWindow(Simulation(load_scenario(path)), Preferences(tmp_path / "prefs.ini"))
        main.resize(1400, 860)
        main.show()
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        windows.append(main)
        return main

    yield make
    for main in windows:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


@pytest.fixture
def preset_copy(tmp_path):
    """The cat-vs-dog preset copied out of the shipped folder, so the window opens it as a file
    of its own (the test's Simulation reads the same file)."""
    path = tmp_path / "cat-vs-dog.json"
    shutil.copy(CAT_VS_DOG, path)
    return path


def _type(qtbot, field, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)


def _open_ask(qtbot, window) -> None:
    window.ask_action.trigger()
    qtbot.waitUntil(lambda: window.ask_dock.isVisible())
    assert window.ask_action.isChecked()


def _wait_for_answer(qtbot, window, raw) -> None:
    panel = window.ask_panel

    def answered() -> bool:
        window.controller.flush()
        shown = panel.prediction
        return shown is not None and np.array_equal(shown.raw, np.reshape(raw, (1, -1)))

    qtbot.waitUntil(answered, timeout=10_000)


def test_typed_values_get_the_answer_nnsim_predict_gives(qtbot, open_window, preset_copy):
    window = open_window(preset_copy)
    assert window.ask_dock.isHidden()  # hidden until asked for
    _open_ask(qtbot, window)
    panel = window.ask_panel
    assert [panel.form.labelForField(f).text() for f in panel.fields] == [
        "size:",
        "tail length:",
    ]
    # It starts at the first test sample, already answered.
    first_test = Simulation(load_scenario(preset_copy)).data.test_raw[0]
    _wait_for_answer(qtbot, window, np.array([float(f"{v:.6g}") for v in first_test]))

    _type(qtbot, panel.fields[0], "0,25")  # a decimal comma, as typed_numbers reads it
    _type(qtbot, panel.fields[1], "0.31")
    _wait_for_answer(qtbot, window, [0.25, 0.31])
    expected = predict(Simulation(load_scenario(preset_copy)), np.array([[0.25, 0.31]]))
    assert panel.prediction.records() == expected.records()
    assert panel.shown_answer() == answer_text(expected)
    name, percent = panel.shown_answer().split(", ")
    assert name in ("cat", "dog")
    assert percent.endswith(" %")
    assert str(round(expected.outputs[0, 0], 4))[:5] in panel.detail_label.text()

    # The CLI says the same about the same file.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "predict",
            str(preset_copy),
            "--input",
            "0.25,0.31",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    cli = json.loads(result.stdout)
    (record,) = cli
    assert record["class"] == name
    assert record["output"] == panel.prediction.records()[0]["output"]


def test_a_value_that_is_no_number_is_refused_and_keeps_the_last_answer(
    qtbot, open_window, preset_copy
):
    window = open_window(preset_copy)
    _open_ask(qtbot, window)
    panel = window.ask_panel
    _type(qtbot, panel.fields[0], "0.6")
    _type(qtbot, panel.fields[1], "0.2")
    _wait_for_answer(qtbot, window, [0.6, 0.2])
    shown = panel.shown_answer()
    _type(qtbot, panel.fields[1], "long")
    assert panel.error_label.isVisible()
    assert "tail length" in panel.error_label.text()
    assert not panel.step_button.isEnabled()
    np.testing.assert_array_equal(window.controller.probe, [[0.6, 0.2]])
    assert panel.shown_answer() == shown


def _plane_point(view, x: float, y: float) -> QPoint:
    view_box = view.plane.getPlotItem().getViewBox()
    return view.plane.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))


def test_a_probe_click_on_the_plane_fills_the_fields_and_opens_the_panel(
    qtbot, open_window, preset_copy
):
    window = open_window(preset_copy)
    view = window.data_view
    assert view.probe_button.isVisible()
    view.add_points_action.setChecked(True)
    view.probe_action.setChecked(True)
    assert not view.adding_points()  # one click, one meaning
    assert window.ask_dock.isHidden()
    points_before = len(window.controller.data.train_raw)
    qtbot.mouseClick(
        view.plane.viewport(), Qt.MouseButton.LeftButton, pos=_plane_point(view, 0.45, 0.12)
    )
    qtbot.waitUntil(lambda: window.ask_dock.isVisible())
    panel = window.ask_panel
    raw = panel.raw()[0]
    pixel = view.plane.getPlotItem().getViewBox().viewPixelSize()
    assert abs(raw[0] - 0.45) <= 2 * pixel[0]
    assert abs(raw[1] - 0.12) <= 2 * pixel[1]
    assert [f.text() for f in panel.fields] == [f"{v:.6g}" for v in raw]
    _wait_for_answer(qtbot, window, raw)
    # The point asked about is marked on the plane; nothing was added to the data.
    assert view.probe_point() == pytest.approx(tuple(raw))
    assert len(window.controller.data.train_raw) == points_before
    expected = predict(Simulation(load_scenario(preset_copy)), raw.reshape(1, -1))
    assert panel.shown_answer() == answer_text(expected)
    # Closing the panel stops asking, and the mark goes.
    window.ask_action.trigger()
    qtbot.waitUntil(lambda: window.controller.probe is None)
    assert view.probe_point() is None


def test_the_answer_follows_training(qtbot, open_window, preset_copy):
    window = open_window(preset_copy)
    _open_ask(qtbot, window)
    panel = window.ask_panel
    panel.set_input([0.3, 0.1])
    _wait_for_answer(qtbot, window, [0.3, 0.1])
    before = panel.prediction.outputs.copy()
    text_before = panel.detail_label.text()
    window.controller.step_epoch()

    def moved() -> bool:
        window.controller.flush()
        snapshot = window.controller.snapshot
        return snapshot.epoch >= 1 and panel.prediction is snapshot.probe

    qtbot.waitUntil(moved, timeout=10_000)
    assert not np.array_equal(panel.prediction.outputs, before)
    assert panel.detail_label.text() != text_before
    # Still the engine's answer for the network as it now is.
    simulation = Simulation(load_scenario(preset_copy))
    simulation.train_epochs(1)
    np.testing.assert_array_equal(
        panel.prediction.outputs, predict(simulation, np.array([[0.3, 0.1]])).outputs
    )


def test_step_through_this_input_walks_the_forward_pass_and_changes_nothing(
    qtbot, open_window, preset_copy
):
    window = open_window(preset_copy)
    _open_ask(qtbot, window)
    panel = window.ask_panel
    panel.set_input([0.27, 0.29])
    _wait_for_answer(qtbot, window, [0.27, 0.29])
    weights_before = [w.copy() for w in window.controller.snapshot.weights]
    step_before = window.controller.snapshot.step
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.walk is not None, timeout=10_000)
    steps = window.step_through
    assert steps.isVisible()
    assert [s.kind for s in steps.stages] == ["input", "forward", "forward"]
    assert window.walk.forward_only
    expected = predict(Simulation(load_scenario(preset_copy)), np.array([[0.27, 0.29]]))
    name = expected.class_names[expected.classes[0]]
    assert answer_text(expected) in steps.heading.text()
    assert "no loss" in steps.heading.text()
    assert not steps.table.isVisible()
    assert not steps.discard_button.isVisible()
    # The output layer's stage ends with the answer, named, from the trace's numbers.
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: steps.index == 2)
    assert not steps.next_button.isEnabled()  # nothing after the output layer
    lines = steps.calculation_panel.shown_lines()
    assert lines[-1].endswith(f": {name}")
    a_value = float(window.walk.trace.layers[-1].a[0, 0])
    assert a_value == expected.outputs[0, 0]
    assert f"a = σ({walk.number(window.walk.trace.layers[-1].z[0, 0])}) = " in lines[1]
    neurons, _ = window.canvas.walk_texts()
    assert neurons[(2, 0)].endswith(f"answer {name}")
    steps.keep_button.click()
    qtbot.waitUntil(lambda: window.walk is None)
    # Nothing trained, nothing changed, nothing to save.
    window.controller.flush()
    current = window.controller.current_scenario()
    assert current.state.step == step_before
    simulation = Simulation(current)
    for weights, before in zip(simulation.network.weights, weights_before, strict=True):
        np.testing.assert_array_equal(weights, before)
    assert not window.isWindowModified()


def test_data_with_many_inputs_is_asked_by_picking_a_sample(qtbot, open_window, tmp_path):
    path = tmp_path / "digits.json"
    shutil.copy(scenarios_dir() / "digits.json", path)
    window = open_window(path)
    _open_ask(qtbot, window)
    panel = window.ask_panel
    assert panel.fields == []
    assert panel.many_label.isVisible()
    assert "nnsim predict" in panel.many_label.text()
    assert not window.data_view.probe_button.isVisible()  # no plane of the raw inputs
    panel.set_combo.setCurrentIndex(1)  # training samples
    panel.sample_spin.setValue(3)
    qtbot.mouseClick(panel.fill_button, Qt.MouseButton.LeftButton)
    simulation = Simulation(load_scenario(path))
    raw = simulation.data.train_raw[2]
    _wait_for_answer(qtbot, window, raw)
    expected = predict(simulation, raw.reshape(1, -1))
    assert panel.prediction.records() == expected.records()
    assert panel.shown_answer() == answer_text(expected)


def test_the_input_stage_of_scaled_data_shows_raw_to_scaled(qtbot, open_window, tmp_path):
    scenario = json.loads(CAT_VS_DOG.read_text())
    scenario["data"]["scaling"] = {"method": "standardize"}
    path = tmp_path / "scaled.json"
    path.write_text(json.dumps(scenario))
    window = open_window(path)
    simulation = Simulation(load_scenario(path))
    scaling = simulation.data.scaling
    # A training step's walk: the raw value comes from the data.
    window.walk_action.trigger()
    qtbot.waitUntil(lambda: window.walk is not None, timeout=10_000)
    steps = window.step_through
    assert steps.stage.kind == "input"
    raw_size = simulation.data.train_raw[0, 0]
    digits = steps.digits
    lines = steps.calculation_panel.shown_lines()
    assert lines[0] == f"raw size = {walk.number(raw_size, digits)}"
    scaled = simulation.data.train_inputs[0, 0]
    assert lines[1] == (
        f"scaled size = (raw − center) / scale = ({walk.number(raw_size, digits)} − "
        f"{walk.factor(scaling.center[0], digits)}) / {walk.factor(scaling.scale[0], digits)} "
        f"= {walk.number(scaled, digits)}"
    )
    window.leave_walk(keep=False)
    qtbot.waitUntil(lambda: window.walk is None)
    # The probe's walk: the raw value is the one typed.
    _open_ask(qtbot, window)
    window.ask_panel.set_input([0.4, 0.2])
    _wait_for_answer(qtbot, window, [0.4, 0.2])
    qtbot.mouseClick(window.ask_panel.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.walk is not None and window.walk.forward_only, timeout=10_000)
    lines = window.step_through.calculation_panel.shown_lines()
    assert lines[0] == f"raw size = {walk.number(0.4, digits)}"
    assert lines[1].startswith("scaled size = (raw − center) / scale = (0.4 − ")
    expected = predict(simulation, np.array([[0.4, 0.2]]))
    assert window.ask_panel.shown_answer() == answer_text(expected)
