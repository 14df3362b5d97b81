"""The data and what the network makes of it: its output over the plane with the points on top,
or, for data with more than two inputs, a confusion matrix or a predicted-against-true plot, and
for image data its test images captioned with the true and the predicted class."""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..app.snapshot import DataPicture, Snapshot
from . import palette
from .image_view import ARROW, WRONG_MARK, ImageGrid, pixel_range
from .palette import CONFIDENCE_STEPS, LUT_SIZE, target_range

POINT_SIZE = 7
MIN_POINT_SIZE = 5
# A wrong prediction's ✗ is drawn beside its point (up and to the right), so that the point keeps
# showing its class; the symbol's box is this many point sizes wide.
WRONG_MARK_SCALE = 3
WRONG_MARK_PEN_WIDTH = 1.6
# The plane's short side in pixels per pixel of point diameter: points shrink on a small plane.
PIXELS_PER_POINT_SIZE = 45
# The samples table's ring: wider than the step-through's selection ring (POINT_SIZE + 8).
HIGHLIGHT_GROWTH = 14
HIGHLIGHT_PEN_WIDTH = 2.5
REMOVE_RADIUS_PX = 8
SELECT_RADIUS_PX = 15
PLANE_HELP = (
    "Click a training point: follow it in the step-through\n"
    "With Add points on: click to add a point of the chosen class (or target value),\n"
    "right-click a training point to remove it"
)
ADD_POINTS_TIP = (
    "Add points: while on, a click on the plane adds a point of the chosen class (or with the "
    "chosen target value) and a right-click on a training point removes it; the axes stay put. "
    "Off, a click only picks a sample. Edit → Undo takes a point back."
)
PROBE_TIP = (
    "Probe: while on, a click on the plane asks the network about that point (its size and "
    "tail length, say) in the Ask the network panel, which opens if it is hidden; a star marks "
    "the point asked about. Nothing is added to the data."
)
PROBE_SIZE = 18
SCATTER_HELP = "Shift+click a training point: follow it in the step-through"
# Image data: how many samples the image grid shows (the first ones of the test set).
IMAGE_COUNT = 36
# Above this many classes the confusion matrix uses a smaller font.
MATRIX_SMALL_FONT_CLASSES = 6


def class_color(index: int) -> QColor:
    """Return the full colour of class `index` (points, chooser icons)."""
    return QColor(palette.class_colour(index))


def background_color(index: int) -> QColor:
    """Return the plane's colour for class `index` at full confidence (the discretized colour)."""
    return QColor(*palette.class_background_rgb(index).tolist())


def _cross_beside_point() -> QPainterPath:
    """A ✗ in symbol units (the box −0.5..0.5 that pyqtgraph scales to the symbol's size), up
    and to the right of the centre: at WRONG_MARK_SCALE it starts just outside the point."""
    centre_x, centre_y, arm = 0.32, -0.32, 0.15
    path = QPainterPath()
    path.moveTo(centre_x - arm, centre_y - arm)
    path.lineTo(centre_x + arm, centre_y + arm)
    path.moveTo(centre_x - arm, centre_y + arm)
    path.lineTo(centre_x + arm, centre_y - arm)
    return path


def _swatch(colour: str, glyph: str = "●") -> str:
    return f'<span style="color:{colour}">{glyph}</span>'


def class_legend_html(names: list[str]) -> str:
    """The plane's legend for classification: each class name beside its colour, then the mark of
    a wrong prediction (rich text for a QLabel)."""
    entries = [
        f"{_swatch(palette.class_colour(index))}&nbsp;{html.escape(name)}"
        for index, name in enumerate(names)
    ]
    entries.append(f"{_swatch(palette.WRONG_PREDICTION, WRONG_MARK)}&nbsp;predicted wrong")
    return _legend_line(entries)


def value_legend_html() -> str:
    """The plane's legend for regression: the colour says the value."""
    return _legend_line(
        [
            f"{_swatch(palette.NEGATIVE)}&nbsp;low&nbsp;→&nbsp;{_swatch(palette.POSITIVE)}&nbsp;high",
            "points:&nbsp;the&nbsp;target, plane:&nbsp;the&nbsp;network's&nbsp;output",
        ]
    )


def _legend_line(entries: list[str]) -> str:
    # Non-breaking spaces inside an entry and plain ones between: a narrow view wraps the line
    # between entries, never between a swatch and its name.
    return f'<span style="color:{palette.LEGEND_TEXT}">{" &nbsp; ".join(entries)}</span>'


def _is_dark(rgb: np.ndarray) -> bool:
    """Whether light text reads better than dark on sRGB `rgb` (3,) 0..255: relative luminance
    below 0.18, where the two contrasts (WCAG) cross."""
    srgb = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722])) < 0.18


def output_levels(activation: str, targets: np.ndarray) -> tuple[float, float]:
    """Return the value range the diverging map spans for one output unit: the activation's range
    for sigmoid and tanh; for unbounded outputs the targets' range (palette.target_range), which
    the points' colours share with the surface."""
    return target_range(activation, targets[:, :1] if targets.ndim == 2 else targets)


def _color_icon(color: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(color)
    return QIcon(pixmap)


def _column_labels(names: list[str]) -> list[str]:
    """Column headers for the confusion matrix: with many classes the columns are narrow, so
    a prefix all names share up to a space ("class 0", "class 1", …) is left to the rows."""
    if len(names) < 2:
        return names
    # The prefix all names share is the one the alphabetically first and last share.
    first, last = min(names), max(names)
    shared = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    prefix = first[: first.rfind(" ", 0, shared) + 1]
    if not prefix or any(not name[len(prefix) :].strip() for name in names):
        return names
    return [name[len(prefix) :] for name in names]


def _fitting_shape(picture: DataPicture, shape) -> tuple[int, int] | None:
    """Return `shape` as (rows, columns) when classification data has that many raw columns,
    else None: a shape that does not fit the data (a stale one) must not garble the pictures."""
    if shape is None or picture.task != "classification" or picture.bounds is not None:
        return None
    rows, columns = (int(n) for n in shape)
    return (rows, columns) if rows * columns == len(picture.raw_names) else None


def _rounded_to_pixel(x: float, y: float, pixel) -> tuple[float, float]:
    """A clicked point to the digits a pixel can tell apart: 0.31 rather than 0.3102847561, so
    that the input asked about reads as if typed (the value itself is what is asked, not a
    result shown)."""
    rounded = []
    for value, size in zip((x, y), pixel, strict=True):
        size = abs(float(size))
        decimals = max(0, math.ceil(-math.log10(size))) if size > 0 else 6
        rounded.append(round(float(value), decimals) + 0.0)
    return rounded[0], rounded[1]


def _highlight_items() -> tuple[pg.ScatterPlotItem, pg.ScatterPlotItem]:
    """The ring of the sample chosen in the samples table: a white halo under a dark ring."""
    halo = pg.ScatterPlotItem(
        size=POINT_SIZE + HIGHLIGHT_GROWTH,
        symbol="o",
        pen=pg.mkPen(palette.HIGHLIGHT_HALO, width=HIGHLIGHT_PEN_WIDTH + 3),
        brush=None,
    )
    ring = pg.ScatterPlotItem(
        size=POINT_SIZE + HIGHLIGHT_GROWTH,
        symbol="o",
        pen=pg.mkPen(palette.HIGHLIGHT, width=HIGHLIGHT_PEN_WIDTH),
        brush=None,
    )
    return halo, ring


def _nearest(points: np.ndarray, x: float, y: float, pixel: tuple[float, float]) -> tuple:
    """Return (index, distance in pixels) of the point (n, 2) nearest to (x, y); pixel is the
    size of one screen pixel in data units along x and y."""
    if not len(points):
        return None, np.inf
    dx = (points[:, 0] - x) / pixel[0]
    dy = (points[:, 1] - y) / pixel[1]
    distance = np.hypot(dx, dy)
    distance[~np.isfinite(distance)] = np.inf
    index = int(np.argmin(distance))
    return index, float(distance[index])


class DataView(QWidget):
    """Shows a DataPicture and, per frame, a Snapshot of the network on it.

    Signals: point_added(x, y, class_index) and point_added_value(x, y, target) when the learner
    clicks the plane (classification / regression) with "Add points" on, point_removed(train_index)
    on a right-click on a training point in that mode, sample_selected(train_index) on a click
    near a training point otherwise (or a Shift+click), and point_clicked(set, index) on such a
    click near a training or a shown test point ("train" or "test", for the samples table).
    `highlight_sample` rings a sample the samples table chose. Editing the data takes the deliberate
    mode, so a stray click never changes it; while it is on, the axes keep their range so that a
    new point stays under the pointer. While `choosing_samples` is set (the step-through), a
    plain click selects and nothing is added or removed. The view never changes the data itself:
    whoever owns it does and calls set_data again.
    """

    point_added = Signal(float, float, int)
    point_added_value = Signal(float, float, float)
    point_removed = Signal(int)
    sample_selected = Signal(int)
    # (x, y) in the plane's raw units, clicked with Probe on: ask the network about it.
    probe_clicked = Signal(float, float)
    point_clicked = Signal(str, int)

    PLANE, MATRIX, SCATTER, IMAGES = range(4)
    # The tabs above image data: the images, then the confusion matrix.
    IMAGES_TAB, MATRIX_TAB = range(2)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choosing_samples = False
        self._picture: DataPicture | None = None
        # The plane's range while adding points (x_min, x_max, y_min, y_max), kept across new data.
        self._frozen_range: tuple[float, float, float, float] | None = None
        self._snapshot: Snapshot | None = None
        self._mode = self.PLANE
        self._output_key: tuple | None = None
        self._levels = (-1.0, 1.0)
        self._rect: tuple | None = None
        self._sample_index: int | None = None
        # The sample the samples table chose, ("train" | "test", index), or None.
        self._highlighted: tuple[str, int] | None = None
        self._counts: np.ndarray | None = None
        self._scatter_positions = np.zeros((0, 2))
        self._scatter_test_positions = np.zeros((0, 2))
        self._image_shape: tuple[int, int] | None = None
        self._image_rows = np.zeros(0, dtype=np.int64)
        self._image_set = "test"
        self._build_toolbar()
        self._build_plane()
        self._build_matrix()
        self._build_scatter()
        self._build_images()
        self.stack = QStackedWidget()
        for page in (self.plane, self.matrix_page, self.scatter, self.images_page):
            self.stack.addWidget(page)
        self._build_legend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.toolbar)
        layout.addLayout(self.toolbar_second_row)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.legend)
        self.setMinimumSize(240, 200)
        self._show_mode()

    # ----- building ---------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        self.add_points_action = QAction("Add points", self)
        self.add_points_action.setCheckable(True)
        self.add_points_action.setToolTip(ADD_POINTS_TIP)
        self.add_points_action.toggled.connect(self._on_add_points_toggled)
        self.add_points_button = QToolButton()
        self.add_points_button.setDefaultAction(self.add_points_action)
        self.add_points_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.probe_action = QAction("Probe", self)
        self.probe_action.setCheckable(True)
        self.probe_action.setToolTip(PROBE_TIP)
        self.probe_action.toggled.connect(self._on_probe_toggled)
        self.probe_button = QToolButton()
        self.probe_button.setDefaultAction(self.probe_action)
        self.probe_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("Class of the points a click on the plane adds")
        self.class_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.value_label = QLabel("Target")
        self.value_spin = QDoubleSpinBox()
        self.value_spin.setRange(-1e6, 1e6)
        self.value_spin.setDecimals(3)
        self.value_spin.setSingleStep(0.1)
        self.value_spin.setValue(0.5)
        self.value_spin.setToolTip("Target value of the points a click on the plane adds")
        self.set_combo = QComboBox()
        self.set_combo.addItems(["Training data", "Test data"])
        self.set_combo.setToolTip(
            "Which samples the images show and the confusion matrix counts; a training image "
            "can be clicked to step through it"
        )
        self.set_combo.currentIndexChanged.connect(self._on_set_combo_changed)
        self.test_check = QCheckBox("Test data")
        self.test_check.setToolTip("Show test data (outlined in dark)")
        self.test_check.toggled.connect(self._on_test_check_toggled)
        self.discretize_check = QCheckBox("Discretize")
        self.discretize_check.setToolTip(
            "Colour the plane by the predicted class alone, with a sharp border between the "
            "classes, instead of shading it by how sure the network is. Try it on and off to "
            "see the decision boundary, then where the network hesitates."
        )
        self.discretize_check.toggled.connect(self._on_discretize_check_toggled)
        # Image data offers two views; tabs in the toolbar row cost no extra height.
        self.view_tabs = QTabBar()
        # Short names: beside the set chooser they must fit a narrow data view.
        self.view_tabs.addTab("Images")
        self.view_tabs.addTab("Matrix")
        self.view_tabs.setTabToolTip(
            self.IMAGES_TAB, "The first test images with the true and the predicted class"
        )
        self.view_tabs.setTabToolTip(
            self.MATRIX_TAB, "Confusion matrix: how often each class is taken for each"
        )
        self.view_tabs.setDrawBase(False)
        self.view_tabs.setExpanding(False)
        self.view_tabs.setUsesScrollButtons(False)
        self.view_tabs.currentChanged.connect(self._on_view_tabs_changed)
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(4, 2, 4, 0)
        self.toolbar.setSpacing(6)
        for widget in (
            self.view_tabs,
            self.add_points_button,
            self.probe_button,
            self.class_combo,
            self.value_label,
            self.value_spin,
            self.set_combo,
        ):
            self.toolbar.addWidget(widget)
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(self.test_check)
        self.toolbar.addWidget(self.discretize_check)
        # The check boxes move here when the toolbar's row is too narrow for everything (a small
        # window, or one with Ask the network open), rather than every label being cut short.
        self.toolbar_second_row = QHBoxLayout()
        self.toolbar_second_row.setContentsMargins(4, 0, 4, 0)
        self.toolbar_second_row.setSpacing(6)
        self._checks_wrapped = False

    def _new_plot(self) -> pg.PlotWidget:
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        widget = pg.PlotWidget(background=base)
        item = widget.getPlotItem()
        # Clicks add and remove points, so the view must not pan, zoom or open a menu under them.
        item.setMenuEnabled(False)
        item.hideButtons()
        item.getViewBox().setMouseEnabled(x=False, y=False)
        # Room for the half of the top tick label and the last bottom one that overhang the axes.
        item.layout.setContentsMargins(2, 8, 10, 2)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            # Ticks in the data's own units: a size of 0.25 m, not "250 (x0.001)".
            axis.enableAutoSIPrefix(False)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        widget.setMinimumSize(120, 100)
        return widget

    def _build_plane(self) -> None:
        self.plane = self._new_plot()
        self.plane.setToolTip(PLANE_HELP)
        item = self.plane.getPlotItem()
        self.heatmap = pg.ImageItem(axisOrder="row-major")
        self.heatmap.setZValue(-10)
        item.addItem(self.heatmap)
        text = self.palette().color(QPalette.ColorRole.Text)
        self._train_pen = pg.mkPen("w", width=1)
        self._test_pen = pg.mkPen(text, width=1)
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, symbol="o", pen=self._train_pen)
        self.test_points = pg.ScatterPlotItem(size=POINT_SIZE, symbol="o", pen=self._test_pen)
        self.selection = pg.ScatterPlotItem(
            size=POINT_SIZE + 8, symbol="o", pen=pg.mkPen(text, width=2), brush=None
        )
        self.wrong_marks = pg.ScatterPlotItem(
            size=POINT_SIZE * WRONG_MARK_SCALE,
            symbol=_cross_beside_point(),
            pen=pg.mkPen(palette.WRONG_PREDICTION, width=WRONG_MARK_PEN_WIDTH),
            brush=None,
        )
        self._wrong_positions = np.zeros((0, 2))
        # The point asked about: a star, unlike any data point, above them all.
        self.probe_mark = pg.ScatterPlotItem(
            size=PROBE_SIZE,
            symbol="star",
            pen=pg.mkPen(text, width=1.5),
            brush=pg.mkBrush(palette.PROBE_MARK),
        )
        self.highlight_halo, self.highlight = _highlight_items()
        plane_items = (
            self.train_points,
            self.test_points,
            self.wrong_marks,
            self.selection,
            self.probe_mark,
            self.highlight_halo,
            self.highlight,
        )
        for z, points in enumerate(plane_items):
            points.setZValue(10 + z)
            item.addItem(points)
        self.test_points.setVisible(False)
        self._point_size = POINT_SIZE
        self.plane.scene().sigMouseClicked.connect(self._on_plane_clicked)
        item.getViewBox().sigResized.connect(self._on_plane_resized)

    def _build_legend(self) -> None:
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setContentsMargins(6, 0, 6, 2)
        self.legend.setToolTip(
            "Points are coloured by their true class, the plane by the class the network "
            f"predicts there; {WRONG_MARK} marks a point the network gets wrong"
        )
        font = self.legend.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.legend.setFont(font)

    def _build_matrix(self) -> None:
        self.matrix_page = QWidget()
        self.matrix_caption = QLabel(
            "Rows: true class · columns: predicted class · right in bold grey, wrong in red"
        )
        self.matrix_caption.setToolTip(
            "Each cell counts the samples of its row's class that the network puts in its "
            "column's class; the diagonal (right) is shaded grey, the rest (wrong) red, the "
            "stronger the larger the share of the row"
        )
        self.matrix_caption.setWordWrap(True)
        self.matrix = QTableWidget()
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.matrix.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.matrix.setTextElideMode(Qt.TextElideMode.ElideNone)
        for header in (self.matrix.horizontalHeader(), self.matrix.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(18)
        self.matrix_summary = QLabel()
        layout = QVBoxLayout(self.matrix_page)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(self.matrix_caption)
        layout.addWidget(self.matrix, 1)
        layout.addWidget(self.matrix_summary)

    def _build_images(self) -> None:
        self.images_page = QWidget()
        self.images_caption = QLabel()
        self.images_caption.setWordWrap(True)
        self.image_grid = ImageGrid()
        self.image_grid.visible_changed.connect(self._on_image_grid_visible_changed)
        self.images_summary = QLabel()
        layout = QVBoxLayout(self.images_page)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.addWidget(self.images_caption)
        layout.addWidget(self.image_grid, 1)
        layout.addWidget(self.images_summary)

    def _build_scatter(self) -> None:
        self.scatter = self._new_plot()
        self.scatter.setToolTip(SCATTER_HELP)
        item = self.scatter.getPlotItem()
        item.setLabel("bottom", "true value")
        item.setLabel("left", "predicted value")
        text = self.palette().color(QPalette.ColorRole.Text)
        self.diagonal = pg.PlotCurveItem(pen=pg.mkPen(text, width=1, style=Qt.PenStyle.DashLine))
        item.addItem(self.diagonal)
        self.scatter_train = pg.ScatterPlotItem(
            size=POINT_SIZE - 1, symbol="o", pen=None, brush=QColor(palette.REGRESSION_TRAIN)
        )
        self.scatter_test = pg.ScatterPlotItem(
            size=POINT_SIZE,
            symbol="o",
            pen=pg.mkPen(palette.REGRESSION_TEST, width=1.5),
            brush=None,
        )
        self.scatter_selection = pg.ScatterPlotItem(
            size=POINT_SIZE + 8, symbol="o", pen=pg.mkPen(text, width=2), brush=None
        )
        self.scatter_highlight_halo, self.scatter_highlight = _highlight_items()
        scatter_items = (
            self.scatter_train,
            self.scatter_test,
            self.scatter_selection,
            self.scatter_highlight_halo,
            self.scatter_highlight,
        )
        for z, points in enumerate(scatter_items):
            points.setZValue(10 + z)
            item.addItem(points)
        self.scatter_test.setVisible(False)
        self.scatter.scene().sigMouseClicked.connect(self._on_scatter_clicked)

    # ----- public API -------------------------------------------------------------------------

    @Slot(object)
    def set_data(self, picture: DataPicture, image_shape: tuple[int, int] | None = None) -> None:
        """Show new data: picks the plane (2 raw inputs), the confusion matrix (classification)
        or the predicted-against-true plot (regression), and draws the points. `image_shape`
        (rows, columns) says the raw inputs are an image's pixels, row by row: classification
        data then shows its test images beside the confusion matrix."""
        previous = self._picture
        self._picture = picture
        if self.adding_points() and (
            picture.bounds is None or previous is None or previous.raw_names != picture.raw_names
        ):
            self.set_adding_points(False)  # other data: there is nothing to keep adding to
        if previous is None or previous.raw_names != picture.raw_names:
            # Other columns: the point asked about belongs to the data before.
            self.probe_mark.setData(pos=np.zeros((0, 2)))
            if picture.bounds is None:
                self.set_probing(False)
        self._image_shape = _fitting_shape(picture, image_shape)
        self._output_key = None
        self._counts = None
        self._sample_index = None
        self.selection.setData(pos=np.zeros((0, 2)))
        self.scatter_selection.setData(pos=np.zeros((0, 2)))
        self._highlighted = None
        self._draw_highlight()
        self._wrong_positions = np.zeros((0, 2))
        self.wrong_marks.setData(pos=self._wrong_positions)
        if picture.bounds is not None:
            self._mode = self.PLANE
        elif self._image_shape is not None:
            self._mode = self.IMAGES
            if previous is None or previous.raw_names != picture.raw_names:
                # New image data opens on the test images (how well it generalises); the set
                # chooser above shows the training images, which a click steps through.
                self.set_combo.blockSignals(True)
                self.set_combo.setCurrentIndex(1 if len(picture.test_raw) else 0)
                self.set_combo.blockSignals(False)
        elif picture.task == "classification":
            self._mode = self.MATRIX
        else:
            self._mode = self.SCATTER
        classes = picture.classes or ()
        current = self.class_combo.currentIndex()
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for index, name in enumerate(classes):
            self.class_combo.addItem(_color_icon(class_color(index)), name)
        self.class_combo.setCurrentIndex(min(max(current, 0), len(classes) - 1))
        self.class_combo.blockSignals(False)
        self.legend.setText(
            class_legend_html(list(classes))
            if picture.task == "classification"
            else value_legend_html()
        )
        self._show_mode()
        if self._mode == self.PLANE:
            self._set_plane_data(picture)
        elif self._mode in (self.MATRIX, self.IMAGES):
            self._set_matrix_data(picture)
            if self._mode == self.IMAGES:
                self._set_image_data(picture)
        else:
            self._set_scatter_data(picture)
        if self._snapshot is not None:
            self.set_snapshot(self._snapshot)

    def set_image_shape(self, image_shape: tuple[int, int] | None) -> None:
        """Say (again) whether the current data is image data; redraws only on a change."""
        picture = self._picture
        if picture is not None and _fitting_shape(picture, image_shape) != self._image_shape:
            self.set_data(picture, image_shape)

    def image_shape(self) -> tuple[int, int] | None:
        """Return the image shape the data is shown with, None when it is not shown as images."""
        return self._image_shape

    @Slot(object)
    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Draw the network's outputs in `snapshot` on the current data (cheap: one image or a
        few counts per call)."""
        self._snapshot = snapshot
        picture = self._picture
        if picture is None:
            return
        if self._mode == self.PLANE:
            self._draw_plane(picture, snapshot)
        elif self._matrix_shown():
            self._draw_matrix(picture, snapshot)
        elif self._mode == self.IMAGES:
            self._draw_images(snapshot)
        else:
            self._draw_scatter(picture, snapshot)

    def highlight_sample(self, set_name: str | None, index: int | None = None) -> None:
        """Ring sample `index` of `set_name` ("train" or "test"), the row chosen in the samples
        table, on the plane (at its raw inputs) or the predicted-against-true plot; None (or an
        index the set lacks) takes the ring away. A test sample turns the test points on."""
        picture = self._picture
        chosen = None
        if picture is not None and set_name in ("train", "test") and index is not None:
            raw = picture.test_raw if set_name == "test" else picture.train_raw
            if 0 <= index < len(raw):
                chosen = (set_name, int(index))
        self._highlighted = chosen
        if chosen is not None and chosen[0] == "test" and self._mode in (self.PLANE, self.SCATTER):
            self.test_check.setChecked(True)
        self._draw_highlight()

    def highlighted_sample(self) -> tuple[str, int] | None:
        """The sample ringed by highlight_sample: (set, index), or None."""
        return self._highlighted

    def highlight_position(self) -> np.ndarray:
        """Where the ring is drawn: (1, 2) in the shown plot's units, or (0, 2) when it is not."""
        item = self.scatter_highlight if self._mode == self.SCATTER else self.highlight
        x, y = item.getData()
        return np.column_stack([x, y]) if len(x) else np.zeros((0, 2))

    def _draw_highlight(self) -> None:
        position = np.zeros((0, 2))
        chosen, picture = self._highlighted, self._picture
        on_scatter = self._mode == self.SCATTER
        if chosen is not None and picture is not None:
            test = chosen[0] == "test"
            index = chosen[1]
            if on_scatter:
                snapshot = self._snapshot
                outputs = None
                if snapshot is not None:
                    outputs = snapshot.test_predictions if test else snapshot.train_predictions
                targets = picture.test_targets if test else picture.train_targets
                if outputs is not None and len(outputs) == len(targets):
                    position = np.array([[targets[index, 0], outputs[index, 0]]])
            elif picture.bounds is not None:
                raw = picture.test_raw if test else picture.train_raw
                position = raw[index : index + 1, :2]
        position = position[np.isfinite(position).all(axis=1)]
        empty = np.zeros((0, 2))
        for halo, ring, shown in (
            (self.highlight_halo, self.highlight, not on_scatter),
            (self.scatter_highlight_halo, self.scatter_highlight, on_scatter),
        ):
            here = position if shown else empty
            halo.setData(pos=here)
            ring.setData(pos=here)

    def _nearest_sample(self, positions: tuple[np.ndarray, np.ndarray], x, y, pixel):
        """The (set, index) of the training or shown test point nearest (x, y) within
        SELECT_RADIUS_PX, positions being (train (n, 2), test (m, 2)); None when none is."""
        best = None, np.inf
        for name, points in zip(("train", "test"), positions, strict=True):
            if name == "test" and not self.test_check.isChecked():
                continue
            index, distance = _nearest(points, x, y, pixel)
            if index is not None and distance <= SELECT_RADIUS_PX and distance < best[1]:
                best = (name, index), distance
        return best[0]

    def set_adding_points(self, on: bool) -> None:
        """Turn the "Add points" mode on or off (as its toolbar button does)."""
        self.add_points_action.setChecked(on)

    def adding_points(self) -> bool:
        """Whether a click on the plane adds a point (and a right-click removes one)."""
        return self.add_points_action.isChecked()

    @Slot(bool)
    def _on_add_points_toggled(self, on: bool) -> None:
        view_box = self.plane.getPlotItem().getViewBox()
        if on and self.probing():
            self.set_probing(False)
        if on:
            # Each added point can move the data's extent, and with it the fitted axes: the
            # plane keeps its range while the learner places points, so none jumps away.
            (x_min, x_max), (y_min, y_max) = view_box.viewRange()
            self._frozen_range = (x_min, x_max, y_min, y_max)
        else:
            self._frozen_range = None
            if self._picture is not None and self._picture.bounds is not None:
                self._fit_plane(self._picture)
        self._show_mode()

    def set_probing(self, on: bool) -> None:
        """Turn the "Probe" mode on or off (as its toolbar button does)."""
        self.probe_action.setChecked(on)

    def probing(self) -> bool:
        """Whether a click on the plane asks the network about the point clicked."""
        return self.probe_action.isChecked()

    def set_probe_point(self, point) -> None:
        """Mark `point` (x, y) in raw units as the input asked about; None removes the mark.
        Only the plane (two raw inputs) has a place for it."""
        if point is None or self._picture is None or self._picture.bounds is None:
            self.probe_mark.setData(pos=np.zeros((0, 2)))
        else:
            self.probe_mark.setData(pos=np.array([[float(point[0]), float(point[1])]]))

    def probe_point(self) -> tuple[float, float] | None:
        """The point marked as asked about, or None."""
        x, y = self.probe_mark.getData()
        return (float(x[0]), float(y[0])) if len(x) else None

    @Slot(bool)
    def _on_probe_toggled(self, on: bool) -> None:
        # One click, one meaning: probing and adding points exclude each other.
        if on and self.adding_points():
            self.set_adding_points(False)
        self._show_mode()

    def set_current_class(self, index: int) -> None:
        """Choose the class of the points a click adds."""
        self.class_combo.setCurrentIndex(index)

    def current_class(self) -> int:
        """Return the class a click adds (-1 when the data has no classes)."""
        return self.class_combo.currentIndex()

    def set_target_value(self, value: float) -> None:
        """Choose the target of the points a click adds (regression)."""
        self.value_spin.setValue(value)

    def confusion_matrix(self) -> np.ndarray | None:
        """Return the counts shown (K, K): rows true class, columns predicted; None if none."""
        return None if self._counts is None else self._counts.copy()

    # ----- the plane --------------------------------------------------------------------------

    def _set_plane_data(self, picture: DataPicture) -> None:
        item = self.plane.getPlotItem()
        x_name, y_name = picture.raw_names[:2]
        item.setLabel("bottom", x_name)
        item.setLabel("left", y_name)
        if self._frozen_range is None:
            self._fit_plane(picture)
        self.train_points.setData(pos=picture.train_raw[:, :2])
        self.test_points.setData(pos=picture.test_raw[:, :2])
        self.heatmap.setVisible(False)
        self._color_points(picture)

    def _fit_plane(self, picture: DataPicture) -> None:
        """Fit the plane's axes to the data's bounds."""
        x_min, x_max, y_min, y_max = picture.bounds
        view_box = self.plane.getPlotItem().getViewBox()
        # A square plane (generated data: both axes in one unit) keeps circles round; other data
        # may mix units, so it fills the widget.
        view_box.setAspectLocked(math.isclose(x_max - x_min, y_max - y_min))
        view_box.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)

    def _color_points(self, picture: DataPicture) -> None:
        """Per-point brushes, set only when the data or the output's range changes."""
        if picture.task == "classification":
            brushes = [QBrush(class_color(c)) for c in range(len(picture.classes or ()))]
            for points, classes in (
                (self.train_points, picture.train_classes),
                (self.test_points, picture.test_classes),
            ):
                if classes is not None and len(classes):
                    points.setBrush([brushes[c] for c in classes])
            return
        colors = palette.value_colours()
        brushes = [QBrush(QColor(*rgb)) for rgb in colors]
        low, high = self._levels
        for points, targets in (
            (self.train_points, picture.train_targets),
            (self.test_points, picture.test_targets),
        ):
            if len(targets):
                t = np.clip((targets[:, 0] - low) / (high - low), 0.0, 1.0)
                t = np.nan_to_num(t, nan=0.5)
                indices = np.round(t * (LUT_SIZE - 1)).astype(int)
                points.setBrush([brushes[i] for i in indices])

    def _configure_output(self, picture: DataPicture, snapshot: Snapshot, outputs: int) -> None:
        """Pick the lookup table and levels for the output layer; runs when it changes."""
        activation = snapshot.activation_names[-1]
        key = (activation, outputs)
        if key == self._output_key:
            return
        self._output_key = key
        if outputs == 1:
            self._levels = output_levels(activation, picture.train_targets)
            # Two classes: the plane shows the predicted class in the class colours; a value
            # (regression) in the value colours the neurons use.
            colours = (
                palette.output_colours
                if picture.task == "classification"
                else palette.value_colours
            )
            self.heatmap.setLookupTable(colours(strength=palette.CLASS_BACKGROUND_STRENGTH))
            if picture.task == "regression":
                self._color_points(picture)
        else:
            self._levels = (0.0, float(outputs * CONFIDENCE_STEPS - 1))
            self.heatmap.setLookupTable(palette.class_confidence_colours(outputs))

    def _draw_plane(self, picture: DataPicture, snapshot: Snapshot) -> None:
        values = snapshot.output_map
        if values is None or snapshot.bounds is None:
            self.heatmap.setVisible(False)
        else:
            outputs = values.shape[2]
            self._configure_output(picture, snapshot, outputs)
            self.heatmap.setImage(
                self._plane_image(snapshot, values), autoLevels=False, levels=self._levels
            )
            if snapshot.bounds != self._rect:
                self._rect = snapshot.bounds
                x_min, x_max, y_min, y_max = snapshot.bounds
                self.heatmap.setRect(x_min, y_min, x_max - x_min, y_max - y_min)
            self.heatmap.setVisible(True)
        self._show_selection(snapshot.sample_index)
        self._show_wrong_marks(picture, snapshot)

    def _show_wrong_marks(self, picture: DataPicture, snapshot: Snapshot) -> None:
        """A ✗ beside each training point (and test point, when shown) the network classifies
        wrong; set only when that set changes."""
        parts = []
        if picture.task == "classification":
            for raw, truth, predicted, shown in (
                (picture.train_raw, picture.train_classes, snapshot.train_predicted_classes, True),
                (
                    picture.test_raw,
                    picture.test_classes,
                    snapshot.test_predicted_classes,
                    self.test_check.isChecked(),
                ),
            ):
                known = truth is not None and predicted is not None
                if shown and known and len(truth) == len(predicted):
                    parts.append(raw[predicted != truth, :2])
        positions = np.concatenate(parts) if parts else np.zeros((0, 2))
        if not np.array_equal(positions, self._wrong_positions):
            self._wrong_positions = positions
            self.wrong_marks.setData(pos=positions)

    def wrong_positions(self) -> np.ndarray:
        """Return the plane positions (n, 2) marked as wrong predictions."""
        return self._wrong_positions.copy()

    def _plane_image(self, snapshot: Snapshot, values: np.ndarray) -> np.ndarray:
        """Return the array the heatmap shows: the output value (one unit) or an index into the
        class × confidence lookup table (several units)."""
        outputs = values.shape[2]
        discretize = self.discretize_check.isChecked()
        if outputs == 1:
            value = values[:, :, 0]
            if not discretize:
                return value
            classes = snapshot.output_class_map
            if classes is None:  # regression: the same threshold predicted_classes uses
                threshold = 0.0 if snapshot.activation_names[-1] in ("tanh", "linear") else 0.5
                classes = value > threshold
            low, high = self._levels
            return np.where(classes, high, low)
        classes = snapshot.output_class_map
        if classes is None:
            classes = np.argmax(values, axis=2)
        if discretize:
            level = CONFIDENCE_STEPS - 1
        else:
            # Lightness by confidence: the winning output from 1/K (a coin toss) up to 1.
            confidence = np.nan_to_num(values.max(axis=2), nan=0.0)
            chance = 1.0 / outputs
            level = np.clip((confidence - chance) / (1.0 - chance), 0.0, 1.0)
            level = np.rint(level * (CONFIDENCE_STEPS - 1)).astype(np.uint16)
        return (classes.astype(np.uint16) * CONFIDENCE_STEPS + level).astype(np.uint16)

    def _show_selection(self, index: int | None) -> None:
        picture = self._picture
        if index == self._sample_index or picture is None:
            return
        self._sample_index = index
        if index is None or not 0 <= index < len(picture.train_raw):
            self.selection.setData(pos=np.zeros((0, 2)))
        else:
            self.selection.setData(pos=picture.train_raw[index : index + 1, :2])

    @Slot(object)
    def _on_plane_clicked(self, event) -> None:
        picture = self._picture
        if picture is None or picture.bounds is None or event.double():
            return
        view_box = self.plane.getPlotItem().getViewBox()
        scene_pos = event.scenePos()
        if not view_box.sceneBoundingRect().contains(scene_pos):
            return
        point = view_box.mapSceneToView(scene_pos)
        x, y = point.x(), point.y()
        pixel = view_box.viewPixelSize()
        button = event.button()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if self.probing() and button == Qt.MouseButton.LeftButton and not shift:
            self.probe_clicked.emit(*_rounded_to_pixel(x, y, pixel))
            return
        adding = self.adding_points() and not self.choosing_samples
        if not adding and button != Qt.MouseButton.LeftButton:
            return
        if button == Qt.MouseButton.LeftButton and (shift or not adding):
            found = self._nearest_sample(
                (picture.train_raw[:, :2], picture.test_raw[:, :2]), x, y, pixel
            )
            if found is not None:
                if found[0] == "train":
                    self.sample_selected.emit(found[1])
                self.point_clicked.emit(*found)
        elif button == Qt.MouseButton.LeftButton:
            x_min, x_max, y_min, y_max = self._frozen_range or picture.bounds
            if not (x_min <= x <= x_max and y_min <= y <= y_max):
                return
            if picture.task == "classification":
                self.point_added.emit(x, y, self.class_combo.currentIndex())
            else:
                self.point_added_value.emit(x, y, self.value_spin.value())
        elif button == Qt.MouseButton.RightButton:
            index, distance = _nearest(picture.train_raw[:, :2], x, y, pixel)
            if index is not None and distance <= REMOVE_RADIUS_PX:
                self.point_removed.emit(index)

    @Slot()
    def _on_plane_resized(self) -> None:
        rect = self.plane.getPlotItem().getViewBox().boundingRect()
        size = int(
            np.clip(
                min(rect.width(), rect.height()) // PIXELS_PER_POINT_SIZE,
                MIN_POINT_SIZE,
                POINT_SIZE,
            )
        )
        if size != self._point_size:
            self._point_size = size
            self.train_points.setSize(size)
            self.test_points.setSize(size)
            self.selection.setSize(size + 8)
            self.highlight.setSize(size + HIGHLIGHT_GROWTH)
            self.highlight_halo.setSize(size + HIGHLIGHT_GROWTH)
            self.wrong_marks.setSize(size * WRONG_MARK_SCALE)

    # ----- confusion matrix -------------------------------------------------------------------

    def _set_matrix_data(self, picture: DataPicture) -> None:
        names = list(picture.classes or ())
        # Many classes make narrow cells: a smaller font keeps three-digit counts whole.
        font = self.font()
        if len(names) > MATRIX_SMALL_FONT_CLASSES:
            font.setPointSizeF(font.pointSizeF() * 0.85)
        self.matrix.setFont(font)
        self.matrix.setRowCount(len(names))
        self.matrix.setColumnCount(len(names))
        self.matrix.setHorizontalHeaderLabels(_column_labels(names))
        self.matrix.setVerticalHeaderLabels(names)
        for column, name in enumerate(names):
            self.matrix.horizontalHeaderItem(column).setToolTip(f"predicted {name}")
        for row in range(len(names)):
            for column in range(len(names)):
                cell = QTableWidgetItem()
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.matrix.setItem(row, column, cell)

    def _draw_matrix(self, picture: DataPicture, snapshot: Snapshot) -> None:
        test = self.set_combo.currentIndex() == 1
        truth = picture.test_classes if test else picture.train_classes
        predicted = snapshot.test_predicted_classes if test else snapshot.train_predicted_classes
        classes = len(picture.classes or ())
        if truth is None or predicted is None or len(truth) != len(predicted) or not classes:
            return
        pairs = truth.astype(np.int64) * classes + np.clip(predicted, 0, classes - 1)
        counts = np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)
        if self._counts is not None and np.array_equal(counts, self._counts):
            return
        self._counts = counts
        self._fill_matrix(counts)

    def _fill_matrix(self, counts: np.ndarray) -> None:
        """Write the counts; a cell's colour says what share of its true class it holds, grey on
        the diagonal (right) and the wrong-prediction red off it."""
        totals = counts.sum(axis=1, keepdims=True)
        shares = counts / np.maximum(totals, 1)
        neutral = palette.hex_rgb(palette.NEUTRAL)
        right, wrong = palette.hex_rgb(palette.MATRIX_RIGHT), palette.hex_rgb(palette.MATRIX_WRONG)
        dark, light = QColor(palette.MATRIX_TEXT_DARK), QColor(palette.MATRIX_TEXT_LIGHT)
        # Right counts are bold as well as grey: pale red and pale grey come close under red–green
        # colour blindness, and a cue that is not a colour survives every vision.
        normal = self.matrix.font()
        bold = self.matrix.font()
        bold.setBold(True)
        for (row, column), count in np.ndenumerate(counts):
            share = float(shares[row, column])
            end = right if row == column else wrong
            rgb = palette.blend(neutral, end, [share])[0]
            cell = self.matrix.item(row, column)
            cell.setText(str(int(count)))
            cell.setBackground(QColor(*np.round(rgb).astype(int).tolist()))
            cell.setForeground(light if _is_dark(rgb) else dark)
            cell.setFont(bold if row == column else normal)
        correct, total = int(np.trace(counts)), int(counts.sum())
        self.matrix_summary.setText(
            f"{correct} of {total} correct" if total else "No samples in this set"
        )

    # ----- images -----------------------------------------------------------------------------

    def _set_image_data(self, picture: DataPicture) -> None:
        """The first IMAGE_COUNT samples of the set chosen above the view (training samples when
        there is no test set)."""
        test = self.set_combo.currentIndex() == 1 and len(picture.test_raw) > 0
        raw = picture.test_raw if test else picture.train_raw
        truth = picture.test_classes if test else picture.train_classes
        count = min(IMAGE_COUNT, len(raw))
        self._image_set = "test" if test else "training"
        self._image_rows = np.arange(count)
        lo, hi = pixel_range(picture.train_raw, picture.test_raw)
        self.image_grid.set_images(
            raw[:count],
            self._image_shape,
            lo,
            hi,
            _column_labels(list(picture.classes or ())),
            truth[:count] if truth is not None else np.zeros(count, dtype=np.int64),
            set_name=self._image_set,
        )
        self.images_caption.setToolTip(
            f"Each image is captioned true class {ARROW} predicted class. Wrong predictions "
            f"are framed in red and marked {WRONG_MARK}; hover over an image for the "
            "network's output"
        )
        self._update_image_texts()

    def _draw_images(self, snapshot: Snapshot) -> None:
        test = self._image_set == "test"
        predicted = snapshot.test_predicted_classes if test else snapshot.train_predicted_classes
        outputs = snapshot.test_predictions if test else snapshot.train_predictions
        rows = self._image_rows
        if predicted is None or len(predicted) < len(rows):
            self.image_grid.set_predictions(None, None)
            return
        shown = predicted[rows]
        scores = None
        if outputs is not None and len(outputs) >= len(rows) and outputs.shape[1] > 1:
            scores = outputs[rows, shown]
        if self.image_grid.set_predictions(shown, scores):
            self._update_image_texts()

    @Slot(int)
    def _on_image_grid_visible_changed(self, _count: int) -> None:
        self._update_image_texts()

    def _update_image_texts(self) -> None:
        """The caption and the count of wrong predictions, over the images that fit."""
        grid = self.image_grid
        shown = grid.visible_count()
        self.images_caption.setText(
            f"The first {shown} {self._image_set} images: true {ARROW} predicted"
        )
        if not grid.has_predictions():
            self.images_summary.setText("")
            return
        wrong = int(grid.wrong()[:shown].sum())
        self.images_summary.setText(
            f"{wrong} of {shown} shown {'is' if wrong == 1 else 'are'} wrong ({WRONG_MARK})"
            if wrong
            else f"All {shown} shown are right"
        )

    # ----- predicted against true -------------------------------------------------------------

    def _set_scatter_data(self, picture: DataPicture) -> None:
        targets = [picture.train_targets[:, 0], picture.test_targets[:, 0]]
        values = np.concatenate([t[np.isfinite(t)] for t in targets])
        low, high = (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
        margin = max((high - low) * 0.08, 1e-3)
        low, high = low - margin, high + margin
        self.diagonal.setData([low, high], [low, high])
        view_box = self.scatter.getPlotItem().getViewBox()
        view_box.setRange(xRange=(low, high), yRange=(low, high), padding=0)
        self.scatter_train.setData(pos=np.zeros((0, 2)))
        self.scatter_test.setData(pos=np.zeros((0, 2)))

    def _draw_scatter(self, picture: DataPicture, snapshot: Snapshot) -> None:
        for points, targets, predictions in (
            (self.scatter_train, picture.train_targets, snapshot.train_predictions),
            (self.scatter_test, picture.test_targets, snapshot.test_predictions),
        ):
            if len(targets) != len(predictions) or not len(targets):
                continue
            pos = np.column_stack([targets[:, 0], predictions[:, 0]])
            if points is self.scatter_train:
                self._scatter_positions = pos
            else:
                self._scatter_test_positions = pos
            # A diverged network predicts inf or NaN: draw the points that still have a place.
            points.setData(pos=pos[np.isfinite(pos).all(axis=1)])
        if self._highlighted is not None:
            self._draw_highlight()  # the ring sits at the prediction, which moves
        index = snapshot.sample_index
        positions = self._scatter_positions
        if index is not None and 0 <= index < len(positions):
            self.scatter_selection.setData(pos=positions[index : index + 1])
        else:
            self.scatter_selection.setData(pos=np.zeros((0, 2)))

    @Slot(object)
    def _on_scatter_clicked(self, event) -> None:
        if self._picture is None or event.double():
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view_box = self.scatter.getPlotItem().getViewBox()
        point: QPointF = view_box.mapSceneToView(event.scenePos())
        found = self._nearest_sample(
            (self._scatter_positions, self._scatter_test_positions),
            point.x(),
            point.y(),
            view_box.viewPixelSize(),
        )
        if found is None:
            return
        # Only a deliberate click picks the step-through's sample; any click finds the row.
        picking = self.choosing_samples or event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if picking and found[0] == "train":
            self.sample_selected.emit(found[1])
        self.point_clicked.emit(*found)

    # ----- toolbar ----------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange_toolbar()

    def _arrange_toolbar(self) -> None:
        """The check boxes on the first row when everything fits there, else on a second."""
        toolbar = self.toolbar
        shown = [
            toolbar.itemAt(i).widget()
            for i in range(toolbar.count())
            if toolbar.itemAt(i).widget() is not None
        ]
        shown += [self.test_check, self.discretize_check]
        shown = [w for w in shown if not w.isHidden()]
        needed = sum(w.sizeHint().width() for w in shown) + toolbar.spacing() * len(shown) + 8
        wrap = needed > self.width()
        if wrap == self._checks_wrapped:
            return
        self._checks_wrapped = wrap
        target = self.toolbar_second_row if wrap else self.toolbar
        for check in (self.test_check, self.discretize_check):
            self.toolbar.removeWidget(check)
            self.toolbar_second_row.removeWidget(check)
            target.addWidget(check)
        if wrap:
            self.toolbar_second_row.addStretch(1)
        else:
            while self.toolbar_second_row.count():
                self.toolbar_second_row.takeAt(0)

    def _show_mode(self) -> None:
        picture = self._picture
        mode = self._mode
        classification = picture is not None and picture.task == "classification"
        plane = picture is not None and mode == self.PLANE
        matrix = self._matrix_shown()
        self.stack.setCurrentIndex(self.MATRIX if matrix else mode)
        self.view_tabs.setVisible(mode == self.IMAGES)
        adding = plane and self.adding_points()
        self.add_points_button.setVisible(plane)
        self.probe_button.setVisible(plane)
        # The class (or target) of the points to add: asked only while adding.
        self.class_combo.setVisible(adding and classification)
        self.value_label.setVisible(adding and not classification)
        self.value_spin.setVisible(adding and not classification)
        self.set_combo.setVisible(matrix or mode == self.IMAGES)
        self.test_check.setVisible(mode in (self.PLANE, self.SCATTER))
        self.discretize_check.setVisible(mode == self.PLANE)
        self.legend.setVisible(plane)
        self._arrange_toolbar()

    def _matrix_shown(self) -> bool:
        return self._mode == self.MATRIX or (
            self._mode == self.IMAGES and self.view_tabs.currentIndex() == self.MATRIX_TAB
        )

    def show_view_tab(self, index: int) -> None:
        """Choose the images (IMAGES_TAB) or the confusion matrix (MATRIX_TAB) of image data."""
        self.view_tabs.setCurrentIndex(index)

    @Slot(int)
    def _on_view_tabs_changed(self, _index: int) -> None:
        self._counts = None
        self._show_mode()
        if self._snapshot is not None and self._picture is not None:
            self.set_snapshot(self._snapshot)

    @Slot(bool)
    def _on_test_check_toggled(self, checked: bool) -> None:
        self.test_points.setVisible(checked)
        self.scatter_test.setVisible(checked)
        if self._snapshot is not None and self._picture is not None and self._mode == self.PLANE:
            self._show_wrong_marks(self._picture, self._snapshot)

    @Slot(bool)
    def _on_discretize_check_toggled(self, _checked: bool) -> None:
        if self._snapshot is not None and self._picture is not None and self._mode == self.PLANE:
            self._draw_plane(self._picture, self._snapshot)

    @Slot(int)
    def _on_set_combo_changed(self, _index: int) -> None:
        self._counts = None
        if self._picture is not None and self._mode == self.IMAGES:
            self._set_image_data(self._picture)
            if self._snapshot is not None:
                self._draw_images(self._snapshot)
        if self._snapshot is not None and self._picture is not None and self._matrix_shown():
            self._draw_matrix(self._picture, self._snapshot)
