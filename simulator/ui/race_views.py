"""The pictures of a race: one chart of every variant's curve (one colour each, a legend naming
the difference), a small decision-boundary view per variant, and a table of their latest
figures. They draw what the race worker reports; they compute nothing."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPalette, QPen, QPixmap
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
        self._range: tuple[float, float, float] | None = None  # (last epoch, low, high) shown
        self._stopped: set[int] = set()
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
        self._range = None
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

    def set_histories(self, histories: list[History], stopped: set[int] = frozenset()) -> None:
        """Show these histories (one per variant, as set_variants named them), now or at the
        end of the redraw interval. The variants in `stopped` (diverged or failed) are drawn
        but do not set the loss range: a diverged run's 1e250 would flatten every other curve
        into its axis."""
        self._histories = histories
        self._stopped = set(stopped)
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
        last_epoch, shown, others = 1.0, [], []
        for index, (curve, history) in enumerate(zip(self.curves, self._histories, strict=False)):
            y = history.column(key) if len(history) else np.zeros(0)
            if not len(y) or np.isnan(y).all():
                curve.setData([], [])
                continue
            epochs = history.column("epoch")
            curve.setData(epochs, y)
            last_epoch = max(last_epoch, float(epochs[-1]))
            kept = y[np.isfinite(y) & (y > 0)] if log else y[np.isfinite(y)]
            (others if index in self._stopped else shown).append(kept)
        # The ranges set once, from the curves' own points, and only when they move by more
        # than a little: pyqtgraph's auto-range paints twice, and every new range lays the
        # axes out again, which the GUI thread cannot spare while the race holds the
        # interpreter. The epoch axis grows in steps (NICE_STEPS).
        values = np.concatenate(shown or others) if shown or others else np.zeros(0)
        if log and len(values):
            values = np.log10(values)
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        if high - low <= 1e-12 * max(1.0, abs(high)):
            low, high = low - 0.5, high + 0.5
        wanted = (_nice_ceiling(last_epoch), low, high)
        if self._range is None or _moved(self._range, wanted):
            self._range = wanted
            self.plot_item.setRange(xRange=(0, wanted[0]), yRange=(low, high), padding=0.03)

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
        self._range = None
        self._draw()

    @Slot(bool)
    def _on_log_check_toggled(self, _checked: bool) -> None:
        self._show_axis_name()
        self._range = None
        self._draw()


# The epoch axis ends at one of these times a power of ten: at most a fifth of it lies ahead
# of the curves, and it changes (and is laid out again) about a dozen times a decade.
NICE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def _nice_ceiling(value: float) -> float:
    """The least of NICE_STEPS times a power of ten that is at least `value` (at least 1)."""
    power = 10.0 ** math.floor(math.log10(max(value, 1.0)))
    return next(step * power for step in NICE_STEPS if step * power >= value)


def _moved(shown: tuple[float, float, float], wanted: tuple[float, float, float]) -> bool:
    """Whether the chart's ranges must change: another epoch axis, a point outside the loss
    range shown, or the points spanning less than four fifths of it (the loss fell)."""
    epochs, low, high = shown
    new_epochs, new_low, new_high = wanted
    if new_epochs != epochs or new_low < low or new_high > high:
        return True
    return (new_high - new_low) < 0.8 * (high - low)


class PlaneThumbnail(QWidget):
    """The plane of one variant, painted by hand: its output map as one scaled image, the
    training points from a picture made once per size, and a frame in the variant's colour.
    Four Qt calls a repaint instead of a graphics scene's dozens: several of these repaint
    while the race holds the interpreter, and each call waits its turn for it."""

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(colour)
        self.setMinimumSize(100, 100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._rgb = np.zeros((0, 0, 3), dtype=np.uint8)  # the image's pixels, kept alive
        self._points: list[tuple[QColor, np.ndarray]] = []  # (colour, unit positions (n, 2))
        self._points_picture: QPixmap | None = None

    def set_points(self, groups: list[tuple[QColor, np.ndarray]]) -> None:
        """The training points as (colour, positions (n, 2) in 0..1 of the plane, y up)."""
        self._points = groups
        self._points_picture = None
        self.update()

    def set_rgb(self, rgb: np.ndarray) -> None:
        """The plane's colours (R, R, 3) uint8, row 0 the lowest y."""
        self._rgb = np.ascontiguousarray(rgb[::-1])  # an image's first row is its top
        height, width, _ = self._rgb.shape
        self._image = QImage(self._rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
        self.update()

    def square(self) -> QRectF:
        """Where the plane is drawn: the largest square that fits, centred across and at the
        top, under the variant's title."""
        side = max(1, min(self.width(), self.height()) - 4)
        return QRectF((self.width() - side) / 2, 2, side, side)

    def paintEvent(self, event) -> None:
        square = self.square()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._image is not None:
            painter.drawImage(square, self._image)
        if self._points_picture is None or self._points_picture.size() != self.size():
            self._points_picture = self._paint_points(square)
        painter.drawPixmap(0, 0, self._points_picture)
        pen = QPen(self.colour, 3)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(square.adjusted(1.5, 1.5, -1.5, -1.5))
        painter.end()

    def _paint_points(self, square: QRectF) -> QPixmap:
        picture = QPixmap(self.size())
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#333333"), 0.5))
        for colour, positions in self._points:
            painter.setBrush(QBrush(colour))
            xs = square.left() + positions[:, 0] * square.width()
            ys = square.bottom() - positions[:, 1] * square.height()
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                painter.drawEllipse(QPointF(x, y), 2.0, 2.0)
        painter.end()
        return picture


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
        self.plane = PlaneThumbnail(colour)
        self._targets = np.zeros((0, 1))
        self._task = "classification"
        self._classes = 0
        self._bounds: tuple | None = None
        self._raw = np.zeros((0, 2))
        self._point_classes: np.ndarray | None = None
        self.shown: PlaneMap | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.plane, 1)

    def set_data(self, picture: DataPicture) -> None:
        """The training points, coloured by class (classification) or dark (regression)."""
        self._raw = picture.train_raw[:, :2]
        classification = picture.task == "classification"
        self._point_classes = picture.train_classes if classification else None
        self._targets = picture.train_targets
        self._task = picture.task
        self._classes = len(picture.classes or ())
        self._bounds = None

    def set_plane(self, plane: PlaneMap) -> None:
        """Show the variant's output over the plane."""
        self.shown = plane
        if plane.bounds != self._bounds:
            self._bounds = plane.bounds
            self._place_points(plane.bounds)
        outputs = plane.values.shape[2]
        if outputs == 1:
            colours = (
                palette.output_colours if self._task == "classification" else palette.value_colours
            )
            lut = colours(strength=palette.CLASS_BACKGROUND_STRENGTH)
            low, high = palette.target_range(plane.output, self._targets[:, :1])
            rgb = lut[palette.lut_indices(plane.values[:, :, 0], low, high, len(lut))]
        else:
            count = max(outputs, self._classes)
            lut = np.array([palette.class_background_rgb(k) for k in range(count)], np.uint8)
            rgb = lut[plane.classes]
        self.plane.set_rgb(rgb)

    def _place_points(self, bounds: tuple[float, float, float, float]) -> None:
        x_min, x_max, y_min, y_max = bounds
        unit = (self._raw - [x_min, y_min]) / [x_max - x_min, y_max - y_min]
        if self._point_classes is None:
            groups = [(QColor("#555555"), unit)]
        else:
            groups = [
                (QColor(palette.class_colour(c)), unit[self._point_classes == c])
                for c in np.unique(self._point_classes)
            ]
        self.plane.set_points(groups)


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
