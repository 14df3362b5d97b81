"""The loss plot: curves equal the history's columns, log scale, accuracy for classification."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.app.history import History
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
