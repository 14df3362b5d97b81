"""A small dialog to inspect and change one weight or bias: the value at the learner's precision
with the full one a click away; "," or "." decimals and fractions such as 1/3 accepted."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..app.walkthrough import DEFAULT_DIGITS, number
from .typed_numbers import EXAMPLES, NumberError, parse_number


class ValueDialog(QDialog):
    """Shows `description` and the current value with `digits` significant digits (the full value
    one click away); `value()` after accept. A text that is not a finite number is refused with
    a sentence saying why, and the dialog stays open."""

    def __init__(
        self,
        title: str,
        description: str,
        current: float,
        parent: QWidget | None = None,
        digits: int = DEFAULT_DIGITS,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._current = float(current)
        self._value: float | None = None
        # The short value is written the way Python reads it back ("-", not the true minus sign
        # of the canvas), so that the field holds a number one could type.
        self._short_text = number(self._current, digits).replace("−", "-")
        self._full_text = repr(self._current)
        layout = QVBoxLayout(self)
        text = QLabel(description)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.current_label = QLabel(
            f"Current value: {number(self._current, digits)}\nFull precision: {self._full_text}"
        )
        self.current_label.setToolTip("The value as stored, with every digit it has")
        layout.addWidget(self.current_label)
        row = QHBoxLayout()
        self.editor = QLineEdit(self._short_text)
        self.editor.setToolTip(f"Type a number such as {EXAMPLES}")
        self.editor.selectAll()
        row.addWidget(self.editor, 1)
        self.full_button = QPushButton("Full precision")
        self.full_button.setToolTip(
            "Put the value with all its digits in the field, to change only its last ones"
        )
        self.full_button.setAutoDefault(False)
        self.full_button.clicked.connect(self._on_full_button_clicked)
        # Nothing to show when the short value is already the whole of it.
        self.full_button.setEnabled(self._short_text != self._full_text)
        row.addWidget(self.full_button)
        layout.addLayout(row)
        hint = QLabel(f"For example {EXAMPLES}")
        hint.setStyleSheet("color: #666666;")
        layout.addWidget(hint)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)

    def _on_full_button_clicked(self) -> None:
        self.editor.setText(self._full_text)
        self.editor.setFocus()

    def accept(self) -> None:
        typed = self.editor.text()
        if typed.strip() == self._short_text:
            # The rounded value shown at the start, left as it was: OK must not round the weight.
            self._value = self._current
            super().accept()
            return
        try:
            self._value = parse_number(typed)
        except NumberError as refusal:
            self.error.setText(f"{refusal} Nothing has been changed.")
            self.error.show()
            # Tall enough for every line of the reason.
            self.adjustSize()
            return
        super().accept()

    def value(self) -> float | None:
        return self._value
