"""The race's pictures: variant colours that stay apart for colour-blind readers, a thumbnail
framed in its variant's colour showing the output over the plane, and a table cell's words."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colour_vision import VISIONS, distance, hex_rgb
from PySide6.QtGui import QImage

from simulator.app.experiments.race import PlaneMap
from simulator.app.history import History
from simulator.app.snapshot import DataPicture
from simulator.ui import palette
from simulator.ui.race_views import BoundaryView, RaceChart, figure_text

# Six curves on one chart: less than the ΔE 20 asked of classes (points on a pale plane), as
# the legend and the table name every variant beside its colour.
MIN_VARIANT_DISTANCE = 18.0


@pytest.mark.parametrize("vision", list(VISIONS))
def test_variant_colours_keep_apart_and_show_on_white(vision):
    colours = palette.VARIANT_COLOURS
    assert len(set(colours)) == len(colours) == 6
    for a, b in itertools.combinations(colours, 2):
        assert distance(a, b, vision) >= MIN_VARIANT_DISTANCE, (vision, a, b)
    for colour in colours:
        assert distance(colour, "#FFFFFF", vision) >= 30, (vision, colour)


def _pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return (
        data.reshape(height, image.bytesPerLine())[:, : 3 * width].reshape(height, width, 3).copy()
    )


def _has_colour(pixels: np.ndarray, colour: str) -> bool:
    return bool((np.abs(pixels.astype(int) - hex_rgb(colour)).sum(axis=2) <= 6).any())


def test_a_boundary_view_draws_the_plane_in_its_frame(qtbot):
    view = BoundaryView(1, "learning rate 0.3")
    qtbot.addWidget(view)
    view.resize(200, 220)
    view.show()
    picture = DataPicture(
        raw_names=("X1", "X2"),
        input_names=("X1", "X2"),
        train_raw=np.array([[-3.0, -3.0], [3.0, 3.0]]),
        test_raw=np.zeros((0, 2)),
        train_targets=np.array([[0.0], [1.0]]),
        test_targets=np.zeros((0, 1)),
        train_classes=np.array([0, 1]),
        test_classes=np.zeros(0, dtype=int),
        task="classification",
        classes=("a", "b"),
        bounds=(-6.0, 6.0, -6.0, 6.0),
    )
    view.set_data(picture)
    before = _pixels(view.plane)
    # Class 1 (above 0.5) on the right half, class 0 on the left.
    values = np.zeros((8, 8, 1))
    values[:, 4:, 0] = 1.0
    view.set_plane(PlaneMap((-6.0, 6.0, -6.0, 6.0), values, (values[:, :, 0] > 0.5), "sigmoid"))
    after = _pixels(view.plane)
    assert not np.array_equal(before, after)
    assert _has_colour(after, palette.variant_colour(1))  # the frame
    h, w, _ = after.shape
    left, right = after[h // 2, w // 4].astype(int), after[h // 2, 3 * w // 4].astype(int)
    strength = palette.CLASS_BACKGROUND_STRENGTH
    expected_left = palette.output_colours(strength=strength)[0]
    expected_right = palette.output_colours(strength=strength)[-1]
    assert np.abs(left - expected_left).sum() <= 12, (left, expected_left)
    assert np.abs(right - expected_right).sum() <= 12, (right, expected_right)


def test_the_chart_draws_one_curve_per_variant_of_the_chosen_figure(qtbot):
    chart = RaceChart(redraw_interval_ms=0)
    qtbot.addWidget(chart)
    chart.set_variants(["a", "b"])
    histories = [History(), History()]
    histories[0].append(1, 0.5, 0.6, 0.7, 0.8)
    histories[1].append(1, 0.4, None, 0.9, None)
    histories[1].append(2, 0.3, None, 1.0, None)
    chart.set_histories(histories)
    assert list(chart.curve_data(0)[1]) == [0.5]
    assert list(chart.curve_data(1)[1]) == [0.4, 0.3]
    chart.metric_combo.setCurrentIndex(chart.metric_combo.findData("test_loss"))
    assert list(chart.curve_data(0)[1]) == [0.6]
    assert len(chart.curve_data(1)[0]) == 0  # no test data: no curve rather than NaN
    assert chart.plot_item.getAxis("left").labelText == "loss"
    chart.metric_combo.setCurrentIndex(chart.metric_combo.findData("train_accuracy"))
    assert chart.plot_item.getAxis("left").labelText == "accuracy"
    assert not chart.log_check.isEnabled()


def test_figures_read_as_the_main_window_writes_them():
    assert figure_text("train_loss", 0.0123456) == "0.01235"
    assert figure_text("test_accuracy", 0.9876) == "98.8%"
    assert figure_text("epoch", 12000) == "12,000"
    assert figure_text("test_loss", None) == "—"
    assert figure_text("test_loss", float("nan")) == "—"


def test_the_chart_fits_its_ranges_to_the_curves_in_steps(qtbot):
    chart = RaceChart(redraw_interval_ms=0)
    qtbot.addWidget(chart)
    chart.set_variants(["a"])
    history = History()
    for epoch in range(1, 61):
        history.append(epoch, 1.0 / epoch, None, None, None)
    chart.set_histories([history])
    (x_low, x_high), (y_low, y_high) = chart.plot_item.viewRange()
    assert x_low <= 0
    assert 60 <= x_high <= 60 * 1.1
    assert y_low <= 1 / 60
    assert 1.0 <= y_high <= 1.1
    history.append(61, 0.01, None, None, None)
    chart.set_histories([history])
    assert 80 <= chart.plot_item.viewRange()[0][1] <= 80 * 1.1  # the next step


def test_a_diverged_variant_does_not_flatten_the_others(qtbot):
    chart = RaceChart(redraw_interval_ms=0)
    qtbot.addWidget(chart)
    chart.set_variants(["calm", "diverged"])
    calm, diverged = History(), History()
    for epoch in range(1, 11):
        calm.append(epoch, 1.0 / epoch, None, None, None)
    diverged.append(1, 1e250, None, None, None)
    chart.set_histories([calm, diverged], stopped={1})
    high = chart.plot_item.viewRange()[1][1]
    assert high < 2  # the calm curve fills the chart; the diverged one leaves it at the top
    assert list(chart.curve_data(1)[1]) == [1e250]  # still drawn
    chart.set_histories([calm, diverged])  # not known to have stopped: every point counts
    assert chart.plot_item.viewRange()[1][1] >= 1e250
