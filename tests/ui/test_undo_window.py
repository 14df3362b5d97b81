"""Undo and redo in the window: Edit menu texts and keys, each kind of edit taken back exactly,
and points added only in the deliberate "Add points" mode, under the pointer."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from simulator.app.preferences import Preferences
from simulator.app.scenario import GeneratorData, InlineData
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow


def _discard() -> QMessageBox.StandardButton:
    return QMessageBox.StandardButton.Discard


@pytest.fixture
def window(qtbot, tmp_path):
    lesson = tmp_path / "circle.json"
    shutil.copy(scenarios_dir() / "circle.json", lesson)
    main = MainWindow(Simulation(load_scenario(lesson)), Preferences(tmp_path / "prefs.ini"))
    main.path = lesson
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = _discard
    main.close()
    main.deleteLater()


def _parameters(window) -> list[bytes]:
    """Every weight and bias as raw bytes: equal means bit for bit."""
    snapshot = window.controller.snapshot
    return [a.tobytes() for a in (*snapshot.weights, *snapshot.biases)]


def _settled(qtbot, window) -> None:
    """Wait until no edit is on its way and the views show the worker's state after it."""
    controller = window.controller
    qtbot.waitUntil(lambda: not controller._edits_waiting, timeout=10_000)
    # The worker takes commands in order: a snapshot showing this sample choice was taken
    # after every change asked for before it.
    sample = 1 if controller.snapshot.sample_index == 0 else 0
    controller.select_sample(sample)
    qtbot.waitUntil(lambda: controller.snapshot.sample_index == sample, timeout=10_000)


def _press(qtbot, window, key, modifiers) -> None:
    qtbot.keyClick(window, key, modifiers)
    _settled(qtbot, window)


def _edit_weight(qtbot, window, layer: int, unit: int, source: int, text: str) -> None:
    """Click an edge on the canvas and type a value into the editor."""
    position = window.canvas.edge_midpoint(layer, unit, source)
    qtbot.mouseClick(
        window.canvas.view.viewport(), Qt.MouseButton.LeftButton, pos=position.toPoint()
    )
    qtbot.waitUntil(lambda: window.value_dialog is not None and window.value_dialog.isVisible())
    dialog = window.value_dialog
    dialog.editor.clear()
    qtbot.keyClicks(dialog.editor, text)
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.controller.edit_history.can_undo, timeout=10_000)
    # The offscreen platform leaves the closed editor the active window; a desktop's window
    # manager gives the activation back to the main window.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    _settled(qtbot, window)


def test_menu_names_the_edit_and_keys_undo_and_redo_a_weight_bit_for_bit(qtbot, window):
    undo, redo = window.undo_action, window.redo_action
    assert (undo.text(), undo.isEnabled()) == ("Undo", False)
    assert (redo.text(), redo.isEnabled()) == ("Redo", False)
    assert [action.text() for action in window.edit_menu.actions()][:2] == ["Undo", "Redo"]
    original = _parameters(window)

    _edit_weight(qtbot, window, 1, 0, 0, "0.125")
    edited = _parameters(window)
    assert window.controller.snapshot.weights[0][0, 0] == 0.125
    assert (undo.text(), undo.isEnabled()) == ("Undo change of w(X1 → h1.1)", True)
    assert not redo.isEnabled()
    assert window.isWindowModified()

    _press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _parameters(window) == original
    assert (undo.text(), undo.isEnabled()) == ("Undo", False)
    assert (redo.text(), redo.isEnabled()) == ("Redo change of w(X1 → h1.1)", True)
    assert not window.isWindowModified()  # back to the file as it was opened

    _press(
        qtbot,
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert _parameters(window) == edited
    _press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _press(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert _parameters(window) == edited
    assert window.isWindowModified()


def test_undoing_a_weight_after_training_restores_it_but_keeps_the_training(qtbot, window):
    old = window.controller.snapshot.weights[0][0, 0]
    _edit_weight(qtbot, window, 1, 0, 0, "2")
    window.controller.step(5)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 5, timeout=10_000)
    trained = [w.copy() for w in window.controller.snapshot.weights]
    window.undo_action.trigger()
    _settled(qtbot, window)
    snapshot = window.controller.snapshot
    assert snapshot.step == 5
    assert snapshot.weights[0][0, 0].tobytes() == np.float64(old).tobytes()
    trained[0][0, 0] = old
    assert all(np.array_equal(a, b) for a, b in zip(snapshot.weights, trained, strict=True))


def test_settings_and_shape_edits_undo_exactly(qtbot, window):
    original = _parameters(window)
    scenario = window.controller.scenario
    panel = window.settings_panel

    panel.learning_rate.setEditText("0.01")
    panel.learning_rate.lineEdit().editingFinished.emit()
    qtbot.waitUntil(lambda: window.controller.edit_history.can_undo, timeout=10_000)
    _settled(qtbot, window)
    assert window.controller.scenario.training.optimizer.learning_rate == 0.01
    assert window.undo_action.text() == "Undo change of the learning rate"

    window.canvas.add_layer_requested.emit(1)
    qtbot.waitUntil(lambda: len(window.controller.snapshot.weights) == 4, timeout=10_000)
    _settled(qtbot, window)
    assert window.undo_action.text() == "Undo adding a layer"
    window.canvas.remove_neuron_requested.emit(0)
    qtbot.waitUntil(lambda: window.controller.snapshot.layer_sizes[1] == 3, timeout=10_000)
    _settled(qtbot, window)
    assert window.undo_action.text() == "Undo removing a neuron"

    window.undo_action.trigger()
    _settled(qtbot, window)
    assert window.controller.snapshot.layer_sizes[1] == 4
    window.undo_action.trigger()
    _settled(qtbot, window)
    assert len(window.controller.snapshot.weights) == 3
    assert _parameters(window) == original
    window.undo_action.trigger()
    _settled(qtbot, window)
    assert window.controller.scenario.training == scenario.training
    assert panel.learning_rate.currentText() == f"{scenario.training.optimizer.learning_rate:g}"
    assert not window.undo_action.isEnabled()


def _plane_point(window, x: float, y: float):
    view = window.data_view
    view_box = view.plane.getPlotItem().getViewBox()
    return view.plane.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))


def _train_count(window) -> int:
    return len(window.controller.data.train_raw)


def test_a_click_without_add_points_adds_nothing(qtbot, window):
    count = _train_count(window)
    view = window.data_view
    assert not view.adding_points()
    with qtbot.assertNotEmitted(view.point_added):
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.LeftButton, pos=_plane_point(window, 1.0, 1.0)
        )
    window.controller.step()  # a round trip through the worker: any edit would be done by now
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 1, timeout=10_000)
    assert _train_count(window) == count
    assert isinstance(window.controller.scenario.data, GeneratorData)
    assert not window.undo_action.isEnabled()


def test_add_points_adds_under_the_pointer_keeps_the_axes_and_undo_removes_it(qtbot, window):
    view = window.data_view
    count = _train_count(window)
    view.add_points_button.click()
    assert view.adding_points()
    assert view.class_combo.isVisible()
    view.set_current_class(1)
    view_box = view.plane.getPlotItem().getViewBox()
    axes = view_box.viewRange()
    with qtbot.waitSignal(window.controller.data_changed, timeout=10_000):
        qtbot.mouseClick(
            view.plane.viewport(), Qt.MouseButton.LeftButton, pos=_plane_point(window, 1.5, -2.0)
        )
    _settled(qtbot, window)
    picture = window.controller.data
    assert len(picture.train_raw) == count + 1
    x, y = picture.train_raw[-1]
    pixel_x, pixel_y = view_box.viewPixelSize()
    assert abs(x - 1.5) <= 2 * pixel_x
    assert abs(y + 2.0) <= 2 * pixel_y
    assert picture.train_classes[-1] == 1
    assert isinstance(window.controller.scenario.data, InlineData)
    assert view_box.viewRange() == axes  # the point stayed under the pointer
    assert window.undo_action.text() == "Undo adding a point"

    window.undo_action.trigger()
    _settled(qtbot, window)
    assert _train_count(window) == count
    assert isinstance(window.controller.scenario.data, GeneratorData)
    assert view_box.viewRange() == axes
