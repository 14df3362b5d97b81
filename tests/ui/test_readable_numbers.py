"""Readable numbers: hover tooltips that stay, values at the learner's precision with the full one
beside them, and a value editor that reads "," or "." and fractions and says why it refuses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QStyle, QToolTip

from simulator.app.session import Simulation
from simulator.app.snapshot import take_snapshot
from simulator.app.storage import load_scenario
from simulator.ui.canvas.hover_text import describe, value_lines
from simulator.ui.network_canvas import NetworkCanvas
from simulator.ui.typed_numbers import NumberError, parse_number
from simulator.ui.value_dialog import ValueDialog

ROOT = Path(__file__).resolve().parents[2]
# The offscreen platform cannot raise the tooltip's window, and says so.
OFFSCREEN_TOOLTIP = pytest.mark.qt_log_ignore("This plugin does not support raise")
VALUE = -0.18026351505886293


@pytest.fixture(scope="module")
def spiral_snapshot():
    simulation = Simulation(load_scenario(ROOT / "scenarios" / "spiral.json"))
    simulation.train_epochs(1)
    snapshot = take_snapshot(simulation, sample_index=0)
    weights = [w.copy() for w in snapshot.weights]
    # A strong weight, so that its edge is drawn and easy to hit.
    weights[0][2, 4] = 4.0 + VALUE
    return dataclasses.replace(snapshot, weights=tuple(weights))


@pytest.fixture
def canvas(qtbot, spiral_snapshot):
    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(900, 520)
    widget.show()
    qtbot.waitExposed(widget)
    # Qt sends tooltip requests to the active window only.
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    widget.set_snapshot(spiral_snapshot)
    qtbot.waitUntil(lambda: widget.edge_midpoint(1, 2, 4) is not None)
    yield widget
    # A tooltip stays while the pointer rests: it must not outlive its test.
    QToolTip.hideText()


def _rest_pointer(qtbot, canvas: NetworkCanvas, pos: QPointF) -> None:
    """Move the pointer to `pos` in the graphics view and leave it there. Through the window
    system, as a real mouse does: only then does Qt start its tooltip timer."""
    # From a corner first: a move to where the pointer already is would be no move at all.
    qtbot.mouseMove(canvas.view.viewport(), QPoint(1, 1))
    qtbot.mouseMove(canvas.view.viewport(), pos.toPoint())


@OFFSCREEN_TOOLTIP
def test_a_hover_tooltip_stays_while_the_pointer_rests(canvas, qtbot):
    _rest_pointer(qtbot, canvas, canvas.edge_midpoint(1, 2, 4))
    qtbot.waitUntil(QToolTip.isVisible)
    # Qt sends its own tooltip request once the pointer has rested for the wake-up delay; the
    # graphics scene, finding no item tooltip, used to hide the canvas's then. Wait well past it.
    delay = QApplication.style().styleHint(QStyle.StyleHint.SH_ToolTip_WakeUpDelay)
    passed = []
    QTimer.singleShot(3 * delay + 300, lambda: passed.append(True))
    qtbot.waitUntil(lambda: bool(passed), timeout=10 * delay + 3000)
    assert QToolTip.isVisible()
    assert repr(4.0 + VALUE) in QToolTip.text()


@OFFSCREEN_TOOLTIP
def test_the_tooltip_answers_qts_own_request_for_it(canvas, qtbot):
    # The request Qt sends after the wake-up delay, sent at once: what it shows, not when.
    position = canvas.edge_midpoint(1, 2, 4)
    _rest_pointer(qtbot, canvas, position)
    qtbot.waitUntil(QToolTip.isVisible)
    viewport = canvas.view.viewport()

    request = QHelpEvent(
        QEvent.Type.ToolTip, position.toPoint(), viewport.mapToGlobal(position.toPoint())
    )
    QApplication.sendEvent(viewport, request)
    # A tooltip told to hide fades out over a few hundred milliseconds: look after that.
    passed = []
    QTimer.singleShot(800, lambda: passed.append(True))
    qtbot.waitUntil(lambda: bool(passed))
    assert QToolTip.isVisible()
    assert "w[1] unit 3 ← source 5" in QToolTip.text()


@OFFSCREEN_TOOLTIP
def test_the_tooltip_shows_the_short_value_then_the_full_one(canvas, qtbot, spiral_snapshot):
    canvas.set_digits(3)
    _rest_pointer(qtbot, canvas, canvas.edge_midpoint(1, 2, 4))
    value = 4.0 + VALUE
    qtbot.waitUntil(lambda: repr(value) in QToolTip.text())
    lines = QToolTip.text().splitlines()
    assert lines[0] == "w[1] unit 3 ← source 5 = 3.82"
    assert lines[1].strip() == f"full precision: {value!r}"

    bias = float(spiral_snapshot.biases[1][1])
    _rest_pointer(qtbot, canvas, canvas.neuron_centre(2, 1))
    qtbot.waitUntil(lambda: repr(bias) in QToolTip.text())
    lines = QToolTip.text().splitlines()
    short = f"{bias:.3g}".replace("-", "−")
    at = lines.index(f"bias b[2] unit 2 = {short}")
    assert lines[at + 1].strip() == f"full precision: {bias!r}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1,25", 1.25),
        ("1.25", 1.25),
        ("1/3", 1 / 3),
        ("-2/7", -2 / 7),
        ("1e-3", 1e-3),
        ("−0,5", -0.5),
        (" 3 ", 3.0),
    ],
)
def test_the_editor_reads_each_form_exactly(typed, expected):
    assert parse_number(typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("abc", "is not a number"),
        ("1/0", "divides by zero"),
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("1//2", "one slash"),
        ("2**3", "no other arithmetic"),
        ("", "Nothing was typed"),
        ("1e400", "too large"),
    ],
)
def test_the_editor_refuses_and_says_why(typed, reason):
    with pytest.raises(NumberError, match=reason):
        parse_number(typed)


def test_the_dialog_opens_at_the_precision_and_keeps_the_value_unless_edited(qtbot):
    dialog = ValueDialog("Edit weight", "A weight.", VALUE, digits=4)
    qtbot.addWidget(dialog)
    assert dialog.editor.text() == "-0.1803"
    assert repr(VALUE) in dialog.current_label.text()
    # OK on the value as shown keeps the value as stored, not its rounding.
    dialog.accept()
    assert dialog.value() == VALUE


def test_the_dialog_gives_the_full_value_on_a_click_and_reads_a_fraction(qtbot):
    dialog = ValueDialog("Edit bias", "A bias.", VALUE, digits=3)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.full_button, Qt.MouseButton.LeftButton)
    assert dialog.editor.text() == repr(VALUE)
    dialog.editor.setText("-2/7")
    dialog.accept()
    assert dialog.value() == -2 / 7


def test_the_dialog_refuses_with_the_reason_and_stays_open(qtbot):
    dialog = ValueDialog("Edit weight", "A weight.", VALUE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editor.setText("2**3")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.value() is None
    assert "no other arithmetic" in dialog.error.text()
    assert "Nothing has been changed" in dialog.error.text()


def test_a_value_is_written_short_then_in_full_unless_the_short_one_is_exact():
    assert value_lines("w", VALUE, 4) == [
        "w = −0.1803",
        f"    full precision: {VALUE!r}",
    ]
    assert value_lines("b", 0.5, 4, " (frozen)") == ["b = 0.5 (frozen)"]
    assert value_lines("a", 0.0, 3) == ["a = 0"]
    assert value_lines("z", 123456.0, 2)[1].strip() == "full precision: 123456.0"


def test_the_hover_text_reads_the_snapshot_at_the_precision(spiral_snapshot):
    text = describe(("edge", 1, 2, 4), spiral_snapshot, 2, walking=False)
    lines = text.splitlines()
    assert lines[0] == "w[1] unit 3 ← source 5 = 3.8"
    assert lines[1].strip() == f"full precision: {4.0 + VALUE!r}"
    assert lines[-1] == "Click to edit this weight."
    walking = describe(("neuron", 2, 1), spiral_snapshot, 2, walking=True)
    assert walking.endswith("Click to see its calculation.")
    assert "output for training sample 1 = " in walking
