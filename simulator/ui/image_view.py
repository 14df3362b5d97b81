"""Image data drawn as images: grey-scale pictures of samples whose raw inputs are pixels, and a
grid of them captioned with the true and the predicted class."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .palette import WRONG_PREDICTION

# Wrong predictions are marked with a symbol as well as a colour, so that colour is never the
# only sign.
WRONG_MARK = "✗"
ARROW = "→"
# Thin spaces around the arrow: captions stay narrow, so more images fit in a row.
ARROW_SPACED = f"\u2009{ARROW}\u2009"
UNKNOWN = "?"
GAP = 6
MAX_SCALE = 12
# An image is never drawn smaller than this many pixels along its longer side.
MIN_IMAGE_PIXELS = 24


def pixel_range(*arrays: np.ndarray) -> tuple[float, float]:
    """Return (lo, hi), the finite range of all values in `arrays`; (0, 1) when there are none."""
    finite = [a[np.isfinite(a)] for a in arrays if np.size(a)]
    values = np.concatenate(finite) if finite else np.zeros(0)
    if not values.size:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def grey_image(pixels: np.ndarray, lo: float, hi: float) -> QImage:
    """Return a grey-scale QImage of `pixels` (rows, columns): lo white, hi black, as ink on
    paper (handwriting data sets store ink as the high value). The image owns its memory."""
    t = np.clip((np.asarray(pixels, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)
    grey = np.ascontiguousarray(np.rint(255.0 * (1.0 - np.nan_to_num(t, nan=0.0))), np.uint8)
    rows, columns = grey.shape
    image = QImage(grey.tobytes(), columns, rows, columns, QImage.Format.Format_Grayscale8)
    return image.copy()


class _Layout(NamedTuple):
    scale: int  # screen pixels per image pixel
    columns: int
    cell_width: int
    cell_height: int
    left: int  # margin that centres the grid
    visible: int  # how many images fit


class ImageGrid(QWidget):
    """A grid of small images, each captioned "true → predicted"; wrong predictions are framed
    and captioned in red and marked ✗. Images are scaled by a whole number, so pixels stay
    crisp squares, as large as the widget allows for all of them to fit; when even the smallest
    readable size (MIN_IMAGE_PIXELS) cannot fit them all, the first ones that fit are shown.

    Signals: visible_changed(count) when the number of images shown changes (resizing);
    training_sample_clicked(train_index) when a training image is clicked, to take that sample
    for the step-through (which steps on training samples only; a click on a test image says
    so in a tooltip instead)."""

    visible_changed = Signal(int)
    training_sample_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QImage] = []
        self._shape = (1, 1)
        self._labels: list[str] = []
        self._truth = np.zeros(0, dtype=np.int64)
        self._predicted: np.ndarray | None = None
        self._scores: np.ndarray | None = None
        self._sample_numbers = np.zeros(0, dtype=np.int64)
        self._set_name = "test"
        self._layout_cache: tuple[tuple, _Layout] | None = None
        self._visible = 0
        self._pressed: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 80)

    # ----- data -------------------------------------------------------------------------------

    def set_images(
        self,
        pixels: np.ndarray,
        shape: tuple[int, int],
        lo: float,
        hi: float,
        labels: list[str],
        truth: np.ndarray,
        *,
        set_name: str = "test",
        sample_numbers: np.ndarray | None = None,
    ) -> None:
        """Show samples `pixels` (n, rows·columns) as images of `shape` (rows, columns), values
        lo..hi from white to black; `truth` (n,) their class indices into `labels` (the short
        class names captions use). Clears the predictions."""
        rows, columns = shape
        self._shape = (int(rows), int(columns))
        self._images = [grey_image(p.reshape(rows, columns), lo, hi) for p in pixels]
        self._labels = list(labels)
        self._truth = np.asarray(truth, dtype=np.int64)
        self._set_name = set_name
        self._sample_numbers = (
            np.arange(len(pixels)) if sample_numbers is None else np.asarray(sample_numbers)
        )
        self._predicted = None
        self._scores = None
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if self.clickable() else Qt.CursorShape.ArrowCursor
        )
        self._update_visible()
        self.update()

    def clickable(self) -> bool:
        """Whether a click on an image takes its sample for the step-through: training images."""
        return self._set_name == "training"

    def set_predictions(self, predicted: np.ndarray | None, scores: np.ndarray | None) -> bool:
        """Caption the images with `predicted` (n,) class indices, as the snapshot gives them;
        `scores` (n,) the winning output, for tooltips. Returns True when a caption changed."""
        predicted = None if predicted is None else np.asarray(predicted, dtype=np.int64)
        self._scores = scores
        if predicted is not None and len(predicted) != len(self._images):
            predicted = None
        same = (
            predicted is None
            if self._predicted is None
            else predicted is not None and np.array_equal(predicted, self._predicted)
        )
        if same:
            return False
        self._predicted = predicted
        self.update()
        return True

    def count(self) -> int:
        """Return how many images the grid was given."""
        return len(self._images)

    def visible_count(self) -> int:
        """Return how many of them fit and are shown (the first ones)."""
        return self._visible

    def has_predictions(self) -> bool:
        return self._predicted is not None

    def captions(self) -> list[str]:
        """Return the caption of every image given, "true → predicted", " ✗" after wrong ones."""
        return [self._caption(i) for i in range(len(self._images))]

    def wrong(self) -> np.ndarray:
        """Return (n,) bool: which images the network gets wrong (all False before predictions)."""
        if self._predicted is None:
            return np.zeros(len(self._images), dtype=bool)
        return self._predicted != self._truth

    def _label(self, index: int) -> str:
        return self._labels[index] if 0 <= index < len(self._labels) else str(index)

    def _caption(self, i: int) -> str:
        true = self._label(int(self._truth[i]))
        if self._predicted is None:
            return f"{true}{ARROW_SPACED}{UNKNOWN}"
        predicted = int(self._predicted[i])
        mark = f" {WRONG_MARK}" if predicted != self._truth[i] else ""
        return f"{true}{ARROW_SPACED}{self._label(predicted)}{mark}"

    # ----- layout -----------------------------------------------------------------------------

    def _layout(self) -> _Layout:
        """The largest whole-number scale at which every image and its caption fits the widget;
        failing that, the smallest readable scale and as many images as fit."""
        metrics = self.fontMetrics()
        key = (self.width(), self.height(), len(self._images), self._shape, tuple(self._labels))
        if self._layout_cache is not None and self._layout_cache[0] == key:
            return self._layout_cache[1]
        n = max(len(self._images), 1)
        rows, cols = self._shape
        widest = max((metrics.horizontalAdvance(label) for label in self._labels), default=8)
        text = 2 * widest + metrics.horizontalAdvance(f"{ARROW_SPACED} {WRONG_MARK}") + 4
        caption = metrics.height()
        width, height = self.width(), self.height()
        smallest = max(1, math.ceil(MIN_IMAGE_PIXELS / max(rows, cols)))
        layout = None
        for scale in range(max(MAX_SCALE, smallest), smallest - 1, -1):
            cell_w = max(scale * cols + 4, text) + GAP
            cell_h = scale * rows + 4 + caption + GAP
            columns = max(1, min(n, (width + GAP) // cell_w))
            lines = max(1, (height + GAP) // cell_h)
            left = max(0, (width - (columns * cell_w - GAP)) // 2)
            layout = _Layout(scale, columns, cell_w, cell_h, left, min(n, columns * lines))
            if columns * lines >= n:
                break
        layout = layout._replace(visible=min(layout.visible, len(self._images)))
        self._layout_cache = (key, layout)
        return layout

    def _update_visible(self) -> None:
        visible = self._layout().visible
        if visible != self._visible:
            self._visible = visible
            self.visible_changed.emit(visible)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_visible()

    def image_rect(self, index: int) -> QRect:
        """Return the rectangle of image `index` (its frame included) in widget pixels."""
        return self._image_rect(self._layout(), index)

    def _image_rect(self, layout: _Layout, index: int) -> QRect:
        rows, cols = self._shape
        x = layout.left + (index % layout.columns) * layout.cell_width
        y = (index // layout.columns) * layout.cell_height
        image_w = layout.scale * cols + 4
        left = x + (layout.cell_width - GAP - image_w) // 2
        return QRect(left, y, image_w, layout.scale * rows + 4)

    def sizeHint(self) -> QSize:
        return QSize(360, 300)

    # ----- painting and tooltips --------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if not self._images:
            return
        # Nearest-neighbour scaling: a pixel of the data stays one crisp square.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        text_color = palette.color(QPalette.ColorRole.Text)
        wrong_color = QColor(WRONG_PREDICTION)
        frame_color = palette.color(QPalette.ColorRole.Mid)
        wrong = self.wrong()
        layout = self._layout()
        cell_w = layout.cell_width - GAP
        caption_h = self.fontMetrics().height()
        normal = painter.font()
        bold = painter.font()
        bold.setBold(True)
        for i in range(layout.visible):
            frame = self._image_rect(layout, i)
            painter.drawImage(frame.adjusted(2, 2, -2, -2), self._images[i])
            if wrong[i]:
                painter.setPen(QPen(wrong_color, 2))
                painter.drawRect(frame.adjusted(1, 1, -1, -1))
            else:
                painter.setPen(QPen(frame_color, 1))
                painter.drawRect(frame.adjusted(1, 1, -2, -2))
            caption = QRect(frame.center().x() - cell_w // 2, frame.bottom() + 1, cell_w, caption_h)
            painter.setFont(bold if wrong[i] else normal)
            painter.setPen(wrong_color if wrong[i] else text_color)
            painter.drawText(caption, int(Qt.AlignmentFlag.AlignCenter), self._caption(i))

    def index_at(self, x: int, y: int) -> int | None:
        """Return the index of the shown image (or its caption) at widget position (x, y)."""
        layout = self._layout()
        caption = self.fontMetrics().height()
        for i in range(layout.visible):
            if self._image_rect(layout, i).adjusted(0, 0, 0, caption).contains(x, y):
                return i
        return None

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = self.index_at(pos.x(), pos.y())
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        pos = event.position().toPoint()
        pressed, self._pressed = self._pressed, None
        index = self.index_at(pos.x(), pos.y())
        if event.button() != Qt.MouseButton.LeftButton or index is None or index != pressed:
            super().mouseReleaseEvent(event)
            return
        if self.clickable():
            self.training_sample_clicked.emit(int(self._sample_numbers[index]))
        else:
            QToolTip.showText(
                event.globalPosition().toPoint(),
                "This is a test image: the network never trains on it, so there is no "
                "training step on it to walk through. Training images can be clicked.",
                self,
            )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()
            index = self.index_at(pos.x(), pos.y())
            if index is None:
                QToolTip.hideText()
                event.ignore()
                return True
            QToolTip.showText(event.globalPos(), self._tooltip(index), self)
            return True
        return super().event(event)

    def _tooltip(self, i: int) -> str:
        number = int(self._sample_numbers[i]) + 1
        text = f"{self._set_name.capitalize()} sample {number}: {self._label(int(self._truth[i]))}"
        if self._predicted is None:
            if self.clickable():
                text += "\nClick to take this sample for the step-through (T)"
            return text
        text += f", predicted {self._label(int(self._predicted[i]))}"
        if self._scores is not None and i < len(self._scores):
            text += f" (output {float(self._scores[i]):.2f})"
        if self.clickable():
            text += "\nClick to take this sample for the step-through (T)"
        return text
