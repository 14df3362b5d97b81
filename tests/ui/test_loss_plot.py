"""The loss plot: curves equal the history's columns, log scale, accuracy for classification."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from simulator.app.history import DivergenceMark, History
from simulator.app.session import Simulation
from simulator.app.storage import load_scenario
from simulator.resources import scenarios_dir
from simulator.ui.loss_plot import LossPlot


@pytest.fixture(scope="module")
def spiral():
    simulation = Simulation(load_scenario(scenarios_dir() / "spiral.json"))
    simulation.train_epochs(12)
    return simulation


@pytest.fixture
def plot(qtbot):
    widget = LossPlot(redraw_interval_ms=0)
    qtbot.addWidget(widget)
    widget.resize(600, 450)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _data(curve):
    x, y = curve.getOriginalDataset()
    return (np.array([]), np.array([])) if x is None else (x, y)


def test_curves_hold_the_history_columns(plot, spiral):
    history = spiral.history
    plot.set_task("classification")
    plot.set_history(history)
    epochs = history.column("epoch")
    for curve, key in (
        (plot.train_curve, "train_loss"),
        (plot.test_curve, "test_loss"),
        (plot.train_accuracy_curve, "train_accuracy"),
        (plot.test_accuracy_curve, "test_accuracy"),
    ):
        x, y = _data(curve)
        assert np.array_equal(x, epochs)
        assert np.array_equal(y, history.column(key))
    assert len(epochs) == 12


def test_curves_follow_a_growing_history(plot, spiral):
    history = History()
    plot.set_history(history)
    for row in zip(
        *(spiral.history.column(k) for k in ("epoch", "train_loss", "test_loss")), strict=True
    ):
        history.append(int(row[0]), row[1], row[2], None, None)
        plot.set_history(history)
        assert len(_data(plot.train_curve)[0]) == len(history)
    assert np.array_equal(_data(plot.test_curve)[1], spiral.history.column("test_loss"))


def test_latest_losses_are_written_to_four_digits(plot, spiral):
    plot.set_task("classification")
    plot.set_history(spiral.history)
    train = spiral.history.column("train_loss")[-1]
    test = spiral.history.column("test_loss")[-1]
    text = plot.summary_text()
    assert text.startswith(f"train {train:.4g} · test {test:.4g}")
    assert f"{spiral.history.column('train_accuracy')[-1]:.1%}" in text
    assert f"{train:.4g}" in plot.train_figure.text()
    plot.clear()
    assert _data(plot.train_curve)[0].size == 0
    assert f"{train:.4g}" not in plot.summary_text()


def test_log_checkbox_switches_the_loss_axis(plot, spiral):
    plot.set_history(spiral.history)
    left = plot.plot_item.getAxis("left")
    assert not left.logMode
    plot.log_check.setChecked(True)
    assert left.logMode
    assert plot.train_curve.opts["logMode"][1]
    # Accuracy keeps its own linear 0..1 axis.
    assert not plot.plot_item.getAxis("right").logMode
    plot.log_check.setChecked(False)
    assert not left.logMode
    assert not plot.train_curve.opts["logMode"][1]


def test_accuracy_axis_only_for_classification(plot, spiral):
    right = plot.plot_item.getAxis("right")
    plot.set_task("classification")
    assert right.isVisible()
    assert plot.accuracy_box.isVisible()
    plot.set_task("regression")
    assert not right.isVisible()
    assert not plot.accuracy_box.isVisible()
    plot.set_history(spiral.history)
    assert "accuracy" not in plot.summary_text()


def test_missing_test_loss_draws_no_test_curve(plot):
    history = History()
    for epoch, loss in enumerate((0.9, 0.5, 0.3), start=1):
        history.append(epoch, loss, None, None, None)
    plot.set_history(history)
    assert _data(plot.test_curve)[0].size == 0
    assert np.array_equal(_data(plot.train_curve)[1], [0.9, 0.5, 0.3])
    assert plot.summary_text() == "train 0.3 · test —"


def test_redraws_at_most_once_an_interval_and_draws_the_latest(qtbot, spiral):
    plot = LossPlot(redraw_interval_ms=200)
    qtbot.addWidget(plot)
    plot.show()
    history = History()
    rows = list(
        zip(*(spiral.history.column(k) for k in ("epoch", "train_loss", "test_loss")), strict=True)
    )
    history.append(int(rows[0][0]), rows[0][1], rows[0][2], None, None)
    plot.set_history(history)
    assert len(_data(plot.train_curve)[0]) == 1  # the first call draws at once
    for row in rows[1:]:
        history.append(int(row[0]), row[1], row[2], None, None)
        plot.set_history(history)
    assert len(_data(plot.train_curve)[0]) == 1  # the rest wait for the interval to end
    assert plot.redraw_pending()
    qtbot.waitUntil(lambda: not plot.redraw_pending(), timeout=2000)
    assert len(_data(plot.train_curve)[0]) == len(rows)


def _diverged_history() -> History:
    history = History()
    for epoch, loss in enumerate((0.5, 0.3, 0.25, 0.4, 2.0, 30.0), start=1):
        history.append(epoch, loss, 1.1 * loss, None, None)
    history.divergence = DivergenceMark(epoch=6.3, train_loss=80.0, undone_step=64)
    return history


def _marker_pixels(plot, x, y, radius=1):
    """The plot's pixels (RGB) around where the view puts (x, y)."""
    scene = plot.plot_item.getViewBox().mapViewToScene(QPointF(x, y))
    at = plot.plot.mapTo(plot, plot.plot.mapFromScene(scene))
    image = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    ratio = image.devicePixelRatio()
    column, row = round(at.x() * ratio), round(at.y() * ratio)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    pixels = pixels[:, : width * 3].reshape(height, width, 3)
    # A copy: the array views the image's memory, which goes when the image does.
    return pixels[row - radius : row + radius + 1, column - radius : column + radius + 1].copy()


def test_divergence_is_marked_at_the_last_finite_point_with_its_step(plot):
    history = _diverged_history()
    plot.set_history(history)
    x, y = _data(plot.divergence_marker)
    assert (list(x), list(y)) == ([6.3], [80.0])
    assert plot.divergence_text.isVisible()
    assert plot.divergence_text.toPlainText() == "diverged — step 64 undone"
    (left, right), (bottom, top) = plot.plot_item.viewRange()
    assert left <= 6.3 <= right
    assert bottom <= 80.0 <= top
    # The cross is drawn in the text colour on the plot's background: dark pixels at the spot.
    assert _marker_pixels(plot, 6.3, 80.0).min() < 160
    # The curves still end at the last epoch: the mark is drawn beside them, not into them.
    assert _data(plot.train_curve)[1][-1] == 30.0
    assert plot.summary_text() == "train 30 · test 33"


def test_divergence_mark_follows_the_log_scale(plot):
    plot.set_history(_diverged_history())
    plot.set_log_scale(True)
    assert plot.divergence_marker.opts["logMode"][1]
    assert plot.divergence_text.pos().y() == pytest.approx(np.log10(80.0))
    assert _marker_pixels(plot, 6.3, np.log10(80.0)).min() < 160


def test_a_divergence_in_the_first_epoch_is_the_only_point(plot):
    simulation = Simulation(load_scenario(scenarios_dir() / "learning-rate-too-high.json"))
    simulation.train_epochs(5)
    assert len(simulation.history) == 0
    mark = simulation.history.divergence
    plot.set_history(simulation.history)
    x, y = _data(plot.divergence_marker)
    assert (list(x), list(y)) == ([0.5], [mark.train_loss])
    assert plot.divergence_text.toPlainText() == "diverged — step 6 undone"
    assert plot.summary_text().startswith(f"train {mark.train_loss:.4g}")
    assert _marker_pixels(plot, 0.5, mark.train_loss).min() < 160


def test_reset_clears_the_divergence_mark(plot):
    plot.set_history(_diverged_history())
    plot.set_history(History())  # Reset: a fresh run's empty history
    assert _data(plot.divergence_marker)[0].size == 0
    assert not plot.divergence_text.isVisible()
    assert plot.divergence() is None
    plot.set_history(_diverged_history())
    plot.clear()
    assert _data(plot.divergence_marker)[0].size == 0
    assert not plot.divergence_text.isVisible()
