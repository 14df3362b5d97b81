"""File → Export → Picture…: which view, PNG or SVG, and the PNG's scale."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QSize, Slot
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from ..export.pictures import PNG, SCALES, SVG

CANVAS, DATA, LOSS, WINDOW = "canvas", "data", "loss", "window"
# The views a picture can show, as the dialog names them, in its order.
VIEWS = {
    CANVAS: "Network canvas",
    DATA: "Data view",
    LOSS: "Loss chart",
    WINDOW: "Whole window",
}
FORMATS = {PNG: "PNG (pixels; choose the scale)", SVG: "SVG (vector, for print and slides)"}
# Views that are only pixels: the whole window holds widgets of every kind, so PNG alone.
PNG_ONLY = frozenset({WINDOW})


class PictureChoice(NamedTuple):
    view: str
    picture_format: str
    scale: int


DEFAULT_CHOICE = PictureChoice(CANVAS, PNG, 2)


class PictureDialog(QDialog):
    """Asks for a PictureChoice; `choice()` reads it once accepted. `size_of(view)` (optional)
    gives a view's size in widget units, to say how many pixels the picture will have."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        initial: PictureChoice = DEFAULT_CHOICE,
        size_of: Callable[[str], QSize] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export picture")
        self._size_of = size_of
        self.view_combo = QComboBox()
        for key, text in VIEWS.items():
            self.view_combo.addItem(text, key)
        self.format_combo = QComboBox()
        for key, text in FORMATS.items():
            self.format_combo.addItem(text, key)
        self.scale_combo = QComboBox()
        for scale in SCALES:
            self.scale_combo.addItem(f"{scale}×", scale)
        self.scale_combo.setToolTip("Pixels per screen pixel: 2× or more prints sharply")
        self.size_label = QLabel()
        form = QFormLayout(self)
        form.addRow("View", self.view_combo)
        form.addRow("Format", self.format_combo)
        form.addRow("Scale", self.scale_combo)
        form.addRow("", self.size_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.view_combo.setCurrentIndex(max(0, self.view_combo.findData(initial.view)))
        chosen_format = self.format_combo.findData(initial.picture_format)
        self.format_combo.setCurrentIndex(max(0, chosen_format))
        self.scale_combo.setCurrentIndex(max(0, self.scale_combo.findData(initial.scale)))
        self.view_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.format_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.scale_combo.currentIndexChanged.connect(self._on_choice_changed)
        self._on_choice_changed()

    def choice(self) -> PictureChoice:
        """The view, format and scale chosen (scale 1 for SVG)."""
        picture_format = self.format_combo.currentData()
        scale = self.scale_combo.currentData() if picture_format == PNG else 1
        return PictureChoice(self.view_combo.currentData(), picture_format, scale)

    def svg_allowed(self) -> bool:
        return self.view_combo.currentData() not in PNG_ONLY

    @Slot()
    def _on_choice_changed(self) -> None:
        allowed = self.svg_allowed()
        model = self.format_combo.model()
        assert isinstance(model, QStandardItemModel)
        model.item(self.format_combo.findData(SVG)).setEnabled(allowed)
        if not allowed and self.format_combo.currentData() == SVG:
            self.format_combo.setCurrentIndex(self.format_combo.findData(PNG))
        self.format_combo.setToolTip(
            "" if allowed else "The whole window is saved as PNG only: its widgets are pixels"
        )
        png = self.format_combo.currentData() == PNG
        self.scale_combo.setEnabled(png)
        self.size_label.setText(self._size_text())

    def _size_text(self) -> str:
        if self._size_of is None:
            return ""
        size = self._size_of(self.view_combo.currentData())
        if size.isEmpty():
            return "That view is not shown now."
        choice = self.choice()
        if choice.picture_format == SVG:
            return f"{size.width()} × {size.height()} at screen size, scalable without loss"
        return f"{size.width() * choice.scale} × {size.height() * choice.scale} pixels"
