"""The preset gallery: a dialog of cards, one per shipped scenario, each a thumbnail of the
preset's data with its title, and the chosen preset's description beside them."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QModelIndex, QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import resources
from ..app.scenario import format_figure
from ..app.session import Simulation
from ..app.snapshot import DataPicture, data_picture
from ..app.storage import load_scenario
from ..presets import PRESET_ORDER
from .data_view import class_color
from .image_view import grey_image, pixel_range
from .palette import heatmap_rgba, target_range

THUMBNAIL = 112
# Points a thumbnail draws at most: enough to show the data's shape, cheap to paint.
MAX_POINTS = 400
# Width a card adds to its thumbnail, so that titles wrap at a readable width.
CARD_MARGIN = 48
MOSAIC = 3  # image data: a MOSAIC × MOSAIC mosaic of its first training images
PATH_ROLE = Qt.ItemDataRole.UserRole
ERROR_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class PresetCard:
    """One preset as the gallery shows it. `error` is why it cannot be opened (None when it can);
    then `title` is the file's name and `thumbnail` a placeholder."""

    path: Path
    title: str
    html: str
    thumbnail: QImage
    error: str | None = None


# Cards by path, with the file's modification time they were made for: reopening the gallery
# costs nothing unless a preset changed.
_CACHE: dict[Path, tuple[int, PresetCard]] = {}


def lesson_order(path: Path) -> tuple[int, str]:
    """Sort key of a preset file: its place in PRESET_ORDER, unknown names last by name."""
    stem = Path(path).stem
    place = PRESET_ORDER.index(stem) if stem in PRESET_ORDER else len(PRESET_ORDER)
    return place, stem


def load_cards(folder: Path) -> list[PresetCard]:
    """Return a card for every *.json in `folder`, in the order of the lessons (PRESET_ORDER,
    then the rest by file name). A file that does not load gives a card with its error instead
    of raising."""
    return [preset_card(path) for path in sorted(Path(folder).glob("*.json"), key=lesson_order)]


def preset_card(path: Path) -> PresetCard:
    """Return the card of the preset at `path`, built once per version of the file."""
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    card = _build_card(path)
    _CACHE[path] = (stamp, card)
    return card


def _build_card(path: Path) -> PresetCard:
    # The same steps as opening the preset, so a card is greyed exactly when opening would fail.
    # Any exception, not only ScenarioError: one bad file must never hide the others.
    try:
        simulation = Simulation(load_scenario(path))
        picture = data_picture(simulation)
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        return PresetCard(path, path.stem, _error_html(path, message), broken_thumbnail(), message)
    scenario = simulation.scenario
    shape = getattr(scenario.data, "image_shape", None)
    thumbnail = data_thumbnail(picture, shape, simulation.network.activation_names[-1])
    return PresetCard(path, scenario.title, scenario_html(scenario, details=True), thumbnail)


# ----- words ----------------------------------------------------------------------------------


def describe_outcome(outcome) -> str:
    """Return the documented result of a preset as one sentence ("" for None), e.g.
    "Documented result: after 200 epochs, training accuracy 97.5 %, test accuracy 96.0 %
    (loss 0.081 / 0.102)."; a figure machines differ on reads as its range ("0.05–0.112")."""
    if outcome is None:
        return ""
    epochs = int(outcome.epochs)
    span = f"{epochs:,} epoch{'s' if epochs != 1 else ''}"
    if outcome.diverges:
        return f"Documented result: training diverges within {span}."
    accuracy = [
        f"{name} accuracy {format_figure(value, percent=True)}\u00a0%"
        for name, value in (("training", outcome.train_accuracy), ("test", outcome.test_accuracy))
        if value is not None
    ]
    train_loss, test_loss = outcome.train_loss, outcome.test_loss
    if accuracy:
        parts = ", ".join(accuracy)
        if train_loss is not None and test_loss is not None:
            parts += f" (loss {format_figure(train_loss)} / {format_figure(test_loss)})"
        elif train_loss is not None:
            parts += f" (training loss {format_figure(train_loss)})"
        elif test_loss is not None:
            parts += f" (test loss {format_figure(test_loss)})"
    else:
        losses = [
            f"{name} loss {format_figure(value)}"
            for name, value in (("training", train_loss), ("test", test_loss))
            if value is not None
        ]
        if not losses:
            return f"Documented result: trained for {span}."
        parts = ", ".join(losses)
    return f"Documented result: after {span}, {parts}."


def _paragraphs(text: str) -> str:
    """Plain text as HTML: blank lines part paragraphs, single line breaks stay line breaks
    (descriptions put "Try:" and "Watch:" on lines of their own)."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


def network_summary(scenario) -> str:
    """Return the network in one line, e.g. "2 inputs → 4 tanh → 2 tanh → 1 sigmoid"."""
    network = scenario.network
    count = len(network.inputs)
    layers = " → ".join(f"{layer.units} {layer.activation}" for layer in network.layers)
    return f"{count} input{'s' if count != 1 else ''} → {layers}"


def scenario_html(scenario, *, details: bool = False) -> str:
    """Return the scenario's title, description and documented result as HTML; `details` adds
    the network's shape (the gallery shows it, the main window has its canvas)."""
    # The result goes right under the title, where it is seen without scrolling.
    parts = [f"<h3>{html.escape(scenario.title)}</h3>"]
    outcome = describe_outcome(scenario.outcome)
    if outcome:
        parts.append(f"<p><i>{html.escape(outcome)}</i></p>")
    parts.append(_paragraphs(scenario.description))
    if details:
        parts.append(f"<p><i>Network:</i> {html.escape(network_summary(scenario))}</p>")
    return "".join(parts)


def _error_html(path: Path, message: str) -> str:
    return (
        f"<h3>{html.escape(path.name)}</h3><p>This preset cannot be opened:</p>"
        f"<p><tt>{html.escape(message)}</tt></p>"
    )


# ----- thumbnails -----------------------------------------------------------------------------


def _blank(size: int) -> tuple[QImage, QPainter]:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    return image, painter


def _frame(painter: QPainter, size: int) -> None:
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor("#c8c8c8"), 1))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()


def broken_thumbnail(size: int = THUMBNAIL) -> QImage:
    """Return the placeholder of a preset that does not load: a grey, crossed-out square."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#eeeeee"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#b0b0b0"), 3))
    inset = size * 0.3
    painter.drawLine(QPointF(inset, inset), QPointF(size - inset, size - inset))
    painter.drawLine(QPointF(size - inset, inset), QPointF(inset, size - inset))
    _frame(painter, size)
    return image


def data_thumbnail(
    picture: DataPicture,
    image_shape: tuple[int, int] | None,
    output_activation: str,
    size: int = THUMBNAIL,
) -> QImage:
    """Return a size × size picture of the training data: a mosaic of the first images for
    image data, else a scatter of the first two raw columns (one column: against the target),
    coloured by class or, for regression, by target value."""
    raw = picture.train_raw
    if image_shape is not None and raw.shape[1] == image_shape[0] * image_shape[1]:
        return _mosaic(picture, image_shape, size)
    return _scatter(picture, output_activation, size)


def _mosaic(picture: DataPicture, shape: tuple[int, int], size: int) -> QImage:
    image, painter = _blank(size)
    lo, hi = pixel_range(picture.train_raw, picture.test_raw)
    gap = 4
    cell = (size - gap * (MOSAIC + 1)) / MOSAIC
    rows, columns = shape
    scale = cell / max(rows, columns)
    for i, pixels in enumerate(picture.train_raw[: MOSAIC * MOSAIC]):
        x = gap + (i % MOSAIC) * (cell + gap) + (cell - scale * columns) / 2
        y = gap + (i // MOSAIC) * (cell + gap) + (cell - scale * rows) / 2
        target = QRectF(x, y, scale * columns, scale * rows)
        painter.drawImage(target, grey_image(pixels.reshape(rows, columns), lo, hi))
    _frame(painter, size)
    return image


def _scatter(picture: DataPicture, output_activation: str, size: int) -> QImage:
    image, painter = _blank(size)
    raw = picture.train_raw[:MAX_POINTS]
    targets = picture.train_targets[:MAX_POINTS]
    if raw.shape[1] >= 2:
        xy = raw[:, :2]
    elif raw.shape[1] == 1 and targets.shape[1]:
        xy = np.column_stack([raw[:, 0], targets[:, 0]])
    else:
        xy = np.zeros((len(raw), 2))
    # The data's own extent, not the plane's bounds: those keep a margin of at least 0.5, which
    # shrinks data measured in small units to a dot.
    finite = xy[np.isfinite(xy).all(axis=1)]
    low = finite.min(axis=0) if len(finite) else np.zeros(2)
    high = finite.max(axis=0) if len(finite) else np.ones(2)
    margin = np.maximum((high - low) * 0.06, 1e-9)
    (x_min, y_min), (x_max, y_max) = low - margin, high + margin
    pad = 4
    span = size - 2 * pad
    xs = pad + (xy[:, 0] - x_min) / max(x_max - x_min, 1e-12) * span
    ys = pad + (1.0 - (xy[:, 1] - y_min) / max(y_max - y_min, 1e-12)) * span
    outline = QColor("#ffffff")
    if picture.task == "classification" and picture.train_classes is not None:
        colors = [class_color(int(c)) for c in picture.train_classes[:MAX_POINTS]]
    else:
        # Values near zero are near-white: a grey outline keeps those points visible.
        outline = QColor("#a0a0a0")
        values = targets[:, 0] if targets.shape[1] else np.zeros(len(raw))
        lo, hi = target_range(output_activation, values)
        colors = [QColor(int(r), int(g), int(b)) for r, g, b, _ in heatmap_rgba(values, lo, hi)]
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    radius = 2.6 if len(raw) > 150 else 3.2
    painter.setPen(QPen(outline, 0.6))
    for x, y, color in zip(xs, ys, colors, strict=True):
        if np.isfinite(x) and np.isfinite(y):
            painter.setBrush(QBrush(color))
            painter.drawEllipse(QPointF(float(x), float(y)), radius, radius)
    _frame(painter, size)
    return image


# ----- the dialog -----------------------------------------------------------------------------


def two_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """Break `text` at spaces into at most two lines of `width` pixels; the second ends in "…"
    when the rest does not fit (a very long word is elided on the first line)."""
    words = text.split()
    lines: list[str] = []
    while words and len(lines) < 2:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if len(lines) == 1 and words:
            line = " ".join([line, *words])
            words = []
        lines.append(metrics.elidedText(line, Qt.TextElideMode.ElideRight, width))
    return lines


class _CardDelegate(QStyledItemDelegate):
    """Paints a card: the thumbnail, untinted even when selected, over a title of up to two
    lines; selection and hover shade the card behind them. A broken preset is drawn faded."""

    def __init__(self, size: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return self._size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        rect: QRect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        broken = index.data(ERROR_ROLE) is not None
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected or option.state & QStyle.StateFlag.State_MouseOver:
            shade = QColor(palette.color(QPalette.ColorRole.Highlight))
            if not selected:
                shade.setAlpha(40)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(shade)
            painter.drawRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), 6, 6)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            pixmap = icon.pixmap(THUMBNAIL, THUMBNAIL)
            x = rect.left() + (rect.width() - THUMBNAIL) // 2
            painter.setOpacity(0.45 if broken else 1.0)
            painter.drawPixmap(x, rect.top() + 6, pixmap)
            painter.setOpacity(1.0)
        if selected:
            color = palette.color(QPalette.ColorRole.HighlightedText)
        elif broken:
            color = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        else:
            color = palette.color(QPalette.ColorRole.Text)
        painter.setPen(color)
        metrics = QFontMetrics(option.font)
        text = rect.adjusted(4, THUMBNAIL + 10, -4, -2)
        for i, line in enumerate(two_lines(str(index.data() or ""), metrics, text.width())):
            line_rect = QRect(
                text.left(), text.top() + i * metrics.lineSpacing(), text.width(), metrics.height()
            )
            painter.drawText(line_rect, int(Qt.AlignmentFlag.AlignHCenter), line)
        painter.restore()


class PresetGallery(QDialog):
    """Choose a preset from cards. Emits preset_chosen(path) after closing when the learner
    opens one (Open, Enter or a double-click); Cancel or Escape closes it and emits nothing.
    `folder` defaults to the shipped scenarios folder."""

    preset_chosen = Signal(object)  # Path

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from preset")
        self.cards = load_cards(resources.scenarios_dir() if folder is None else folder)
        self._chosen = False

        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        # Room for a title of two lines under each thumbnail; longer ones end in "…".
        line = self.fontMetrics().lineSpacing()
        card_size = QSize(THUMBNAIL + CARD_MARGIN, THUMBNAIL + 2 * line + 12)
        self.list.setGridSize(card_size + QSize(8, 8))
        self.list.setItemDelegate(_CardDelegate(card_size, self.list))
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(True)
        self.list.setMouseTracking(True)  # hover shading
        self.list.setMinimumWidth(2 * (card_size.width() + 8) + 24)
        self.list.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        disabled = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for card in self.cards:
            item = QListWidgetItem(QIcon(QPixmap.fromImage(card.thumbnail)), card.title)
            item.setData(PATH_ROLE, str(card.path))
            item.setData(ERROR_ROLE, card.error)
            if card.error is None:
                item.setToolTip(f"{card.title} ({card.path.name})")
            else:
                # Greyed (by the delegate) but still selectable, so that the pane beside can
                # show the whole error.
                item.setForeground(QBrush(disabled))
                item.setToolTip(f"{card.path.name} cannot be opened:\n{card.error}")
            self.list.addItem(item)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.list.itemActivated.connect(self._on_list_item_activated)

        self.description = QTextBrowser()
        self.description.setOpenExternalLinks(False)
        self.description.setMinimumWidth(220)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.description)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self._splitter = splitter

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        # Enter on a broken card (Open disabled) must not fall through to Cancel.
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        hint = QLabel(
            "A preset opens as a new, untitled scenario; the shipped file stays as it is."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        # Four columns of cards and the description when the main window has the room.
        width, height = 1000, 640
        if parent is not None:
            width = min(width, max(640, parent.width() - 60))
            height = min(height, max(440, parent.height() - 60))
        self.resize(width, height)
        # Whole columns of cards for the list, the rest (at least a third) for the description.
        column = card_size.width() + 8
        columns = max(2, min(4, (width * 2 // 3 - 40) // column))
        list_width = columns * column + 30
        splitter.setSizes([list_width, max(220, width - list_width - 30)])
        if self.cards:
            self.list.setCurrentRow(0)
        else:
            self.description.setHtml("<p>No presets were found.</p>")
            self.open_button.setEnabled(False)
        self.list.setFocus()

    def current_card(self) -> PresetCard | None:
        row = self.list.currentRow()
        return self.cards[row] if 0 <= row < len(self.cards) else None

    def select_path(self, path: Path) -> bool:
        """Select the card of `path`; returns False when the gallery has none."""
        for row, card in enumerate(self.cards):
            if card.path == Path(path):
                self.list.setCurrentRow(row)
                return True
        return False

    @Slot(int)
    def _on_list_current_row_changed(self, _row: int) -> None:
        card = self.current_card()
        self.open_button.setEnabled(card is not None and card.error is None)
        self.description.setHtml(card.html if card is not None else "")

    @Slot(QListWidgetItem)
    def _on_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.accept()

    def accept(self) -> None:
        card = self.current_card()
        # Enter both activates the item and reaches the default button: open once only.
        if self._chosen or card is None or card.error is not None:
            return
        self._chosen = True
        super().accept()
        self.preset_chosen.emit(card.path)
