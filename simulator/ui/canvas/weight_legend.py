"""The canvas's legend: which edge colour is a positive weight and which a negative one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from .. import palette

# A short thick bar reads as an edge; two of them side by side look like the canvas's lines.
EDGE_GLYPH = "━━"
LEGEND_PX = 11


def weight_legend_html() -> str:
    """The legend's rich text: each sign's edge colour beside its meaning."""

    def entry(colour: str, words: str) -> str:
        return (
            f'<span style="color:{colour}">{EDGE_GLYPH}</span>&nbsp;{words.replace(" ", "&nbsp;")}'
        )

    entries = [
        entry(palette.WEIGHT_POSITIVE, "positive weight"),
        entry(palette.WEIGHT_NEGATIVE, "negative weight"),
        entry(palette.LEGEND_TEXT, "thicker: stronger"),
    ]
    return f'<span style="color:{palette.LEGEND_TEXT}">{" &nbsp; ".join(entries)}</span>'


class WeightLegend(QLabel):
    """A one-line strip under the canvas's picture, on the canvas's white: blue is a positive
    weight, orange a negative one. Its own strip, so that it never covers a neuron or a label."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(weight_legend_html())
        self.setToolTip(
            "Edges are the weights: blue for positive, orange for negative, thicker for larger "
            "|w|. Neuron pictures use the same colours for their values: orange low, blue high."
        )
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setContentsMargins(8, 1, 8, 2)
        self.set_scale(1.0)
        self.setAutoFillBackground(True)
        colours = self.palette()
        colours.setColor(QPalette.ColorRole.Window, QColor("white"))
        self.setPalette(colours)

    def set_scale(self, scale: float) -> None:
        """Write the legend `scale` times its size (the window's zoom)."""
        font = self.font()
        font.setPixelSize(round(LEGEND_PX * scale))
        self.setFont(font)
