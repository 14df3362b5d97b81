"""Explained settings: every setting says what it does and what to try; the help covers the
settings that puzzle newcomers most."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QWidget,
)

from simulator.app.session import Simulation
from simulator.app.snapshot import data_picture
from simulator.app.storage import load_scenario
from simulator.ui.help_text import HELP_HTML
from simulator.ui.settings_panel import SettingsPanel

ROOT = Path(__file__).resolve().parents[2]
INPUTS = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)


def _inputs(panel: QWidget) -> list[QWidget]:
    """Every widget a learner can change in `panel`; the line edit inside a spin box or an
    editable combo box is part of it, not a widget of its own."""
    found = []
    for widget in panel.findChildren(QWidget):
        if not isinstance(widget, INPUTS):
            continue
        if isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue
        # A combo box's list pops up in a window of its own, scroll bars and all.
        if widget.window() is not panel:
            continue
        found.append(widget)
    return found


@pytest.mark.parametrize("preset", ["spiral.json", "digits.json"])
def test_every_setting_has_a_tooltip_saying_what_it_does_and_what_to_try(qtbot, preset):
    simulation = Simulation(load_scenario(ROOT / "scenarios" / preset))
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    panel.set_scenario(simulation.to_scenario(), data_picture(simulation))
    inputs = _inputs(panel)
    # The generator's controls, the features and the training and network settings.
    assert len(inputs) >= 15
    for widget in inputs:
        tip = widget.toolTip()
        name = widget.objectName() or type(widget).__name__
        assert tip, f"{name} ({getattr(widget, 'text', lambda: '')()}) has no tooltip"
        # One sentence of what it does, then one of what to try.
        assert len(re.findall(r"[.!?](\s|$)", tip)) >= 2, tip
        assert "Try" in tip, tip


def test_the_help_explains_speed_discretize_momentum_regularization_and_batch_size():
    items = dict(re.findall(r"<li><b>(.*?)</b>(.*?)</li>", HELP_HTML, re.DOTALL))
    for word in ("Speed", "Discretize", "Momentum", "Regularization", "Batch size"):
        assert word in items, f"the help has no item on {word}"
        # A few sentences: what it does and what to do with it.
        assert len(items[word]) > 200, items[word]
