"""A line to type a formula in: it hands the text on when the learner is done, and shows a
refusal beneath itself, with the place in the text it stumbled on selected."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from ..engine.formula import FormulaError
from .training_keys import EDITING

# Refusals of typed formulas, in the colour of warnings.
REFUSAL_STYLE = "color: #b00020;"


class FormulaField(QWidget):
    """`line` to type in and, with `button_text`, a button beside it; `submitted(text)` when
    Enter is pressed or the button clicked (without a button: when the edit ends). The owner
    checks the text and calls `refuse` when it cannot be used; typing hides the refusal."""

    submitted = Signal(str)

    def __init__(
        self, placeholder: str, button_text: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.textEdited.connect(self._on_line_edited)
        layout.addWidget(self.line, 0, 0)
        self.button = None
        if button_text is None:
            self.line.editingFinished.connect(self._on_submit)
        else:
            self.button = QPushButton(button_text)
            self.button.clicked.connect(self._on_submit)
            self.line.returnPressed.connect(self._on_submit)
            layout.addWidget(self.button, 0, 1)
        self.refusal = QLabel()
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(REFUSAL_STYLE)
        self.refusal.hide()
        layout.addWidget(self.refusal, 1, 0, 1, layout.columnCount())

    @property
    def refused(self) -> bool:
        """Whether a refusal is shown (the text in the line is then the learner's, to mend)."""
        return not self.refusal.isHidden()

    def show_text(self, text: str) -> None:
        """Show `text` (the scenario's), unless a refused text waits to be mended."""
        if not self.refused:
            self.line.setText(text)

    def refuse(self, refusal: ValueError, verdict: str = "Not used") -> None:
        """Say why the text was refused; for a FormulaError also select the character it
        stumbled on (or put the caret at the end where the text stopped), so that the learner
        sees where to look, and keep the edit going: Space and the training keys type there."""
        self.refusal.setText(f"{verdict}: {refusal}.")
        self.refusal.show()
        if not isinstance(refusal, FormulaError):
            return
        line = self.line
        line.setFocus()
        line.setProperty(EDITING, True)
        if refusal.position < len(line.text()):
            line.setSelection(refusal.position, 1)
        else:
            line.setCursorPosition(refusal.position)

    def hide_refusal(self) -> None:
        self.refusal.hide()

    @Slot(str)
    def _on_line_edited(self, _text: str) -> None:
        self.refusal.hide()

    @Slot()
    def _on_submit(self) -> None:
        self.submitted.emit(self.line.text())
