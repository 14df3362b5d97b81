"""The main window driven as a person drives it: play, pause, edit a weight on the canvas, save,
reopen; open a broken file; close while training."""

import functools
import json
import logging
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from simulator.app import edits
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    preset = tmp_path / "circle.json"
    shutil.copy(scenarios_dir() / "circle.json", preset)
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.path = preset
    # Not handed to qtbot.addWidget: its teardown closes the window before this fixture can
    # answer the unsaved-changes question, and the modal question would wait forever.
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = _discard  # a test that failed half-way must not hang on a question
    main.close()
    main.deleteLater()


def _weights(window):
    return [w.copy() for w in window.controller.snapshot.weights]


def test_play_until_learned_then_edit_a_weight_save_and_reopen(qtbot, window, tmp_path):
    start_loss = window.controller.snapshot.train_loss
    qtbot.keyClick(window, Qt.Key.Key_Space)  # play
    qtbot.waitUntil(lambda: window.controller.playing, timeout=5000)
    qtbot.waitUntil(lambda: window.controller.snapshot.train_loss < 0.3, timeout=30_000)
    assert window.play_action.text() == "Pause"
    qtbot.keyClick(window, Qt.Key.Key_Space)  # pause
    qtbot.waitUntil(lambda: not window.controller.playing, timeout=5000)
    assert window.controller.snapshot.train_loss < start_loss
    assert window.isWindowModified()

    # Click the first edge into the output neuron and type a new weight with a decimal comma.
    layer = len(window.controller.snapshot.weights)
    position = window.canvas.edge_midpoint(layer, 0, 0)
    assert position is not None
    qtbot.mouseClick(
        window.canvas.view.viewport(), Qt.MouseButton.LeftButton, pos=position.toPoint()
    )
    qtbot.waitUntil(lambda: window.value_dialog is not None and window.value_dialog.isVisible())
    dialog = window.value_dialog
    dialog.editor.clear()
    qtbot.keyClicks(dialog.editor, "1,25")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.controller.snapshot.weights[layer - 1][0, 0] == 1.25, timeout=5000
    )
    edited = _weights(window)

    saved = tmp_path / "trained.json"
    window.save_to(saved)
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=5000)
    assert json.loads(saved.read_text())["network"]["layers"][-1]["weights"][0][0] == 1.25

    window.controller.select_sample(0)  # any change of view, to be sure a report follows
    assert window.open_path(saved)
    qtbot.waitUntil(
        lambda: window.controller.snapshot is not None and window.path == saved, timeout=5000
    )
    qtbot.waitUntil(
        lambda: all(np.array_equal(a, b) for a, b in zip(_weights(window), edited, strict=True)),
        timeout=5000,
    )


def test_a_bad_weight_is_refused_and_nothing_changes(qtbot, window):
    before = _weights(window)
    position = window.canvas.edge_midpoint(1, 0, 0)
    qtbot.mouseClick(
        window.canvas.view.viewport(), Qt.MouseButton.LeftButton, pos=position.toPoint()
    )
    qtbot.waitUntil(lambda: window.value_dialog is not None and window.value_dialog.isVisible())
    dialog = window.value_dialog
    dialog.editor.clear()
    qtbot.keyClicks(dialog.editor, "zero point five")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return)
    assert dialog.isVisible()  # still open, with its message
    assert "not a number" in dialog.error.text()
    dialog.reject()
    window.controller.step()
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 1, timeout=5000)
    # The one step changed the weights by training alone: the typed text was never applied.
    assert not np.array_equal(window.controller.snapshot.weights[0], before[0])


def test_opening_a_broken_file_leaves_the_scenario_untouched(qtbot, window, tmp_path):
    window.controller.step(3)
    qtbot.waitUntil(lambda: window.controller.snapshot.step == 3, timeout=5000)
    before = _weights(window)
    title = window.windowTitle()
    broken = tmp_path / "broken.json"
    obj = json.loads((scenarios_dir() / "xor.json").read_text())
    obj["network"]["layers"][0]["units"] = "four"
    broken.write_text(json.dumps(obj))
    assert not window.open_path(broken)
    assert window.error_box is not None
    assert "broken.json" in window.error_box.text()
    assert "network.layers[0].units" in window.error_box.text()
    window.error_box.close()
    window.controller.select_sample(1)
    qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == 1, timeout=5000)
    assert window.windowTitle() == title
    assert window.controller.snapshot.step == 3
    for a, b in zip(_weights(window), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_closing_while_training_stops_the_thread(qtbot, window):
    window.controller.play()
    qtbot.waitUntil(lambda: window.controller.playing, timeout=5000)
    thread = window.controller.thread
    asked = []
    QTimer.singleShot(0, lambda: _answer(window, QMessageBox.StandardButton.Discard, asked))
    window.close()
    assert asked  # training had changed the weights, so closing asked first
    assert not window.isVisible()
    assert not thread.isRunning()


def test_closing_with_unsaved_changes_asks_first(qtbot, window):
    window.controller.step()
    qtbot.waitUntil(lambda: window.isWindowModified(), timeout=5000)
    asked = []
    QTimer.singleShot(0, lambda: _answer(window, QMessageBox.StandardButton.Cancel, asked))
    window.close()
    assert asked
    assert window.isVisible()  # the user cancelled: nothing was closed or lost
    assert window.controller.thread.isRunning()


def test_changing_the_architecture_keeps_the_weights_that_fit(qtbot, window):
    before = _weights(window)
    window.canvas.add_neuron_requested.emit(0)
    qtbot.waitUntil(
        lambda: window.controller.snapshot.layer_sizes[1] == before[0].shape[0] + 1, timeout=5000
    )
    after = _weights(window)
    np.testing.assert_array_equal(after[0][: before[0].shape[0]], before[0])


def test_divergence_pauses_and_explains(qtbot, window):
    # ReLU lets activations grow without bound, so a huge learning rate overflows within a step
    # or two (tanh would saturate and stay finite).
    panel = window.settings_panel
    panel.hidden_activation.setCurrentIndex(panel.hidden_activation.findData("relu"))
    qtbot.waitUntil(
        lambda: window.controller.scenario.network.layers[0].activation == "relu", timeout=5000
    )
    window.settings_panel.learning_rate.setEditText("1e300")
    window.settings_panel.learning_rate.lineEdit().editingFinished.emit()
    qtbot.waitUntil(
        lambda: window.controller.scenario.training.optimizer.learning_rate == 1e300, timeout=5000
    )
    window.controller.play()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert "learning rate" in window.banner.label.text()
    qtbot.waitUntil(lambda: not window.controller.playing, timeout=5000)
    assert all(np.isfinite(w).all() for w in _weights(window))


def test_a_typed_learning_rate_that_is_not_a_number_is_refused(qtbot, window):
    window.settings_panel.learning_rate.setEditText("fast")
    window.settings_panel.learning_rate.lineEdit().editingFinished.emit()
    assert window.banner.isVisible()
    assert "Learning rate" in window.banner.label.text()
    assert window.controller.scenario.training.optimizer.learning_rate == 0.3


def _discard():
    return QMessageBox.StandardButton.Discard


def test_preferences_remember_recent_files(qtbot, window, tmp_path):
    saved = tmp_path / "again.json"
    window.save_to(saved)
    qtbot.waitUntil(lambda: window.path == saved, timeout=5000)
    assert str(saved.resolve()) == Preferences(tmp_path / "prefs.ini").recent_files()[0]
    assert next(a.text() for a in window.recent_menu.actions()) == "again.json"


def test_help_opens_on_f1(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(
        lambda: getattr(window, "help_dialog", None) is not None and window.help_dialog.isVisible()
    )
    window.help_dialog.close()


def test_path_argument_of_the_app(tmp_path):
    from simulator.ui.app import DEFAULT_PRESET, load_simulation

    simulation, error = load_simulation(tmp_path / "missing.json")
    assert error is not None
    assert "missing.json" in error
    assert simulation.scenario.title  # the default preset opened instead
    assert Path(simulation.scenario.source_path).name == DEFAULT_PRESET


def _answer(window, button, asked) -> None:
    """Click `button` in the unsaved-changes question the window is showing."""
    box = window.unsaved_box
    if box is None:
        QTimer.singleShot(10, lambda: _answer(window, button, asked))
        return
    asked.append(box.text())
    box.button(button).click()


def test_description_pane_shows_the_documented_result(qtbot, window, tmp_path):
    obj = json.loads((scenarios_dir() / "xor.json").read_text(encoding="utf-8"))
    obj["outcome"] = {
        "epochs": 200,
        "train_loss": 0.081,
        "test_loss": 0.102,
        "train_accuracy": 0.975,
        "test_accuracy": 0.96,
    }
    path = tmp_path / "documented.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    assert window.open_path(path)
    text = window.description.toPlainText().replace("\u00a0", " ")
    assert obj["title"] in text
    assert obj["description"].split("\n")[0] in text
    assert (
        "Documented result: after 200 epochs, training accuracy 97.5 %, test accuracy 96.0 % "
        "(loss 0.081 / 0.102)." in text
    )


def test_new_from_preset_is_in_the_file_menu_with_ctrl_n(window):
    file_menu = window.menuBar().actions()[0].menu()
    assert window.preset_action in file_menu.actions()
    assert window.preset_action.text() == "New from preset…"
    assert window.preset_action.shortcut().toString() == "Ctrl+N"


def test_the_learning_rate_pitfall_pauses_undoes_and_explains(qtbot, tmp_path):
    preset = scenarios_dir() / "learning-rate-too-high.json"
    main = MainWindow(Simulation(load_scenario(preset)), Preferences(tmp_path / "prefs.ini"))
    main.show()
    try:
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        main.play_action.trigger()
        qtbot.waitUntil(lambda: "learning rate" in main.banner.label.text(), timeout=10_000)
        qtbot.waitUntil(lambda: not main.controller.playing)
        scenario = main.controller.current_scenario()
        for layer in scenario.network.layers:
            assert np.isfinite(np.array(layer.weights)).all()
    finally:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


# ----- failures inside training, and requests answered by signal --------------------------------


def _failing_step(trainer, fail_at: int, seen: dict):
    """A stand-in for `trainer.step` that, on its `fail_at`-th call, writes half an update and
    raises; `seen` receives the parameters from before that call."""
    original = trainer.step
    calls = []

    def step(*, trace=False):
        calls.append(1)
        if len(calls) != fail_at:
            return original(trace=trace)
        seen["parameters"] = trainer.network.parameters.copy()
        trainer.network.parameters[:3] += 1.0
        raise RuntimeError("probe: the step broke")

    return step


def _flat(weights, biases) -> bytes:
    return b"".join(np.ascontiguousarray(a).tobytes() for a in (*weights, *biases))


def test_a_step_that_raises_pauses_training_with_a_message_and_play_recovers(
    qtbot, tmp_path, monkeypatch, caplog
):
    simulation = Simulation(load_scenario(scenarios_dir() / "circle.json"))
    trainer = simulation.trainer
    seen = {}
    monkeypatch.setattr(trainer, "step", _failing_step(trainer, 30, seen))
    main = MainWindow(simulation, Preferences(tmp_path / "prefs.ini"))
    main.resize(1280, 800)
    main.show()
    try:
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        with caplog.at_level(logging.ERROR, logger="simulator.app.worker"):
            main.play_action.trigger()
            qtbot.waitUntil(lambda: main.banner.isVisible(), timeout=10_000)
        text = main.banner.label.text()
        assert text.startswith("Step 30 failed with an error and was not applied")
        assert "RuntimeError: probe: the step broke" in text
        assert "Press Play" in text
        qtbot.waitUntil(lambda: not main.controller.playing, timeout=5000)
        assert main.play_action.text() == "Play"
        assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]
        qtbot.waitUntil(lambda: main.controller.snapshot.step == 29, timeout=5000)
        # The window shows the weights from before the failed step, bit for bit.
        shown = main.controller.snapshot
        model = Simulation(load_scenario(scenarios_dir() / "circle.json")).network
        kept_weights, kept_biases = model.split(seen["parameters"])
        assert _flat(shown.weights, shown.biases) == _flat(kept_weights, kept_biases)
        main.grab().save(str(tmp_path / "worker-error.png"))

        monkeypatch.undo()  # the cause removed
        main.play_action.trigger()
        qtbot.waitUntil(lambda: main.controller.snapshot.step > 40, timeout=10_000)
        assert main.controller.playing
    finally:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


class _SlowWorkerCall:
    """Holds the training thread inside a patched call until `release()`; the GUI thread must
    not wait meanwhile. Never waits for long, so that old blocking code fails rather than hangs."""

    def __init__(self, monkeypatch, owner, name: str) -> None:
        self.entered = threading.Event()
        self._released = threading.Event()
        original = getattr(owner, name)

        def slow(*args, **kwargs):
            self.entered.set()
            self._released.wait(3.0)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, slow)

    def release(self) -> None:
        self._released.set()


def _timer_fires_now(qtbot) -> list:
    """Start a zero-time QTimer and wait for it: it fires only while the GUI thread is free."""
    fired = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    return fired


def test_saving_answers_by_signal_and_the_window_works_on_meanwhile(
    qtbot, window, monkeypatch, tmp_path
):
    window.controller.step(2)
    qtbot.waitUntil(lambda: window.isWindowModified(), timeout=5000)
    slow = _SlowWorkerCall(monkeypatch, Simulation, "to_scenario")
    saved = tmp_path / "slow.json"
    window.save_to(saved)
    assert slow.entered.wait(5.0)
    _timer_fires_now(qtbot)  # the GUI thread is free while the worker has not answered
    assert not saved.exists()
    assert window.isWindowModified()
    assert not window.save_action.isEnabled()  # busy until the answer comes
    assert not window.walk_action.isEnabled()
    slow.release()
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=5000)
    assert json.loads(saved.read_text())["state"]["step"] == 2
    assert window.path == saved
    assert window.save_action.isEnabled()
    assert window.walk_action.isEnabled()


def test_stepping_through_answers_by_signal_and_the_window_works_on_meanwhile(
    qtbot, window, monkeypatch
):
    slow = _SlowWorkerCall(monkeypatch, Simulation, "trace_batch")
    window.walk_action.trigger()
    assert slow.entered.wait(5.0)
    _timer_fires_now(qtbot)
    assert window.walk is None
    assert not window.step_through.isVisible()
    assert not window.walk_action.isEnabled()
    assert not window.play_action.isEnabled()
    slow.release()
    qtbot.waitUntil(window.step_through.isVisible, timeout=5000)
    assert window.walk.samples == (0,)
    window.leave_walk(keep=False)
    assert window.walk_action.isEnabled()
    assert window.play_action.isEnabled()


def test_closing_while_the_save_waits_for_the_worker_saves_first(
    qtbot, window, monkeypatch, tmp_path
):
    window.controller.step(3)
    qtbot.waitUntil(lambda: window.isWindowModified(), timeout=5000)
    target = window.path
    slow = _SlowWorkerCall(monkeypatch, Simulation, "to_scenario")
    asked = []
    QTimer.singleShot(0, lambda: _answer(window, QMessageBox.StandardButton.Save, asked))
    window.close()
    assert asked  # the close asked "save?" as it always does
    assert slow.entered.wait(5.0)
    _timer_fires_now(qtbot)
    assert window.isVisible()  # not closed before the file is written
    slow.release()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert json.loads(target.read_text())["state"]["step"] == 3
    assert not window.controller.thread.isRunning()


def test_a_refused_edit_leaves_the_window_unmodified(qtbot, window):
    assert not window.isWindowModified()
    refused = functools.partial(edits.set_optimizer, learning_rate=-1.0)
    window.settings_panel.edit_requested.emit(refused)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "That change was not made" in window.banner.label.text()
    _timer_fires_now(qtbot)
    assert not window.isWindowModified()
    assert not window.controller.modified
    # One the worker makes marks it modified, once made.
    window.settings_panel.edit_requested.emit(
        functools.partial(edits.set_optimizer, learning_rate=0.1)
    )
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    assert window.controller.scenario.training.optimizer.learning_rate == 0.1


def test_leaving_before_the_step_to_walk_through_comes_takes_it_back(qtbot, window, monkeypatch):
    before = _weights(window)
    slow = _SlowWorkerCall(monkeypatch, Simulation, "trace_batch")
    window.walk_action.trigger()
    assert slow.entered.wait(5.0)
    window.leave_walk(keep=False)  # say, another file opened meanwhile
    slow.release()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=5000)
    window.controller.select_sample(1)  # any change of view, to be sure a report follows
    qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == 1, timeout=5000)
    assert window.walk is None
    assert not window.step_through.isVisible()
    assert window.controller.snapshot.step == 0
    for a, b in zip(_weights(window), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert window.play_action.isEnabled()


@pytest.fixture
def lesson_window(qtbot, tmp_path):
    """A window on the shipped default lesson, as the app opens at start-up."""
    from simulator.ui.app import default_scenario_path

    main = MainWindow(
        Simulation(load_scenario(default_scenario_path())), Preferences(tmp_path / "prefs.ini")
    )
    main.resize(1280, 800)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = _discard
    main.close()
    main.deleteLater()


def test_ctrl_s_on_a_shipped_lesson_asks_where_and_never_writes_the_lesson(
    qtbot, lesson_window, tmp_path, monkeypatch
):
    from simulator.ui import main_window as main_window_module
    from simulator.ui.app import default_scenario_path

    shipped = default_scenario_path()
    before = shipped.read_bytes()
    window = lesson_window
    assert window.path is None
    assert "untitled copy" in window.windowTitle()
    asked = []
    target = tmp_path / "my-story.json"

    def choose(parent, caption, start, filters):
        asked.append(start)
        return str(target), filters

    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName", choose)
    qtbot.keyClick(window, Qt.Key.Key_Right)  # one training step: something worth saving
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.path == target and not window.isWindowModified(), timeout=5000)

    assert shipped.read_bytes() == before
    assert len(asked) == 1
    # The dialog starts outside nnsim's own folders, suggesting the lesson's name.
    start = Path(asked[0])
    assert start.name == "cat-vs-dog.json"
    assert not start.parent.resolve().is_relative_to(scenarios_dir().resolve().parent)
    assert load_scenario(target).state is not None
    assert "untitled" not in window.windowTitle()
    # From now on it is the user's own file: Ctrl+S writes there without asking.
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=5000)
    assert len(asked) == 1
    assert shipped.read_bytes() == before


def test_opening_a_file_of_the_shipped_folder_opens_an_untitled_copy(qtbot, window):
    assert window.open_path(scenarios_dir() / "xor.json")
    assert window.path is None
    assert "untitled copy of the xor lesson" in window.windowTitle()
    assert str(scenarios_dir() / "xor.json") not in window.preferences.recent_files()


def _step_count(window) -> int:
    return window.controller.snapshot.step


def test_space_plays_after_typing_a_learning_rate(qtbot, window):
    field = window.settings_panel.learning_rate
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), "0.03")
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.playing, timeout=5000)
    assert " " not in field.currentText()
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.controller.playing, timeout=5000)


def test_the_arrow_edits_a_field_being_typed_into_and_steps_after_enter(qtbot, window):
    field = window.settings_panel.learning_rate
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), "0.03")
    before = _step_count(window)
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Left)  # moves the text cursor
    assert field.lineEdit().cursorPosition() == len("0.03") - 1
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Return)  # the edit ends: keys go back
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _step_count(window) == before + 1, timeout=5000)


@pytest.mark.parametrize("name", ["batch_size", "momentum", "init_seed"])
def test_spin_and_combo_boxes_do_not_swallow_the_training_keys(qtbot, window, name):
    widget = getattr(window.settings_panel, name)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    before = _step_count(window)
    qtbot.keyClick(widget, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _step_count(window) == before + 1, timeout=5000)
    qtbot.keyClick(widget, Qt.Key.Key_R)  # reset
    qtbot.waitUntil(lambda: _step_count(window) == 0, timeout=5000)
    qtbot.keyClick(widget, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.playing, timeout=5000)
    qtbot.keyClick(widget, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.controller.playing, timeout=5000)


def test_after_save_as_elsewhere_edits_read_the_data_from_the_new_folder(qtbot, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    rows = "a,b,y\n" + "".join(f"{i / 7!r},{(i * 3) % 5},{i % 2}\n" for i in range(30))
    (first / "data.csv").write_text(rows, encoding="utf-8")
    scenario = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "Moved",
        "network": {
            "inputs": ["a", "b"],
            "layers": [
                {"units": 2, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 4,
        },
        "data": {"csv": "data.csv", "targets": ["y"], "train_fraction": 0.7, "seed": 3},
    }
    (first / "moved.json").write_text(json.dumps(scenario), encoding="utf-8")
    window = MainWindow(
        Simulation(load_scenario(first / "moved.json")), Preferences(tmp_path / "prefs.ini")
    )
    window.show()
    qtbot.waitUntil(lambda: window.controller.snapshot is not None, timeout=10_000)
    try:
        target = second / "moved.json"
        window.save_to(target)
        qtbot.waitUntil(lambda: window.path == target, timeout=5000)
        shutil.rmtree(first)  # the old folder is gone: only the saved copy of the data is left
        window.controller.apply_edit(functools.partial(edits.set_optimizer, learning_rate=0.05))
        qtbot.waitUntil(
            lambda: window.controller.scenario.training.optimizer.learning_rate == 0.05,
            timeout=5000,
        )
        assert window.controller.scenario.source_path == target.absolute()
    finally:
        window.ask_unsaved_changes = _discard
        window.close()
        window.deleteLater()
