"""The network canvas: a Snapshot's neurons, weighted edges and biases, with layer controls."""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
    QLabel,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..app.neuron_health import DEAD, SATURATED
from ..app.snapshot import Snapshot
from ..app.walkthrough import DEFAULT_DIGITS, Annotations, Focus, number
from ..engine.trainer import decision_threshold
from . import palette
from .canvas import hover_text, labels
from .canvas.health_marks import HealthMarks
from .canvas.hit_test import hit_bias, hit_edge, hit_neuron
from .canvas.label_layer import LabelLayer, LabelStyle
from .canvas.layout import (
    FOOTER_HEIGHT,
    LABEL_PX,
    CanvasLayout,
    canvas_side,
    edge_budget,
    layout_network,
    value_label_px,
)
from .canvas.weight_legend import WeightLegend

# Neuron thumbnails cost one image item each; beyond this many neurons in all, neurons are
# filled by their output for the selected sample instead.
HEATMAP_NEURON_LIMIT = 64

# Dense edge sets (more than SLICE_EDGES drawn) are layered in SLICES slices per bucket.
SLICES = 8
SLICE_EDGES = 400

# Stacking order: the band of undrawn weights, the edges (z 0 .. 2·levels·slices), the hovered
# edge, then neurons, their borders, bias squares and text on top.
Z_BAND, Z_HIGHLIGHT, Z_NEURONS, Z_BORDERS, Z_BIASES, Z_TEXT = -10, 500, 600, 601, 602, 700
# The step-through draws over everything: the flow's edges, then rings, then its numbers.
Z_WALK_LINES, Z_WALK_RINGS, Z_WALK_TEXT = 550, 800, 900
# A dropped neuron's veil: over the neuron, its border and its bias (602), under the text (700).
Z_WALK_DROPPED = 650

HEADER_HEIGHT = 50
ROW_HEIGHT = 20
# A bias square is drawn only on neurons at least this large; smaller ones take the click.
MIN_BIAS_NEURON = 9.0
MAX_SHOWN_OUTPUTS = 16
MAX_INPUT_LABEL = 18
CLICK_SLOP = 4
# A hover tooltip stays while the pointer rests on its item: Qt's own would expire after ten
# seconds (and the graphics scene would hide ours at once, having no item tooltip to show).
TOOLTIP_SHOW_MS = 3_600_000
# Class names beside the output values keep at most this share of the canvas's width.
MAX_CLASS_NAME_SHARE = 0.2

# The step-through's numbers grow with the canvas, to stay legible on a projector.
WALK_LABEL_PX_RANGE = (12, 20)
WALK_LABEL_PX_PER_PIXEL = 1 / 40  # of the canvas's shorter side
EDGE_LABEL_SPOTS = (0.7, 0.55, 0.4, 0.25)
ARROW_LENGTH = 9.0

# The blog's diagram: on networks of at most this many weights every weight is written on its
# edge and every bias beside its neuron (beyond it the numbers would bury the picture).
VALUE_LABEL_EDGE_LIMIT = 20
# A weight's number goes near the middle of its edge first, then staggered either way along
# it, so that the numbers of edges crossing at the middle move apart along their own edges.
VALUE_LABEL_SPOTS = (0.5, 0.62, 0.38, 0.74, 0.26, 0.84, 0.16)
VALUE_LABEL_BACKGROUND = "#FFFFFF"
VALUE_LABEL_BORDER = "#D4D4D4"
# Labels that found no room are gathered under a grey "+N" plate that lists them on hover.
MARKER_BACKGROUND = "#E8E8E8"
MARKER_BORDER = "#8C8C8C"
THRESHOLD_PX = 11
# A label's box shrinks only when its text is this many pixel sizes (about two digits) shorter.
LABEL_SHRINK = 1.3
# Labels keep off other edges (where edges cross, a number reads as either's) when at most this
# many edges are drawn; beyond it every spot is crossed anyway, and the test costs time.
LINE_AVOID_LIMIT = 200

TEXT_COLOUR = QColor("#333333")
MUTED_COLOUR = QColor("#777777")
BORDER_COLOUR = QColor("#9A9A9A")

BUTTON_STYLE = """
QToolButton {
    border: 1px solid #BDBDBD; border-radius: 3px; background: #F7F7F7;
    padding: 0px 3px; font-size: %dpx; color: #333333;
}
QToolButton:hover { background: #E3EEFF; border-color: #1A85FF; }
QToolButton:pressed { background: #CADFFF; }
QToolButton:disabled { color: #B0B0B0; border-color: #E0E0E0; background: #FAFAFA; }
"""

_LUT_BRUSHES: list[QBrush] = []
_NEUTRAL_BRUSH: list[QBrush] = []


def shown_input_name(name: str) -> str:
    """An input's name as the canvas writes it: a long one (a formula of the learner's) cut to
    MAX_INPUT_LABEL characters, so that it does not push the network off the canvas; hovering
    the input shows it whole."""
    return name if len(name) <= MAX_INPUT_LABEL else name[: MAX_INPUT_LABEL - 1] + "…"


def _lut_brushes() -> list[QBrush]:
    # One brush per lookup-table row, made once: the scatter item caches one sprite per distinct
    # brush, so quantised colours keep its atlas small.
    if not _LUT_BRUSHES:
        _LUT_BRUSHES.extend(QBrush(QColor(*(int(c) for c in row))) for row in palette.LUT)
        _NEUTRAL_BRUSH.append(QBrush(QColor(palette.NEUTRAL)))
    return _LUT_BRUSHES


_BUCKET_BRUSHES: list[QBrush] = []


def _bucket_brushes() -> list[QBrush]:
    # Biases take the colour of a weight of the same size, from a fixed set of brushes.
    if not _BUCKET_BRUSHES:
        _BUCKET_BRUSHES.extend(
            QBrush(QColor(*palette.bucket_rgba(b))) for b in range(palette.WEIGHT_BUCKETS)
        )
    return _BUCKET_BRUSHES


def _text_item(parent, px: int, colour: QColor = TEXT_COLOUR, italic: bool = False):
    item = QGraphicsSimpleTextItem()
    font = QFont()
    font.setPixelSize(px)
    font.setItalic(italic)
    item.setFont(font)
    item.setBrush(QBrush(colour))
    item.setZValue(Z_TEXT)
    parent.addItem(item, ignoreBounds=True)
    return item


def _outline(path: QPainterPath, colour: QColor, width: float, z: float) -> QGraphicsPathItem:
    """An unfilled path item stroked `width` screen pixels wide, whatever the view's scale."""
    item = QGraphicsPathItem(path)
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    item.setPen(pen)
    item.setZValue(z)
    return item


def _format_short(value: float) -> str:
    # Three decimals fit the margin beside the output column; 5.96e-05 would not, and to the
    # eye it is 0.000 anyway (the tooltip has the full value). A huge output (a diverging run)
    # keeps two digits, so that its exponent still fits the margin.
    if not np.isfinite(value):
        return str(value)
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.2g}"


class NetworkCanvas(QWidget):
    """Draws a feed-forward network from Snapshots and reports clicks on it.

    Columns left to right: the input features (with their names), each layer, the output layer.
    Edges are coloured by the sign of their weight and as wide as its size; neurons show their
    output over the plane (2-D data, small networks) or for the selected sample.

    Signals: weight_clicked(layer 1..L, unit, source) indexes snapshot.weights[layer - 1][unit,
    source]; bias_clicked(layer 1..L, unit); add_layer_requested(position 0..L-1) inserts a hidden
    layer before layer index `position` (0-based over snapshot.weights); remove_layer_requested,
    add_neuron_requested and remove_neuron_requested take a hidden layer index 0..L-2.
    """

    weight_clicked = Signal(int, int, int)
    bias_clicked = Signal(int, int)
    add_layer_requested = Signal(int)
    remove_layer_requested = Signal(int)
    add_neuron_requested = Signal(int)
    remove_neuron_requested = Signal(int)
    # In a step-through, clicks pick what the calculation panel explains instead of editing:
    # ("neuron", column, unit), ("bias", layer, unit) or ("edge", layer, unit, source).
    walk_target_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = QWidget(self)
        self.header.setFixedHeight(HEADER_HEIGHT)
        self.header.setAutoFillBackground(True)
        header_palette = self.header.palette()
        header_palette.setColor(self.header.backgroundRole(), QColor("white"))
        self.header.setPalette(header_palette)
        self.header.setStyleSheet(BUTTON_STYLE % 11)
        layout.addWidget(self.header)
        # The projector zoom: the picture is laid out for a canvas this many times smaller and
        # drawn enlarged, so text, neurons and gaps grow together (1.0: view units are pixels).
        self._scale = 1.0

        self.view = pg.GraphicsView(background="w")
        self.view.setAntialiasing(False)
        self.view.setFrameShape(self.view.Shape.NoFrame)
        self.view_box = pg.ViewBox(
            invertY=True, enableMouse=False, enableMenu=False, defaultPadding=0.0
        )
        # View units are pixels (y down), so text items draw upright at their natural size.
        self.view_box.setAspectLocked(True, 1.0)
        self.view_box.disableAutoRange()
        self.view.setCentralItem(self.view_box)
        layout.addWidget(self.view, 1)
        self.legend = WeightLegend(self)
        layout.addWidget(self.legend)
        self.view.viewport().setMouseTracking(True)
        self.view.viewport().installEventFilter(self)
        self.view_box.sigResized.connect(self._on_view_box_resized)

        self._snapshot: Snapshot | None = None
        self._key: tuple | None = None
        self._geometry: CanvasLayout | None = None
        self._heatmaps = False
        self._hover: tuple | None = None
        self._hover_global: QPoint | None = None
        self._press_pos: QPointF | None = None

        # Items that live as long as the canvas; per-architecture ones are made in _build.
        self._band_item = QGraphicsPathItem()
        self._band_item.setBrush(QBrush(QColor(150, 150, 150, 38)))
        self._band_item.setPen(QPen(Qt.PenStyle.NoPen))
        self._band_item.setZValue(Z_BAND)
        self.view_box.addItem(self._band_item, ignoreBounds=True)
        # One item per (bucket, slice): a bucket's edges are split into SLICES layers by |w| and
        # the two signs' layers alternate, so that where edges are dense neither colour buries
        # the other and the strongest edges end up on top.
        self._edge_items: list[pg.PlotCurveItem] = []
        for key in range(palette.WEIGHT_BUCKETS * SLICES):
            bucket, part = divmod(key, SLICES)
            level, positive = bucket % palette.WEIGHT_LEVELS, bucket >= palette.WEIGHT_LEVELS
            pen = pg.mkPen(color=palette.bucket_rgba(bucket), width=palette.bucket_width(bucket))
            pen.setCosmetic(True)
            item = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=False, skipFiniteCheck=True)
            # drawLines of independent segments: much faster than stroking one wide path.
            item.setSegmentedLineMode("on")
            # The sign on top alternates from slice to slice.
            item.setZValue((level * SLICES + part) * 2 + (positive != part % 2))
            item.setVisible(False)
            self._edge_items.append(item)
            self.view_box.addItem(item, ignoreBounds=True)
        self._highlight = pg.PlotCurveItem(
            pen=pg.mkPen("#222222", width=2), connect="pairs", antialias=False
        )
        self._highlight.setZValue(Z_HIGHLIGHT)
        self.view_box.addItem(self._highlight, ignoreBounds=True)
        self._neurons = pg.ScatterPlotItem(pxMode=True, antialias=True)
        self._neurons.setZValue(Z_NEURONS)
        self.view_box.addItem(self._neurons, ignoreBounds=True)
        self._borders = QGraphicsPathItem()
        border_pen = QPen(BORDER_COLOUR)
        border_pen.setCosmetic(True)
        self._borders.setPen(border_pen)
        self._borders.setZValue(Z_BORDERS)
        self.view_box.addItem(self._borders, ignoreBounds=True)
        self._biases = pg.ScatterPlotItem(pxMode=True, antialias=False, symbol="s")
        self._biases.setZValue(Z_BIASES)
        self.view_box.addItem(self._biases, ignoreBounds=True)
        self._notice = _text_item(self.view_box, LABEL_PX, MUTED_COLOUR, italic=True)
        self._walk_note = _text_item(self.view_box, LABEL_PX, MUTED_COLOUR, italic=True)
        self._sample_text = _text_item(self.view_box, LABEL_PX, MUTED_COLOUR)

        self._images: list[pg.ImageItem] = []
        self._name_items: list[QGraphicsSimpleTextItem] = []
        self._footer_items: list[QGraphicsSimpleTextItem] = []
        self._output_items: list[QGraphicsSimpleTextItem] = []
        # The class of each output neuron, beside it, when the output has one neuron per class.
        self._class_items: list[QGraphicsSimpleTextItem] = []
        self._header_widgets: list[QWidget] = []
        self._layer_buttons: list[tuple[QToolButton, str, int]] = []
        self._neuron_rows: list[tuple[QToolButton, QLabel, QToolButton, int]] = []
        self._column_titles: list[tuple[QLabel, int]] = []

        # Per layer pair: how many edges are drawn one by one, and the endpoints of all edges.
        self._pair_budget: list[int] = []
        self._pair_y0: list[np.ndarray] = []
        self._pair_y1: list[np.ndarray] = []
        self._pair_x: list[tuple[float, float]] = []
        # The edges drawn now, for hit tests: endpoints, pen width, layer (1..L), unit, source.
        empty = np.zeros(0)
        self._drawn = {k: empty for k in ("x0", "y0", "x1", "y1", "width", "z")}
        self._drawn_ids = np.zeros((0, 3), dtype=np.intp)
        self._neuron_xy = np.zeros((0, 2))
        self._neuron_hit = empty
        self._neuron_ids = np.zeros((0, 2), dtype=np.intp)
        self._bias_xy = np.zeros((0, 2))
        self._bias_half = empty
        self._bias_flat = np.zeros(0, dtype=np.intp)
        self._bias_ids = np.zeros((0, 2), dtype=np.intp)

        self._walk: tuple[Annotations, Focus] | None = None
        self._walk_items: list = []
        # The neurons veiled as dropped in the walk drawn last (see _draw_walk).
        self._walk_dropped: set[tuple[int, int]] = set()
        # Saturated and dead hidden neurons: a dashed ring and a small word each.
        self._health = HealthMarks(self.view_box)
        self._neuron_states: tuple[np.ndarray, ...] = ()

        # Every label (weights, biases, the step-through's numbers, the decision rule, "+N"
        # markers) is painted by one item, from one placement.
        self._label_layer = LabelLayer()
        self._label_layer.setZValue(Z_WALK_TEXT)
        self.view_box.addItem(self._label_layer, ignoreBounds=True)
        self._digits = DEFAULT_DIGITS
        self._values_wanted = True
        self._class_names: tuple[str, ...] | None = None
        # Per layout: what labels must not cover (neurons, names, output values).
        self._label_obstacles: list[labels.Rect] = []
        # The spot each label took last time, tried first: numbers stay put while they change.
        self._label_spots: dict = {}
        self._label_texts: dict = {}
        self._label_rects: dict = {}
        # Hover texts of the labels that have one ("+N" markers, the decision rule).
        self._label_tips: dict = {}
        # Counted up when the layout or the step-through's stage changes: what is cached for
        # the labels (spots, edges as segments, the last placement) holds for one of each.
        self._layout_generation = 0
        self._walk_generation = 0
        self._label_cache: dict = {}
        self._label_widths: dict = {}

    # ----- public -----------------------------------------------------------------------------

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Show `snapshot`. Items are rebuilt only when the architecture changes; otherwise only
        edge groups, colours and images are updated."""
        sizes = tuple(int(s) for s in snapshot.layer_sizes)
        heatmaps = snapshot.neuron_maps is not None and sum(sizes) <= HEATMAP_NEURON_LIMIT
        map_shape = snapshot.neuron_maps[0].shape[1:] if heatmaps else None
        key = (sizes, tuple(snapshot.activation_names), tuple(snapshot.input_names), map_shape)
        self._snapshot = snapshot
        if key != self._key:
            self._key = key
            self._heatmaps = heatmaps
            # What was under the pointer may no longer exist.
            self._set_hover(None, None)
            self._build(snapshot)
            self._relayout()
        else:
            self._update_data()
        self._refresh_tooltip()

    def set_scale(self, scale: float) -> None:
        """Draw everything `scale` times its size (the window's zoom, 1.0 = 100 %)."""
        if scale == self._scale:
            return
        self._scale = scale
        self.header.setFixedHeight(round(HEADER_HEIGHT * scale))
        self.header.setStyleSheet(BUTTON_STYLE % round(11 * scale))
        self.legend.set_scale(scale)
        for title, _ in self._column_titles:
            title.setStyleSheet(self._title_style())
        self._relayout()

    def scale(self) -> float:
        """The zoom the canvas draws at (1.0 = 100 %)."""
        return self._scale

    def name_box(self, index: int) -> QRectF | None:
        """Input `index`'s name as drawn, in pixels of the graphics view (None when hidden)."""
        if not 0 <= index < len(self._name_items) or not self._name_items[index].isVisible():
            return None
        item = self._name_items[index]
        scene = item.mapRectToScene(item.boundingRect())
        return QRectF(self.view.mapFromScene(scene).boundingRect())

    def set_neuron_states(self, states: tuple[np.ndarray, ...]) -> None:
        """Mark hidden neurons that stopped learning: states[l] (units,) for hidden layer l+1,
        each neuron_health.HEALTHY, SATURATED (a "flat" badge) or DEAD (a "dead" badge)."""
        if len(states) == len(self._neuron_states) and all(
            np.array_equal(a, b) for a, b in zip(states, self._neuron_states, strict=True)
        ):
            return
        self._neuron_states = tuple(np.array(s, copy=True) for s in states)
        self._draw_health_marks()

    def neuron_marks(self) -> dict[tuple[int, int], str]:
        """The marks on show: (column, unit) → "flat" or "dead"."""
        return self._health.marks()

    def _draw_health_marks(self) -> None:
        g, snapshot = self._geometry, self._snapshot
        marks = []
        if g is not None and snapshot is not None:
            hidden = len(snapshot.layer_sizes) - 2
            for index, states in enumerate(self._neuron_states[:hidden]):
                column = index + 1
                if len(states) != snapshot.layer_sizes[column]:
                    continue  # states of an architecture that has just changed
                for unit in np.flatnonzero(states).tolist():
                    word = {SATURATED: "flat", DEAD: "dead"}.get(int(states[unit]))
                    if word:
                        marks.append((column, unit, word))
        self._health.show(marks, g, self._heatmaps)

    def _view_size(self) -> tuple[float, float]:
        """The canvas's size in view units: pixels divided by the zoom."""
        rect = self.view_box.rect()
        return (
            max(rect.width() / self._scale, 50.0),
            max(rect.height() / self._scale, 50.0),
        )

    def set_selected_sample_label(self, text: str) -> None:
        """Show `text` (e.g. "sample 12: class 1") under the network, for the neuron colours."""
        self._sample_text.setText(text)

    def set_walkthrough(self, annotations: Annotations | None, focus: Focus | None = None) -> None:
        """Show a step-through stage over the network (None: back to the plain network): its
        numbers beside neurons and on edges, the lit neurons and edges with the direction of
        the flow, and the focused item. Clicks then report `walk_target_clicked`."""
        was_walking = self._walk is not None
        self._walk = None if annotations is None else (annotations, focus)
        self._walk_generation += 1
        if was_walking != (self._walk is not None):
            self._relayout()  # the rows spread out for the numbers, or close up again
        else:
            self._draw_walk()
            self._place_labels()

    def walk_dropped(self) -> set[tuple[int, int]]:
        """The neurons veiled as dropped by dropout in the walked step, for tests."""
        return set(self._walk_dropped) if self._walk is not None else set()

    def walk_texts(self) -> tuple[dict, dict]:
        """The step-through numbers on show: (neuron texts, edge texts), for tests."""
        neurons = {k[1:]: t for k, t in self._label_texts.items() if k[0] == "walk-neuron"}
        edges = {k[1:]: t for k, t in self._label_texts.items() if k[0] == "walk-edge"}
        return neurons, edges

    def set_digits(self, digits: int) -> None:
        """Write weights and biases with `digits` significant digits (the user's precision)."""
        if digits != self._digits:
            self._digits = digits
            self._relayout()  # longer numbers may need more room than the columns leave

    def set_values_shown(self, shown: bool) -> None:
        """Write every weight on its edge and every bias beside its neuron (networks of at most
        VALUE_LABEL_EDGE_LIMIT weights; larger ones are not affected)."""
        if shown != self._values_wanted:
            self._values_wanted = shown
            self._relayout()  # the rows spread out for the numbers, or close up again

    def values_shown(self) -> bool:
        """Whether weights and biases are written on the canvas now."""
        return self._values_drawn()

    def set_class_names(self, names: tuple[str, ...] | None) -> None:
        """Name the classes in the decision rule beside the output ("> 0.5 → dog")."""
        names = tuple(names) if names else None
        if names != self._class_names:
            self._class_names = names
            if self._snapshot is not None:
                self._make_class_items()
                self._relayout()  # the names take room beside the output column

    def output_class_labels(self) -> list[tuple[str, QRectF]]:
        """The class names beside the output neurons, top to bottom: (text, box in view-box
        pixels); [] when the output is not one neuron per class."""
        shown = []
        for item in self._class_items:
            box = item.boundingRect()
            shown.append((item.text(), QRectF(item.x(), item.y(), box.width(), box.height())))
        return shown

    def label_texts(self) -> dict:
        """The labels on show, key → text: ("weight", layer, unit, source), ("bias", layer,
        unit), ("rule",), ("walk-neuron", column, unit), ("walk-edge", layer, unit, source)."""
        return dict(self._label_texts)

    def label_rects(self) -> dict:
        """The boxes of the labels and markers on show (view-box pixels): key → QRectF, markers
        keyed ("marker", index)."""
        return {key: QRectF(*rect) for key, rect in self._label_rects.items()}

    def markers(self) -> list[tuple[str, QPointF, str]]:
        """The "+N" markers on show: text, view position of the centre (for hovering), and the
        hidden numbers their tooltip lists."""
        shown = []
        for key, rect in self._label_rects.items():
            if key[0] == "marker":
                x, y, w, h = rect
                text = self._label_texts[key]
                shown.append((text, self._to_view_pos(x + w / 2, y + h / 2), self._label_tips[key]))
        return shown

    def neuron_box(self, column: int, unit: int) -> QRectF | None:
        """A neuron's square in view-box pixels, as label_rects gives boxes, or None."""
        g = self._geometry
        if g is None:
            return None
        size = g.sizes[column]
        return QRectF(g.xs[column] - size / 2, g.ys[column][unit] - size / 2, size, size)

    def notice_text(self) -> str:
        """Return the note shown when only the strongest weights are drawn, else ""."""
        return self._notice.text()

    def hit_target(self, pos: QPointF) -> tuple | None:
        """Return what lies under view position `pos` (pixels in the graphics view):
        ("bias", layer, unit), ("neuron", column, unit) with column 0 the inputs, ("edge", layer,
        unit, source), or None."""
        point = self.view_box.mapSceneToView(self.view.mapToScene(pos.toPoint()))
        return self._hit(point.x(), point.y())

    def edge_midpoint(self, layer: int, unit: int, source: int) -> QPointF | None:
        """Return the view position (pixels in the graphics view) of the middle of a drawn edge,
        or None if it is not drawn one by one."""
        ids = self._drawn_ids
        match = np.flatnonzero((ids[:, 0] == layer) & (ids[:, 1] == unit) & (ids[:, 2] == source))
        if not match.size:
            return None
        i = match[0]
        d = self._drawn
        x = (d["x0"][i] + d["x1"][i]) / 2
        y = (d["y0"][i] + d["y1"][i]) / 2
        return self._to_view_pos(x, y)

    def neuron_centre(self, column: int, unit: int) -> QPointF | None:
        """Return the view position of a neuron's centre (column 0 the inputs), or None."""
        if self._geometry is None:
            return None
        return self._to_view_pos(self._geometry.xs[column], self._geometry.ys[column][unit])

    # ----- building and layout ----------------------------------------------------------------

    def _build(self, snapshot: Snapshot) -> None:
        """Make the items of a new architecture: texts, thumbnails, header controls."""
        sizes = snapshot.layer_sizes
        layers = len(sizes) - 1
        for item in self._images + self._name_items + self._footer_items + self._output_items:
            self.view_box.removeItem(item)
        self._make_class_items()
        for widget in self._header_widgets:
            widget.hide()
            widget.deleteLater()
        self._images, self._name_items, self._footer_items, self._output_items = [], [], [], []
        self._header_widgets, self._layer_buttons, self._neuron_rows = [], [], []
        self._column_titles = []

        if self._heatmaps:
            blank = np.zeros(snapshot.neuron_maps[0].shape[1:])
            for _ in range(sum(sizes)):
                # An image first: ImageItem.setRect scales by the image's size in pixels.
                image = pg.ImageItem(blank, axisOrder="row-major")
                image.setZValue(Z_NEURONS)
                self.view_box.addItem(image, ignoreBounds=True)
                self._images.append(image)
        self._neurons.setVisible(not self._heatmaps)
        self._borders.setVisible(self._heatmaps)
        for name in snapshot.input_names:
            item = _text_item(self.view_box, LABEL_PX)
            item.setText(shown_input_name(name))
            self._name_items.append(item)
        for column in range(layers + 1):
            item = _text_item(self.view_box, LABEL_PX, MUTED_COLOUR)
            item.setText("inputs" if column == 0 else snapshot.activation_names[column - 1])
            self._footer_items.append(item)
        if sizes[-1] <= MAX_SHOWN_OUTPUTS:
            self._output_items = [_text_item(self.view_box, LABEL_PX) for _ in range(sizes[-1])]

        self._make_header(snapshot)

    def _make_class_items(self) -> None:
        """One name per output neuron, for a classifier whose output has one neuron per class
        (softmax over digits 0–9, say); a single sigmoid output has its decision rule instead."""
        for item in self._class_items:
            self.view_box.removeItem(item)
        self._class_items = []
        snapshot, names = self._snapshot, self._class_names
        units = snapshot.layer_sizes[-1]
        if (
            snapshot.task != "classification"
            or names is None
            or units < 2
            or units > MAX_SHOWN_OUTPUTS
            or len(names) != units
        ):
            return
        for name in names:
            item = _text_item(self.view_box, LABEL_PX)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            item.setText(name)
            item.setToolTip(f"This output neuron stands for class {name}")
            self._class_items.append(item)

    def _class_name_room(self, width: float) -> float:
        """The pixels the class names take beside the output column (0 without them)."""
        if not self._class_items:
            return 0.0
        widest = max(item.boundingRect().width() for item in self._class_items)
        return min(widest + 6.0, MAX_CLASS_NAME_SHARE * width)

    def _make_header(self, snapshot: Snapshot) -> None:
        sizes = snapshot.layer_sizes
        layers = len(sizes) - 1
        for position in range(layers):
            button = self._header_button("+ layer", "Insert a hidden layer here")
            button.clicked.connect(self._on_add_layer_clicked)
            button.setProperty("layer_index", position)
            self._layer_buttons.append((button, "add", position))
        for index in range(layers - 1):
            button = self._header_button("− layer", f"Remove hidden layer {index + 1}")
            button.clicked.connect(self._on_remove_layer_clicked)
            button.setProperty("layer_index", index)
            self._layer_buttons.append((button, "remove", index))
            minus = self._header_button("−", f"Remove a neuron from layer {index + 1}")
            minus.clicked.connect(self._on_remove_neuron_clicked)
            minus.setProperty("layer_index", index)
            minus.setEnabled(sizes[index + 1] > 1)
            plus = self._header_button("+", f"Add a neuron to layer {index + 1}")
            plus.clicked.connect(self._on_add_neuron_clicked)
            plus.setProperty("layer_index", index)
            count = QLabel(str(sizes[index + 1]), self.header)
            count.setAlignment(Qt.AlignmentFlag.AlignCenter)
            count.setToolTip(f"{sizes[index + 1]} neurons in layer {index + 1}")
            self._header_widgets.append(count)
            self._neuron_rows.append((minus, count, plus, index))
        for text, column in (("inputs", 0), ("output", layers)):
            title = QLabel(text, self.header)
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            title.setStyleSheet(self._title_style())
            self._header_widgets.append(title)
            self._column_titles.append((title, column))
        for widget in self._header_widgets:
            widget.show()

    def _header_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self.header)
        button.setText(text)
        button.setToolTip(tip)
        button.setFixedHeight(ROW_HEIGHT)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        self._header_widgets.append(button)
        return button

    def _compute_geometry(self, width: float, height: float) -> CanvasLayout:
        snapshot = self._snapshot
        return layout_network(
            snapshot.layer_sizes,
            [shown_input_name(name) for name in snapshot.input_names],
            width,
            height,
            heatmaps=self._heatmaps,
            walking=self._walk is not None,
            values_wanted=self._values_wanted_here(),
            right_room=self._class_name_room(width),
            text_width=self._text_width,
            value_width=self._value_width,
        )

    def _text_width(self, text: str, px: int) -> float:
        return QFontMetricsF(self._label_font(px)).horizontalAdvance(text)

    def _value_width(self, px: int) -> float:
        # The widest a written weight usually gets at the learner's precision.
        return self._label_layer.measure(number(-1 / 3, self._digits), px)[0]

    @staticmethod
    def _label_font(px: int) -> QFont:
        font = QFont()
        font.setPixelSize(px)
        return font

    def _relayout(self) -> None:
        """Place every item for the current size; then redraw the data."""
        if self._snapshot is None:
            return
        width, height = self._view_size()
        self.view_box.setRange(xRange=(0, width), yRange=(0, height), padding=0)
        geometry = self._compute_geometry(width, height)
        self._geometry = geometry
        sizes = self._snapshot.layer_sizes
        xs, ys, neuron = geometry.xs, geometry.ys, geometry.sizes

        # Input names, right-aligned left of the input column.
        font = self._label_font(geometry.label_px)
        for i, item in enumerate(self._name_items):
            shown = i % geometry.label_step == 0
            item.setVisible(shown)
            if shown:
                item.setFont(font)
                box = item.boundingRect()
                x = xs[0] - neuron[0] / 2 - 5 - box.width()
                item.setPos(max(x, 2.0), ys[0][i] - box.height() / 2)
        footer_y = height - FOOTER_HEIGHT + 4
        for column, item in enumerate(self._footer_items):
            box = item.boundingRect()
            item.setPos(xs[column] - box.width() / 2, footer_y)
        self._sample_text.setPos(8, footer_y + 16)
        # Clear of the ring the step-through draws around a neuron (6 px out).
        names_x = xs[-1] + neuron[-1] / 2 + 9
        for i, item in enumerate(self._class_items):
            item.setPos(names_x, ys[-1][i] - item.boundingRect().height() / 2)
        values_x = names_x + self._class_name_room(width)
        for i, item in enumerate(self._output_items):
            item.setPos(values_x, ys[-1][i] - LABEL_PX * 0.65)

        # Neurons (all columns, inputs first) and their hit areas.
        self._neuron_xy = np.column_stack(
            [np.concatenate([np.full(n, xs[c]) for c, n in enumerate(sizes)]), np.concatenate(ys)]
        )
        self._neuron_ids = np.array(
            [(c, i) for c, n in enumerate(sizes) for i in range(n)], dtype=np.intp
        )
        diameters = np.concatenate([np.full(n, neuron[c]) for c, n in enumerate(sizes)])
        pitch = np.concatenate([np.full(n, geometry.pitches[c]) for c, n in enumerate(sizes)])
        self._neuron_hit = np.maximum(diameters / 2, np.minimum(pitch / 2, 5.0))
        if self._heatmaps:
            path = QPainterPath()
            for (x, y), d, image in zip(self._neuron_xy, diameters, self._images, strict=True):
                rect_f = QRectF(x - d / 2, y - d / 2, d, d)
                image.setRect(rect_f)
                path.addRect(rect_f)
            self._borders.setPath(path)
        else:
            # Sizes in screen pixels (pxMode), the positions in view units.
            self._neurons.setData(
                pos=self._neuron_xy,
                size=diameters * self._scale,
                pen=pg.mkPen(BORDER_COLOUR, width=1),
                symbol="o",
            )

        # Bias squares at the lower left of each neuron of layers 1..L, when there is room.
        bias_xy, bias_ids, bias_sizes = [], [], []
        for c in range(1, len(sizes)):
            d = neuron[c]
            if d < MIN_BIAS_NEURON:
                continue
            side = max(5.0, round(d * 0.28))
            inset = 0.5 if self._heatmaps else 0.4
            for i, y in enumerate(ys[c]):
                bias_xy.append((xs[c] - d * inset, y + d * 0.3))
                bias_ids.append((c, i))
                bias_sizes.append(side)
        self._bias_xy = np.array(bias_xy).reshape(-1, 2)
        self._bias_ids = np.array(bias_ids, dtype=np.intp).reshape(-1, 2)
        self._bias_half = np.array(bias_sizes) / 2 + 1
        # Where each square's bias sits in the biases of all layers laid end to end.
        offsets = np.concatenate([[0], np.cumsum(sizes[1:])])
        self._bias_flat = offsets[self._bias_ids[:, 0] - 1] + self._bias_ids[:, 1]
        self._biases.setData(
            pos=self._bias_xy,
            size=np.array(bias_sizes) * self._scale,
            pen=pg.mkPen("#555555", width=1),
        )

        self._pair_budget = edge_budget(self._snapshot.layer_sizes, geometry)
        counts = [sizes[p] * sizes[p + 1] for p in range(len(sizes) - 1)]
        total, drawn = sum(counts), sum(self._pair_budget)
        if drawn < total:
            self._notice.setText(f"showing the {drawn:,} strongest of {total:,} weights")
        elif self._values_wanted_here() and not geometry.room_for_values:
            self._notice.setText("widen the canvas to read the weights on the edges")
        else:
            self._notice.setText("")
        self._notice.setPos(
            max(width - self._notice.boundingRect().width() - 8, 2.0), footer_y + 16
        )

        # Edge endpoints: from the right side of each source to the left side of each target.
        self._pair_x, self._pair_y0, self._pair_y1 = [], [], []
        band = QPainterPath()
        for p in range(len(sizes) - 1):
            x0 = xs[p] + neuron[p] / 2
            x1 = xs[p + 1] - neuron[p + 1] / 2
            fan_in, units = sizes[p], sizes[p + 1]
            self._pair_x.append((x0, x1))
            self._pair_y0.append(np.tile(ys[p], units))
            self._pair_y1.append(np.repeat(ys[p + 1], fan_in))
            if self._pair_budget[p] < fan_in * units:
                # The undrawn weights, as a faint band between the two columns.
                half0, half1 = geometry.pitches[p] / 2, geometry.pitches[p + 1] / 2
                band.addPolygon(
                    QPolygonF(
                        [
                            QPointF(x0, ys[p][0] - half0),
                            QPointF(x1, ys[p + 1][0] - half1),
                            QPointF(x1, ys[p + 1][-1] + half1),
                            QPointF(x0, ys[p][-1] + half0),
                        ]
                    )
                )
                band.closeSubpath()
        self._band_item.setPath(band)
        self._place_header(geometry)
        self._label_obstacles = self._fixed_text_boxes(geometry)
        self._layout_generation += 1
        self._label_cache = {}
        self._label_widths = {}
        self._draw_walk()
        self._draw_health_marks()
        self._update_data()

    def _place_header(self, geometry: CanvasLayout) -> None:
        # The header's widgets are in pixels: the columns' places and the sizes, zoomed.
        k = self._scale
        xs, spacing = geometry.xs * k, geometry.spacing * k
        row, top, second = round(ROW_HEIGHT * k), round(3 * k), round(27 * k)
        # Layer buttons alternate with half a column apart: the long labels only where they fit.
        room = spacing / 2 - 4
        long_width = max(
            (b.fontMetrics().horizontalAdvance("− layer") + 12 for b, _, _ in self._layer_buttons),
            default=0,
        )
        wide = long_width <= room
        for button, kind, index in self._layer_buttons:
            if kind == "add":
                x = (xs[index] + xs[index + 1]) / 2
                button.setText("+ layer" if wide else "+")
            else:
                x = xs[index + 1]
                button.setText("− layer" if wide else "×")
            w = long_width if wide else max(round(14 * k), min(round(22 * k), int(room)))
            button.setFixedWidth(w)
            button.setFixedHeight(row)
            button.move(round(x - w / 2), top)
        small = round(20 * k)
        for minus, count, plus, index in self._neuron_rows:
            x = xs[index + 1]
            count_width = count.fontMetrics().horizontalAdvance(count.text()) + 6
            show_count = 2 * small + count_width <= spacing - 6
            half = count_width / 2 if show_count else 1
            for button in (minus, plus):
                button.setFixedWidth(small)
                button.setFixedHeight(row)
            minus.move(round(x - half - small), second)
            plus.move(round(x + half), second)
            count.setVisible(show_count)
            count.setGeometry(round(x - half), second, round(2 * half), row)
        for title, column in self._column_titles:
            w = int(min(spacing, 80 * k))
            x = xs[column]
            # The input title may sit over the names: keep it inside the widget.
            left = int(min(max(x - w / 2, 2), self.width() - w - 2))
            title.setGeometry(left, second, w, row)

    def _title_style(self) -> str:
        return f"color: #555555; font-size: {round(11 * self._scale)}px; font-weight: bold;"

    # ----- per-snapshot updates ---------------------------------------------------------------

    def _update_data(self) -> None:
        if self._snapshot is None or self._geometry is None:
            return
        self._update_edges()
        self._update_neurons()
        self._refresh_highlight()
        self._place_labels()

    def _update_edges(self) -> None:
        snapshot = self._snapshot
        parts_x0, parts_x1, parts_y0, parts_y1, parts_w, parts_ids = [], [], [], [], [], []
        for p, weights in enumerate(snapshot.weights):
            flat = weights.ravel()
            keep = self._pair_budget[p]
            if keep < flat.size:
                chosen = np.argpartition(np.abs(flat), flat.size - keep)[flat.size - keep :]
                values = flat[chosen]
            else:
                chosen = np.arange(flat.size)
                values = flat
            x0, x1 = self._pair_x[p]
            parts_x0.append(np.full(chosen.size, x0))
            parts_x1.append(np.full(chosen.size, x1))
            parts_y0.append(self._pair_y0[p][chosen])
            parts_y1.append(self._pair_y1[p][chosen])
            parts_w.append(values)
            fan_in = weights.shape[1]
            parts_ids.append(
                np.column_stack([np.full(chosen.size, p + 1), *np.divmod(chosen, fan_in)])
            )
        if not parts_w:
            return
        values = np.concatenate(parts_w)
        buckets = palette.weight_buckets(values)
        # Sorted by bucket, then by |w| within it: each slice is a run of this order.
        order = np.lexsort((np.abs(values), buckets))
        buckets = buckets[order]
        counts = np.bincount(buckets, minlength=palette.WEIGHT_BUCKETS)
        slices = SLICES if values.size > SLICE_EDGES else 1
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(values.size) - starts[buckets]
        keys = buckets * SLICES + rank * slices // counts[buckets]
        key_counts = np.bincount(keys, minlength=len(self._edge_items))
        x0 = np.concatenate(parts_x0)[order]
        x1 = np.concatenate(parts_x1)[order]
        y0 = np.concatenate(parts_y0)[order]
        y1 = np.concatenate(parts_y1)[order]
        widths = np.array([palette.bucket_width(b) for b in range(palette.WEIGHT_BUCKETS)])
        levels, positive = buckets % palette.WEIGHT_LEVELS, buckets >= palette.WEIGHT_LEVELS
        parts = keys % SLICES
        self._drawn = {
            "x0": x0,
            "y0": y0,
            "x1": x1,
            "y1": y1,
            "width": widths[buckets],
            # The stacking order of each edge, as its item's z value: hits prefer the one on top.
            "z": (levels * SLICES + parts) * 2 + (positive != parts % 2),
        }
        self._drawn_ids = np.concatenate(parts_ids)[order]
        # Interleave the two ends: connect="pairs" draws segment k from point 2k to point 2k+1.
        xy_x = np.empty(2 * x0.size)
        xy_y = np.empty(2 * x0.size)
        xy_x[0::2], xy_x[1::2] = x0, x1
        xy_y[0::2], xy_y[1::2] = y0, y1
        start = 0
        for item, n in zip(self._edge_items, key_counts.tolist(), strict=True):
            if n:
                stop = start + 2 * n
                item.setData(xy_x[start:stop], xy_y[start:stop])
                item.setVisible(True)
                start = stop
            elif item.isVisible():
                item.setVisible(False)

    def _update_neurons(self) -> None:
        snapshot = self._snapshot
        layers = len(snapshot.layer_sizes) - 1
        activations = ("input", *snapshot.activation_names)
        brushes = _lut_brushes()
        if self._heatmaps:
            images = iter(self._images)
            for column, maps in enumerate(snapshot.neuron_maps):
                activation = activations[column]
                if column == 0:
                    # Each input feature keeps its own scale (X1 spans ±6, X1² up to 36).
                    index = np.stack(
                        [palette.lut_indices(m, *palette.value_range(activation, m)) for m in maps]
                    )
                else:
                    index = palette.lut_indices(maps, *palette.value_range(activation, maps))
                # Colour all of a layer's maps in one lookup; ImageItem then takes RGBA as is,
                # which is several times faster than handing it levels and a lookup table.
                # Row 0 of a map is the lowest y and view y grows downwards: flip the rows.
                rgba = palette.LUT[index[:, ::-1]]
                for unit_rgba in rgba:
                    next(images).setImage(unit_rgba, autoLevels=False)
        elif snapshot.sample_outputs is None:
            self._neurons.setBrush(_NEUTRAL_BRUSH * len(self._neuron_ids))
        else:
            rows = []
            for column, values in enumerate(snapshot.sample_outputs):
                lo, hi = palette.value_range(activations[column], values)
                rows.append(palette.lut_indices(values, lo, hi))
            index = np.concatenate(rows)
            self._neurons.setBrush([brushes[k] for k in index])
        if len(self._bias_ids):
            values = np.concatenate(snapshot.biases)[self._bias_flat]
            bias_brushes = _bucket_brushes()
            self._biases.setBrush([bias_brushes[b] for b in palette.weight_buckets(values)])
        if self._output_items:
            outputs = snapshot.sample_outputs[layers] if snapshot.sample_outputs else None
            if self._walk is not None:
                # The live output is the network after the step; the walk shows the step's own.
                outputs = None
            for i, item in enumerate(self._output_items):
                item.setText("" if outputs is None else _format_short(float(outputs[i])))

    # ----- hover and clicks -------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ToolTip:
            # Qt asks for a tooltip once the pointer has rested a moment. The graphics scene
            # would answer with none and hide ours; the canvas answers for its own targets.
            if self._hover is None:
                QToolTip.hideText()
            else:
                self._hover_global = event.globalPos()
                self._show_tooltip()
            return True
        if kind == QEvent.Type.MouseMove:
            self._on_mouse_moved(event.position(), event.globalPosition().toPoint())
        elif kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position()
        elif kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            press, self._press_pos = self._press_pos, None
            moved = press is not None and (event.position() - press).manhattanLength()
            if press is not None and moved <= CLICK_SLOP:
                self._on_clicked(self.hit_target(event.position()))
        elif kind == QEvent.Type.Leave:
            self._set_hover(None, None)
        return super().eventFilter(watched, event)

    def _on_mouse_moved(self, pos: QPointF, global_pos: QPoint) -> None:
        # A "+N" marker or the decision rule explains itself on hover; clicks go to what lies
        # beneath them (hit_target), so a marker never stands in the way of an edge.
        point = self.view_box.mapSceneToView(self.view.mapToScene(pos.toPoint()))
        for key in self._label_tips:
            x, y, w, h = self._label_rects[key]
            if x <= point.x() <= x + w and y <= point.y() <= y + h:
                self._set_hover(("label", key), global_pos)
                return
        self._set_hover(self.hit_target(pos), global_pos)

    def _on_clicked(self, target: tuple | None) -> None:
        if target is None:
            return
        if self._walk is not None:
            self.walk_target_clicked.emit(target)
            return
        if target[0] == "edge":
            self.weight_clicked.emit(int(target[1]), int(target[2]), int(target[3]))
        elif target[0] == "bias" or (target[0] == "neuron" and target[1] > 0):
            self.bias_clicked.emit(int(target[1]), int(target[2]))

    def _set_hover(self, target: tuple | None, global_pos: QPoint | None) -> None:
        changed = target != self._hover
        self._hover = target
        self._hover_global = global_pos
        if target is None:
            if changed:
                QToolTip.hideText()
        else:
            self._show_tooltip()
        if changed:
            self._refresh_highlight()

    def _refresh_tooltip(self) -> None:
        # Values change while training: rewrite the open tooltip with the new snapshot's numbers.
        if self._hover is None or self._hover_global is None:
            return
        self._show_tooltip()

    def _show_tooltip(self) -> None:
        QToolTip.showText(
            self._hover_global,
            self._describe(self._hover),
            self.view.viewport(),
            QRect(),
            TOOLTIP_SHOW_MS,
        )

    def tooltip_text(self) -> str:
        """The text of the hover tooltip the canvas shows now ("" when none)."""
        return "" if self._hover is None else self._describe(self._hover)

    def _refresh_highlight(self) -> None:
        target = self._hover
        if target is None or target[0] != "edge" or self._geometry is None:
            self._highlight.setVisible(False)
            return
        _, layer, unit, source = target
        g = self._geometry
        neuron = g.sizes
        xs = [g.xs[layer - 1] + neuron[layer - 1] / 2, g.xs[layer] - neuron[layer] / 2]
        ys = [g.ys[layer - 1][source], g.ys[layer][unit]]
        self._highlight.setData(xs, ys)
        self._highlight.setVisible(True)

    def _hit(self, x: float, y: float) -> tuple | None:
        if self._snapshot is None or self._geometry is None:
            return None
        # A bias square sits on its neuron and takes the click first.
        return (
            hit_bias(x, y, self._bias_xy, self._bias_half, self._bias_ids)
            or hit_neuron(x, y, self._neuron_xy, self._neuron_hit, self._neuron_ids)
            or hit_edge(x, y, self._drawn, self._drawn_ids)
        )

    def _describe(self, target: tuple) -> str:
        """Return the tooltip text of a hover target: each number at the learner's precision,
        with its full-precision value on the next line."""
        if target[0] == "label":
            return self._label_tips.get(target[1], "")
        return hover_text.describe(target, self._snapshot, self._digits, self._walk is not None)

    def _to_view_pos(self, x: float, y: float) -> QPointF:
        scene = self.view_box.mapViewToScene(QPointF(float(x), float(y)))
        return QPointF(self.view.mapFromScene(scene))

    # ----- step-through overlay ---------------------------------------------------------------

    def _draw_walk(self) -> None:
        for item in self._walk_items:
            self.view_box.removeItem(item)
        self._walk_items = []
        self._walk_dropped = set()
        if not self._walk_fits():
            return
        annotations, focus = self._walk
        flow = QColor(palette.WALK_FLOW)
        edges = sorted(annotations.lit_edges | annotations.changed_edges)
        for layer, unit, source in edges:
            x0, y0, x1, y1 = self._edge_ends(layer, unit, source)
            changed = (layer, unit, source) in annotations.changed_edges
            colour = QColor(palette.WALK_CHANGED) if changed else flow
            self._add_walk_item(self._walk_line(x0, y0, x1, y1, colour, 2.5))
            # The arrow shows which way the numbers travel: right in the forward pass, left in
            # the backward pass.
            if annotations.backward:
                self._add_walk_item(self._arrow_head(x1, y1, x0, y0, colour))
            elif (layer, unit, source) in annotations.lit_edges:
                self._add_walk_item(self._arrow_head(x0, y0, x1, y1, colour))
        self._walk_dropped = set(annotations.dropped_neurons)
        for column, unit in sorted(annotations.dropped_neurons):
            self._add_walk_item(self._dropped_veil(column, unit))
        for column, unit in sorted(annotations.lit_neurons):
            self._add_walk_item(self._ring(column, unit, QColor(palette.WALK_FLOW), 2.5, 3.0))
        if focus is not None:
            if focus.source is None:
                self._add_walk_item(
                    self._ring(focus.column, focus.neuron, QColor(palette.WALK_FOCUS), 3.5, 6.0)
                )
            else:
                x0, y0, x1, y1 = self._edge_ends(focus.column, focus.neuron, focus.source)
                focus_colour = QColor(palette.WALK_FOCUS)
                self._add_walk_item(self._walk_line(x0, y0, x1, y1, focus_colour, 4.0))

    # ----- labels -----------------------------------------------------------------------------

    def _values_wanted_here(self) -> bool:
        """Whether weights and biases are to be written on this network: wanted, a small
        network, and not in a step-through (whose snapshot holds the weights after the step it
        explains; the step's own numbers are the walk's labels)."""
        snapshot = self._snapshot
        if not self._values_wanted or self._walk is not None or snapshot is None:
            return False
        sizes = snapshot.layer_sizes
        weights = sum(a * b for a, b in itertools.pairwise(sizes))
        return weights <= VALUE_LABEL_EDGE_LIMIT

    def _values_drawn(self) -> bool:
        """Whether weights and biases are written on the canvas now: wanted here, and there
        is room between the columns."""
        g = self._geometry
        return g is not None and g.room_for_values and self._values_wanted_here()

    def _fixed_text_boxes(self, g: CanvasLayout) -> list[labels.Rect]:
        """What a label must not cover: every neuron, the input names, the output values, the
        layers' names under the columns."""
        boxes = [
            (g.xs[c] - g.sizes[c] / 2, y - g.sizes[c] / 2, g.sizes[c], g.sizes[c])
            for c in range(len(g.xs))
            for y in g.ys[c]
        ]
        for item in self._name_items + self._footer_items + self._class_items:
            if item.isVisible():
                box = item.boundingRect()
                boxes.append((item.x(), item.y(), box.width(), box.height()))
        if self._output_items:
            # The room an output value takes, whatever its digits: the labels keep their place
            # while the values change.
            width = QFontMetricsF(self._label_font(LABEL_PX)).horizontalAdvance("−0.000") + 2
            boxes += [(item.x(), item.y(), width, LABEL_PX * 1.4) for item in self._output_items]
        return boxes

    def _place_labels(self) -> None:
        """Lay out every label the canvas draws in one placement, most important first: none
        overlaps another or covers a neuron; what finds no room is gathered under "+N"."""
        g, snapshot = self._geometry, self._snapshot
        self._label_texts, self._label_rects, self._label_tips = {}, {}, {}
        if g is None or snapshot is None:
            self._label_layer.set_labels([])
            return
        requests: list[labels.Label] = []
        rule = self._decision_rule()
        lines, line_of = self._label_lines()
        if self._walk is not None:
            if self._walk_fits():
                requests += self._walk_labels(*self._walk, line_of)
        elif self._values_drawn():
            requests += self._value_labels(line_of)
        if rule is not None:
            # The rule is a fixture of the plain picture; in a step-through the step's numbers
            # come first.
            requests.insert(len(requests) if self._walk is not None else 0, rule)
        # While training, the numbers change every frame but their boxes seldom do: the same
        # labels with boxes of the same sizes go where they went last time. A box grows with
        # its number at once but shrinks only when the number is much shorter, so that a
        # number that loses or gains a digit now and then does not move its label about.
        sizes = []
        for index, request in enumerate(requests):
            width, height = self._measure_label(request.text, request.style)
            kept = self._label_widths.get(request.key, 0.0)
            if kept - LABEL_SHRINK * request.style.px <= width <= kept:
                width = kept
            self._label_widths[request.key] = width
            sizes.append((width, height))
            requests[index] = request._replace(size=(width, height))
        signature = (
            self._layout_generation,
            self._walk_generation,
            [request.key for request in requests],
            sizes,
        )
        last = self._label_cache.get("placement")
        if last is not None and last[0] == signature:
            placement = last[1]
        else:
            width = self._view_size()[0]
            placement = labels.place_labels(
                requests,
                self._label_obstacles,
                self._measure_label,
                bounds=(0.0, 0.0, max(width, 50.0), g.height),
                prefer=self._label_spots,
                lines=lines,
            )
            self._label_spots = placement.spot_index
            self._label_cache["placement"] = (signature, placement)
        entries = []
        by_key = {request.key: request for request in requests}
        for key, rect in placement.rects.items():
            request = by_key[key]
            entries.append((rect, request.text, request.style))
            self._label_texts[key] = request.text
            self._label_rects[key] = rect
            if request.detail and key == ("rule",):
                self._label_tips[key] = request.detail
        for index, marker in enumerate(placement.markers):
            key = ("marker", index)
            style = LabelStyle(
                MARKER_BACKGROUND, MARKER_BORDER, TEXT_COLOUR.name(), marker.style.px
            )
            entries.append((marker.rect, marker.text, style))
            self._label_texts[key] = marker.text
            self._label_rects[key] = marker.rect
            count = len(marker.hidden)
            heading = f"{count} number{'s' if count != 1 else ''} left out for room:"
            # Today's numbers: the placement may be an earlier frame's.
            hidden = [by_key[label.key] for label in marker.hidden]
            listed = "\n".join(label.detail or label.text for label in hidden)
            self._label_tips[key] = f"{heading}\n{listed}"
        self._label_layer.set_labels(entries)
        hidden = sum(label.gathered for label in placement.unplaced)
        hidden += sum(len(marker.hidden) for marker in placement.markers)
        if self._walk is not None and hidden:
            plural = "s" if hidden != 1 else ""
            self._walk_note.setText(
                f"{hidden} number{plural} left out for room: "
                "hover a +N to read them, or click to see"
            )
            # The note shares its line with the notice of undrawn weights: shorter where the two
            # would meet.
            notice = self._notice.boundingRect().width() if self._notice.text() else 0.0
            room = self._view_size()[0] - notice - 24
            if self._walk_note.boundingRect().width() > room:
                self._walk_note.setText(f"{hidden} number{plural} left out: hover a +N")
        else:
            self._walk_note.setText("")
        self._walk_note.setPos(8, g.height - FOOTER_HEIGHT + 20)

    def _label_lines(self) -> tuple[np.ndarray | None, dict]:
        """Every edge as a segment (m, 4) for labels to keep off, and each edge's index
        (layer, unit, source) → row; (None, {}) for networks with too many edges."""
        cached = self._label_cache.get("lines")
        if cached is not None:
            return cached
        sizes = self._snapshot.layer_sizes
        if sum(a * b for a, b in itertools.pairwise(sizes)) > LINE_AVOID_LIMIT:
            found = (None, {})
        else:
            rows, line_of = [], {}
            for p, (x0, x1) in enumerate(self._pair_x):
                fan_in = sizes[p]
                pairs = zip(self._pair_y0[p], self._pair_y1[p], strict=True)
                for flat, (y0, y1) in enumerate(pairs):
                    line_of[(p + 1, *divmod(flat, fan_in))] = len(rows)
                    rows.append((x0, y0, x1, y1))
            found = (np.array(rows, dtype=np.float64).reshape(-1, 4), line_of)
        self._label_cache["lines"] = found
        return found

    def _measure_label(self, text: str, style: LabelStyle) -> tuple[float, float]:
        return self._label_layer.measure(text, style.px, style.italic)

    def _neuron_spots(self, column: int, unit: int, order: tuple[str, ...], ring: bool = False):
        """Places beside a neuron, in `order`: "below", "above", "right", "left" of it, or
        "right-up" (level with its bottom), "right-down" (with its top), "left-up", "left-down"."""
        g = self._geometry
        # With `ring`, room for the step-through's ring (up to 6 px out, 3.5 px wide).
        gap = 8.0 if ring else 2.0
        x, y, size = g.xs[column], g.ys[column][unit], g.sizes[column] + 2 * (gap - 2)
        right, left, top, bottom = x + size / 2 + 3, x - size / 2 - 4, y - size / 2, y + size / 2
        spots = {
            "below": (x, bottom + 2, 0.5, 0.0),
            "above": (x, top - 2, 0.5, 1.0),
            "right": (right, y, 0.0, 0.5),
            "left": (left, y, 1.0, 0.5),
            "right-up": (right, bottom, 0.0, 1.0),
            "right-down": (right, top, 0.0, 0.0),
            "left-up": (left, bottom, 1.0, 1.0),
            "left-down": (left, top, 1.0, 0.0),
        }
        return tuple(spots[name] for name in order)

    def _edge_spots(self, layer: int, unit: int, source: int, fractions) -> tuple:
        x0, y0, x1, y1 = self._edge_ends(layer, unit, source)
        return tuple((x0 + t * (x1 - x0), y0 + t * (y1 - y0), 0.5, 0.5) for t in fractions)

    def _short_name(self, column: int, unit: int) -> str:
        if column == 0:
            return self._snapshot.input_names[unit]
        return f"layer {column} neuron {unit + 1}"

    def _edge_name(self, layer: int, unit: int, source: int) -> str:
        return f"{self._short_name(layer - 1, source)} → {self._short_name(layer, unit)}"

    def _value_style(self, value: float, px: int) -> LabelStyle:
        # The number takes its edge's colour, darkened to read as text: which number belongs to
        # which edge shows where edges cross.
        colour = TEXT_COLOUR.name()
        if value > 0:
            colour = palette.POSITIVE_TEXT
        elif value < 0:
            colour = palette.NEGATIVE_TEXT
        return LabelStyle(VALUE_LABEL_BACKGROUND, VALUE_LABEL_BORDER, colour, px)

    def _value_labels(self, line_of: dict) -> list[labels.Label]:
        """Every bias beside its neuron, then every weight along its edge, read from the
        snapshot the edges are drawn from, at the user's precision."""
        snapshot, digits = self._snapshot, self._digits
        px = value_label_px(canvas_side(self._geometry))
        values = [v for biases in snapshot.biases for v in biases.tolist()]
        values += [v for weights in snapshot.weights for v in weights.ravel().tolist()]
        requests = []
        for (key, spots, group, name, line), value in zip(
            self._value_places(line_of), values, strict=True
        ):
            text = number(value, digits)
            if key[0] == "bias":
                text, detail = f"b {text}", f"bias of {name}: {text}"
            else:
                detail = f"w {name}: {text}"
            style = self._value_style(value, px)
            requests.append(labels.Label(key, text, spots, group, detail, style, line))
        return requests

    def _value_places(self, line_of: dict) -> list[tuple]:
        """Per bias, then per weight (in the order of the snapshot's arrays): its key, spots,
        group, name and edge, which hold for one layout."""
        cached = self._label_cache.get("value places")
        if cached is not None:
            return cached
        sizes = self._snapshot.layer_sizes
        layers = len(sizes) - 1
        places = []
        for column in range(1, layers + 1):
            order = ("above", "below", "left") if column == layers else ("below", "above", "right")
            for unit in range(sizes[column]):
                spots = self._neuron_spots(column, unit, order)
                name = self._short_name(column, unit)
                places.append((("bias", column, unit), spots, ("bias", column), name, -1))
        for layer in range(1, layers + 1):
            for unit in range(sizes[layer]):
                for source in range(sizes[layer - 1]):
                    key = ("weight", layer, unit, source)
                    spots = self._edge_spots(layer, unit, source, VALUE_LABEL_SPOTS)
                    name = self._edge_name(layer, unit, source)
                    line = line_of.get((layer, unit, source), -1)
                    places.append((key, spots, ("weight", layer, unit), name, line))
        self._label_cache["value places"] = places
        return places

    def _decision_rule(self) -> labels.Label | None:
        """How the output becomes a class, beside the output: "> 0.5 → dog" for one sigmoid
        unit, "argmax" for several outputs; None for regression."""
        snapshot = self._snapshot
        if snapshot.task != "classification":
            return None
        layers = len(snapshot.layer_sizes) - 1
        units = snapshot.layer_sizes[-1]
        style = LabelStyle(VALUE_LABEL_BACKGROUND, "", MUTED_COLOUR.name(), THRESHOLD_PX, True)
        if units >= 2:
            spots = self._neuron_spots(layers, units - 1, ("below",))
            spots += self._neuron_spots(layers, 0, ("above",))
            tip = "The predicted class is the output neuron with the largest value (argmax)."
            return labels.Label(
                ("rule",), "argmax → class", spots, detail=tip, style=style, gathered=False
            )
        threshold = decision_threshold(snapshot.activation_names[-1])
        names = self._class_names
        yes = names[1] if names and len(names) > 1 else "class 1"
        no = names[0] if names else "class 0"
        limit = number(threshold, self._digits)
        tip = f"The network says {yes} when its output is above {limit}, {no} otherwise."
        spots = self._neuron_spots(layers, 0, ("below", "above"))
        text = f"> {limit} → {yes}"
        return labels.Label(("rule",), text, spots, detail=tip, style=style, gathered=False)

    def _walk_labels(
        self, annotations: Annotations, focus: Focus | None, line_of: dict
    ) -> list[labels.Label]:
        """The stage's numbers, most important first: the focused item, then the stage's own
        neurons and edges, then the rest (a dense network keeps the numbers that matter)."""
        g = self._geometry
        px = self._walk_label_px()

        def rank_neuron(key) -> int:
            if focus is not None and not focus.is_edge and key == (focus.column, focus.neuron):
                return 0
            return 1 if key in annotations.lit_neurons else 3

        def rank_edge(key) -> int:
            if (
                focus is not None
                and focus.is_edge
                and key == (focus.column, focus.neuron, focus.source)
            ):
                return 0
            lit = key in annotations.lit_edges or key in annotations.changed_edges
            return 2 if lit else 3

        candidates = [(rank_neuron(k), 0, k, t) for k, t in annotations.neuron_text.items()]
        candidates += [(rank_edge(k), 1, k, t) for k, t in annotations.edge_text.items()]
        candidates.sort(key=lambda c: (c[0], c[1]))
        columns = len(g.xs)
        requests = []
        for _, is_edge, key, text in candidates:
            background = palette.WALK_LABEL_BACKGROUND
            if is_edge:
                if key in annotations.changed_edges:
                    background = palette.WALK_CHANGED_BACKGROUND
                elif key in annotations.locked_edges:
                    background, text = palette.WALK_LOCKED_BACKGROUND, f"{text} (locked)"
                # Towards the target end first: labels of edges that cross do not land on one
                # another there; further back along the edge when that spot is taken.
                spots = self._edge_spots(*key, EDGE_LABEL_SPOTS)
                name, group = self._edge_name(*key), ("walk-edge", *key[:2])
            else:
                column, unit = key
                side = "left" if column == columns - 1 else "right"
                order = ("below", side, "above", f"{side}-up", f"{side}-down")
                # Clear of the ring first; where columns stand close, touching it.
                spots = self._neuron_spots(column, unit, order, ring=True)
                spots += self._neuron_spots(column, unit, order)
                name, group = self._short_name(column, unit), ("walk-neuron", column)
            requests.append(
                labels.Label(
                    ("walk-edge" if is_edge else "walk-neuron", *key),
                    text,
                    spots,
                    group=group,
                    detail=f"{name}: {text.replace(chr(10), ', ')}",
                    style=LabelStyle(background, palette.WALK_LABEL_BORDER, TEXT_COLOUR.name(), px),
                    line=line_of.get(key, -1) if is_edge else -1,
                )
            )
        return requests

    def _walk_label_px(self) -> int:
        low, high = WALK_LABEL_PX_RANGE
        side = canvas_side(self._geometry)
        return int(np.clip(side * WALK_LABEL_PX_PER_PIXEL, low, high))

    def _add_walk_item(self, item) -> None:
        self.view_box.addItem(item, ignoreBounds=True)
        self._walk_items.append(item)

    def _edge_ends(self, layer: int, unit: int, source: int) -> tuple[float, float, float, float]:
        g = self._geometry
        return (
            g.xs[layer - 1] + g.sizes[layer - 1] / 2,
            g.ys[layer - 1][source],
            g.xs[layer] - g.sizes[layer] / 2,
            g.ys[layer][unit],
        )

    @staticmethod
    def _walk_line(x0, y0, x1, y1, colour: QColor, width: float) -> QGraphicsPathItem:
        path = QPainterPath(QPointF(x0, y0))
        path.lineTo(QPointF(x1, y1))
        return _outline(path, colour, width, Z_WALK_LINES)

    @staticmethod
    def _arrow_head(x0, y0, x1, y1, colour: QColor) -> QGraphicsPathItem:
        """A filled arrow head at (x1, y1), pointing along the edge from (x0, y0)."""
        dx, dy = x1 - x0, y1 - y0
        length = max(float(np.hypot(dx, dy)), 1e-9)
        ux, uy = dx / length, dy / length
        tip = QPointF(x1 - ux * 2, y1 - uy * 2)
        base_x, base_y = tip.x() - ux * ARROW_LENGTH, tip.y() - uy * ARROW_LENGTH
        half = ARROW_LENGTH * 0.45
        polygon = QPolygonF(
            [
                tip,
                QPointF(base_x - uy * half, base_y + ux * half),
                QPointF(base_x + uy * half, base_y - ux * half),
            ]
        )
        path = QPainterPath()
        path.addPolygon(polygon)
        path.closeSubpath()
        item = QGraphicsPathItem(path)
        item.setBrush(QBrush(colour))
        item.setPen(QPen(Qt.PenStyle.NoPen))
        item.setZValue(Z_WALK_LINES + 1)
        return item

    def _walk_fits(self) -> bool:
        """Whether every neuron the walk's stage names is on the canvas. A walk started just
        after the network changed shape (a feature added, a neuron removed) arrives before the
        snapshot of the new shape: its numbers wait for that snapshot's rebuild."""
        if self._walk is None or self._geometry is None or self._snapshot is None:
            return False
        annotations, focus = self._walk
        counts = [len(ys) for ys in self._geometry.ys]

        def there(column: int, unit: int) -> bool:
            return 0 <= column < len(counts) and 0 <= unit < counts[column]

        neurons = set(annotations.neuron_text) | annotations.lit_neurons
        edges = (
            set(annotations.edge_text)
            | annotations.lit_edges
            | annotations.changed_edges
            | annotations.locked_edges
        )
        if focus is not None:
            neurons.add((focus.column, focus.neuron))
            if focus.is_edge:
                edges.add((focus.column, focus.neuron, focus.source))
        return all(there(column, unit) for column, unit in neurons) and all(
            there(layer, unit) and there(layer - 1, source) for layer, unit, source in edges
        )

    def _ring(self, column: int, unit: int, colour: QColor, width: float, pad: float):
        g = self._geometry
        x, y, size = g.xs[column], g.ys[column][unit], g.sizes[column] + 2 * pad
        path = QPainterPath()
        if self._heatmaps:
            path.addRect(QRectF(x - size / 2, y - size / 2, size, size))
        else:
            path.addEllipse(QPointF(x, y), size / 2, size / 2)
        return _outline(path, colour, width, Z_WALK_RINGS)

    def _dropped_veil(self, column: int, unit: int) -> QGraphicsPathItem:
        """A grey veil over a neuron dropout switched off in the walked step, ringed dashed."""
        g = self._geometry
        x, y, size = g.xs[column], g.ys[column][unit], g.sizes[column]
        path = QPainterPath()
        if self._heatmaps:
            path.addRect(QRectF(x - size / 2, y - size / 2, size, size))
        else:
            path.addEllipse(QPointF(x, y), size / 2, size / 2)
        pen = QPen(QColor(palette.WALK_DROPPED_RING), 2.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        item = _outline(path, QColor(palette.WALK_DROPPED_RING), 2.0, Z_WALK_DROPPED)
        item.setPen(pen)
        veil = QColor(palette.WALK_DROPPED_VEIL)
        veil.setAlpha(palette.WALK_DROPPED_VEIL_ALPHA)
        item.setBrush(veil)
        return item

    # ----- header buttons ---------------------------------------------------------------------

    def _sender_index(self) -> int:
        return int(self.sender().property("layer_index"))

    def _on_add_layer_clicked(self) -> None:
        self.add_layer_requested.emit(self._sender_index())

    def _on_remove_layer_clicked(self) -> None:
        self.remove_layer_requested.emit(self._sender_index())

    def _on_add_neuron_clicked(self) -> None:
        self.add_neuron_requested.emit(self._sender_index())

    def _on_remove_neuron_clicked(self) -> None:
        self.remove_neuron_requested.emit(self._sender_index())

    def _on_view_box_resized(self) -> None:
        self._relayout()
