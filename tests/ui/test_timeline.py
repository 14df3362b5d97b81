"""The learning curves as a timeline, driven in the main window: scrub back to a checkpoint and
read its weights on the canvas, go back to live, continue from an earlier epoch bit for bit, see
the abandoned future faded until Reset, and save and reopen a run with its history."""

import functools
import json
import shutil

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from simulator.app import edits
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui import loss_plot
from simulator.ui.main_window import MainWindow

EPOCHS = 8
# The offscreen platform cannot raise the tooltip's window, and says so.
OFFSCREEN_TOOLTIP = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def preset(tmp_path):
    path = tmp_path / "circle.json"
    shutil.copy(scenarios_dir() / "circle.json", path)
    return path


@pytest.fixture
def window(qtbot, tmp_path, preset):
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.path = preset
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = _discard
    main.close()
    main.deleteLater()


def _discard():
    return QMessageBox.StandardButton.Discard


def _train(qtbot, window, epochs: int) -> None:
    """Train `epochs` whole epochs through the window's controller and wait for them."""
    target = window.controller.snapshot.epoch + epochs
    for _ in range(epochs):
        window.controller.step_epoch()
    qtbot.waitUntil(
        lambda: window.controller.viewing is None and window.controller.snapshot.epoch == target,
        timeout=20_000,
    )
    qtbot.waitUntil(lambda: window.timeline.stops()[-1] == target, timeout=5000)


def _viewing(window, epoch):
    """Whether the window shows the checkpoint of `epoch`: told so, and its picture came."""
    viewing = window.controller.viewing
    snapshot = window.controller.snapshot
    return viewing is not None and viewing.epoch == epoch and snapshot.epoch == epoch


def _worker_value(window, function):
    """A value read on the worker thread (tests only; the window never waits like this)."""
    return window.controller._worker.call(function).result(timeout=10)


def _hover(canvas, pos: QPointF) -> None:
    viewport = canvas.view.viewport()
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        QPointF(viewport.mapToGlobal(pos.toPoint())),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


@OFFSCREEN_TOOLTIP
def test_scrubbing_shows_the_checkpoints_weights_and_the_end_is_live(qtbot, window):
    _train(qtbot, window, EPOCHS)
    assert window.timeline.stops() == list(range(EPOCHS + 1))
    live_step = window.controller.snapshot.step
    window.controller.mark_saved(live_step)

    window.timeline.choose(3)
    qtbot.waitUntil(lambda: _viewing(window, 3), timeout=5000)
    assert window.counter.text().startswith(f"viewing epoch 3 of {EPOCHS}")
    # The figures above the chart are those the history recorded at epoch 3.
    history = _worker_value(window, lambda s: s.history.to_dict())
    row = history["epoch"].index(3)
    train_at_3 = history["train_loss"][row]
    assert window.loss_plot.train_figure.text() == f"train {loss_plot._figure(train_at_3)}"
    assert train_at_3 != history["train_loss"][-1]
    assert window.continue_here_action.isEnabled()
    assert window.timeline.continue_button.isVisible()

    stored = _worker_value(window, lambda s: s.network.split(s.checkpoints.at(3).parameters))
    weights = stored[0]
    np.testing.assert_array_equal(window.controller.snapshot.weights[0], weights[0])
    # What the learner reads on the canvas is the stored weight, to the last digit.
    value = float(weights[1][1, 2])
    _hover(window.canvas, window.canvas.edge_midpoint(2, 1, 2))
    qtbot.waitUntil(lambda: repr(value) in QToolTip.text(), timeout=5000)

    # Looking back changed nothing: the run still stands where it stood.
    assert _worker_value(window, lambda s: s.trainer.step_count) == live_step

    window.timeline.choose(None)
    qtbot.waitUntil(lambda: window.controller.viewing is None, timeout=5000)
    assert window.controller.snapshot.epoch == EPOCHS
    assert window.counter.text().startswith(f"epoch {EPOCHS}")
    latest = f"train {loss_plot._figure(history['train_loss'][-1])}"
    qtbot.waitUntil(lambda: window.loss_plot.train_figure.text() == latest, timeout=5000)
    assert not window.continue_here_action.isEnabled()
    assert not window.isWindowModified()  # a look back is no change to save


def test_the_cursor_snaps_to_a_checkpoint_and_the_slider_keys_move_between_them(qtbot, window):
    _train(qtbot, window, EPOCHS)
    step_count = window.controller.snapshot.step
    window.timeline.cursor.setValue(4.3)  # as a drag of the line does
    qtbot.waitUntil(lambda: _viewing(window, 4), timeout=5000)
    assert window.timeline.cursor.value() == 4

    window.timeline.slider.setFocus()
    qtbot.waitUntil(window.timeline.slider.hasFocus)
    qtbot.keyClick(window.timeline.slider, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _viewing(window, 3), timeout=5000)
    qtbot.keyClick(window.timeline.slider, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _viewing(window, 4), timeout=5000)
    # → moved the slider, not the training.
    assert _worker_value(window, lambda s: s.trainer.step_count) == step_count
    qtbot.keyClick(window.timeline.slider, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: window.controller.viewing is None, timeout=5000)
    # Shift+→ stays the window's: one more epoch of training.
    qtbot.keyClick(window.timeline.slider, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.controller.snapshot.epoch == EPOCHS + 1, timeout=5000)


def test_play_while_looking_back_goes_on_with_the_run_as_it_is(qtbot, window):
    _train(qtbot, window, 4)
    window.timeline.choose(1)
    qtbot.waitUntil(lambda: _viewing(window, 1), timeout=5000)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.controller.snapshot.epoch > 5, timeout=20_000)
    assert window.controller.viewing is None
    window.controller.pause()
    qtbot.waitUntil(lambda: not window.controller.playing, timeout=5000)


def test_continue_from_here_trains_on_bit_for_bit_and_leaves_a_faded_future(qtbot, window, preset):
    _train(qtbot, window, EPOCHS)
    window.timeline.choose(3)
    qtbot.waitUntil(lambda: _viewing(window, 3), timeout=5000)
    window.timeline.continue_button.click()
    qtbot.waitUntil(
        lambda: window.controller.viewing is None and window.controller.snapshot.epoch == 3,
        timeout=5000,
    )
    qtbot.waitUntil(lambda: len(window.timeline.abandoned_curves) == 1, timeout=5000)
    train_curve, _ = window.timeline.abandoned_curves[0]
    x, _ = train_curve.getData()
    assert (x[0], x[-1]) == (3, EPOCHS)
    assert window.controller.history.column("epoch")[-1] == 3
    qtbot.waitUntil(lambda: window.timeline.stops() == [0, 1, 2, 3], timeout=5000)

    _train(qtbot, window, EPOCHS - 3)
    branched = _worker_value(window, lambda s: s.network.parameters.copy())
    straight = Simulation(load_scenario(preset))
    straight.train_epochs(EPOCHS)
    assert np.array_equal(branched, straight.network.parameters)  # bit for bit
    assert len(window.timeline.abandoned_curves) == 1

    window.reset_action.trigger()
    qtbot.waitUntil(lambda: not window.timeline.abandoned_curves, timeout=5000)
    qtbot.waitUntil(lambda: window.timeline.stops() == [0], timeout=5000)


def test_a_setting_changed_while_looking_back_applies_from_the_branch_point(qtbot, window, preset):
    _train(qtbot, window, EPOCHS)
    window.timeline.choose(3)
    qtbot.waitUntil(lambda: _viewing(window, 3), timeout=5000)
    window.controller.apply_edit(functools.partial(edits.set_optimizer, learning_rate=0.05))
    qtbot.waitUntil(
        lambda: window.controller.scenario.training.optimizer.learning_rate == 0.05, timeout=5000
    )
    qtbot.waitUntil(lambda: _viewing(window, 3), timeout=5000)  # still looking back
    window.continue_here_action.trigger()
    qtbot.waitUntil(
        lambda: window.controller.viewing is None and window.controller.snapshot.epoch == 3,
        timeout=5000,
    )
    _train(qtbot, window, EPOCHS - 3)
    branched = _worker_value(window, lambda s: s.network.parameters.copy())

    expected = Simulation(load_scenario(preset))
    expected.train_epochs(3)
    expected.trainer.optimizer.learning_rate = 0.05
    expected.train_epochs(EPOCHS - 3)
    assert np.array_equal(branched, expected.network.parameters)
    straight = Simulation(load_scenario(preset))
    straight.train_epochs(EPOCHS)
    assert not np.array_equal(branched, straight.network.parameters)


def test_the_weights_of_the_past_are_not_edited_on_the_canvas(qtbot, window):
    _train(qtbot, window, 3)
    window.timeline.choose(1)
    qtbot.waitUntil(lambda: _viewing(window, 1), timeout=5000)
    position = window.canvas.edge_midpoint(1, 0, 0)
    qtbot.mouseClick(
        window.canvas.view.viewport(), Qt.MouseButton.LeftButton, pos=position.toPoint()
    )
    assert window.value_dialog is None
    assert "Continue from here" in window.banner.label.text()


def test_save_with_training_history_keeps_the_checkpoints_and_plain_save_does_not(
    qtbot, window, tmp_path
):
    _train(qtbot, window, 5)
    plain, full = tmp_path / "plain.json", tmp_path / "full.json"
    window.save_to(plain)
    window.save_to(full, with_history=True)
    qtbot.waitUntil(lambda: plain.exists() and full.exists(), timeout=5000)
    assert not json.loads(plain.read_text())["state"].get("checkpoints")
    saved = json.loads(full.read_text())["state"]["checkpoints"]
    assert [c["epoch"] for c in saved] == [0, 1, 2, 3, 4]
    assert full.stat().st_size > plain.stat().st_size

    assert window.open_path(full)
    qtbot.waitUntil(lambda: window.path == full, timeout=5000)
    qtbot.waitUntil(lambda: window.timeline.stops() == [0, 1, 2, 3, 4, 5], timeout=5000)
    window.timeline.choose(2)
    qtbot.waitUntil(lambda: _viewing(window, 2), timeout=5000)


def test_the_file_menu_offers_save_with_training_history(window):
    file_menu = window.menuBar().actions()[0].menu()
    assert window.save_with_history_action in file_menu.actions()
    training = next(a.menu() for a in window.menuBar().actions() if "Training" in a.text())
    assert window.continue_here_action in training.actions()


def test_a_step_through_leaves_the_past_and_holds_the_timeline(qtbot, window):
    _train(qtbot, window, 3)
    window.timeline.choose(1)
    qtbot.waitUntil(lambda: _viewing(window, 1), timeout=5000)
    window.walk_action.trigger()
    qtbot.waitUntil(lambda: window.walk is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.controller.viewing is None, timeout=5000)
    assert not window.timeline.isEnabled()
    window.leave_walk(keep=False)
    assert window.timeline.isEnabled()


def test_the_menu_action_asks_where_and_saves_the_history(qtbot, window, tmp_path, monkeypatch):
    from simulator.ui import main_window as main_window_module

    _train(qtbot, window, 3)
    target = tmp_path / "lesson"
    asked = []

    def choose(parent, title, start, filters):
        asked.append(title)
        return str(target), filters

    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName", choose)
    window.save_with_history_action.trigger()
    saved = tmp_path / "lesson.json"
    qtbot.waitUntil(saved.exists, timeout=5000)
    assert asked == ["Save scenario with training history"]
    assert [c["epoch"] for c in json.loads(saved.read_text())["state"]["checkpoints"]] == [0, 1, 2]
    qtbot.waitUntil(lambda: window.path == saved, timeout=5000)
    # Save keeps the kind of file it saves to: the history is not quietly dropped from it.
    _train(qtbot, window, 2)
    window.save_action.trigger()
    qtbot.waitUntil(
        lambda: len(json.loads(saved.read_text())["state"]["checkpoints"]) == 5, timeout=5000
    )
    window.save_as_action.trigger()  # Save as… writes the small kind, and Save after it too
    qtbot.waitUntil(
        lambda: not json.loads(saved.read_text())["state"].get("checkpoints"), timeout=5000
    )
    assert not window.saves_history
