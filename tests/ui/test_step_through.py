"""The step-through, driven through the real window: every stage's calculation shows the engine's
own numbers, clicks on the canvas pick what is explained, and the step it keeps is exactly what
`nnsim trace` computes."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from simulator.app import walkthrough as walk
from simulator.app.preferences import Preferences
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.help_text import HELP_HTML
from simulator.ui.main_window import MainWindow

DATA = Path(__file__).resolve().parents[1] / "data"
WORKED_EXAMPLE = scenarios_dir() / "x1-x2-worked-example.json"


def _discard():
    return QMessageBox.StandardButton.Discard


@pytest.fixture
def open_window(qtbot, tmp_path):
    windows = []

    def make(path: Path) -> MainWindow:
        main = MainWindow(Simulation(load_scenario(path)), Preferences(tmp_path / "prefs.ini"))
        main.resize(1400, 860)
        main.show()
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        windows.append(main)
        return main

    yield make
    for main in windows:
        main.ask_unsaved_changes = _discard
        main.close()
        main.deleteLater()


def _engine_trace(path: Path, sample: int):
    """The trace of the same step, taken by a simulation of its own."""
    return Simulation(load_scenario(path)).trace_sample(sample)[1]


def _names(path: Path) -> list[str]:
    return list(load_scenario(path).network.inputs)


def _assert_panel_shows(panel, expected: walk.Calculation) -> None:
    shown = panel.step_through.calculation_panel
    assert shown.title.text() == expected.title
    assert shown.shown_lines() == [line.text for line in expected.lines]
    # Hovering a line shows its value at full precision.
    full = [f"{line.name}: {line.value!r}" for line in expected.lines if line.value is not None]
    assert [tip for tip in shown.shown_values() if tip] == full


def _click_canvas(qtbot, window, position: QPointF) -> None:
    viewport = window.canvas.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=position.toPoint())


def _off_the_crossing(window, layer: int, unit: int, source: int) -> QPointF:
    """A point on an edge away from its middle, where in a 2 × 2 layer the other diagonal edge
    crosses it; which of the two lies on top there depends on the weights the canvas last drew."""
    start = window.canvas.neuron_centre(layer - 1, source)
    end = window.canvas.neuron_centre(layer, unit)
    return start + (end - start) * 0.42


def _walk_every_stage(qtbot, window, path: Path, trace) -> None:
    names = _names(path)
    panel = window.step_through
    widths = [trace.inputs.shape[1], *(layer.z.shape[1] for layer in trace.layers)]
    stages = walk.stages(trace, panel.granularity)
    assert panel.stage_combo.count() == len(stages)
    for index, stage in enumerate(stages):
        if index:
            qtbot.keyClick(window, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda index=index: panel.index == index)
        assert panel.stage == stage
        focus = walk.default_focus(stage, trace)
        _assert_panel_shows(window, walk.calculation(trace, stage, focus, names))
        # The canvas shows the model's numbers for this stage: those of the focused neuron
        # always, others as long as they do not cover one another.
        marks = walk.annotations(trace, stage, focus)
        neurons, edges = window.canvas.walk_texts()
        assert neurons.items() <= marks.neuron_text.items()
        assert edges.items() <= marks.edge_text.items()
        if (focus.column, focus.neuron) in marks.neuron_text:
            assert (focus.column, focus.neuron) in neurons
        assert len(neurons) + len(edges) >= (len(marks.neuron_text) + len(marks.edge_text)) // 2
        # Click every neuron and every edge: the panel explains each with the trace's numbers.
        for column, width in enumerate(widths):
            for unit in range(width):
                centre = window.canvas.neuron_centre(column, unit)
                _click_canvas(qtbot, window, centre)
                expected = walk.calculation(trace, stage, walk.Focus(column, unit), names)
                _assert_panel_shows(window, expected)
        edges_checked = 0
        for column in range(1, len(widths)):
            for unit in range(widths[column]):
                for source in range(widths[column - 1]):
                    middle = window.canvas.edge_midpoint(column, unit, source)
                    if middle is None:
                        continue
                    _click_canvas(qtbot, window, middle)
                    if panel.focus != walk.Focus(column, unit, source):
                        continue  # another edge crosses here; it is checked on its own click
                    edge = walk.Focus(column, unit, source)
                    _assert_panel_shows(window, walk.calculation(trace, stage, edge, names))
                    edges_checked += 1
        edge_count = sum(a * b for a, b in itertools.pairwise(widths))
        assert edges_checked >= edge_count // 2


def _nnsim_trace(path: Path, sample: int) -> dict:
    """`nnsim trace --json` of training row `sample`; the CLI numbers samples from 1."""
    number = str(sample + 1)
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "trace", str(path), "--sample", number, "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("path", "sample"),
    [(WORKED_EXAMPLE, 0), (DATA / "three-class-momentum.json", 4)],
    ids=["x1-x2", "softmax"],
)
def test_walk_every_stage_and_keep_the_step_nnsim_trace_computes(qtbot, open_window, path, sample):
    window = open_window(path)
    window.controller.select_sample(sample)
    qtbot.waitUntil(lambda: window.controller.snapshot.sample_index == sample)
    window.walk_action.trigger()
    qtbot.waitUntil(lambda: window.step_through.isVisible())
    trace = _engine_trace(path, sample)
    np.testing.assert_array_equal(window.walk.trace.inputs, trace.inputs)
    _walk_every_stage(qtbot, window, path, trace)

    qtbot.mouseClick(window.step_through.keep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.step_through.isVisible())
    saved = window.controller.current_scenario()
    expected = _nnsim_trace(path, sample)["update"]
    for layer, update in zip(saved.network.layers, expected, strict=True):
        np.testing.assert_array_equal(np.array(layer.weights), update["weights_after"])
        np.testing.assert_array_equal(np.array(layer.biases), update["biases_after"])


def test_neuron_granularity_and_play_walk_to_the_end(qtbot, open_window):
    window = open_window(WORKED_EXAMPLE)
    window.walk_action.trigger()
    panel = window.step_through
    qtbot.waitUntil(panel.isVisible)
    panel.granularity_combo.setCurrentIndex(panel.granularity_combo.findData("neuron"))
    trace = window.walk.trace
    assert panel.stage_combo.count() == len(walk.stages(trace, "neuron"))
    panel.speed_combo.setCurrentIndex(panel.speed_combo.count() - 1)
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.stage.kind == "update", timeout=20_000)
    qtbot.waitUntil(lambda: not panel.play_button.isChecked())
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert panel.stage.kind == "backward"


def test_discard_leaves_the_weights_as_they_were(qtbot, open_window):
    window = open_window(WORKED_EXAMPLE)
    before = window.controller.current_scenario()
    window.walk_action.trigger()
    qtbot.waitUntil(window.step_through.isVisible)
    assert not window.play_action.isEnabled()
    qtbot.mouseClick(window.step_through.discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.step_through.isVisible())
    after = window.controller.current_scenario()
    for old, new in zip(before.network.layers, after.network.layers, strict=True):
        assert old.weights == new.weights
        assert old.biases == new.biases
    assert after.state.step == before.state.step
    assert window.play_action.isEnabled()
    assert window.canvas.walk_texts() == ({}, {})


def test_choosing_other_samples_retakes_the_step_on_them(qtbot, open_window):
    window = open_window(WORKED_EXAMPLE)
    window.walk_action.trigger()
    panel = window.step_through
    qtbot.waitUntil(panel.isVisible)
    start = window.walk.checkpoint
    panel.table.selectRow(2)
    qtbot.mouseClick(panel.use_selection_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.walk.samples == (2,))
    # The first step was undone before the second was taken: both start from the same weights.
    np.testing.assert_array_equal(window.walk.checkpoint.parameters, start.parameters)
    expected = _engine_trace(WORKED_EXAMPLE, 2)
    np.testing.assert_array_equal(
        window.walk.trace.layers[0].weights_after, expected.layers[0].weights_after
    )

    panel.table.scrollToItem(panel.table.item(4, 0))
    rect = panel.table.visualItemRect(panel.table.item(4, 0))
    assert panel.table.viewport().rect().contains(rect.center())
    # A real double-click starts with a press on the same cell; the view checks for it.
    qtbot.mousePress(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.walk.samples == (4,))

    selection = panel.table.selectionModel()
    selection.clearSelection()
    flags = selection.SelectionFlag.Select | selection.SelectionFlag.Rows
    for row in (0, 1, 3):
        selection.select(panel.table.model().index(row, 0), flags)
    qtbot.mouseClick(panel.use_selection_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.walk.samples == (0, 1, 3))
    assert panel.batch_row.isVisible()
    panel.jump_to(len(panel.stages) - 3)  # backward through the output layer
    panel.set_focus(walk.Focus(2, 0, 1))
    per_sample = [line for line in panel.calculation().lines if line.name.startswith("sample ")]
    assert len(per_sample) == 3


def test_the_chosen_precision_is_used_and_kept_for_the_next_window(qtbot, open_window):
    window = open_window(WORKED_EXAMPLE)
    window.walk_action.trigger()
    panel = window.step_through
    qtbot.waitUntil(panel.isVisible)
    panel.jump_to(len(panel.stages) - 1)
    panel.set_focus(walk.Focus(1, 0, 1))
    panel.digits_spin.setValue(8)
    after = _engine_trace(WORKED_EXAMPLE, 0).layers[0].weights_after[0, 1]
    shown = panel.calculation_panel.shown_lines()[-1]
    assert shown.endswith(f"= {walk.number(after, 8)}")
    assert len(walk.number(after, 8)) > len(walk.number(after, 4))
    window.leave_walk(keep=False)
    again = open_window(WORKED_EXAMPLE)
    assert again.step_through.digits_spin.value() == 8


@pytest.mark.parametrize("path", sorted(scenarios_dir().glob("*.json")), ids=lambda p: p.stem)
def test_every_preset_walks_through_in_both_granularities(qtbot, open_window, path):
    window = open_window(path)
    window.walk_action.trigger()
    panel = window.step_through
    qtbot.waitUntil(panel.isVisible)
    trace = window.walk.trace
    names = list(window.controller.data.input_names)
    for granularity in ("layer", "neuron"):
        panel.granularity_combo.setCurrentIndex(panel.granularity_combo.findData(granularity))
        for index, stage in enumerate(walk.stages(trace, granularity)):
            panel.jump_to(index)
            expected = walk.calculation(
                trace, stage, panel.focus, names, 0, panel.digits, window.walk.raw_inputs
            )
            assert panel.calculation_panel.shown_lines() == [line.text for line in expected.lines]
            neurons, _ = window.canvas.walk_texts()
            focus = panel.focus
            if focus.source is None and focus.column > 0:
                assert (focus.column, focus.neuron) in neurons or stage.kind == "input"
    window.leave_walk(keep=True)
    assert window.canvas.walk_texts() == ({}, {})


def test_stages_open_on_the_first_neuron_and_an_edge_shows_what_it_adds(qtbot, open_window):
    window = open_window(WORKED_EXAMPLE)
    window.walk_action.trigger()
    panel = window.step_through
    qtbot.waitUntil(panel.isVisible)
    trace = window.walk.trace
    hidden = trace.layers[0]
    for index, stage in enumerate(panel.stages):
        panel.jump_to(index)
        if stage.kind in ("forward", "backward"):
            assert panel.focus == walk.Focus(stage.column, 0)
    loss = next(i for i, stage in enumerate(panel.stages) if stage.kind == "loss")
    panel.jump_to(loss)
    neurons, _ = window.canvas.walk_texts()
    assert neurons[(2, 0)].endswith("answer 1")  # ŷ = 0.7311 > 0.5
    forward = next(i for i, stage in enumerate(panel.stages) if stage.kind == "forward")
    panel.jump_to(forward)
    assert panel.calculation_panel.title.text() == "Forward: h1.1"
    # A click on the edge X2 → h1.1 shows the product it adds to z, not only what it carries.
    _click_canvas(qtbot, window, _off_the_crossing(window, 1, 0, 1))
    qtbot.waitUntil(lambda: panel.focus == walk.Focus(1, 0, 1))
    product = hidden.weights_before[0, 1] * trace.inputs[0, 1]
    shown = panel.calculation_panel.shown_lines()
    assert shown[-1] == (
        f"into z of h1.1: w × x = {walk.number(hidden.weights_before[0, 1])} × "
        f"{walk.factor(trace.inputs[0, 1])} = {walk.number(product)}"
    )
    backward = max(i for i, stage in enumerate(panel.stages) if stage.kind == "backward")
    panel.jump_to(backward)
    _click_canvas(qtbot, window, _off_the_crossing(window, 1, 0, 1))
    qtbot.waitUntil(lambda: panel.focus == walk.Focus(1, 0, 1))
    assert panel.calculation_panel.shown_lines()[-1] == (
        f"∂L/∂w = δ(h1.1) × a(X2) = {walk.number(hidden.delta[0, 0])} × "
        f"{walk.factor(trace.inputs[0, 1])} = {walk.number(hidden.grad_weights[0, 1])}"
    )
    # Going back through a hidden layer, the slope is written out with its value.
    panel.set_focus(walk.Focus(1, 0))
    assert panel.calculation_panel.shown_lines()[0] == "ReLU′(0.5) = 1 (1 where z > 0, else 0)"


def test_the_help_meets_a_tutorials_reader_and_says_when_a_step_is_undone():
    text = re.sub(r"<[^>]+>", "", HELP_HTML)
    text = " ".join(text.split())
    for words in (
        "target − prediction",
        "δ = ŷ − y",
        "opposite sign",
        "0.5",
        "argmax",
        "w(X1 → h1.1)",
        "W1",
        "iteration",
        "epoch",
        "fully connected",
        "CNNs",
        "RNNs",
        "transformers",
        "A step is kept only if the loss it leads to is finite",
        "names the step it undid",
    ):
        assert words in text, words
    assert "caught before it is applied" not in text


def _prediction_column(panel) -> tuple[str, list[str]]:
    table = panel.table
    column = table.columnCount() - 1
    texts = [table.item(row, column).text() for row in range(table.rowCount())]
    return table.horizontalHeaderItem(column).text(), texts


def test_the_sample_table_shows_predictions_after_the_step_from_the_update_on(qtbot, open_window):
    window = open_window(WORKED_EXAMPLE)
    picture = window.controller.data
    window.walk_action.trigger()
    panel = window.step_through
    qtbot.waitUntil(panel.isVisible)
    walk_taken = window.walk
    before = [panel._prediction_text(picture, p) for p in walk_taken.predictions]
    heading, texts = _prediction_column(panel)
    assert "before the step" in heading
    assert texts == before

    # The network after the step, as a simulation of its own computes it.
    simulation = Simulation(load_scenario(WORKED_EXAMPLE))
    simulation.trace_sample(walk_taken.samples[0])
    after = simulation.network.predict(simulation.data.train_inputs)
    expected = [panel._prediction_text(picture, p) for p in after]
    assert expected != before  # the step changed what the table must show

    update = next(i for i, stage in enumerate(panel.stages) if stage.kind == "update")
    panel.jump_to(update)
    qtbot.waitUntil(lambda: "after the step" in _prediction_column(panel)[0], timeout=5000)
    assert _prediction_column(panel)[1] == expected
    np.testing.assert_array_equal(panel._predictions_after, after)

    # Back before the update: the predictions before it again.
    panel.jump_to(update - 1)
    assert _prediction_column(panel) == (heading, before)
