"""A small dialog to inspect and change one weight or bias, accepting "," or "." decimals."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from .settings_panel import parse_number


class ValueDialog(QDialog):
    """Shows `description` and the current value at full precision; `value()` after accept.
    A value that is not a finite number is refused with a message and the dialog stays open."""

    def __init__(
        self, title: str, description: str, current: float, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._value: float | None = None
        layout = QVBoxLayout(self)
        text = QLabel(description)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addWidget(QLabel(f"Current value: {current!r}"))
        self.editor = QLineEdit(repr(float(current)))
        self.editor.selectAll()
        layout.addWidget(self.editor)
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

    def accept(self) -> None:
        try:
            self._value = parse_number(self.editor.text())
        except ValueError:
            self.error.setText(
                f"“{self.editor.text()}” is not a number. Type for example 0.25 or 0,25; "
                "nothing has been changed."
            )
            self.error.show()
            return
        super().accept()

    def value(self) -> float | None:
        return self._value
