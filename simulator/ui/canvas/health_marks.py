"""The canvas's marks for hidden neurons that have stopped learning: a dashed grey ring around
each one and a small grey word above it ("flat" for a saturated tanh or sigmoid, "dead" for a
ReLU that is zero for every training sample)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsSimpleTextItem

# Grey: a remark about the neuron, not one of the picture's values (blue, orange) or classes.
MARK_COLOUR = QColor("#6E6E6E")
# Above the neurons and their borders, under the labels and the step-through.
Z_MARKS = 650
RING_PAD = 3.0
WORD_PX = 9
# Neurons smaller than this (a dense column) get the ring only: a word would cover the next one.
MIN_WORD_NEURON = 14.0


class HealthMarks:
    """Owns the marks' items in a view box; `show(marks, layout, squares)` replaces them."""

    def __init__(self, view_box) -> None:
        self._view_box = view_box
        self._rings = QGraphicsPathItem()
        pen = QPen(MARK_COLOUR, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self._rings.setPen(pen)
        self._rings.setZValue(Z_MARKS)
        view_box.addItem(self._rings, ignoreBounds=True)
        self._words: list[QGraphicsSimpleTextItem] = []
        self._font = QFont()
        self._font.setPixelSize(WORD_PX)
        self._font.setItalic(True)
        self._shown: dict[tuple[int, int], str] = {}

    def marks(self) -> dict[tuple[int, int], str]:
        """(column, unit) → the word of each neuron marked now."""
        return dict(self._shown)

    def show(self, marks: list[tuple[int, int, str]], layout, squares: bool) -> None:
        """Mark each (column, unit, word) of `layout` (a CanvasLayout, None: mark nothing);
        `squares`: the neurons are square thumbnails rather than circles."""
        path = QPainterPath()
        self._shown = {}
        used = 0
        if layout is not None:
            for column, unit, word in marks:
                x, y = float(layout.xs[column]), float(layout.ys[column][unit])
                size = float(layout.sizes[column])
                half = size / 2 + RING_PAD
                if squares:
                    path.addRect(QRectF(x - half, y - half, 2 * half, 2 * half))
                else:
                    path.addEllipse(QPointF(x, y), half, half)
                self._shown[(column, unit)] = word
                if size < MIN_WORD_NEURON:
                    continue
                item = self._word_item(used)
                used += 1
                item.setText(word)
                box = item.boundingRect()
                item.setPos(x - box.width() / 2, y - half - box.height())
                item.setVisible(True)
        for item in self._words[used:]:
            item.setVisible(False)
        self._rings.setPath(path)

    def _word_item(self, index: int) -> QGraphicsSimpleTextItem:
        if index < len(self._words):
            return self._words[index]
        item = QGraphicsSimpleTextItem()
        item.setFont(self._font)
        item.setBrush(QBrush(MARK_COLOUR))
        item.setZValue(Z_MARKS)
        item.setToolTip(
            "This neuron has stopped learning: “flat” sits in the flat part of its activation "
            "for most training samples, “dead” is a ReLU at zero for all of them"
        )
        self._view_box.addItem(item, ignoreBounds=True)
        self._words.append(item)
        return item
