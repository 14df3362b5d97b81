"""The network canvas: what it paints, what clicks and hovers on it report."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from simulator.app.session import Simulation
from simulator.app.snapshot import take_snapshot
from simulator.app.storage import load_scenario, validate_scenario_dict
from simulator.ui import palette
from simulator.ui.bench_gui import wide_network_scenario
from simulator.ui.network_canvas import EDGE_BUDGET, NetworkCanvas

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
