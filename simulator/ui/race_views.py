"""The pictures of a race: one chart of every variant's curve (one colour each, a legend naming
the difference), a small decision-boundary view per variant, and a table of their latest
figures. They draw what the race worker reports; they compute nothing."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app.experiments.race import PlaneMap
from ..app.experiments.race_worker import RunnerReport
from ..app.history import History
from ..app.snapshot import DataPicture
from . import palette

# As the main window's curves: ten redraws a second keep them live and leave the interpreter
# to the race.
REDRAW_INTERVAL_MS = 100

# What the chart can show, as the combo names it → the history's column.
METRICS = (
    ("Training loss", "train_loss"),
    ("Test loss", "test_loss"),
    ("Training accuracy", "train_accuracy"),
    ("Test accuracy", "test_accuracy"),
)
# The table's columns after the variant's name, each a history column (epoch first).
FIGURES = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
FIGURE_HEADERS = ("Epoch", "Train loss", "Test loss", "Train accuracy", "Test accuracy")


def figure_text(key: str, value) -> str:
    """A table cell's words for a history value: losses to four significant figures, accuracy
    as a percentage, "—" where there is none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if key == "epoch":
        return f"{int(value):,}"
    if key.endswith("accuracy"):
        return f"{value:.1%}"
    return f"{value:.4g}"


def _pen(index: int) -> pg.QtGui.QPen:
    # Width 2 reads at a glance from six curves; solid, as dashed pens cost far more to draw.
    return pg.mkPen(palette.variant_colour(index), width=2)


class RaceChart(QWidget):
    """One curve per variant of the metric chosen in the combo, redrawn at most every
    `redraw_interval_ms`; the legend above names each variant in its colour."""

    def __init__(
        self, parent: QWidget | None = None, *, redraw_interval_ms: int = REDRAW_INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self.redraw_interval_ms = redraw_interval_ms
        self._histories: list[History] = []
        self._labels: list[str] = []
        self._dirty = False
        self._log = False
        self._since_draw = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

        self.metric_combo = QComboBox()
        for text, key in METRICS:
            self.metric_combo.addItem(text, key)
        self.metric_combo.setToolTip("Which figure the curves show, one curve per variant")
        self.metric_combo.currentIndexChanged.connect(self._on_metric_combo_changed)
        self.log_check = QCheckBox("Log")
        self.log_check.setToolTip("The loss on a logarithmic axis, to tell small losses apart")
        self.log_check.toggled.connect(self._on_log_check_toggled)
        self.legend = QWidget()
        self._legend_layout = QGridLayout(self.legend)
        self._legend_layout.setContentsMargins(0, 0, 0, 0)
        self._legend_layout.setHorizontalSpacing(12)
        self._legend_layout.setVerticalSpacing(0)
        self.legend_labels: list[QLabel] = []

        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        self.plot = pg.PlotWidget(background=base)
        self.plot.setMinimumSize(200, 140)
        item = self.plot_item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.disableAutoRange()
        item.hideButtons()
        item.setLabel("bottom", "epoch")
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            axis.enableAutoSIPrefix(False)
        self.curves: list[pg.PlotDataItem] = []

        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.metric_combo)
        top.addStretch(1)
        top.addWidget(self.log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        self._show_axis_name()

    def set_variants(self, labels: list[str]) -> None:
        """Start over with one empty curve per variant named by `labels`."""
        for curve in self.curves:
            self.plot_item.removeItem(curve)
        for label in self.legend_labels:
            label.deleteLater()
        self._labels = list(labels)
        self._histories = [History() for _ in labels]
        self.curves = []
        self.legend_labels = []
        columns = 3 if len(labels) > 4 else 2
        for index, text in enumerate(labels):
            curve = pg.PlotDataItem(pen=_pen(index), connect="finite")
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.plot_item.addItem(curve)
            self.curves.append(curve)
            label = QLabel(f"━━ {text}")
            label.setStyleSheet(f"color: {palette.variant_colour(index)}; font-weight: bold")
            self._legend_layout.addWidget(label, index // columns, index % columns)
            self.legend_labels.append(label)
        # The names packed to the left, not spread over the chart's width.
        self._legend_layout.setColumnStretch(columns, 1)
        self._draw()

    def set_histories(self, histories: list[History]) -> None:
        """Show these histories (one per variant, as set_variants named them), now or at the
        end of the redraw interval."""
        self._histories = histories
        self._dirty = True
        elapsed = self._since_draw.elapsed() if self._since_draw.isValid() else None
        if elapsed is not None and elapsed < self.redraw_interval_ms:
            if not self._timer.isActive():
                self._timer.start(self.redraw_interval_ms - elapsed)
            return
        self._draw()

    def flush(self) -> None:
        """Draw what waits for the end of the redraw interval now (screenshots, tests)."""
        if self._dirty:
            self._draw()

    def metric(self) -> str:
        return self.metric_combo.currentData()

    def curve_data(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The points variant `index`'s curve shows (tests read them)."""
        x, y = self.curves[index].getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (x, y)

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._dirty:
            self._draw()

    def _draw(self) -> None:
        self._dirty = False
        self._since_draw.start()
        key = self.metric()
        log = self._log
        last_epoch, shown = 1.0, []
        for curve, history in zip(self.curves, self._histories, strict=False):
            y = history.column(key) if len(history) else np.zeros(0)
            if not len(y) or np.isnan(y).all():
                curve.setData([], [])
                continue
            epochs = history.column("epoch")
            curve.setData(epochs, y)
            last_epoch = max(last_epoch, float(epochs[-1]))
            shown.append(y[np.isfinite(y) & (y > 0)] if log else y[np.isfinite(y)])
        # The ranges set once, from the curves' own points: pyqtgraph's auto-range paints twice
        # and lays out the axes again each time, which the race's GUI thread cannot spare.
        values = np.concatenate(shown) if shown else np.zeros(0)
        if log and len(values):
            values = np.log10(values)
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        if high - low <= 1e-12 * max(1.0, abs(high)):
            low, high = low - 0.5, high + 0.5
        self.plot_item.setRange(xRange=(0, last_epoch), yRange=(low, high), padding=0.03)

    def _show_axis_name(self) -> None:
        key = self.metric()
        accuracy = key.endswith("accuracy")
        self.plot_item.setLabel("left", "accuracy" if accuracy else "loss")
        self.log_check.setEnabled(not accuracy)
        self._log = self.log_check.isChecked() and not accuracy
        self.plot_item.setLogMode(y=self._log)

    @Slot(int)
    def _on_metric_combo_changed(self, _index: int) -> None:
        self._show_axis_name()
        self._draw()

    @Slot(bool)
    def _on_log_check_toggled(self, _checked: bool) -> None:
        self._show_axis_name()
        self._draw()


class BoundaryView(QWidget):
    """A small picture of one variant's decision boundary over the data's plane: the
    predicted class in the plane's pale class colours (the output's value for one output,
    as the data view shows it) with the training points on top, framed in the variant's
    colour and titled with its label."""

    def __init__(self, index: int, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        colour = palette.variant_colour(index)
        self.title = QLabel(label)
        self.title.setStyleSheet(f"color: {colour}; font-weight: bold")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setToolTip(label)
        self.plot = pg.PlotWidget(background=self.palette().color(QPalette.ColorRole.Window))
        self.plot.setMinimumSize(100, 100)
        item = self.plot.getPlotItem()
        item.layout.setContentsMargins(0, 0, 0, 0)
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.getViewBox().setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")  # row 0 is the lowest y
        item.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=4, pen=pg.mkPen("#333333", width=0.5))
        item.addItem(self.points)
        # The frame in the variant's colour hugs the plane itself, whatever the view's shape.
        self.frame = pg.PlotCurveItem(pen=pg.mkPen(colour, width=3))
        item.addItem(self.frame)
        self._mode: tuple | None = None
        self.shown: PlaneMap | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)

    def set_data(self, picture: DataPicture) -> None:
        """The training points, coloured by class (classification) or dark (regression)."""
        points = picture.train_raw[:, :2]
        if picture.task == "classification" and picture.train_classes is not None:
            brushes = [QBrush(QColor(palette.class_colour(c))) for c in picture.train_classes]
            self.points.setData(pos=points, brush=brushes)
        else:
            self.points.setData(pos=points, brush=QBrush(QColor("#555555")))
        self._targets = picture.train_targets
        self._task = picture.task
        self._classes = len(picture.classes or ())

    def set_plane(self, plane: PlaneMap) -> None:
        """Show the variant's output over the plane."""
        self.shown = plane
        outputs = plane.values.shape[2]
        if outputs == 1:
            mode = ("value", plane.output, self._task)
            if mode != self._mode:
                self._mode = mode
                colours = (
                    palette.output_colours
                    if self._task == "classification"
                    else palette.value_colours
                )
                self.image.setLookupTable(colours(strength=palette.CLASS_BACKGROUND_STRENGTH))
                self._levels = palette.target_range(plane.output, self._targets[:, :1])
            self.image.setImage(plane.values[:, :, 0], autoLevels=False, levels=self._levels)
        else:
            count = max(outputs, self._classes)
            mode = ("classes", count)
            if mode != self._mode:
                self._mode = mode
                lut = np.array([palette.class_background_rgb(k) for k in range(count)])
                self.image.setLookupTable(lut.astype(np.uint8))
            self.image.setImage(plane.classes, autoLevels=False, levels=(0, count - 1))
        x_min, x_max, y_min, y_max = plane.bounds
        self.image.setRect(x_min, y_min, x_max - x_min, y_max - y_min)
        self.frame.setData([x_min, x_max, x_max, x_min, x_min], [y_min, y_min, y_max, y_max, y_min])
        self.plot.getPlotItem().getViewBox().setRange(
            xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0
        )


class RaceTable(QTableWidget):
    """A row per variant: its name in its colour, the latest epoch's figures and a button to
    open it as the main scenario (`open_requested` carries the row)."""

    open_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(FIGURES) + 2, parent)
        self.setHorizontalHeaderLabels(["Variant", *FIGURE_HEADERS, ""])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(FIGURES) + 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.open_buttons: list[QPushButton] = []

    def set_variants(self, labels: list[str]) -> None:
        self.setRowCount(len(labels))
        self.open_buttons = []
        # What each cell shows and the figure behind it, kept here: asking Qt for a cell's text
        # costs the GUI thread a turn of the interpreter the race holds most of the time.
        self._texts: list[list[str]] = []
        self._figures: list[dict] = []
        for row, text in enumerate(labels):
            item = QTableWidgetItem(f"■ {text}")
            item.setForeground(QBrush(QColor(palette.variant_colour(row))))
            item.setToolTip(text)
            self.setItem(row, 0, item)
            texts = []
            for column, key in enumerate(FIGURES, start=1):
                texts.append(figure_text(key, None))
                cell = QTableWidgetItem(texts[-1])
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, cell)
            self._texts.append(texts)
            self._figures.append({})
            button = QPushButton("Open as main")
            button.setToolTip(
                "Open this variant, trained as far as it is, in the main window as a new "
                "untitled scenario"
            )
            button.clicked.connect(self._on_open_button_clicked)
            self.setCellWidget(row, len(FIGURES) + 1, button)
            self.open_buttons.append(button)
        self.resizeRowsToContents()

    def rows_height(self) -> int:
        """Pixels to show every row without scrolling (the header and frame included)."""
        rows = sum(self.rowHeight(row) for row in range(self.rowCount()))
        return rows + self.horizontalHeader().height() + 2 * self.frameWidth() + 2

    def set_row(self, row: int, point: tuple | None, report: RunnerReport | None) -> None:
        """Write variant `row`'s latest epoch, `point` (epoch, train_loss, test_loss,
        train_accuracy, test_accuracy) as the history holds it; a stopped variant says why.
        Only the cells whose words change are touched."""
        values = dict(zip(FIGURES, point, strict=True)) if point is not None else {}
        for column, key in enumerate(FIGURES, start=1):
            value = values.get(key)
            if isinstance(value, float) and math.isnan(value):
                value = None
            self._figures[row][key] = value
            text = figure_text(key, value)
            if key == "epoch" and report is not None and report.stopped is not None:
                text = f"{text} ({report.stopped})"
            if text != self._texts[row][column - 1]:
                self._texts[row][column - 1] = text
                cell = self.item(row, column)
                cell.setText(text)
                if key == "epoch":
                    cell.setToolTip(report.message or "" if report is not None else "")

    def figure(self, row: int, key: str):
        """The exact figure behind a cell (None where there is none)."""
        return self._figures[row].get(key)

    @Slot()
    def _on_open_button_clicked(self) -> None:
        sender = self.sender()
        if sender in self.open_buttons:
            self.open_requested.emit(self.open_buttons.index(sender))
