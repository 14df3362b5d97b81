"""The network canvas: what it paints, what clicks and hovers on it report."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from simulator.app import walkthrough as walk
from simulator.app.session import Simulation
from simulator.app.snapshot import take_snapshot
from simulator.app.storage import load_scenario, validate_scenario_dict
from simulator.ui import palette
from simulator.ui.bench_gui import wide_network_scenario
from simulator.ui.canvas.layout import EDGE_BUDGET
from simulator.ui.network_canvas import NetworkCanvas

ROOT = Path(__file__).resolve().parents[2]
# The offscreen platform cannot raise the tooltip's window, and says so.
OFFSCREEN_TOOLTIP = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture(scope="module")
def spiral_snapshot():
    simulation = Simulation(load_scenario(ROOT / "scenarios" / "spiral.json"))
    simulation.train_epochs(2)
    return take_snapshot(simulation, sample_index=0)


@pytest.fixture(scope="module")
def big_snapshot():
    obj = wide_network_scenario()
    simulation = Simulation(validate_scenario_dict(obj, file="big.json"))
    return take_snapshot(simulation, sample_index=0, with_maps=False)


@pytest.fixture
def canvas(qtbot):
    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(900, 520)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _pixels(widget) -> np.ndarray:
    """Return the widget as it paints now: an (height, width, 3) uint8 RGB array."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = data.reshape(height, image.bytesPerLine())[:, : 3 * width]
    # A copy: the array must outlive the QImage whose memory it reads.
    return rows.reshape(height, width, 3).copy()


def _canvas_point(canvas: NetworkCanvas, view_pos: QPointF) -> tuple[int, int]:
    """Return (row, column) in the grabbed canvas of a position in the graphics view."""
    point = canvas.view.mapTo(canvas, view_pos.toPoint())
    return point.y(), point.x()


def _show(canvas: NetworkCanvas, qtbot, snapshot) -> None:
    canvas.set_snapshot(snapshot)
    qtbot.waitUntil(lambda: canvas.neuron_centre(0, 0) is not None)


def _lut_colour(value: float, lo: float, hi: float) -> np.ndarray:
    return palette.LUT[palette.lut_indices(np.array(value), lo, hi)][:3].astype(int)


def test_palette_runs_orange_neutral_blue():
    rgba = palette.heatmap_rgba(np.array([-1.0, 0.0, 1.0, np.nan]), -1.0, 1.0)
    assert rgba.shape == (4, 4)
    assert rgba.dtype == np.uint8
    np.testing.assert_array_equal(rgba[0, :3], palette.hex_rgb(palette.NEGATIVE))
    np.testing.assert_allclose(rgba[1, :3], palette.hex_rgb(palette.NEUTRAL), atol=8)
    np.testing.assert_array_equal(rgba[2, :3], palette.hex_rgb(palette.POSITIVE))
    np.testing.assert_allclose(rgba[3, :3], palette.hex_rgb(palette.NEUTRAL), atol=8)
    buckets = palette.weight_buckets(np.array([-3.0, -0.001, 0.001, 3.0]))
    assert buckets.tolist() == [palette.WEIGHT_LEVELS - 1, 0, palette.WEIGHT_LEVELS, 15]
    assert palette.bucket_width(0) == 1
    assert palette.bucket_width(palette.WEIGHT_BUCKETS - 1) == 6


def test_heatmap_neuron_shows_its_map_the_right_way_up(canvas, qtbot, spiral_snapshot):
    maps = [m.copy() for m in spiral_snapshot.neuron_maps]
    resolution = maps[1].shape[1]
    maps[1][0] = 1.0  # layer 1, neuron 0: tanh at its top, all blue
    maps[1][1] = -1.0  # layer 1, neuron 1: all orange
    # Layer 1, neuron 2: -1 in the lower half of the plane (row 0 is the lowest y), +1 above.
    maps[1][2] = np.where(np.arange(resolution)[:, None] < resolution // 2, -1.0, 1.0)
    _show(canvas, qtbot, dataclasses.replace(spiral_snapshot, neuron_maps=tuple(maps)))
    pixels = _pixels(canvas)
    blue = _lut_colour(1.0, -1.0, 1.0)
    orange = _lut_colour(-1.0, -1.0, 1.0)

    row, column = _canvas_point(canvas, canvas.neuron_centre(1, 0))
    np.testing.assert_allclose(pixels[row, column + 3], blue, atol=3)
    row, column = _canvas_point(canvas, canvas.neuron_centre(1, 1))
    np.testing.assert_allclose(pixels[row, column + 3], orange, atol=3)
    row, column = _canvas_point(canvas, canvas.neuron_centre(1, 2))
    np.testing.assert_allclose(pixels[row - 6, column + 3], blue, atol=3)
    np.testing.assert_allclose(pixels[row + 6, column + 3], orange, atol=3)


def test_circle_neuron_is_filled_by_its_sample_output(canvas, qtbot, big_snapshot):
    outputs = list(big_snapshot.sample_outputs)
    outputs[-1] = np.array([1.0] + [0.0] * 9)  # softmax: 1 is full blue, 0 neutral
    _show(canvas, qtbot, dataclasses.replace(big_snapshot, sample_outputs=tuple(outputs)))
    pixels = _pixels(canvas)
    row, column = _canvas_point(canvas, canvas.neuron_centre(3, 0))
    np.testing.assert_allclose(pixels[row, column + 2], _lut_colour(1.0, -1.0, 1.0), atol=3)
    row, column = _canvas_point(canvas, canvas.neuron_centre(3, 1))
    np.testing.assert_allclose(pixels[row, column + 2], _lut_colour(0.0, -1.0, 1.0), atol=3)

    canvas.set_snapshot(dataclasses.replace(big_snapshot, sample_outputs=None))
    pixels = _pixels(canvas)
    neutral = palette.hex_rgb(palette.NEUTRAL)
    np.testing.assert_allclose(pixels[row, column + 2], neutral, atol=3)


def test_picture_changes_with_the_weights_and_items_are_kept(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    before = _pixels(canvas)
    buttons = canvas.header.findChildren(QToolButton)
    flipped = tuple(-w for w in spiral_snapshot.weights)
    canvas.set_snapshot(dataclasses.replace(spiral_snapshot, weights=flipped))
    after = _pixels(canvas)
    assert (np.abs(after.astype(int) - before).sum(axis=2) > 60).sum() > 2_000
    # Same architecture: the controls are the same objects, not rebuilt.
    assert canvas.header.findChildren(QToolButton) == buttons


def _strong_edge_snapshot(snapshot, layer: int, unit: int, source: int, value: float):
    weights = [w.copy() for w in snapshot.weights]
    weights[layer - 1][unit, source] = value
    return dataclasses.replace(snapshot, weights=tuple(weights))


def test_click_on_an_edge_reports_its_weight(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, _strong_edge_snapshot(spiral_snapshot, 2, 3, 5, 4.0))
    middle = canvas.edge_midpoint(2, 3, 5)
    assert middle is not None
    with qtbot.waitSignal(canvas.weight_clicked) as blocker:
        qtbot.mouseClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, pos=middle.toPoint())
    assert blocker.args == [2, 3, 5]


def test_click_on_a_neuron_or_its_bias_reports_the_bias(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    centre = canvas.neuron_centre(3, 4)
    with qtbot.waitSignal(canvas.bias_clicked) as blocker:
        qtbot.mouseClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert blocker.args == [3, 4]
    # Inputs have no bias: a click on one reports nothing.
    viewport, input_centre = canvas.view.viewport(), canvas.neuron_centre(0, 1).toPoint()
    with qtbot.assertNotEmitted(canvas.bias_clicked), qtbot.assertNotEmitted(canvas.weight_clicked):
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=input_centre)


def _hover(canvas: NetworkCanvas, pos: QPointF) -> None:
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
def test_hover_shows_the_weight_at_full_precision_and_follows_training(
    canvas, qtbot, spiral_snapshot
):
    value = 3.141592653589793
    _show(canvas, qtbot, _strong_edge_snapshot(spiral_snapshot, 1, 2, 4, value))
    _hover(canvas, canvas.edge_midpoint(1, 2, 4))
    qtbot.waitUntil(lambda: repr(value) in QToolTip.text())
    text = QToolTip.text()
    assert "w[1] unit 3 ← source 5" in text
    assert spiral_snapshot.input_names[4] in text

    newer = 2.718281828459045
    canvas.set_snapshot(_strong_edge_snapshot(spiral_snapshot, 1, 2, 4, newer))
    qtbot.waitUntil(lambda: repr(newer) in QToolTip.text())


@OFFSCREEN_TOOLTIP
def test_hover_on_a_neuron_shows_bias_and_output(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    _hover(canvas, canvas.neuron_centre(2, 1))
    bias = float(spiral_snapshot.biases[1][1])
    output = float(spiral_snapshot.sample_outputs[2][1])
    qtbot.waitUntil(lambda: repr(bias) in QToolTip.text())
    assert repr(output) in QToolTip.text()
    assert "tanh" in QToolTip.text()


def test_big_network_draws_only_the_strongest_and_says_so(canvas, qtbot, big_snapshot):
    _show(canvas, qtbot, big_snapshot)
    assert "strongest of 25,856 weights" in canvas.notice_text()
    drawn = int(canvas.notice_text().split()[2].replace(",", ""))
    assert 0 < drawn <= EDGE_BUDGET
    for layer, weights in enumerate(big_snapshot.weights, start=1):
        unit, source = np.unravel_index(np.argmax(np.abs(weights)), weights.shape)
        assert canvas.edge_midpoint(layer, int(unit), int(source)) is not None
        unit, source = np.unravel_index(np.argmin(np.abs(weights)), weights.shape)
        assert canvas.edge_midpoint(layer, int(unit), int(source)) is None
    # Every neuron of the 128-wide columns fits inside the view.
    height = canvas.view.viewport().height()
    for column in (1, 2):
        for unit in (0, 127):
            y = canvas.neuron_centre(column, unit).y()
            assert 0 < y < height


def test_small_network_draws_every_weight(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    assert canvas.notice_text() == ""
    for layer, weights in enumerate(spiral_snapshot.weights, start=1):
        units, sources = weights.shape
        assert canvas.edge_midpoint(layer, units - 1, sources - 1) is not None


def _button(canvas: NetworkCanvas, tip: str) -> QToolButton:
    (button,) = [b for b in canvas.header.findChildren(QToolButton) if b.toolTip() == tip]
    return button


def test_header_buttons_ask_for_architecture_changes(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    add_layer = [
        b
        for b in canvas.header.findChildren(QToolButton)
        if b.toolTip() == "Insert a hidden layer here"
    ]
    layers = len(spiral_snapshot.weights)
    assert len(add_layer) == layers
    add_layer.sort(key=lambda b: b.x())
    with qtbot.waitSignal(canvas.add_layer_requested) as blocker:
        qtbot.mouseClick(add_layer[-1], Qt.MouseButton.LeftButton)
    assert blocker.args == [layers - 1]  # just before the output layer
    with qtbot.waitSignal(canvas.remove_layer_requested) as blocker:
        qtbot.mouseClick(_button(canvas, "Remove hidden layer 2"), Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    with qtbot.waitSignal(canvas.add_neuron_requested) as blocker:
        qtbot.mouseClick(_button(canvas, "Add a neuron to layer 3"), Qt.MouseButton.LeftButton)
    assert blocker.args == [2]
    remove_neuron = _button(canvas, "Remove a neuron from layer 1")
    with qtbot.waitSignal(canvas.remove_neuron_requested) as blocker:
        qtbot.mouseClick(remove_neuron, Qt.MouseButton.LeftButton)
    assert blocker.args == [0]
    # No button removes the output layer.
    assert not [
        b for b in canvas.header.findChildren(QToolButton) if b.toolTip().endswith(f"{layers}")
    ]


def test_a_one_neuron_layer_cannot_lose_its_neuron(canvas, qtbot):
    obj = {
        "format": "nnsim-scenario",
        "version": 1,
        "title": "thin",
        "network": {
            "inputs": ["X1", "X2"],
            "layers": [{"units": 1, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}],
        },
        "training": {
            "loss": "bce",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "batch_size": 4,
        },
        "data": {
            "generator": "xor",
            "samples": 40,
            "noise": 0.0,
            "train_fraction": 0.5,
            "seed": 1,
        },
    }
    snapshot = take_snapshot(Simulation(validate_scenario_dict(obj, file="thin.json")), 0)
    _show(canvas, qtbot, snapshot)
    assert not _button(canvas, "Remove a neuron from layer 1").isEnabled()
    assert _button(canvas, "Add a neuron to layer 1").isEnabled()


def test_architecture_change_rebuilds_and_small_sizes_fit(qtbot, spiral_snapshot, big_snapshot):
    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(500, 320)
    widget.show()
    qtbot.waitExposed(widget)
    for snapshot in (spiral_snapshot, big_snapshot, spiral_snapshot):
        _show(widget, qtbot, snapshot)
        view = widget.view.viewport().rect()
        last = len(snapshot.layer_sizes) - 1
        for column, units in ((0, 0), (last, snapshot.layer_sizes[-1] - 1)):
            assert view.contains(widget.neuron_centre(column, units).toPoint())
    buttons = widget.header.findChildren(QToolButton)
    visible = [b for b in buttons if b.isVisible()]
    # The spiral again: per hidden layer "− layer", "−" and "+"; 4 places for a new layer.
    assert len(visible) == 3 * 3 + 4
    for a in visible:
        for b in visible:
            assert a is b or not a.geometry().intersects(b.geometry())


def test_hit_outside_everything_is_nothing(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    assert canvas.hit_target(QPointF(3, 3)) is None


# ----- numbers written on the canvas ------------------------------------------------------------

WORKED_EXAMPLE = ROOT / "scenarios" / "x1-x2-worked-example.json"
CAT_VS_DOG = ROOT / "scenarios" / "cat-vs-dog.json"


def _preset(path: Path) -> Simulation:
    return Simulation(load_scenario(path))


def _expected_values(snapshot, digits: int) -> dict:
    """What the canvas must write: every weight on its edge, every bias beside its neuron."""
    expected = {}
    for layer, weights in enumerate(snapshot.weights, start=1):
        for (unit, source), value in np.ndenumerate(weights):
            expected[("weight", layer, unit, source)] = walk.number(float(value), digits)
        for unit, value in enumerate(snapshot.biases[layer - 1]):
            expected[("bias", layer, unit)] = f"b {walk.number(float(value), digits)}"
    return expected


def _values_shown(canvas: NetworkCanvas) -> dict:
    return {k: t for k, t in canvas.label_texts().items() if k[0] in ("weight", "bias")}


def _assert_labels_apart(canvas: NetworkCanvas, sizes) -> None:
    """No two labels (or "+N" markers) overlap, and none covers a neuron."""
    rects = list(canvas.label_rects().items())
    assert rects
    for (key_a, a), (key_b, b) in itertools.combinations(rects, 2):
        assert not a.intersects(b), (key_a, key_b)
    neurons = [canvas.neuron_box(c, u) for c, n in enumerate(sizes) for u in range(n)]
    for key, rect in rects:
        for neuron in neurons:
            assert not rect.intersects(neuron), key


def test_a_small_network_shows_every_weight_and_bias_and_they_follow_training(canvas, qtbot):
    simulation = _preset(WORKED_EXAMPLE)
    canvas.set_digits(4)
    _show(canvas, qtbot, take_snapshot(simulation, 0))
    first = _expected_values(take_snapshot(simulation, 0), 4)
    assert _values_shown(canvas) == first
    assert canvas.label_texts()[("weight", 1, 0, 0)] == "−0.5"  # a true minus sign

    simulation.train_epochs(1)
    trained = take_snapshot(simulation, 0)
    canvas.set_snapshot(trained)
    assert _values_shown(canvas) == _expected_values(trained, 4)
    assert _values_shown(canvas) != first

    # The precision is the user's.
    canvas.set_digits(7)
    assert _values_shown(canvas) == _expected_values(trained, 7)
    # Turned off, the numbers go; back on, they return.
    canvas.set_values_shown(False)
    assert _values_shown(canvas) == {}
    canvas.set_values_shown(True)
    assert _values_shown(canvas) == _expected_values(trained, 7)


def test_a_large_network_is_not_written_on(canvas, qtbot, spiral_snapshot):
    _show(canvas, qtbot, spiral_snapshot)
    assert _values_shown(canvas) == {}
    assert not canvas.values_shown()


@pytest.mark.parametrize("path", [WORKED_EXAMPLE, CAT_VS_DOG], ids=lambda p: p.stem)
def test_written_numbers_never_overlap_nor_cover_a_neuron(canvas, qtbot, path):
    simulation = _preset(path)
    simulation.train_epochs(3)
    snapshot = take_snapshot(simulation, 0)
    _show(canvas, qtbot, snapshot)
    assert _values_shown(canvas) == _expected_values(snapshot, canvas._digits)
    _assert_labels_apart(canvas, snapshot.layer_sizes)


def _walk_to_backward(canvas: NetworkCanvas, simulation: Simulation):
    """Show the step-through's first backward stage of a step on sample 0 on `canvas`."""
    _, trace = simulation.trace_sample(0)
    stage = next(s for s in walk.stages(trace) if s.kind == "backward" and s.column == 1)
    focus = walk.default_focus(stage, trace)
    annotations = walk.annotations(trace, stage, focus)
    canvas.set_walkthrough(annotations, focus)
    return annotations


def test_step_through_numbers_on_crossing_edges_stay_apart(canvas, qtbot):
    simulation = _preset(WORKED_EXAMPLE)
    snapshot = take_snapshot(simulation, 0)
    _show(canvas, qtbot, snapshot)
    annotations = _walk_to_backward(canvas, simulation)
    neurons, edges = canvas.walk_texts()
    # Every ∂L/∂w of the crossing edges is written, none on another.
    assert edges == annotations.edge_text
    assert neurons == annotations.neuron_text
    assert _values_shown(canvas) == {}  # the step's own numbers, not the live weights
    _assert_labels_apart(canvas, snapshot.layer_sizes)


@OFFSCREEN_TOOLTIP
def test_numbers_without_room_gather_under_a_marker_that_lists_them(qtbot):
    widget = NetworkCanvas()
    qtbot.addWidget(widget)
    widget.resize(400, 260)
    widget.show()
    qtbot.waitExposed(widget)
    simulation = _preset(CAT_VS_DOG)
    snapshot = take_snapshot(simulation, 0)
    _show(widget, qtbot, snapshot)
    annotations = _walk_to_backward(widget, simulation)
    markers = widget.markers()
    assert markers
    _assert_labels_apart(widget, snapshot.layer_sizes)
    neurons, edges = widget.walk_texts()
    hidden = {**annotations.neuron_text, **annotations.edge_text}
    for key in [*neurons, *edges]:
        hidden.pop(key)
    listed = "\n".join(tip for _, _, tip in markers)
    # Each number left out is in a marker's list, and the markers count them all.
    assert hidden
    for text in hidden.values():
        assert text.replace("\n", ", ") in listed
    assert sum(int(text[1:]) for text, _, _ in markers) == len(hidden)
    text, centre, tip = markers[0]
    _hover(widget, centre)
    qtbot.waitUntil(lambda: QToolTip.text() == tip)
    assert f"{text[1:]} number" in tip


def _rule_near_output(canvas: NetworkCanvas, snapshot) -> str:
    rect = canvas.label_rects()[("rule",)]
    output = len(snapshot.layer_sizes) - 1
    boxes = [canvas.neuron_box(output, u) for u in range(snapshot.layer_sizes[-1])]
    # Right beside an output neuron: within a few pixels of its box.
    assert any(rect.adjusted(-6, -6, 6, 6).intersects(box) for box in boxes)
    return canvas.label_texts()[("rule",)]


def test_the_decision_rule_is_written_at_the_output(canvas, qtbot):
    simulation = _preset(CAT_VS_DOG)
    snapshot = take_snapshot(simulation, 0)
    _show(canvas, qtbot, snapshot)
    assert _rule_near_output(canvas, snapshot) == "> 0.5 → class 1"
    canvas.set_class_names(("cat", "dog"))
    assert _rule_near_output(canvas, snapshot) == "> 0.5 → dog"

    softmax = take_snapshot(_preset(ROOT / "scenarios" / "three-classes.json"), 0)
    canvas.set_snapshot(softmax)
    assert _rule_near_output(canvas, softmax) == "argmax → class"

    regression = take_snapshot(_preset(ROOT / "scenarios" / "regression-plane.json"), 0)
    canvas.set_snapshot(regression)
    assert ("rule",) not in canvas.label_texts()


def test_the_worked_example_opens_written_on_and_the_view_toggle_is_kept(qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from simulator.app.preferences import Preferences
    from simulator.ui.main_window import MainWindow

    windows = []

    def open_window(path: Path) -> MainWindow:
        main = MainWindow(_preset(path), Preferences(tmp_path / "prefs.ini"))
        main.resize(1400, 860)
        main.show()
        qtbot.waitUntil(lambda: main.controller.snapshot is not None, timeout=10_000)
        windows.append(main)
        return main

    try:
        window = open_window(WORKED_EXAMPLE)
        canvas, toggle = window.canvas, window.weights_on_edges_action
        assert toggle.isChecked()
        assert "20 weights" in toggle.toolTip()
        digits = window.preferences.digits()
        qtbot.waitUntil(lambda: _values_shown(canvas) == _expected_values(canvas._snapshot, digits))
        # The step-through's precision setting is the canvas's too.
        window.step_through.digits_spin.setValue(digits + 2)
        assert _values_shown(canvas) == _expected_values(canvas._snapshot, digits + 2)
        toggle.trigger()
        assert _values_shown(canvas) == {}
        # Kept for the next scenario and the next run.
        again = open_window(CAT_VS_DOG)
        assert not again.weights_on_edges_action.isChecked()
        qtbot.waitUntil(lambda: ("rule",) in again.canvas.label_texts())
        assert _values_shown(again.canvas) == {}
        assert again.canvas.label_texts()[("rule",)] == "> 0.5 → dog"
    finally:
        for main in windows:
            main.ask_unsaved_changes = lambda: QMessageBox.StandardButton.Discard
            main.close()
            main.deleteLater()


@pytest.fixture(scope="module")
def digits_snapshot():
    simulation = Simulation(load_scenario(ROOT / "scenarios" / "digits.json"))
    return take_snapshot(simulation, sample_index=0, with_maps=False)


def test_output_neurons_are_labelled_with_their_classes(canvas, qtbot, digits_snapshot):
    names = tuple(str(digit) for digit in range(10))
    _show(canvas, qtbot, digits_snapshot)
    assert canvas.output_class_labels() == []
    canvas.set_class_names(names)
    shown = canvas.output_class_labels()
    assert [text for text, _ in shown] == list(names)
    output = len(digits_snapshot.layer_sizes) - 1
    width = canvas.view_box.rect().width()
    for unit, (_, box) in enumerate(shown):
        neuron = canvas.neuron_box(output, unit)
        # Right of its own neuron, level with it, and inside the canvas.
        assert box.left() > neuron.right()
        assert neuron.top() <= box.center().y() <= neuron.bottom()
        assert box.right() <= width
    # The output values stand beside the names, not on them.
    values = canvas._output_items
    assert all(item.x() >= box.right() for item, (_, box) in zip(values, shown, strict=True))
    assert values[0].text()

    # Names that do not fit the output (or a single output with its decision rule) label nothing.
    canvas.set_class_names(("cat", "dog"))
    assert canvas.output_class_labels() == []


def test_class_names_given_before_the_network_label_it_too(canvas, qtbot, digits_snapshot):
    canvas.set_class_names(tuple("abcdefghij"))
    _show(canvas, qtbot, digits_snapshot)
    assert [text for text, _ in canvas.output_class_labels()] == list("abcdefghij")


def test_a_walk_of_a_wider_network_waits_for_the_snapshot_of_its_shape(canvas, qtbot):
    # The walk of a network that just grew a neuron can reach the canvas before the snapshot
    # of the grown network: its numbers name a neuron the canvas does not have yet.
    from simulator.app import edits

    simulation = _preset(WORKED_EXAMPLE)
    _show(canvas, qtbot, take_snapshot(simulation, 0))
    grown = Simulation(edits.add_neuron(simulation.to_scenario(), 0))
    annotations = _walk_to_backward(canvas, grown)
    assert canvas.walk_texts() == ({}, {})  # nothing drawn where the neuron is not
    _show(canvas, qtbot, take_snapshot(grown, 0))
    neurons, edges = canvas.walk_texts()
    assert neurons == annotations.neuron_text
    assert edges == annotations.edge_text
