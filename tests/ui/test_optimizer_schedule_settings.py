"""The settings panel's optimizer fields and rate schedule, the rate strip under the loss chart,
and a step-through of a GELU network trained by AdamW under a schedule, all offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from simulator.app import edits
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario, save_scenario
from simulator.resources import scenarios_dir
from simulator.ui.main_window import MainWindow
from simulator.ui.rate_plot import RATE_COLOR, RatePlot
from simulator.ui.settings_panel import SettingsPanel


def _scenario(**optimizer):
    scenario = load_scenario(scenarios_dir() / "three-classes.json")
    return edits.set_optimizer(scenario, learning_rate=0.01, **optimizer)


def _panel(qtbot, scenario) -> tuple[SettingsPanel, list]:
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    panel.set_scenario(scenario)
    emitted = []
    panel.edit_requested.connect(emitted.append)
    return panel, emitted


def test_each_optimizer_shows_its_own_fields(qtbot):
    panel, _ = _panel(qtbot, _scenario(name="rmsprop", alpha=0.9))
    panel.show()
    fields = panel.optimizer_fields
    shown = {name for name, field in fields.fields.items() if field.isVisible()}
    assert shown == {"alpha", "eps"}
    assert fields.fields["alpha"].value() == 0.9
    assert panel.momentum.isEnabled()  # RMSprop has momentum too
    panel.set_scenario(_scenario(name="adamw"))
    shown = {name for name, field in fields.fields.items() if field.isVisible()}
    assert shown == {"beta1", "beta2", "eps", "weight_decay"}
    assert fields.fields["weight_decay"].text() == "0.01"
    assert not panel.momentum.isEnabled()
    panel.set_scenario(_scenario(name="sgd"))
    assert not fields.isVisible()


def test_changing_a_field_or_the_schedule_emits_the_edit(qtbot):
    scenario = _scenario(name="adamw")
    panel, emitted = _panel(qtbot, scenario)
    panel.show()
    decay = panel.optimizer_fields.fields["weight_decay"]
    decay.setText("0.2")
    decay.editingFinished.emit()
    assert emitted[-1](scenario).training.optimizer.weight_decay == 0.2
    panel.schedule_fields.schedule.setCurrentIndex(
        panel.schedule_fields.schedule.findData("cosine")
    )
    cosine = emitted[-1](scenario)
    assert cosine.training.schedule.name == "cosine"
    panel.set_scenario(cosine)
    t_max = panel.schedule_fields.fields["t_max"]
    assert t_max.isVisible()
    assert not panel.schedule_fields.fields["gamma"].isVisible()
    t_max.setValue(40)
    assert emitted[-1](cosine).training.schedule.t_max == 40
    panel.schedule_fields.schedule.setCurrentIndex(0)
    assert emitted[-1](cosine).training.schedule is None


def test_a_bad_number_is_refused_and_nothing_changes(qtbot):
    scenario = _scenario(name="rmsprop")
    panel, emitted = _panel(qtbot, scenario)
    refusals = []
    panel.invalid_input.connect(refusals.append)
    eps = panel.optimizer_fields.fields["eps"]
    eps.setText("tiny")
    eps.editingFinished.emit()
    assert not emitted
    assert refusals
    assert "ε" in refusals[0]
    assert eps.text() == "1e-08"  # shown again as it is


def test_the_current_rate_is_shown_with_a_schedule_only(qtbot):
    scheduled = edits.set_schedule(_scenario(name="sgd"), "exponential", gamma=0.5)
    panel, _ = _panel(qtbot, scheduled)
    panel.show()
    panel.show_learning_rate(0.0025, 2)
    assert panel.schedule_fields.current_rate.isVisible()
    assert "0.0025" in panel.schedule_fields.current_rate.text()
    panel.set_scenario(_scenario(name="sgd"))
    assert not panel.schedule_fields.current_rate.isVisible()


def _pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)


def test_the_rate_strip_draws_the_schedule_and_marks_the_epoch(qtbot):
    strip = RatePlot()
    qtbot.addWidget(strip)
    strip.resize(400, 100)
    strip.show()
    strip.set_training(_scenario(name="adam").training)
    assert not strip.isVisible()  # a constant rate: nothing to draw
    training = edits.set_schedule(_scenario(name="adam"), "step", step_size=5, gamma=0.5).training
    strip.set_training(training)
    assert strip.isVisible()
    strip.show_rate(0.005, 7)
    assert "0.005" in strip.caption.text()
    assert "every 5 epochs" in strip.caption.text()
    _, y = strip.curve.getData()
    assert y[0] == 0.01
    assert y[5] == 0.005
    assert y[10] == 0.0025
    pixels = _pixels(strip.plot).reshape(-1, 3)
    colour = np.array([int(RATE_COLOR[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels.astype(int) - colour).sum(axis=1) < 30).sum() > 20
    # Far past the drawn span the curve grows to show where training is.
    strip.show_rate(0.0001, 200)
    assert len(strip.curve.getData()[1]) > 200


@pytest.fixture
def window(qtbot, tmp_path):
    scenario = edits.set_all_hidden_activations(_scenario(name="adamw", weight_decay=0.1), "gelu")
    scenario = edits.set_schedule(scenario, "exponential", gamma=0.9)
    path = tmp_path / "gelu-adamw.json"
    save_scenario(scenario, path)
    main = MainWindow(Simulation(load_scenario(path)), Preferences(tmp_path / "prefs.ini"))
    main.resize(1400, 860)
    main.show()
    qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
    yield main
    main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
    main.close()
    main.deleteLater()


def test_the_step_through_writes_out_adamw_and_the_scheduled_rate(qtbot, window):
    assert window.loss_plot.rate_plot.isVisible()
    window.walk_action.trigger()
    qtbot.waitUntil(lambda: window.step_through.isVisible())
    panel = window.step_through
    texts = []
    for index in range(panel.stage_combo.count()):
        panel.jump_to(index)
        texts.append("\n".join(panel.calculation_panel.shown_lines()))
    assert any("GELU(" in text for text in texts)
    assert any("GELU′(" in text for text in texts)  # its slope in the backward pass
    text = "\n".join(panel.calculation_panel.shown_lines())
    assert "m̂ = m / (1 − β1^t)" in text
    assert "decay = η · λ · w" in text or "a bias does not decay" in text
    explanation = panel.calculation_panel.explanation.text()
    assert "AdamW" in explanation
    assert "× 0.9 every epoch" in explanation
