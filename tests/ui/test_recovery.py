"""Crash recovery and files opened off the GUI thread, as a person meets them: the window
autosaves while the scenario changes, a clean close leaves nothing, a crash (kill -9 of the real
app) is offered back at the next start and restores the weights bit for bit; opening a file
keeps the window live, shows progress when slow, can be cancelled, and reports errors."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QMessageBox

from simulator.app import recovery
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui import app as gui_app
from simulator.ui import main_window as main_window_module
from simulator.ui.main_window import MainWindow

DEAD_PID = 999_999_999  # beyond any pid_max: no such process
AUTOSAVE_SECONDS = 0.2
REPO = Path(__file__).resolve().parents[2]


def _discard():
    return QMessageBox.StandardButton.Discard


@pytest.fixture
def preferences(tmp_path):
    prefs = Preferences(tmp_path / "prefs.ini")
    prefs.set_autosave_seconds(AUTOSAVE_SECONDS)
    return prefs


@pytest.fixture
def windows(qtbot):
    """Every window a test opens, closed at the end (answering "discard")."""
    opened: list[MainWindow] = []
    yield opened
    for window in opened:
        window.ask_unsaved_changes = _discard
        window.close()
        window.deleteLater()


def _open(qtbot, windows, preferences, path: Path) -> MainWindow:
    window = MainWindow(Simulation(load_scenario(path)), preferences)
    windows.append(window)
    window.show()
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
    return window


def _file_weights(path: Path) -> list[np.ndarray]:
    obj = json.loads(path.read_text(encoding="utf-8"))
    return [np.array(layer["weights"], dtype=float) for layer in obj["network"]["layers"]]


def _same_bits(first: list[np.ndarray], second: list[np.ndarray]) -> bool:
    return (
        first is not None
        and len(first) == len(second)
        and all(
            a.shape == b.shape and a.tobytes() == b.tobytes()
            for a, b in zip(first, second, strict=True)
        )
    )


def _shown_weights(window: MainWindow) -> list[np.ndarray] | None:
    snapshot = window.controller.snapshot
    return None if snapshot is None else snapshot.weights


def _ticks(qtbot, window: MainWindow, count: int) -> None:
    """Let the autosave timer fire `count` times."""
    for _ in range(count):
        with qtbot.waitSignal(window.autosaver._timer.timeout, timeout=5000):
            pass


# ----- autosave ---------------------------------------------------------------------------------


def test_autosave_writes_after_a_change_and_not_without_one(qtbot, windows, preferences):
    window = _open(qtbot, windows, preferences, scenarios_dir() / "xor.json")
    slot = window.autosaver.slot
    assert slot.folder.parent == preferences.recovery_folder()
    _ticks(qtbot, window, 3)
    assert not slot.folder.exists()  # nothing changed: nothing written

    with qtbot.waitSignal(window.autosaver.written, timeout=10_000) as written:
        window.controller.step(5)
    info = written.args[0]
    assert info.step == 5
    # A shipped lesson is an untitled copy: Save would ask where, so the autosave names no file.
    assert window.path is None
    assert info.file_path is None
    assert _same_bits(_file_weights(slot.scenario_path), window.controller.snapshot.weights)

    before = slot.scenario_path.stat().st_mtime_ns
    count = []
    window.autosaver.written.connect(count.append)
    _ticks(qtbot, window, 3)
    assert not count  # no change since: no rewrite
    assert slot.scenario_path.stat().st_mtime_ns == before


def test_an_edit_is_autosaved_and_a_clean_close_removes_the_autosave(
    qtbot, windows, preferences, tmp_path
):
    user_file = tmp_path / "mine.json"
    shutil.copy(scenarios_dir() / "xor.json", user_file)
    before = user_file.read_bytes()
    window = _open(qtbot, windows, preferences, user_file)
    window.adopt_path(user_file)
    units = window.controller.scenario.network.layers[0].units
    with qtbot.waitSignal(window.autosaver.written, timeout=10_000) as written:
        window.canvas.add_neuron_requested.emit(0)
    assert written.args[0].file_path == str(user_file.absolute())
    slot = window.autosaver.slot
    assert load_scenario(slot.scenario_path).network.layers[0].units == units + 1
    assert user_file.read_bytes() == before  # never written over the user's file

    window.ask_unsaved_changes = _discard
    window.close()
    assert not window.isVisible()
    assert not slot.folder.exists()
    assert recovery.stale_recoveries(preferences.recovery_folder()) == []


def test_saving_removes_the_autosave(qtbot, windows, preferences, tmp_path):
    window = _open(qtbot, windows, preferences, scenarios_dir() / "xor.json")
    with qtbot.waitSignal(window.autosaver.written, timeout=10_000):
        window.controller.step(2)
    slot = window.autosaver.slot
    assert slot.scenario_path.exists()
    window.save_to(tmp_path / "saved.json")
    qtbot.waitUntil(lambda: not window.controller.modified, timeout=10_000)
    qtbot.waitUntil(lambda: not slot.folder.exists(), timeout=10_000)
    _ticks(qtbot, window, 2)
    assert not slot.folder.exists()  # the saved file holds the state: nothing to recover


def test_two_windows_do_not_clobber_each_others_autosave(qtbot, windows, preferences):
    first = _open(qtbot, windows, preferences, scenarios_dir() / "xor.json")
    second = _open(qtbot, windows, preferences, scenarios_dir() / "circle.json")
    assert first.autosaver.slot != second.autosaver.slot
    with (
        qtbot.waitSignal(first.autosaver.written, timeout=10_000),
        qtbot.waitSignal(second.autosaver.written, timeout=10_000),
    ):
        first.controller.step(3)
        second.controller.step(7)
    for window, steps in ((first, 3), (second, 7)):
        slot = window.autosaver.slot
        info = recovery.read_info(slot)
        assert (info.title, info.step) == (window.controller.scenario.title, steps)
        assert _same_bits(_file_weights(slot.scenario_path), window.controller.snapshot.weights)


# ----- the offer after a crash -------------------------------------------------------------------


def _crashed_autosave(qtbot, windows, preferences, tmp_path) -> recovery.RecoverySlot:
    """An autosave as a crashed process leaves it: a trained scenario of the user's file in a
    folder whose process is gone."""
    user_file = tmp_path / "lesson.json"
    shutil.copy(scenarios_dir() / "circle.json", user_file)
    window = _open(qtbot, windows, preferences, user_file)
    window.adopt_path(user_file)
    with qtbot.waitSignal(window.autosaver.written, timeout=10_000):
        window.controller.step(40)
    dead = recovery.RecoverySlot(recovery.slot_folder(preferences.recovery_folder(), DEAD_PID, 1))
    shutil.copytree(window.autosaver.slot.folder, dead.folder)
    window.ask_unsaved_changes = _discard
    window.close()
    windows.remove(window)
    window.deleteLater()
    return dead


def _start(qtbot, windows, preferences, argv=()):
    startup = gui_app.start(list(argv), preferences)
    windows.extend(startup.windows)
    return startup


def test_the_next_start_offers_the_autosave_and_restore_brings_it_back_bit_for_bit(
    qtbot, windows, preferences, tmp_path
):
    dead = _crashed_autosave(qtbot, windows, preferences, tmp_path)
    autosaved = _file_weights(dead.scenario_path)
    info = recovery.read_info(dead)

    startup = _start(qtbot, windows, preferences)
    window = startup.windows[0]
    dialog = startup.offer.dialog
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.details.text()
    assert info.title in text
    assert "lesson.json" in text
    assert "40" in text  # the step; the epoch is there too
    assert str(info.epoch) in text

    dialog.restore_button.click()
    qtbot.waitUntil(lambda: _same_bits(_shown_weights(window), autosaved), timeout=15_000)
    assert window.path == tmp_path / "lesson.json"  # Save writes where the user's file was
    assert window.controller.modified
    assert window.isWindowModified()
    assert window.windowTitle().startswith("lesson.json")
    assert not dead.folder.exists()  # restored: not offered again
    assert window.controller.snapshot.step == 40
    # It goes on being autosaved, now into this window's own folder.
    with qtbot.waitSignal(window.autosaver.written, timeout=10_000):
        window.controller.step()


def test_discard_deletes_the_autosave_and_changes_nothing(qtbot, windows, preferences, tmp_path):
    dead = _crashed_autosave(qtbot, windows, preferences, tmp_path)
    startup = _start(qtbot, windows, preferences)
    window = startup.windows[0]
    title = window.windowTitle()
    qtbot.waitUntil(startup.offer.dialog.isVisible)
    startup.offer.dialog.discard_button.click()
    assert not dead.folder.exists()
    assert window.windowTitle() == title
    assert not window.controller.modified
    assert recovery.stale_recoveries(preferences.recovery_folder()) == []


_CRASHING_APP = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])

def play():
    from simulator.ui.main_window import MainWindow
    for widget in app.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            widget.play_action.trigger()
            return
    QTimer.singleShot(50, play)

QTimer.singleShot(0, play)
from simulator.ui.app import run_app
sys.exit(run_app([]))
"""


@pytest.mark.slow
def test_kill_9_mid_lesson_then_restart_restores_the_autosave(
    qtbot, windows, preferences, tmp_path
):
    config, data = tmp_path / "config", tmp_path / "data"
    (config / "nnsim").mkdir(parents=True)
    (config / "nnsim" / "nnsim.conf").write_text("[recovery]\nautosave_seconds=0.3\n")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(data),
        "PYTHONPATH": str(REPO),
    }
    # The platform's application data folder for nnsim under XDG_DATA_HOME.
    folder = data / "nnsim" / "nnsim" / "recovery"
    app = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_APP],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:

        def trained_autosave() -> bool:
            assert app.poll() is None, app.stderr.read().decode(errors="replace")
            return any(
                (info := recovery.read_info(recovery.RecoverySlot(path))) and info.step > 0
                for path in (folder.iterdir() if folder.is_dir() else ())
            )

        qtbot.waitUntil(trained_autosave, timeout=60_000)
    finally:
        app.kill()  # SIGKILL: no clean-up of any kind runs
        app.communicate()
    assert app.returncode == -9

    stale = recovery.stale_recoveries(folder)
    assert len(stale) == 1
    assert stale[0].slot.owner()[0] == app.pid
    autosaved = _file_weights(stale[0].slot.scenario_path)
    step = recovery.read_info(stale[0].slot).step
    assert step > 0

    preferences.set_recovery_folder(folder)
    startup = _start(qtbot, windows, preferences)
    window = startup.windows[0]
    qtbot.waitUntil(startup.offer.dialog.isVisible)
    startup.offer.dialog.restore_button.click()
    qtbot.waitUntil(lambda: _same_bits(_shown_weights(window), autosaved), timeout=15_000)
    assert window.controller.modified
    # The same file it was: the window opened on the default lesson, an untitled copy of it,
    # and stays one, so Save still asks where rather than writing over the lesson.
    assert window.path is None
    assert window.windowTitle().startswith("untitled copy of the cat-vs-dog lesson")


# ----- loading off the GUI thread ---------------------------------------------------------------


class SlowSimulation:
    """Stands in for Simulation: builds the real one only once `release` is set, as a large or
    slow file would keep the reader waiting."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self, scenario):
        self.started.set()
        # A bound on the wait, so that code that reads on the GUI thread fails instead of hanging.
        self.release.wait(timeout=5)
        return Simulation(scenario)


@pytest.fixture
def slow(monkeypatch):
    stand_in = SlowSimulation()
    monkeypatch.setattr(main_window_module, "Simulation", stand_in)
    yield stand_in
    stand_in.release.set()


def _wait_for_loader_threads(window: MainWindow) -> None:
    assert window.loader.wait_for_threads(10_000)
    QCoreApplication.processEvents()  # deliver whatever the abandoned load sent


def _user_copy(tmp_path: Path, preset: str) -> Path:
    path = tmp_path / f"user-{preset}"
    shutil.copy(scenarios_dir() / preset, path)
    return path


def _how_opened(window: MainWindow, path: Path, how: str, monkeypatch) -> None:
    if how == "open menu":
        monkeypatch.setattr(
            main_window_module.QFileDialog,
            "getOpenFileName",
            staticmethod(lambda *args, **kwargs: (str(path), "")),
        )
        window.open_action.trigger()
    elif how == "recent files":
        window.preferences.add_recent_file(path)
        window._fill_recent_menu()
        next(a for a in window.recent_menu.actions() if a.text() == path.name).trigger()
    else:
        assert how == "preset gallery"
        window._on_preset_gallery_chosen(path)


@pytest.mark.parametrize("how", ["open menu", "recent files", "preset gallery"])
def test_opening_a_file_keeps_the_window_live_and_shows_progress(
    qtbot, windows, preferences, tmp_path, slow, monkeypatch, how
):
    window = _open(qtbot, windows, preferences, scenarios_dir() / "xor.json")
    title = window.windowTitle()
    path = _user_copy(tmp_path, "circle.json")
    fired = []
    QTimer.singleShot(10, lambda: fired.append(window.windowTitle()))

    _how_opened(window, path, how, monkeypatch)

    assert window.loader.current is not None  # returned at once, the load still running
    qtbot.waitUntil(lambda: bool(fired), timeout=3000)
    assert fired == [title]  # the GUI thread ran a timer while the file was being read
    assert not window.loader.dialog.isVisible()  # a quick load shows nothing...
    qtbot.waitUntil(window.loader.dialog.isVisible, timeout=3000)  # ...a slow one does
    assert window.loader.dialog.cancel_button.isVisible()
    assert path.name in window.loader.dialog.label.text()
    slow.release.set()
    qtbot.waitUntil(lambda: window.loader.current is None, timeout=10_000)
    assert not window.loader.dialog.isVisible()
    expected = "untitled" if how == "preset gallery" else path.name
    assert window.windowTitle().startswith(expected)
    network = load_scenario(path).network
    sizes = (len(network.inputs), *(layer.units for layer in network.layers))
    qtbot.waitUntil(lambda: tuple(window.controller.snapshot.layer_sizes) == sizes, timeout=10_000)


def test_a_file_given_on_the_command_line_is_loaded_in_the_background(
    qtbot, windows, preferences, tmp_path, slow
):
    path = _user_copy(tmp_path, "circle.json")
    startup = _start(qtbot, windows, preferences, [str(path)])
    window = startup.windows[0]
    assert window.isVisible()  # the window is up before the file is read
    assert window.loader.current is not None
    assert window.windowTitle().startswith("untitled copy of the cat-vs-dog lesson")
    slow.release.set()
    qtbot.waitUntil(lambda: window.windowTitle().startswith(path.name), timeout=10_000)
    assert window.path == path


def test_cancel_leaves_the_app_as_it_was(qtbot, windows, preferences, tmp_path, slow):
    window = _open(qtbot, windows, preferences, scenarios_dir() / "xor.json")
    window.controller.step(2)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 2, timeout=5000)
    title, path, data = window.windowTitle(), window.path, window.controller.data
    weights = [w.copy() for w in window.controller.snapshot.weights]

    window.begin_open(_user_copy(tmp_path, "circle.json"))
    qtbot.waitUntil(window.loader.dialog.isVisible, timeout=3000)
    window.loader.dialog.cancel_button.click()
    assert not window.loader.dialog.isVisible()
    assert window.loader.current is None
    slow.release.set()
    _wait_for_loader_threads(window)  # the abandoned load finishes and is dropped

    window.controller.select_sample(1)  # any report, to see what the worker holds now
    qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == 1, timeout=5000)
    assert (window.windowTitle(), window.path) == (title, path)
    assert window.controller.data is data
    assert window.controller.snapshot.step == 2
    assert _same_bits(window.controller.snapshot.weights, weights)


def test_a_broken_file_opened_in_the_background_shows_the_usual_message(
    qtbot, windows, preferences, tmp_path
):
    window = _open(qtbot, windows, preferences, scenarios_dir() / "xor.json")
    title = window.windowTitle()
    broken = tmp_path / "broken.json"
    obj = json.loads((scenarios_dir() / "xor.json").read_text())
    obj["network"]["layers"][0]["units"] = "four"
    broken.write_text(json.dumps(obj))
    window.begin_open(broken)
    qtbot.waitUntil(
        lambda: window.error_box is not None and window.error_box.isVisible(), timeout=10_000
    )
    assert window.error_box.windowTitle() == "Cannot open the scenario"
    assert "broken.json" in window.error_box.text()
    assert "network.layers[0].units" in window.error_box.text()
    assert window.windowTitle() == title
    assert window.loader.current is None
    window.error_box.close()
