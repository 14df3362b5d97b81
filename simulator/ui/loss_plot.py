"""The learning curves: training and test loss against epochs, accuracy for classification, and
where a run diverged."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..app.history import DivergenceMark, History
from .palette import NEGATIVE, POSITIVE
from .rate_plot import RatePlot

# The palette's colour-blind-safe blue and orange; test curves also differ by dash, so the pair
# reads apart without colour.
TRAIN_COLOR = POSITIVE
TEST_COLOR = NEGATIVE

# Redrawing the curves and their axes is the dearest part of a frame, and the training thread
# shares the interpreter with it: ten redraws a second keep the curves live and leave the rest
# of the time to training.
REDRAW_INTERVAL_MS = 100


def _figure(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _percent(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.1%}"


def divergence_label(mark: DivergenceMark) -> str:
    """The few words beside the divergence marker, e.g. "diverged — step 7 undone"."""
    if mark.undone_step is None:
        return "diverged"
    return f"diverged — step {mark.undone_step} undone"


def _marker_point(mark: DivergenceMark | None) -> tuple[float, float] | None:
    """Where the divergence marker sits: the kept state's place in epochs and its training
    loss; None when there is no mark or no finite loss to put it at."""
    if mark is None or mark.train_loss is None or not math.isfinite(mark.train_loss):
        return None
    return float(mark.epoch), float(mark.train_loss)


def _sample(color: str, line: str) -> QLabel:
    """A line sample in the curve's colour and dash, for the legend above the plot."""
    label = QLabel(line)
    label.setStyleSheet(f"color: {color}; font-weight: bold")
    return label


class LossPlot(QWidget):
    """Plots a History. set_history(history) redraws from its columns, at most once every
    `redraw_interval_ms` (a later call within it is drawn when the interval ends, latest
    wins); set_task(task) shows the accuracy axis for classification; clear() empties the plot.
    A history's divergence mark is drawn as a cross at the kept state's training loss (the last
    finite point) with a short label naming the undone step."""

    def __init__(
        self, parent: QWidget | None = None, *, redraw_interval_ms: int = REDRAW_INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self.redraw_interval_ms = redraw_interval_ms
        self._waiting_history: History | None = None
        self._shown_history: History | None = None
        self._since_draw = QElapsedTimer()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self._on_redraw_timer_timeout)
        self._classification = False
        self._plain = ""
        # The epoch whose figures the legend writes: None for the latest.
        self._figures_epoch: int | None = None
        # Points drawn on the plot by others (the timeline's abandoned futures) that the ranges
        # must take in: (epochs, losses).
        self._also_fit = (np.zeros(0), np.zeros(0))
        # The legend sits above the plot, where it never hides a curve: a line sample in each
        # curve's colour and dash, then the latest figure. Plain labels, not one rich-text
        # label: Qt repaints a rich-text label on every frame of the window, a plain one only
        # when its text changes.
        self.train_figure = QLabel()
        self.test_figure = QLabel()
        self.train_accuracy_figure = QLabel()
        self.test_accuracy_figure = QLabel()
        self.log_check = QCheckBox("Log")
        self.log_check.setToolTip(
            "Log scale: the loss on a logarithmic axis, which shows progress once it is small"
        )
        self.log_check.toggled.connect(self._on_log_check_toggled)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.setSpacing(4)
        for sample, figure in (
            (_sample(TRAIN_COLOR, "━━"), self.train_figure),
            (_sample(TEST_COLOR, "╍╍"), self.test_figure),
        ):
            top.addWidget(sample)
            top.addWidget(figure)
            top.addSpacing(8)
        top.addStretch(1)
        top.addWidget(self.log_check)
        self.accuracy_row = QWidget()
        accuracy = QHBoxLayout(self.accuracy_row)
        accuracy.setContentsMargins(4, 0, 4, 0)
        accuracy.setSpacing(4)
        accuracy.addWidget(QLabel("accuracy"))
        accuracy.addSpacing(4)
        for sample, figure in (
            (_sample(TRAIN_COLOR, "┈┈"), self.train_accuracy_figure),
            (_sample(TEST_COLOR, "─·─"), self.test_accuracy_figure),
        ):
            accuracy.addWidget(sample)
            accuracy.addWidget(figure)
            accuracy.addSpacing(8)
        accuracy.addStretch(1)
        tip = "The latest epoch's loss (and accuracy) on the training and the test data"
        for label in (self.train_figure, self.test_figure, self.accuracy_row):
            label.setToolTip(tip)

        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        self.plot = pg.PlotWidget(background=base)
        self.plot.setMinimumSize(160, 100)
        item = self.plot_item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        # The plot fits its ranges itself on each redraw (pyqtgraph's auto-range paints twice
        # and rebuilds every axis each time); zooming by mouse would fight that, and the log
        # scale is the way to look closely at a small loss.
        item.setMouseEnabled(x=False, y=False)
        item.disableAutoRange()
        item.hideButtons()
        item.layout.setContentsMargins(2, 8, 2, 2)
        # The font the axes scale from with the window's zoom (set_scale).
        self._base_point_size = self.font().pointSizeF()
        self._tick_font = QFont(self.font())
        self._axis_labels = {"bottom": "epoch", "left": "loss", "right": "accuracy"}
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        for name in ("left", "bottom", "right"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            # "loss (x0.001)" reads worse than plain decimals, above all on a log axis.
            axis.enableAutoSIPrefix(False)
        # Width 1: a wider pen, above all a dashed one, is drawn as a filled path and costs
        # several times as much on every redraw.
        self.train_curve = self._curve(TRAIN_COLOR, Qt.PenStyle.SolidLine, 1)
        self.test_curve = self._curve(TEST_COLOR, Qt.PenStyle.DashLine, 1)
        # The first epoch's steps, each its batch's loss, as small dots joined by a thin line:
        # a blow-up in the first epoch shows before the first whole-epoch point exists.
        self.first_epoch_curve = pg.PlotDataItem(
            pen=pg.mkPen(TRAIN_COLOR, width=1, style=Qt.PenStyle.DotLine),
            symbol="o",
            symbolSize=3,
            symbolPen=None,
            symbolBrush=pg.mkBrush(TRAIN_COLOR),
            connect="finite",
        )
        self.first_epoch_curve.setToolTip("The batch loss of each step of the first epoch")
        for curve in (self.first_epoch_curve, self.train_curve, self.test_curve):
            item.addItem(curve)
        # A PlotDataItem rather than a bare scatter item, so the log scale moves it as it moves
        # the curves; the label is placed by hand (a TextItem knows nothing of log scales).
        self.divergence_marker = pg.PlotDataItem(
            pen=None, symbol="x", symbolSize=14, symbolPen=pg.mkPen(text, width=2), symbolBrush=None
        )
        self.divergence_text = pg.TextItem(color=text, anchor=(1.0, 1.0))
        item.addItem(self.divergence_marker)
        item.addItem(self.divergence_text, ignoreBounds=True)
        self._divergence: DivergenceMark | None = None

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
        self.train_accuracy_curve = self._curve(TRAIN_COLOR, Qt.PenStyle.DotLine, 1)
        self.test_accuracy_curve = self._curve(TEST_COLOR, Qt.PenStyle.DashDotLine, 1)
        for curve in (self.train_accuracy_curve, self.test_accuracy_curve):
            self.accuracy_box.addItem(curve)
        item.getViewBox().sigResized.connect(self._on_view_resized)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.accuracy_row)
        layout.addWidget(self.plot, 1)
        # The learning-rate schedule's strip (ui/rate_plot.py), shown only with a schedule.
        self.rate_plot = RatePlot()
        layout.addWidget(self.rate_plot)
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
        self.accuracy_row.setVisible(shown)
        self._write_summary(None, None, None, None)

    @Slot(object)
    def set_history(self, history: History) -> None:
        """Redraw the curves from `history`'s columns and write its latest losses, now or, when
        the last redraw was less than the redraw interval ago, as soon as the interval ends."""
        elapsed = self._since_draw.elapsed() if self._since_draw.isValid() else None
        if elapsed is not None and elapsed < self.redraw_interval_ms:
            self._waiting_history = history
            if not self._redraw_timer.isActive():
                self._redraw_timer.start(self.redraw_interval_ms - elapsed)
            return
        self._draw(history)

    def also_fit(self, epochs: np.ndarray, losses: np.ndarray) -> None:
        """Have the ranges take in these points (n,) as well as the history's: curves other
        views draw on `plot_item` (the timeline's) stay in sight. Empty arrays: none."""
        self._also_fit = (np.asarray(epochs, dtype=float), np.asarray(losses, dtype=float))
        self._redraw_now()

    def redraw_pending(self) -> bool:
        """Return whether a history is waiting for the end of the redraw interval."""
        return self._waiting_history is not None

    @Slot()
    def _on_redraw_timer_timeout(self) -> None:
        history, self._waiting_history = self._waiting_history, None
        if history is not None:
            self._draw(history)

    def _draw(self, history: History) -> None:
        self._shown_history = history
        self._waiting_history = None
        self._redraw_timer.stop()
        self._since_draw.start()
        mark = _marker_point(history.divergence)
        places, step_losses = history.first_epoch_columns()
        if not len(history) and mark is None and not len(places) and not len(self._also_fit[0]):
            self.clear()
            return
        epochs = history.column("epoch")
        train, test = history.column("train_loss"), history.column("test_loss")
        self._set_curve(self.train_curve, epochs, train)
        self._set_curve(self.test_curve, epochs, test)
        self.first_epoch_curve.setData(places, step_losses)
        self._show_divergence(history.divergence)
        # The ranges take in every point drawn: whole epochs, the first epoch's steps, the mark.
        extra_x, extra_y = (
            np.append(places, self._also_fit[0]),
            np.append(step_losses, self._also_fit[1]),
        )
        if mark is not None:
            extra_x, extra_y = np.append(extra_x, mark[0]), np.append(extra_y, mark[1])
        self._fit_ranges(
            np.append(epochs, extra_x),
            np.append(train, extra_y),
            np.append(test, np.full(len(extra_x), np.nan)),
        )
        if mark is not None:
            self._place_divergence_label()
        train_accuracy = test_accuracy = None
        if self._classification:
            train_accuracy = history.column("train_accuracy")
            test_accuracy = history.column("test_accuracy")
            self._set_curve(self.train_accuracy_curve, epochs, train_accuracy)
            self._set_curve(self.test_accuracy_curve, epochs, test_accuracy)
        if not len(history):  # within the first epoch: its steps and the marker are all there is
            self._write_summary(mark[1] if mark is not None else None, None, None, None)
            return
        # The figures of the epoch on show: the latest, or the one the timeline looks back at.
        row = len(epochs) - 1
        if self._figures_epoch is not None:
            found = np.flatnonzero(epochs == self._figures_epoch)
            if len(found):
                row = int(found[0])
        if self._classification:
            train_accuracy, test_accuracy = train_accuracy[row], test_accuracy[row]
        self._write_summary(train[row], test[row], train_accuracy, test_accuracy)

    def show_figures_of(self, epoch: int | None) -> None:
        """Write the recorded figures of `epoch` above the chart (None: the latest), as the
        timeline looks back at it."""
        if epoch == self._figures_epoch:
            return
        self._figures_epoch = epoch
        if self._shown_history is not None:
            self._draw(self._shown_history)

    def clear(self) -> None:
        """Empty every curve and the latest-loss text."""
        self._waiting_history = None
        self._shown_history = None
        self._redraw_timer.stop()
        for curve in (
            self.train_curve,
            self.test_curve,
            self.train_accuracy_curve,
            self.test_accuracy_curve,
            self.first_epoch_curve,
        ):
            curve.setData([], [])
        self._show_divergence(None)
        self._write_summary(None, None, None, None)
        # A new run starts on fresh axes, not on the last run's 0–25,000 epochs.
        self.plot_item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)

    def divergence(self) -> DivergenceMark | None:
        """Return the divergence the plot marks (None when it marks none)."""
        return self._divergence

    def summary_text(self) -> str:
        """Return the latest figures as plain text, e.g. "train 0.1234 · test 0.1456"."""
        return self._plain

    def set_scale(self, scale: float) -> None:
        """Write the axes' numbers and names `scale` times their size (the window's zoom; the
        legend above the plot follows the window's font by itself)."""
        font = QFont(self.font())
        font.setPointSizeF(self._base_point_size * scale)
        self._tick_font = font
        size = f"{font.pointSizeF():.1f}pt"
        for name, text in self._axis_labels.items():
            axis = self.plot_item.getAxis(name)
            axis.setStyle(tickFont=font)
            axis.setLabel(text, **{"font-size": size})
        self.divergence_text.setFont(font)
        self._redraw_now()

    def axis_font(self) -> QFont:
        """The font of the axes' numbers."""
        return QFont(self._tick_font)

    def log_scale(self) -> bool:
        """Return whether the loss axis is logarithmic."""
        return self.log_check.isChecked()

    def set_log_scale(self, on: bool) -> None:
        """Put the loss axis on a logarithmic (True) or linear scale, as the checkbox does."""
        self.log_check.setChecked(on)

    # ----- internals --------------------------------------------------------------------------

    def _write_summary(self, train, test, train_accuracy, test_accuracy) -> None:
        loss = f"train {_figure(train)} · test {_figure(test)}"
        self.train_figure.setText(f"train {_figure(train)}")
        self.test_figure.setText(f"test {_figure(test)}")
        if self._classification:
            loss += f" · accuracy train {_percent(train_accuracy)} · test {_percent(test_accuracy)}"
            self.train_accuracy_figure.setText(f"train {_percent(train_accuracy)}")
            self.test_accuracy_figure.setText(f"test {_percent(test_accuracy)}")
        self._plain = loss

    def _show_divergence(self, mark: DivergenceMark | None) -> None:
        self._divergence = mark
        point = _marker_point(mark)
        if point is None:
            self.divergence_marker.setData([], [])
            self.divergence_text.setText("")
            self.divergence_text.hide()
            return
        x, y = point
        self.divergence_marker.setData([x], [y])
        self.divergence_text.setText(divergence_label(mark))
        self.divergence_text.show()

    def _place_divergence_label(self) -> None:
        """Put the label beside the marker on the side with room: the marker often ends the
        curve at its highest point, where a label above or to the right would be cut off."""
        point = _marker_point(self._divergence)
        if point is None:
            return
        x, y = point
        if self.log_scale():
            y = math.log10(y) if y > 0 else y
        (left, right), (bottom, top) = self.plot_item.viewRange()
        # Right of the marker if the label fits there, else left of it, else centred over it
        # (a narrow window: a marker mid-axis has room on neither side).
        view_width = self.plot_item.vb.width()
        label_width = self.divergence_text.boundingRect().width()
        marker_at = view_width * (x - left) / (right - left) if right > left else 0.0
        if view_width - marker_at >= label_width:
            across = 0.0
        elif marker_at >= label_width:
            across = 1.0
        else:
            across = 0.5
        self.divergence_text.setAnchor((across, 0.0 if y > (bottom + top) / 2 else 1.0))
        self.divergence_text.setPos(x, y)

    def _fit_ranges(self, epochs: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        """Epochs from the first to the last; the loss axis from the smallest to the largest
        finite loss (in decades on a log axis). One call, so the view repaints once."""
        # From a whole epoch: a divergence in the first epoch is marked at a fraction of it.
        first, last = math.floor(epochs.min()), float(epochs.max())
        x_range = (first, max(last, first + 1))
        losses = np.concatenate((train, test))
        losses = losses[np.isfinite(losses)]
        if self.log_scale():
            losses = np.log10(losses[losses > 0])
        if not len(losses):
            self.plot_item.setRange(xRange=x_range, padding=0.02)
            self._apply_ranges()
            return
        low, high = float(losses.min()), float(losses.max())
        # A flat curve still gets a visible span around it, however large its value.
        flat = high - low <= 1e-12 * max(1.0, abs(high))
        margin = max(0.5, 0.05 * abs(high)) if flat else 0.05 * (high - low)
        self.plot_item.setRange(xRange=x_range, yRange=(low - margin, high + margin), padding=0.02)

    def _redraw_now(self) -> None:
        history = self._shown_history
        if history is not None:
            self._draw(history)

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
        self._redraw_now()  # the loss range is now in decades (or back in plain values)

    @Slot()
    def _on_view_resized(self) -> None:
        self.accuracy_box.setGeometry(self.plot_item.getViewBox().sceneBoundingRect())
        self.accuracy_box.linkedViewChanged(self.plot_item.getViewBox(), self.accuracy_box.XAxis)
