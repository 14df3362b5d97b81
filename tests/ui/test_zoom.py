"""Projector mode: Ctrl++ and Ctrl+− scale text, canvas and plots together, the level is kept
for the next window, and F11 shows the window full screen."""

import shutil

import pytest
from PySide6.QtCore import Qt

from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow


@pytest.fixture
def open_window(qtbot, tmp_path):
    windows = []
    preset = tmp_path / "xor.json"
    shutil.copy(scenarios_dir() / "xor.json", preset)

    def make() -> MainWindow:
        main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
        main.resize(1280, 800)
        main.show()
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        qtbot.waitUntil(lambda: main.canvas.name_box(0) is not None, timeout=5000)
        windows.append(main)
        return main

    yield make
    for main in windows:
        main.controller.mark_saved()
        main.close()
        main.deleteLater()


def _sizes(window):
    label = window.settings_panel.learning_rate.font().pointSizeF()
    name = window.canvas.name_box(0).height()
    axis = window.loss_plot.axis_font().pointSizeF()
    return label, name, axis


def test_ctrl_plus_makes_text_canvas_and_plots_larger_and_is_kept(qtbot, open_window):
    window = open_window()
    before = _sizes(window)
    qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom == pytest.approx(1.25)
    # The view box takes its new scale when it next paints.
    qtbot.waitUntil(
        lambda: (
            window.canvas.name_box(0) is not None
            and window.canvas.name_box(0).height() >= 1.2 * before[1]
        ),
        timeout=5000,
    )
    after = _sizes(window)
    for small, large in zip(before, after, strict=True):
        assert large >= 1.2 * small
    assert window.canvas.scale() == pytest.approx(1.25)

    # The next window opens at the same zoom.
    window.close()
    second = open_window()
    assert second.zoom == pytest.approx(1.25)
    assert second.settings_panel.learning_rate.font().pointSizeF() == pytest.approx(after[0])

    qtbot.keyClick(second, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert second.zoom == 1.0
    qtbot.keyClick(second, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert second.zoom < 1.0
    assert _sizes(second)[0] < before[0]


def test_zoom_stops_at_its_limits(qtbot, open_window):
    window = open_window()
    for _ in range(12):
        window.zoom_in_action.trigger()
    assert window.zoom == 2.0
    assert not window.zoom_in_action.isEnabled()
    for _ in range(12):
        window.zoom_out_action.trigger()
    assert window.zoom == 0.75
    assert not window.zoom_out_action.isEnabled()


def test_f11_toggles_full_screen(qtbot, open_window):
    window = open_window()
    assert not window.windowState() & Qt.WindowState.WindowFullScreen
    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: bool(window.windowState() & Qt.WindowState.WindowFullScreen))
    assert window.full_screen_action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not window.windowState() & Qt.WindowState.WindowFullScreen)
