"""One graphics item that paints every label of the canvas (weights, biases, the step-through's
numbers, "+N" markers, the decision threshold) as text on a rounded plate: one item whose list
is replaced, instead of text items made and thrown away, keeps a training frame cheap."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSizeF, Qt, qWarning
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from .labels import Rect

# Room between the text and its plate's border, in pixels.
PAD_X, PAD_Y = 3.0, 1.0
# Measured sizes are kept per (text, pixel size); a long training run writes many numbers.
MAX_CACHED_SIZES = 4_000


@dataclass(frozen=True)
class LabelStyle:
    """How a label looks: its plate's fill and border ("" for none), its text colour and size."""

    background: str
    border: str
    text: str = "#333333"
    px: int = 11
    italic: bool = False


class LabelLayer(QGraphicsItem):
    """Paints `(rect, text, style)` entries: each text centred on a plate filling its rect.
    Rects come from `measure`, so a label's plate is exactly the box the placement kept free."""

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[tuple[QRectF, str, LabelStyle]] = []
        self._bounds = QRectF()
        self._fonts: dict[tuple[int, bool], tuple[QFont, QFontMetricsF]] = {}
        self._sizes: dict[tuple[str, int, bool], tuple[float, float]] = {}
        self._pens: dict[str, QPen] = {}
        self._brushes: dict[str, QBrush] = {}

    def font(self, px: int, italic: bool = False) -> QFont:
        return self._font(px, italic)[0]

    def _font(self, px: int, italic: bool) -> tuple[QFont, QFontMetricsF]:
        key = (px, italic)
        if key not in self._fonts:
            font = QFont()
            font.setPixelSize(px)
            font.setItalic(italic)
            self._fonts[key] = (font, QFontMetricsF(font))
        return self._fonts[key]

    def measure(self, text: str, px: int, italic: bool = False) -> tuple[float, float]:
        """The (width, height) of `text`'s plate at `px` pixels: the text (one line per "\\n")
        with its padding, rounded up to whole pixels so that plates line up crisply."""
        key = (text, px, italic)
        size = self._sizes.get(key)
        if size is None:
            if len(self._sizes) > MAX_CACHED_SIZES:
                self._sizes.clear()
            text_size: QSizeF = self._font(px, italic)[1].size(0, text)
            size = (
                float(int(text_size.width() + 2 * PAD_X + 0.999)),
                float(int(text_size.height() + 2 * PAD_Y + 0.999)),
            )
            self._sizes[key] = size
        return size

    def set_labels(self, entries: list[tuple[Rect, str, LabelStyle]]) -> None:
        """Show exactly `entries` (rect in view pixels, text, style), replacing what was shown."""
        converted = [(QRectF(*rect), text, style) for rect, text, style in entries]
        if converted == self._entries:
            return
        bounds = QRectF()
        for rect, _, _ in converted:
            bounds = bounds.united(rect)
        self.prepareGeometryChange()
        self._entries = converted
        self._bounds = bounds.adjusted(-1, -1, 1, 1)
        self.update()

    def entries(self) -> list[tuple[QRectF, str, LabelStyle]]:
        return list(self._entries)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # An exception escaping a Python paint() override crashes PySide6 6.11 (shiboken fails
        # while reporting it): report it as a Qt warning instead, which tests treat as failure.
        try:
            self._paint(painter)
        except Exception:
            qWarning(f"LabelLayer.paint failed:\n{traceback.format_exc()}")

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        centred = int(Qt.AlignmentFlag.AlignCenter)
        for rect, text, style in self._entries:
            painter.setPen(self._pen(style.border) if style.border else Qt.PenStyle.NoPen)
            painter.setBrush(self._brush(style.background))
            # Half a pixel in: a 1-px border then falls on whole pixels, inside the rect.
            painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3.0, 3.0)
            painter.setPen(self._pen(style.text))
            painter.setFont(self._font(style.px, style.italic)[0])
            painter.drawText(rect, centred, text)

    def _pen(self, colour: str) -> QPen:
        if colour not in self._pens:
            pen = QPen(QColor(colour), 1.0)
            pen.setCosmetic(True)
            self._pens[colour] = pen
        return self._pens[colour]

    def _brush(self, colour: str) -> QBrush:
        if colour not in self._brushes:
            self._brushes[colour] = QBrush(QColor(colour))
        return self._brushes[colour]
