"""The calculation panel: one neuron's or edge's formula with the step's numbers put in, and what
the stage does in plain words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from ..app.walkthrough import Calculation

# Formula text grows with the panel (a projector's window is wide), within these sizes.
FORMULA_PX_RANGE = (13, 19)
FORMULA_PX_PER_PIXEL = 1 / 28
TITLE_PX = 14


class CalculationPanel(QWidget):
    """Shows a Calculation: a title, one label per formula line (its full-precision value on
    hover) and the explanation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = QLabel()
        title_font = QFont()
        title_font.setPixelSize(TITLE_PX)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self._formula_box = QFrame()
        self._formula_box.setObjectName("formulas")
        self._formula_box.setStyleSheet(
            "#formulas { background: #F4F7FB; border: 1px solid #D5DEEA; border-radius: 3px; }"
        )
        self._formula_layout = QVBoxLayout(self._formula_box)
        self._formula_layout.setContentsMargins(8, 6, 8, 6)
        self._formula_layout.setSpacing(3)
        layout.addWidget(self._formula_box)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet("color: #333333;")
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.explanation)
        layout.addStretch(1)  # spare height below the text, not between the formula lines
        self._line_labels: list[QLabel] = []
        self._formula_font = QFont()
        self._formula_font.setPixelSize(FORMULA_PX_RANGE[0])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        low, high = FORMULA_PX_RANGE
        px = int(min(max(self.width() * FORMULA_PX_PER_PIXEL, low), high))
        if px != self._formula_font.pixelSize():
            self._formula_font.setPixelSize(px)
            for label in self._line_labels:
                label.setFont(self._formula_font)

    def show_calculation(self, calculation: Calculation) -> None:
        self.title.setText(calculation.title)
        for label in self._line_labels:
            self._formula_layout.removeWidget(label)
            label.hide()  # deleteLater waits for the event loop; the old line must go now
            label.deleteLater()
        self._line_labels = []
        for line in calculation.lines:
            label = QLabel(line.text)
            label.setFont(self._formula_font)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if line.value is not None:
                label.setToolTip(f"{line.name}: {line.value!r}")
            self._formula_layout.addWidget(label)
            self._line_labels.append(label)
        self.explanation.setText(calculation.explanation)

    def shown_lines(self) -> list[str]:
        """The formula lines as shown, top to bottom."""
        return [label.text() for label in self._line_labels]

    def shown_values(self) -> list[str]:
        """The tooltips of the formula lines (the full-precision values), top to bottom."""
        return [label.toolTip() for label in self._line_labels]
