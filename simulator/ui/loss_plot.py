"""The learning curves: training and test loss against epochs, and accuracy for classification."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..app.history import History
from .palette import NEGATIVE, POSITIVE

# The palette's colour-blind-safe blue and orange; test curves also differ by dash, so the pair
# reads apart without colour.
TRAIN_COLOR = POSITIVE
TEST_COLOR = NEGATIVE


def _figure(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _percent(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.1%}"


def _sample(color: str, line: str) -> str:
    """A line sample in the curve's colour and dash, for the legend in the summary text."""
    return f'<span style="color:{color}; font-weight:bold">{line}</span>'


class LossPlot(QWidget):
    """Plots a History. set_history(history) redraws from its columns (cheap enough for ~30 Hz:
    the curves are kept and only their data set); set_task(task) shows the accuracy axis for
    classification; clear() empties the plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._classification = False
        self._plain = ""
        # The line samples in this text are the legend: above the plot it never hides a curve.
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setToolTip(
            "The latest epoch's loss (and accuracy) on the training and the test data"
        )
        self.log_check = QCheckBox("Log")
        self.log_check.setToolTip(
            "Log scale: the loss on a logarithmic axis, which shows progress once it is small"
        )
        self.log_check.toggled.connect(self._on_log_check_toggled)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.summary, 1)
        top.addWidget(self.log_check)

        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        self.plot = pg.PlotWidget(background=base)
        self.plot.setMinimumSize(160, 100)
        item = self.plot_item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.layout.setContentsMargins(2, 8, 2, 2)
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        for name in ("left", "bottom", "right"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            # "loss (x0.001)" reads worse than plain decimals, above all on a log axis.
            axis.enableAutoSIPrefix(False)
        self.train_curve = self._curve(TRAIN_COLOR, Qt.PenStyle.SolidLine, 2)
        self.test_curve = self._curve(TEST_COLOR, Qt.PenStyle.DashLine, 2)
        for curve in (self.train_curve, self.test_curve):
            item.addItem(curve)

        # Accuracy lives on its own view box and right axis, so the loss's log scale leaves it
        # alone and it always spans 0..1.
        self.accuracy_box = pg.ViewBox(enableMenu=False)
        self.accuracy_box.setMouseEnabled(x=False, y=False)
        item.scene().addItem(self.accuracy_box)
        right = item.getAxis("right")
        right.linkToView(self.accuracy_box)
        right.setLabel("accuracy")
        self.accuracy_box.setXLink(item)
        self.accuracy_box.setYRange(0.0, 1.0, padding=0.02)
        self.accuracy_box.enableAutoRange(y=False)
        self.train_accuracy_curve = self._curve(TRAIN_COLOR, Qt.PenStyle.DotLine, 1.5)
        self.test_accuracy_curve = self._curve(TEST_COLOR, Qt.PenStyle.DashDotLine, 1.5)
        for curve in (self.train_accuracy_curve, self.test_accuracy_curve):
            self.accuracy_box.addItem(curve)
        item.getViewBox().sigResized.connect(self._on_view_resized)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.setMinimumSize(220, 150)
        self.set_task("regression")
        self.clear()

    @staticmethod
    def _curve(color: str, style: Qt.PenStyle, width: float) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(pen=pg.mkPen(color, width=width, style=style), connect="finite")
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        return curve

    # ----- public API -------------------------------------------------------------------------

    def set_task(self, task: str) -> None:
        """Show the accuracy curves and right axis for "classification", hide them otherwise."""
        self._classification = task == "classification"
        shown = self._classification
        self.plot_item.showAxis("right", shown)
        self.accuracy_box.setVisible(shown)
        self._write_summary(None, None, None, None)

    @Slot(object)
    def set_history(self, history: History) -> None:
        """Redraw the curves from `history`'s columns and write its latest losses."""
        if not len(history):
            self.clear()
            return
        epochs = history.column("epoch")
        train, test = history.column("train_loss"), history.column("test_loss")
        self._set_curve(self.train_curve, epochs, train)
        self._set_curve(self.test_curve, epochs, test)
        train_accuracy = test_accuracy = None
        if self._classification:
            train_accuracy = history.column("train_accuracy")
            test_accuracy = history.column("test_accuracy")
            self._set_curve(self.train_accuracy_curve, epochs, train_accuracy)
            self._set_curve(self.test_accuracy_curve, epochs, test_accuracy)
            train_accuracy, test_accuracy = train_accuracy[-1], test_accuracy[-1]
        self._write_summary(train[-1], test[-1], train_accuracy, test_accuracy)

    def clear(self) -> None:
        """Empty every curve and the latest-loss text."""
        for curve in (
            self.train_curve,
            self.test_curve,
            self.train_accuracy_curve,
            self.test_accuracy_curve,
        ):
            curve.setData([], [])
        self._write_summary(None, None, None, None)

    def summary_text(self) -> str:
        """Return the latest figures as plain text, e.g. "train 0.1234 · test 0.1456"."""
        return self._plain

    def log_scale(self) -> bool:
        """Return whether the loss axis is logarithmic."""
        return self.log_check.isChecked()

    def set_log_scale(self, on: bool) -> None:
        """Put the loss axis on a logarithmic (True) or linear scale, as the checkbox does."""
        self.log_check.setChecked(on)

    # ----- internals --------------------------------------------------------------------------

    def _write_summary(self, train, test, train_accuracy, test_accuracy) -> None:
        loss = f"train {_figure(train)} · test {_figure(test)}"
        # Non-breaking spaces inside each "sample name value" group: a narrow plot wraps
        # between the groups, never inside one.
        groups = [
            f"{_sample(TRAIN_COLOR, '━━')}&nbsp;train&nbsp;{_figure(train)}",
            f"{_sample(TEST_COLOR, '╍╍')}&nbsp;test&nbsp;{_figure(test)}",
        ]
        if self._classification:
            accuracy = f"train {_percent(train_accuracy)} · test {_percent(test_accuracy)}"
            loss += f" · accuracy {accuracy}"
            # One group: on a narrow plot the accuracy moves to a line of its own.
            groups.append(
                f"&nbsp;accuracy&nbsp;{_sample(TRAIN_COLOR, '┈┈')}&nbsp;train&nbsp;"
                f"{_percent(train_accuracy)}&nbsp;&nbsp;"
                f"{_sample(TEST_COLOR, '─·─')}&nbsp;test&nbsp;{_percent(test_accuracy)}"
            )
        html = " &nbsp; ".join(groups)
        self._plain = loss
        self.summary.setText(html)

    @staticmethod
    def _set_curve(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
        # A set with no test data has only NaN: draw nothing rather than an all-NaN curve.
        if np.isnan(y).all():
            curve.setData([], [])
        else:
            curve.setData(x, y)

    @Slot(bool)
    def _on_log_check_toggled(self, checked: bool) -> None:
        self.plot_item.setLogMode(y=checked)
        # PlotItem switches every axis; accuracy's right axis stays linear 0..1.
        self.plot_item.getAxis("right").setLogMode(False, False)

    @Slot()
    def _on_view_resized(self) -> None:
        self.accuracy_box.setGeometry(self.plot_item.getViewBox().sceneBoundingRect())
        self.accuracy_box.linkedViewChanged(self.plot_item.getViewBox(), self.accuracy_box.XAxis)
