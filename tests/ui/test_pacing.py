"""Pacing in the window: a story preset plays at its own pace and pauses where its story turns,
with the sentence tinted and a message; the speed slider sets the worker's pace; "Pause at epoch"
stops any scenario."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QSlider, QSpinBox

from simulator.app.pacing import PACES, pace_index
from simulator.app.preferences import Preferences
from simulator.app.scenario import Lesson
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow
from simulator.ui.pacing_controls import PacingControls

EPOCH_8 = "Around epoch 8 it finds an easy rule: big animals are dogs."
EPOCH_20 = (
    "Then it corrects itself: at epoch 20, for the first time, a small animal with a very "
    "short tail counts as a dog too, and the boundary bends around that corner."
)


def _discard(*_args):
    return QMessageBox.StandardButton.Discard


def _open(qtbot, tmp_path, preset: str) -> MainWindow:
    """The window as the app opens a preset, shown at the size of a small laptop."""
    simulation = Simulation(load_scenario(scenarios_dir() / preset))
    window = MainWindow(simulation, Preferences(tmp_path / "prefs.ini"))
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
    return window


def _close(window: MainWindow) -> None:
    window.ask_unsaved_changes = _discard
    window.close()
    window.deleteLater()


def _worker_speed(window: MainWindow):
    return window.controller._worker.steps_per_second_limit


def _play_until_stopped(qtbot, window: MainWindow) -> int:
    """Press Space and wait for Play to pause at a stop; returns the stop's epoch. (At full
    speed the stop may come before any report says that training plays.)"""
    with qtbot.waitSignal(window.controller.stop_reached, timeout=20_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Space)
    window.settle()
    assert not window.controller.playing
    return blocker.args[0]


def test_the_story_preset_pauses_at_its_stops_with_the_sentence_tinted(qtbot, tmp_path):
    window = _open(qtbot, tmp_path, "cat-vs-dog.json")
    try:
        slider = window.findChild(QSlider, "speedSlider")
        # Opened at the lesson's pace, which the worker plays at.
        assert slider.isVisible()
        assert slider.value() == pace_index("slowest")
        assert window.pacing.pace_label.text() == "1 step a frame"
        qtbot.waitUntil(lambda: _worker_speed(window) == 60, timeout=5000)

        assert _play_until_stopped(qtbot, window) == 8
        assert window.controller.snapshot.epoch == 8
        assert window.controller.snapshot.step == 8 * 12  # the end of epoch 8, not beyond
        assert window.banner.isVisible()
        assert "Paused at epoch 8" in window.banner.label.text()
        assert "epoch 20" in window.banner.label.text()  # where Play goes next
        tinted = window.story_highlight.tinted_text()
        assert EPOCH_8 in tinted
        assert not any("epoch 20" in text and "epoch 8" not in text for text in tinted)
        # The tint is painted: the pane differs from the same pane without it.
        with_tint = window.description.viewport().grab().toImage()
        window.story_highlight.clear()
        assert window.description.viewport().grab().toImage() != with_tint
        window.story_highlight.show_epoch(8)

        # Play goes on, the tint goes, and the next stop is the next turn of the story.
        slider.setValue(pace_index("fastest"))  # the test need not wait at a learner's pace
        assert _play_until_stopped(qtbot, window) == 20
        assert window.controller.snapshot.step == 20 * 12
        assert "Paused at epoch 20" in window.banner.label.text()
        assert EPOCH_20 in window.story_highlight.tinted_text()
        assert EPOCH_8 not in window.story_highlight.tinted_text()
    finally:
        _close(window)


def test_the_speed_slider_sets_the_workers_pace(qtbot, tmp_path):
    window = _open(qtbot, tmp_path, "circle.json")
    try:
        slider = window.findChild(QSlider, "speedSlider")
        # No lesson: flat out, as before.
        assert slider.value() == pace_index("fastest")
        assert _worker_speed(window) is None
        for index, pace in enumerate(PACES):
            slider.setValue(index)
            assert window.pacing.pace_label.text() == pace.label
            qtbot.waitUntil(lambda pace=pace: _worker_speed(window) == pace.steps_per_second)
        # The keyboard moves it too, once it has the focus.
        slider.setFocus()
        qtbot.keyClick(slider, Qt.Key.Key_Home)
        qtbot.waitUntil(lambda: _worker_speed(window) == PACES[0].steps_per_second)
    finally:
        _close(window)


def test_pause_at_epoch_stops_a_scenario_without_a_lesson(qtbot, tmp_path):
    window = _open(qtbot, tmp_path, "circle.json")
    try:
        assert window.controller.scenario.lesson is None
        spin = window.findChild(QSpinBox, "stopEpochSpin")
        assert spin.isVisible()
        assert spin.text() == "never"
        spin.setValue(3)
        assert _play_until_stopped(qtbot, window) == 3
        snapshot = window.controller.snapshot
        assert snapshot.epoch == 3
        assert snapshot.step == 3 * window.controller._worker.simulation.trainer.steps_per_epoch
        assert "Paused at epoch 3, as asked" in window.banner.label.text()
        assert window.story_highlight.tinted_text() == []
    finally:
        _close(window)


def test_a_lesson_sets_the_pace_and_the_learners_choice_outlives_it(qtbot):
    controls = PacingControls()
    qtbot.addWidget(controls)
    seen = []
    controls.pace_changed.connect(seen.append)
    controls.apply_lesson(Lesson(speed="slowest", pause_at=(8,)))
    assert controls.pace_name() == "slowest"
    assert seen == [60]
    # The next scenario has no lesson: back to the default, not a story's crawl.
    controls.apply_lesson(None)
    assert controls.pace_name() == "fastest"
    assert seen == [60, None]
    # A pace the learner chose stays when a scenario without a lesson opens.
    controls.set_pace("medium")
    controls.apply_lesson(None)
    assert controls.pace_name() == "medium"
    # A lesson with stops but no speed leaves the learner's pace alone too.
    controls.apply_lesson(Lesson(pause_at=(5,)))
    assert controls.pace_name() == "medium"
