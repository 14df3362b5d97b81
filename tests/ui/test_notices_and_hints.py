"""What the window shows is about now: notices clear when their cause is fixed or the scenario
changes, the loss chart starts over with the run and shows the first epoch's steps, and
neurons that stopped learning are marked and explained."""

import shutil

import pytest
from PySide6.QtCore import Qt

from simulator.app.neuron_health import PERSISTENT_STEPS
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow


def _discard():
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox.StandardButton.Discard


@pytest.fixture
def open_window(qtbot, tmp_path):
    windows = []

    def make(name: str) -> MainWindow:
        preset = tmp_path / f"{name}.json"
        shutil.copy(scenarios_dir() / f"{name}.json", preset)
        main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
        main.ask_unsaved_changes = _discard
        main.resize(1280, 800)
        main.show()
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        windows.append(main)
        return main

    yield make
    for main in windows:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


def _type_learning_rate(qtbot, window, text: str) -> None:
    field = window.settings_panel.learning_rate.lineEdit()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_refusal_notice_clears_after_a_valid_value(qtbot, open_window):
    window = open_window("circle")
    _type_learning_rate(qtbot, window, "fast")
    assert window.banner.isVisible()
    assert "Nothing was changed" in window.banner.label.text()
    _type_learning_rate(qtbot, window, "0.01")
    assert not window.banner.isVisible()
    qtbot.waitUntil(
        lambda: window.controller.scenario.training.optimizer.learning_rate == 0.01,
        timeout=5000,
    )
    assert not window.banner.isVisible()


def test_a_refusal_notice_stays_after_another_refusal_and_clears_on_a_preset(qtbot, open_window):
    window = open_window("circle")
    _type_learning_rate(qtbot, window, "fast")
    _type_learning_rate(qtbot, window, "-1")
    assert window.banner.isVisible()
    window._open_preset(scenarios_dir() / "xor.json", asked=True)
    qtbot.waitUntil(lambda: window.controller.scenario.title != "Circle", timeout=10_000)
    qtbot.waitUntil(lambda: window.preset_copy_of == "xor", timeout=10_000)
    assert not window.banner.isVisible()


def test_reset_starts_the_loss_chart_over(qtbot, open_window):
    window = open_window("circle")
    window.controller.step_epoch()
    for _ in range(29):
        window.controller.step_epoch()
    qtbot.waitUntil(lambda: len(window.controller.history) >= 30, timeout=20_000)
    qtbot.waitUntil(lambda: window.loss_plot.plot_item.viewRange()[0][1] >= 29, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 0, timeout=5000)
    qtbot.waitUntil(lambda: window.loss_plot.plot_item.viewRange()[0][1] < 2, timeout=5000)


def test_the_first_epochs_steps_show_before_a_blow_up(qtbot, open_window):
    window = open_window("learning-rate-too-high")
    window.controller.play()
    qtbot.waitUntil(lambda: window.loss_plot.divergence() is not None, timeout=10_000)
    x, y = window.loss_plot.first_epoch_curve.getData()
    assert x is not None
    assert len(x) >= 2
    assert (x < 1).all()
    assert x[0] == 0
    assert y.max() > 10 * y[0]  # the jump is on the chart
    assert window.controller.history.column("epoch").size == 0  # no whole epoch finished


def test_a_learning_rate_of_50_marks_saturated_neurons_and_says_so(qtbot, open_window):
    window = open_window("circle")
    assert window.hint_label.text() == ""
    _type_learning_rate(qtbot, window, "50")
    qtbot.waitUntil(
        lambda: window.controller.scenario.training.optimizer.learning_rate == 50, timeout=5000
    )
    # Seen flat at one step, and still flat many steps later.
    window.controller.step(5)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 5, timeout=5000)
    assert window.hint_label.text() == ""
    window.controller.step(PERSISTENT_STEPS + 100)
    qtbot.waitUntil(lambda: window.controller.snapshot.step >= PERSISTENT_STEPS + 105)
    qtbot.waitUntil(lambda: "saturated" in window.hint_label.text(), timeout=10_000)
    hidden = sum(window.controller.snapshot.layer_sizes[1:-1])
    marks = window.canvas.neuron_marks()
    assert list(marks.values()).count("flat") >= hidden / 2  # at least half: most of them
    assert "learning rate" in window.hint_label.text()
    # The step-by-step curve of the first epoch shows the jump.
    # The curve redraws at most ten times a second.
    qtbot.waitUntil(lambda: _first_epoch_points(window) >= 20, timeout=5000)
    _x, y = window.loss_plot.first_epoch_curve.getData()
    assert y.max() > 2 * y[0]
    # Reset: the marks and the hint go with the old weights.
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.hint_label.text() == "", timeout=5000)
    assert window.canvas.neuron_marks() == {}


def test_dead_relus_are_marked_dead(qtbot, open_window):
    window = open_window("dead-relu")
    window.controller.step(5)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 5, timeout=5000)
    assert window.canvas.neuron_marks() == {}  # not for a moment only
    window.controller.step(PERSISTENT_STEPS + 5)
    qtbot.waitUntil(lambda: "dead" in window.hint_label.text(), timeout=10_000)
    marks = window.canvas.neuron_marks()
    assert marks
    assert set(marks.values()) == {"dead"}
    assert all(column == 1 for column, _ in marks)
    assert "leaky ReLU" in window.hint_label.text()


def _first_epoch_points(window) -> int:
    # An item not drawn yet holds no data at all (None), not an empty array.
    xs, _ = window.loss_plot.first_epoch_curve.getData()
    return 0 if xs is None else len(xs)
